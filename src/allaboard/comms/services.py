"""Business rules for communications: messages to audiences, the planned sequence, acknowledgements,
reach per team, the news feed, and the questions-and-concerns inbox. Pages, API and demo call these."""

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import reduce
from operator import or_

from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.db.models import BigIntegerField, Case, Exists, Max, OuterRef, Q, QuerySet, When
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, linebreaks

from allaboard.anonymity import min_group_size
from allaboard.errors import InputError
from allaboard.org import audit
from allaboard.org.access import role_of
from allaboard.org.models import JobRole, Person, Role, Unit, UnitKind, User
from allaboard.programmes.models import MilestoneKind, Programme

from . import access
from .delivery import Rendered, cancel, queue_many
from .models import (
    Acknowledgement,
    Campaign,
    Channel,
    ChatChannel,
    Delivery,
    DeliveryState,
    Message,
    MessageStatus,
    Question,
    QuestionStatus,
    Stage,
)

MESSAGE_RENDERER = "allaboard.comms.services.render_message"
CHAT_CHANNELS = (Channel.SLACK, Channel.TEAMS)
SEND_AT_GRACE = timedelta(minutes=1)
# Longest texts accepted: a message body must fit a Teams card (senders.TEAMS_TEXT_LIMIT) whole.
BODY_MAX = 20_000
WHY_MAX = 2_000
ANSWER_MAX = 10_000
HIDE_REASON_MAX = 300


def absolute_url(path: str) -> str:
    return f"{settings.BASE_URL}{path}"


def message_type() -> ContentType:
    return ContentType.objects.get_for_model(Message)


def deliveries_of(message: Message) -> QuerySet[Delivery]:
    return Delivery.objects.filter(source_type=message_type(), source_id=str(message.pk))


def redact(text: str) -> str:
    """Mask names, emails, phone numbers and ids with the textinsight redactor when it is installed."""
    try:
        from allaboard.textinsight.redaction import redact as textinsight_redact
    except ImportError:
        return text
    return textinsight_redact(text)


# --- messages ---------------------------------------------------------------------------------------


def message_snapshot(message: Message) -> dict:
    data = {
        name: getattr(message, name)
        for name in ("subject", "body", "why", "stage", "essential", "status", "planned_for", "send_at")
    }
    data["channels"] = sorted(message.channels or [])
    data["programme"] = message.programme_id
    data["campaign"] = message.campaign_id
    data["units"] = sorted(message.audience_units.values_list("pk", flat=True)) if message.pk else []
    data["roles"] = sorted(message.audience_roles.values_list("pk", flat=True)) if message.pk else []
    return data


def save_message(message: Message, data: dict, actor: User) -> Message:
    """Create or update a draft message from `data` (subject, body, why, stage, channels, unit_ids,
    role_ids, programme_id, campaign_id, essential, planned_for). Validates everything before writing."""
    if message.pk and message.status != MessageStatus.DRAFT:
        raise InputError("status", "only a draft can be changed; unschedule it first")
    data = dict(data)
    unit_ids = data.pop("unit_ids", None)
    role_ids = data.pop("role_ids", None)
    before = message_snapshot(message) if message.pk else {}
    for name in ("subject", "body", "why", "stage", "essential", "planned_for"):
        if name in data:
            setattr(message, name, data[name])
    if "channels" in data:
        message.channels = _clean_channels(data["channels"])
    if "programme_id" in data:
        message.programme = _programme(data["programme_id"])
    if "campaign_id" in data:
        message.campaign = _campaign(data["campaign_id"], message.programme)
    _check_message(message, actor)
    units = _audience_units(unit_ids, actor) if unit_ids is not None else None
    if units is None and not message.pk and role_of(actor) == Role.TEAM_LEADER:
        raise InputError("unit_ids", "choose at least one of your teams")
    roles = _job_roles(role_ids) if role_ids is not None else None
    with transaction.atomic():
        created = message.pk is None
        if created:
            message.author = actor
        message.save()
        if units is not None:
            message.audience_units.set(units)
        if roles is not None:
            message.audience_roles.set(roles)
        audit.record(
            actor, "create" if created else "update", message, audit.diff(before, message_snapshot(message))
        )
    return message


def _clean_channels(channels) -> list[str]:
    chosen = list(dict.fromkeys(channels or []))
    if not chosen:
        raise InputError("channels", "choose at least one channel")
    if unknown := [c for c in chosen if c not in Channel.values]:
        raise InputError("channels", f"unknown channel {unknown[0]!r}; use {', '.join(Channel.values)}")
    return chosen


def _programme(programme_id: int | None) -> Programme | None:
    if programme_id in (None, ""):
        return None
    programme = Programme.objects.filter(pk=programme_id).first()
    if programme is None:
        raise InputError("programme_id", f"unknown programme {programme_id}")
    return programme


def _campaign(campaign_id: int | None, programme: Programme | None) -> Campaign | None:
    if campaign_id in (None, ""):
        return None
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        raise InputError("campaign_id", f"unknown campaign {campaign_id}")
    if programme is None or campaign.programme_id != programme.pk:
        raise InputError("campaign_id", "the campaign belongs to another programme")
    return campaign


def _check_message(message: Message, actor: User) -> None:
    message.subject = (message.subject or "").strip()
    message.body = (message.body or "").strip()
    if not message.subject:
        raise InputError("subject", "is required")
    if len(message.subject) > 200:
        raise InputError("subject", "at most 200 characters")
    if not message.body:
        raise InputError("body", "is required")
    if len(message.body) > BODY_MAX:
        raise InputError("body", f"at most {BODY_MAX} characters")
    message.why = (message.why or "").strip()
    if len(message.why) > WHY_MAX:
        raise InputError("why", f"at most {WHY_MAX} characters")
    if message.stage not in Stage.values:
        raise InputError("stage", f"use one of {', '.join(Stage.values)}")
    if not message.channels:
        raise InputError("channels", "choose at least one channel")
    if message.essential and not access.runs_comms(actor):
        raise InputError("essential", "only change leads and admins can send essential messages")


def _audience_units(unit_ids, actor: User) -> list[Unit]:
    ids = list(dict.fromkeys(int(pk) for pk in unit_ids or []))
    if role_of(actor) == Role.TEAM_LEADER and not ids:
        raise InputError("unit_ids", "choose at least one of your teams")
    units = list(access.audience_scope(actor).filter(pk__in=ids))
    if missing := sorted(set(ids) - {u.pk for u in units}):
        raise InputError("unit_ids", f"unknown unit, or not one you may address: {missing[0]}")
    return units


def _job_roles(role_ids) -> list[JobRole]:
    ids = list(dict.fromkeys(int(pk) for pk in role_ids or []))
    roles = list(JobRole.objects.filter(pk__in=ids))
    if missing := sorted(set(ids) - {r.pk for r in roles}):
        raise InputError("role_ids", f"unknown job role {missing[0]}")
    return roles


def subtree_filter(units, prefix: str = "") -> Q:
    return reduce(or_, (Q(**{f"{prefix}path__startswith": u.path}) for u in units))


def audience_people(message: Message, on: date | None = None) -> QuerySet[Person]:
    """The people a message reaches: in the chosen units (and below), or everyone; only the chosen job
    roles when any are chosen; employed on `on`."""
    people = Person.objects.active_on(on or timezone.localdate())
    units = list(message.audience_units.all())
    if units:
        people = people.filter(subtree_filter(units, "unit__"))
    roles = list(message.audience_roles.values_list("pk", flat=True))
    if roles:
        people = people.filter(job_role_id__in=roles)
    return people


def audience_chat_channels(message: Message) -> QuerySet[ChatChannel]:
    """Team chat channels a message is posted to: those at or below the chosen units. A message for some
    job roles only is not posted to team channels, which everyone in the team reads."""
    kinds = [c for c in message.channels if c in CHAT_CHANNELS]
    if not kinds or message.audience_roles.exists():
        return ChatChannel.objects.none()
    channels = ChatChannel.objects.filter(active=True, kind__in=kinds)
    units = list(message.audience_units.all())
    return channels.filter(subtree_filter(units, "unit__")) if units else channels


def send_message(message: Message, actor: User, send_at: datetime | None = None) -> Message:
    """Send a draft now, or schedule it for `send_at`.

    The worker then creates one delivery per person and channel (thousands for a site-wide message, so
    not in the request); scheduled deliveries are created at once too, so the frequency cap sees them.
    The body is rendered from the message when each delivery goes out, so edits made before then apply."""
    from .tasks import create_message_deliveries

    access.require_edit(actor, message)
    if message.status != MessageStatus.DRAFT:
        raise InputError(
            "status", f"only a draft can be sent; this one is {message.get_status_display().lower()}"
        )
    now = timezone.now()
    if send_at is not None and timezone.is_naive(send_at):
        send_at = timezone.make_aware(send_at)
    # A time in the past is a mistake, not "now": refuse it. The page gives minutes, so the current
    # minute still counts as now.
    if send_at is not None and send_at < now - SEND_AT_GRACE:
        raise InputError("send_at", "is in the past; choose a later time, or leave it empty to send now")
    later = send_at if send_at is not None and send_at > now else None
    if not _reaches_anyone(message, (later or now).date()):
        raise InputError("unit_ids", "this message reaches nobody through the chosen channels")
    with transaction.atomic():
        message.status = MessageStatus.SCHEDULED if later else MessageStatus.SENT
        message.send_at = later
        message.sent_at = None if later else now
        message.save(update_fields=["status", "send_at", "sent_at", "updated_at"])
        audit.record(
            actor, "schedule" if later else "send", message, {"send_at": str(later) if later else "now"}
        )
        create_message_deliveries.enqueue(message.pk)
    return message


def _reaches_anyone(message: Message, on: date) -> bool:
    people = audience_people(message, on=on)
    if Channel.FEED in message.channels and people.exists():
        return True
    if Channel.EMAIL in message.channels and people.exclude(email__isnull=True).exclude(email="").exists():
        return True
    return audience_chat_channels(message).exists()


def create_deliveries(message: Message) -> int:
    """One delivery per audience member and channel, and one per team chat channel. Runs once: a
    message that already has deliveries, or is no longer being sent, is left alone. Returns how many."""
    if message.status not in (MessageStatus.SENT, MessageStatus.SCHEDULED) or deliveries_of(message).exists():
        return 0
    later = message.send_at if message.status == MessageStatus.SCHEDULED else None
    day = (later or timezone.now()).date()
    common = dict(
        purpose="message",
        source=message,
        renderer=MESSAGE_RENDERER,
        renderer_args={"message_id": message.pk},
        essential=message.essential,
        send_after=later,
    )
    items = []
    for person in audience_people(message, on=day).only("pk", "email", "unit_id").iterator(chunk_size=2000):
        if Channel.EMAIL in message.channels and person.email:
            items.append(dict(channel=Channel.EMAIL, person=person, **common))
        if Channel.FEED in message.channels:
            items.append(dict(channel=Channel.FEED, person=person, **common))
    for chat in audience_chat_channels(message):
        items.append(dict(channel=chat.kind, address=chat.webhook_url, **common))
    queue_many(items)
    return len(items)


def unschedule_message(message: Message, actor: User) -> Message:
    """Back to draft: deliveries not sent yet are cancelled."""
    access.require_edit(actor, message)
    if message.status != MessageStatus.SCHEDULED:
        raise InputError("status", "only a scheduled message can be unscheduled")
    with transaction.atomic():
        cancelled = cancel(deliveries_of(message))
        deliveries_of(message).filter(state=DeliveryState.CANCELLED).delete()
        message.status, message.send_at = MessageStatus.DRAFT, None
        message.save(update_fields=["status", "send_at", "updated_at"])
        audit.record(actor, "unschedule", message, {"cancelled_deliveries": cancelled})
    return message


def cancel_message(message: Message, actor: User) -> Message:
    """Stop a draft or scheduled message for good; deliveries not sent yet are cancelled."""
    access.require_edit(actor, message)
    if message.status not in (MessageStatus.DRAFT, MessageStatus.SCHEDULED):
        raise InputError("status", "a sent message cannot be cancelled")
    with transaction.atomic():
        cancelled = cancel(deliveries_of(message))
        message.status = MessageStatus.CANCELLED
        message.save(update_fields=["status", "updated_at"])
        audit.record(actor, "cancel", message, {"cancelled_deliveries": cancelled})
    return message


def mark_scheduled_sent(now: datetime | None = None) -> int:
    """Scheduled messages whose time has come are shown as sent."""
    now = now or timezone.now()
    return Message.objects.filter(status=MessageStatus.SCHEDULED, send_at__lte=now).update(
        status=MessageStatus.SENT, sent_at=now
    )


def render_message(delivery: Delivery, *, message_id: int) -> Rendered:
    """Renderer for message deliveries: the current text of the message, with a link to read it and say
    “I understand why”. Emails link through a per-delivery address that records the open, and carry a
    one-pixel image that does the same when the reader's mail program loads images."""
    message = Message.objects.get(pk=message_id)
    read_url = absolute_url(reverse("comms:read", args=[message.pk]))
    link = read_url
    if delivery.channel == Channel.EMAIL:
        link = absolute_url(reverse("comms:click", args=[delivery.token]))
    parts = [message.body]
    if message.why:
        parts.append(f"Why this matters: {message.why}")
    parts.append(f"Read it and tell us whether you understand why: {link}")
    text = "\n\n".join(parts)
    html = ""
    if delivery.channel == Channel.EMAIL:
        pixel = absolute_url(reverse("comms:open", args=[delivery.token]))
        html = (
            f"{linebreaks(message.body)}"
            + (f"<p><strong>Why this matters:</strong> {escape(message.why)}</p>" if message.why else "")
            + f'<p><a href="{escape(link)}">Read it and tell us whether you understand why</a></p>'
            + f'<img src="{escape(pixel)}" width="1" height="1" alt="">'
        )
    return Rendered(subject=message.subject, text=text, html=html, link=link)


# --- acknowledgements and opens ---------------------------------------------------------------------


def acknowledge(message: Message, person: Person) -> tuple[Acknowledgement, bool]:
    """ "I understand why": one click, once per person; clicking again changes nothing."""
    if not deliveries_of(message).filter(person=person).exists():
        raise InputError("message", "this message was not sent to you")
    try:
        with transaction.atomic():
            ack, created = Acknowledgement.objects.get_or_create(
                message=message, person=person, defaults={"unit_id": person.unit_id}
            )
    except IntegrityError:  # two clicks at once
        return Acknowledgement.objects.get(message=message, person=person), False
    deliveries_of(message).filter(person=person, opened_at__isnull=True, state=DeliveryState.SENT).update(
        opened_at=ack.at
    )
    return ack, created


def record_open(token: str) -> Delivery | None:
    """An email was opened (tracking pixel) or its link followed. Only the first time counts."""
    delivery = Delivery.objects.filter(token=token).first()
    if delivery is not None and delivery.opened_at is None:
        delivery.opened_at = timezone.now()
        Delivery.objects.filter(pk=delivery.pk, opened_at__isnull=True).update(opened_at=delivery.opened_at)
    return delivery


# --- the news feed ----------------------------------------------------------------------------------


@dataclass
class FeedItem:
    delivery: Delivery
    subject: str
    text: str
    link: str
    message: Message | None = None
    acknowledged: bool = False

    @property
    def unread(self) -> bool:
        return self.delivery.opened_at is None


def feed_for(person: Person, limit: int = 50) -> list[FeedItem]:
    """The person's news feed and notifications, newest first."""
    deliveries = list(
        Delivery.objects.filter(person=person, channel=Channel.FEED, state=DeliveryState.SENT).order_by(
            "-sent_at", "-id"
        )[:limit]
    )
    mtype = message_type()
    message_ids = [int(d.source_id) for d in deliveries if d.source_type_id == mtype.pk]
    messages = Message.objects.in_bulk(message_ids)
    acked = set(
        Acknowledgement.objects.filter(person=person, message_id__in=message_ids).values_list(
            "message_id", flat=True
        )
    )
    items = []
    for d in deliveries:
        message = messages.get(int(d.source_id)) if d.source_type_id == mtype.pk else None
        if message is not None:
            items.append(
                FeedItem(
                    d,
                    message.subject,
                    message.body,
                    reverse("comms:read", args=[message.pk]),
                    message,
                    message.pk in acked,
                )
            )
        elif not d.renderer:
            items.append(FeedItem(d, d.subject, d.text, d.link))
    return items


def mark_read(items: list[FeedItem]) -> int:
    """The feed page shows items in full, so showing them is reading them."""
    ids = [item.delivery.pk for item in items if item.unread]
    return Delivery.objects.filter(pk__in=ids, opened_at__isnull=True).update(opened_at=timezone.now())


def unread_count(person: Person) -> int:
    return Delivery.objects.filter(
        person=person, channel=Channel.FEED, state=DeliveryState.SENT, opened_at__isnull=True
    ).count()


def notify(
    person: Person, subject: str, text: str, link: str = "", source=None, purpose: str = "notification"
):
    """A personal notification in the person's news feed."""
    return queue_many(
        [
            dict(
                channel=Channel.FEED,
                purpose=purpose,
                person=person,
                subject=subject,
                text=text,
                link=link,
                source=source,
            )
        ]
    )[0]


# --- reach per team ---------------------------------------------------------------------------------


@dataclass
class Awareness:
    mean: float
    n: int | None = None
    low: float | None = None
    high: float | None = None


@dataclass
class TeamReach:
    unit: Unit
    people: int
    suppressed: bool
    delivered: int = 0
    opened: int = 0
    acknowledged: int = 0
    sent_to: int = 0  # person-message pairs
    awareness: Awareness | None = None

    def share(self, count: int) -> float | None:
        return None if self.suppressed or not self.sent_to else count / self.sent_to

    def _pct(self, count: int) -> int | None:
        share = self.share(count)
        return None if share is None else round(100 * share)

    @property
    def delivered_pct(self) -> int | None:
        return self._pct(self.delivered)

    @property
    def opened_pct(self) -> int | None:
        return self._pct(self.opened)

    @property
    def acknowledged_pct(self) -> int | None:
        return self._pct(self.acknowledged)


@dataclass
class ReachReport:
    rows: list[TeamReach]
    k: int
    awareness_available: bool
    totals: TeamReach | None = None
    hidden_teams: int = 0
    notes: list[str] = field(default_factory=list)


def reach_by_team(messages: list[Message], user: User, programme: Programme | None = None) -> ReachReport:
    """Per team the user may see: how many people the messages went to, how many were delivered, opened
    (where measurable: email opens and link clicks, feed reads) and acknowledged. Counts are of
    person-and-message pairs; a team with fewer than k people in the audience shows no figures, and the
    totals only add up teams that are shown. Beside each team, its Awareness score when listening has one."""
    k = min_group_size()
    visible_ids = set(access.audience_scope(user).values_list("pk", flat=True))
    per_unit = {
        unit_id: counts for unit_id, counts in _reach_counts(messages).items() if unit_id in visible_ids
    }
    visible = Unit.objects.in_bulk(per_unit.keys())
    awareness = team_awareness(programme.pk) if programme is not None else None
    report = ReachReport(rows=[], k=k, awareness_available=awareness is not None)
    for unit_id, counts in sorted(per_unit.items(), key=lambda item: visible[item[0]].path):
        people = counts["people"]
        suppressed = people < k
        row = TeamReach(unit=visible[unit_id], people=people, suppressed=suppressed)
        if not suppressed:
            row.sent_to, row.delivered = counts["pairs"], counts["sent"]
            row.opened, row.acknowledged = counts["opened"], counts["ack"]
            row.awareness = (awareness or {}).get(unit_id)
        report.rows.append(row)
    shown = [r for r in report.rows if not r.suppressed]
    report.hidden_teams = len(report.rows) - len(shown)
    if shown:
        report.totals = TeamReach(
            unit=Unit(name="Teams shown"),
            people=sum(r.people for r in shown),
            suppressed=False,
            sent_to=sum(r.sent_to for r in shown),
            delivered=sum(r.delivered for r in shown),
            opened=sum(r.opened for r in shown),
            acknowledged=sum(r.acknowledged for r in shown),
        )
    return report


def _reach_counts(messages: list[Message]) -> dict[int, dict[str, int]]:
    """Per unit (of the recipient when queued): people, person-message pairs, and how many pairs were
    delivered, opened and acknowledged. Aggregated in the database: one row per unit comes back."""
    if not messages:
        return {}
    # source_id is text; cast it (not the acknowledgement's key) so the (message, person) index is used.
    ack = Acknowledgement.objects.filter(
        person_id=OuterRef("person_id"), message_id=Cast(OuterRef("source_id"), BigIntegerField())
    )
    pairs = (
        Delivery.objects.filter(
            source_type=message_type(), source_id__in=[str(m.pk) for m in messages], person__isnull=False
        )
        .exclude(state=DeliveryState.CANCELLED)
        .values("unit_id", "person_id", "source_id")
        .annotate(
            is_sent=Max(Case(When(state=DeliveryState.SENT, then=1), default=0)),
            is_opened=Max(Case(When(opened_at__isnull=False, then=1), default=0)),
            is_acked=Max(Case(When(Exists(ack), then=1), default=0)),
        )
        .order_by()
    )
    inner, params = pairs.query.sql_with_params()
    # The inner query is Django's own, with its parameters kept apart: nothing from outside is pasted in.
    columns = "COUNT(DISTINCT pairs.person_id), COUNT(*), SUM(pairs.is_sent), SUM(pairs.is_opened), SUM(pairs.is_acked)"
    sql = f"SELECT pairs.unit_id, {columns} FROM ({inner}) pairs GROUP BY pairs.unit_id"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {
            unit_id: {"people": people, "pairs": n, "sent": sent, "opened": opened, "ack": acked}
            for unit_id, people, n, sent, opened, acked in cursor.fetchall()
            if unit_id is not None
        }


def team_awareness(programme_id: int) -> dict[int, Awareness] | None:
    """Awareness (ADKAR) mean per team from listening's latest pulse, or None while listening has none.
    Teams below k come back from listening as None and are left out here."""
    team_element_means = _team_element_means()
    if team_element_means is None:
        return None
    means = team_element_means(programme_id, "awareness")
    if not means:
        return None
    scores = {}
    for unit_id, mean in means.items():
        if mean is None:
            continue
        low, high = _interval(mean)
        scores[unit_id] = Awareness(mean=float(mean.mean), n=getattr(mean, "n", None), low=low, high=high)
    return scores


def _team_element_means():
    """listening.services.team_element_means, when the listening app is installed."""
    if not django_apps.is_installed("allaboard.listening"):
        return None
    try:
        from allaboard.listening.services import team_element_means
    except ImportError:
        return None
    return team_element_means


def _interval(mean) -> tuple[float | None, float | None]:
    ci = getattr(mean, "ci", None)
    if ci is not None:
        if isinstance(ci, (tuple, list)) and len(ci) == 2:
            return float(ci[0]), float(ci[1])
        if hasattr(ci, "low") and hasattr(ci, "high"):
            return float(ci.low), float(ci.high)
    for low_name, high_name in (("low", "high"), ("ci_low", "ci_high"), ("lower", "upper")):
        if getattr(mean, low_name, None) is not None and getattr(mean, high_name, None) is not None:
            return float(getattr(mean, low_name)), float(getattr(mean, high_name))
    return None, None


def delivery_counts(message: Message) -> dict[str, dict[str, int]]:
    """{channel: {state: count}} for a message."""
    counts: dict[str, dict[str, int]] = {}
    for channel, state in deliveries_of(message).values_list("channel", "state"):
        counts.setdefault(channel, {})
        counts[channel][state] = counts[channel].get(state, 0) + 1
    return counts


def delivery_status_rows(message: Message) -> list[list]:
    """Rows for the delivery status export: one per delivery."""
    acked = set(message.acknowledgements.values_list("person_id", flat=True))
    rows = []
    for d in (
        deliveries_of(message)
        .select_related("person", "unit")
        .order_by("unit__path", "person__family_name", "channel")
    ):
        rows.append(
            [
                d.channel,
                d.person.full_name if d.person_id else "",
                d.person.email if d.person_id and d.channel == Channel.EMAIL else "",
                d.unit.name if d.unit_id else "",
                "" if d.person_id else d.recipient_label,
                d.state,
                d.attempts,
                d.sent_at.isoformat() if d.sent_at else "",
                d.opened_at.isoformat() if d.opened_at else "",
                "yes" if d.person_id in acked else "",
                d.last_error,
            ]
        )
    return rows


DELIVERY_STATUS_HEADER = [
    "channel",
    "person",
    "email",
    "team",
    "chat channel",
    "state",
    "attempts",
    "sent at",
    "opened at",
    "acknowledged",
    "last error",
]


# --- the planned sequence ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SequenceStep:
    stage: str
    subject: str
    body: str


def _go_live(programme: Programme) -> date:
    milestone = programme.milestones.filter(kind=MilestoneKind.GO_LIVE).order_by("due").first()
    if milestone:
        return milestone.due
    return (programme.start_date or timezone.localdate()) + timedelta(days=60)


def _training(programme: Programme, go_live: date) -> date:
    milestone = programme.milestones.filter(kind=MilestoneKind.TRAINING).order_by("due").first()
    return milestone.due if milestone else go_live - timedelta(days=14)


def standard_sequence(programme: Programme) -> list[tuple[SequenceStep, date]]:
    """The six steps every programme should communicate, drafted from the programme's own words, with
    a suggested date for each: announce at the start, why three days later, what changes for me after
    ten days, training a week before the training milestone, go-live two days before it, early wins
    three weeks after it; a step falling at a weekend moves to the Friday before."""
    start = programme.start_date or timezone.localdate()
    go_live = _go_live(programme)
    training = _training(programme, go_live)
    benefits = "\n".join(f"- {b.group}: {b.benefit}" for b in programme.benefits.all())
    name = programme.name
    steps = [
        (
            SequenceStep(
                Stage.ANNOUNCE,
                f"{name}: what is changing",
                "\n\n".join(p for p in [programme.summary, programme.good_looks_like] if p)
                or f"We are starting {name}.",
            ),
            start,
        ),
        (
            SequenceStep(
                Stage.WHY,
                f"Why we are changing: {name}",
                "\n\n".join(p for p in [programme.problem_today, programme.why, benefits] if p)
                or f"Here is why {name} matters.",
            ),
            start + timedelta(days=3),
        ),
        (
            SequenceStep(
                Stage.WHAT_CHANGES,
                "What changes for you",
                f"Your page “What changes for me” shows what {name} changes in your role and your day, "
                "team by team. Read it, and ask us anything in Questions.",
            ),
            start + timedelta(days=10),
        ),
        (
            SequenceStep(
                Stage.TRAINING,
                f"Training for {name}",
                f"Training starts on {training:%d %B %Y}. Your team leader will book your session; "
                "it is in work time.",
            ),
            max(start, training - timedelta(days=7)),
        ),
        (
            SequenceStep(
                Stage.GO_LIVE,
                f"Go-live on {go_live:%d %B %Y}",
                f"{name} goes live on {go_live:%d %B %Y}. Floor-walkers and your team leader are there to "
                "help in the first weeks; report anything that does not work in the defect log.",
            ),
            go_live - timedelta(days=2),
        ),
        (
            SequenceStep(
                Stage.WINS,
                f"Early wins from {name}",
                "What we hoped for:\n" + benefits if benefits else f"What {name} has changed so far.",
            ),
            go_live + timedelta(days=21),
        ),
    ]
    # Nobody reads work messages at the weekend: a step due then moves to the Friday before.
    return [
        (step, _weekday_on_or_before(day) if step.stage != Stage.ANNOUNCE else day) for step, day in steps
    ]


def _weekday_on_or_before(day: date) -> date:
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def plan_sequence(programme: Programme, actor: User) -> Campaign:
    """Draft the standard sequence for a programme: one draft per stage that has no message yet, for the
    impacted teams, by email and feed (and chat where those teams have channels). Running it again only
    fills gaps."""
    access.require_runs_comms(actor)
    campaign = programme.campaigns.order_by("pk").first()
    with transaction.atomic():
        if campaign is None:
            campaign = Campaign.objects.create(
                programme=programme,
                name=f"{programme.name}: planned sequence",
                description="Announce, explain why, what changes for me, training, go-live, early wins.",
            )
            audit.record(actor, "create", campaign)
        have = set(programme.messages.exclude(status=MessageStatus.CANCELLED).values_list("stage", flat=True))
        units = list(Unit.objects.filter(impacts__programme=programme).distinct())
        channels = [Channel.EMAIL, Channel.FEED]
        if units:
            chat = ChatChannel.objects.filter(active=True).filter(subtree_filter(units, "unit__"))
        else:
            chat = ChatChannel.objects.filter(active=True)
        channels += sorted(set(chat.values_list("kind", flat=True)))
        for step, planned in standard_sequence(programme):
            if step.stage in have:
                continue
            message = Message.objects.create(
                programme=programme,
                campaign=campaign,
                stage=step.stage,
                subject=step.subject[:200],
                body=step.body,
                why=programme.why,
                channels=channels,
                planned_for=planned,
                author=actor,
            )
            message.audience_units.set(units)
            audit.record(actor, "create", message, {"stage": step.stage, "planned_for": str(planned)})
    return campaign


@dataclass
class SequenceRow:
    stage: str
    label: str
    messages: list[Message]

    @property
    def missing(self) -> bool:
        return not self.messages


def sequence_for(programme: Programme) -> list[SequenceRow]:
    """Each stage of the sequence with the programme's messages in it (missing stages stand out)."""
    messages = list(
        programme.messages.exclude(status=MessageStatus.CANCELLED).order_by("planned_for", "send_at", "pk")
    )
    rows = [
        SequenceRow(stage, label, [m for m in messages if m.stage == stage])
        for stage, label in Stage.choices
        if stage != Stage.OTHER
    ]
    others = [m for m in messages if m.stage == Stage.OTHER]
    if others:
        rows.append(SequenceRow(Stage.OTHER, Stage.OTHER.label, others))
    return rows


# --- questions and concerns -------------------------------------------------------------------------


def flag_days() -> int:
    return max(1, int(getattr(settings, "ALLABOARD_COMMS_QUESTION_FLAG_DAYS", 5)))


def receipt_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def ask(
    user: User,
    text: str,
    *,
    programme: Programme | None = None,
    anonymous: bool = False,
    is_concern: bool = False,
) -> tuple[Question, str]:
    """Record a question or concern. Returns it with a receipt token for an anonymous asker (shown once,
    only its hash is kept) so they can come back to the answer without being known.

    An anonymous question stores no person, no team, and its audit entry names nobody."""
    text = (text or "").strip()
    if len(text) < 5:
        raise InputError("text", "write your question (at least a few words)")
    if len(text) > 4000:
        raise InputError("text", "at most 4000 characters")
    if not anonymous and not user.person_id:
        raise InputError("anonymous", "your login is not linked to a person: ask anonymously")
    token = ""
    question = Question(programme=programme, text=redact(text), anonymous=anonymous, is_concern=is_concern)
    if anonymous:
        token = secrets.token_urlsafe(18)
        question.receipt_hash = receipt_hash(token)
    else:
        question.asked_by = user.person
        question.unit_id = user.person.unit_id
    with transaction.atomic():
        question.save()
        audit.record(
            None if anonymous else user,
            "ask_anonymously" if anonymous else "ask",
            question,
            object_repr=f"Question {question.pk}",
        )
    return question, token


def answer(question: Question, text: str, actor: User) -> Question:
    """Answer publicly: the answer joins the programme's FAQ; a named asker is told in their feed."""
    access.require_leader(actor)
    text = (text or "").strip()
    if not text:
        raise InputError("answer", "write the answer")
    if len(text) > ANSWER_MAX:
        raise InputError("answer", f"at most {ANSWER_MAX} characters")
    before = {"answer": question.answer, "status": question.status}
    role = Role(role_of(actor)).label
    name = actor.person.full_name if actor.person_id else actor.get_username()
    with transaction.atomic():
        question.answer = text
        question.status = QuestionStatus.ANSWERED
        question.answered_by = actor
        question.answered_by_name = f"{name}, {role}"
        question.answered_on = timezone.localdate()
        question.save()
        audit.record(
            actor, "answer", question, audit.diff(before, {"answer": text, "status": question.status})
        )
        if question.asked_by_id:
            notify(
                question.asked_by,
                "Your question has an answer",
                f"You asked: {question.text[:200]}\n\nAnswer: {text}",
                link=reverse("comms:question", args=[question.pk]),
                source=question,
                purpose="question_answered",
            )
    return question


def hide(question: Question, reason: str, actor: User) -> Question:
    """Keep a question out of the FAQ (personal, duplicate, answered privately), with the reason."""
    access.require_runs_comms(actor)
    reason = (reason or "").strip()
    if not reason:
        raise InputError("reason", "say why it is not published")
    if len(reason) > HIDE_REASON_MAX:
        raise InputError("reason", f"at most {HIDE_REASON_MAX} characters")
    before = {"status": question.status}
    question.status, question.hidden_reason = QuestionStatus.HIDDEN, reason
    question.save(update_fields=["status", "hidden_reason"])
    audit.record(
        actor, "hide", question, audit.diff(before, {"status": question.status}) | {"reason": reason}
    )
    return question


def faq(programme: Programme | None = None, search: str = "") -> QuerySet[Question]:
    """Answered questions, newest first; every word of `search` must appear in the question or answer."""
    questions = Question.objects.filter(status=QuestionStatus.ANSWERED).select_related("programme")
    if programme is not None:
        questions = questions.filter(programme=programme)
    for word in search.split()[:8]:
        questions = questions.filter(Q(text__icontains=word) | Q(answer__icontains=word))
    return questions.order_by("-answered_on", "-pk")


def overdue_questions(today: date | None = None) -> QuerySet[Question]:
    """Questions still waiting after ALLABOARD_COMMS_QUESTION_FLAG_DAYS days."""
    today = today or timezone.localdate()
    return Question.objects.filter(
        status=QuestionStatus.OPEN, asked_on__lt=today - timedelta(days=flag_days())
    )


def flag_overdue_questions(today: date | None = None) -> int:
    """Tell every change lead, in their feed, about questions that have newly passed the threshold."""
    today = today or timezone.localdate()
    newly = list(overdue_questions(today).filter(flagged_on__isnull=True))
    if not newly:
        return 0
    Question.objects.filter(pk__in=[q.pk for q in newly]).update(flagged_on=today)
    leads = Person.objects.filter(user__role=Role.CHANGE_LEAD, user__is_active=True)
    count = len(newly)
    noun = "question has" if count == 1 else "questions have"
    for lead in leads:
        notify(
            lead,
            f"{count} {noun} waited more than {flag_days()} days",
            "People are waiting for an answer. Answer them in the questions inbox; answers build the FAQ.",
            link=reverse("comms:questions") + "?show=overdue",
            purpose="questions_overdue",
        )
    return count


def questions_for_receipt(token: str) -> Question | None:
    if not token:
        return None
    return Question.objects.filter(receipt_hash=receipt_hash(token)).first()


def sweep(now: datetime | None = None) -> dict:
    """Periodic housekeeping: send what is due, mark scheduled messages sent, flag overdue questions."""
    from .delivery import dispatch_due

    now = now or timezone.now()
    return {
        "deliveries": dispatch_due(now),
        "messages": mark_scheduled_sent(now),
        "questions_flagged": flag_overdue_questions(timezone.localdate(now)),
    }


def audience_choices(user: User) -> QuerySet[Unit]:
    """Units offered as audiences: the organisation's sites, partner, departments and teams in scope."""
    return access.audience_scope(user).exclude(kind=UnitKind.ORGANISATION)
