"""Listening: build a survey, send it, take answers, close and publish waves, reply to comments.

Results are read through `allaboard.listening.results`; `team_element_means`, `findings` and
`latest_wave` (what the playbook consumes) are re-exported here.
"""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from allaboard.anonymity import min_comment_group_size, min_group_size
from allaboard.errors import InputError
from allaboard.org import audit
from allaboard.org.access import has_role
from allaboard.org.models import JobRole, Person, Role, Unit, UnitKind
from allaboard.programmes.models import Programme

from . import aggregates, links
from . import instruments as I
from .models import (
    Acknowledgement,
    Answer,
    CommentReply,
    Draft,
    Invitation,
    Question,
    QuestionTranslation,
    Response,
    Survey,
    TeamLink,
    Wave,
    WaveStatus,
)
from .results import findings, latest_wave, team_element_means  # noqa: F401 - the playbook's entry points

MANAGERS = (Role.ADMIN, Role.CHANGE_LEAD)
MAX_OPEN_TEXT = 2000
RENDERER = "allaboard.listening.services.render_invitation"


def can_manage(user) -> bool:
    """Build, send and close surveys."""
    return has_role(user, *MANAGERS)


def require_manager(user) -> None:
    if not can_manage(user):
        raise PermissionDenied("Only change leads and admins run surveys.")


# --- building a survey -------------------------------------------------------------------------------


def _whole(value, field_name: str) -> int:
    """A whole number from a form or JSON value, or a clear error naming the field."""
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        raise InputError(field_name, f"must be a whole number, not {str(value)[:20]!r}") from None


def _thresholds(data: dict) -> dict:
    """Validated anonymity settings: never below the platform's thresholds."""
    out = {}
    k = data.get("min_group_size")
    if k not in (None, ""):
        k = _whole(k, "min_group_size")
        if k < min_group_size():
            raise InputError("min_group_size", f"must be at least the platform's minimum, {min_group_size()}")
        out["min_group_size"] = k
    ck = data.get("min_comment_group_size")
    if ck not in (None, ""):
        ck = _whole(ck, "min_comment_group_size")
        floor = max(min_comment_group_size(), out.get("min_group_size") or min_group_size())
        if ck < floor:
            raise InputError("min_comment_group_size", f"must be at least {floor}")
        out["min_comment_group_size"] = ck
    if data.get("key_driver_min_respondents") not in (None, ""):
        value = _whole(data["key_driver_min_respondents"], "key_driver_min_respondents")
        if value < 26:
            raise InputError("key_driver_min_respondents", "key drivers need more than 25 respondents")
        out["key_driver_min_respondents"] = value
    if "protect_between_waves" in data:
        out["protect_between_waves"] = bool(data["protect_between_waves"])
    return out


def _languages(value) -> list[str]:
    languages = [str(code).strip().lower() for code in (value or ["en"]) if str(code).strip()]
    for code in languages:
        if not code.replace("-", "").isalpha() or len(code) > 10:
            raise InputError("languages", f"{code!r} is not a language code like en or cy")
    if "en" not in languages:
        languages.insert(0, "en")
    return list(dict.fromkeys(languages))


SURVEY_FIELDS = ("name", "intro", "window_days", "recurrence_weeks", "include_partner", "announce_in_chat")


def create_survey(actor, data: dict) -> Survey:
    """A survey from instruments in the library (`instruments`: keys) plus its settings. Nothing is
    written when any part is wrong."""
    require_manager(actor)
    name = (data.get("name") or "").strip()
    if not name:
        raise InputError("name", "is required")
    keys = list(data.get("instruments") or [])
    for key in keys:
        if key not in I.LIBRARY:
            raise InputError("instruments", f"no instrument {key!r}; choose from {', '.join(I.LIBRARY)}")
    programme = None
    if data.get("programme_id"):
        programme = Programme.objects.filter(pk=data["programme_id"]).first()
        if programme is None:
            raise InputError("programme_id", "no such programme")
    settings_ = _thresholds(data)
    units = _units(data.get("audience_unit_ids") or [])
    roles = _roles(data.get("audience_role_ids") or [])
    with transaction.atomic():
        survey = Survey(
            name=name[:200],
            programme=programme,
            intro=data.get("intro") or "",
            languages=_languages(data.get("languages")),
            window_days=_window(data.get("window_days", 10)),
            recurrence_weeks=_recurrence(data.get("recurrence_weeks", 0)),
            include_partner=bool(data.get("include_partner", True)),
            announce_in_chat=bool(data.get("announce_in_chat", False)),
            created_by=actor if getattr(actor, "pk", None) else None,
            **settings_,
        )
        survey.save()
        survey.audience_units.set(units)
        survey.audience_roles.set(roles)
        position = 0
        for key in keys:
            for item in I.instrument(key).items:
                position += 1
                Question.objects.create(
                    survey=survey,
                    position=position,
                    key=item.key,
                    kind=item.kind,
                    text=item.text,
                    scale=item.scale,
                    reverse=item.reverse,
                    is_outcome=item.outcome,
                    choices=list(item.choices),
                    instrument=key,
                )
        audit.record(
            actor, "create", survey, {"instruments": keys, **{k: str(v) for k, v in settings_.items()}}
        )
    return survey


def _units(ids) -> list[Unit]:
    units = list(Unit.objects.filter(pk__in=[int(i) for i in ids]))
    if len(units) != len(set(int(i) for i in ids)):
        raise InputError("audience_unit_ids", "unknown unit id")
    return units


def _roles(ids) -> list[JobRole]:
    roles = list(JobRole.objects.filter(pk__in=[int(i) for i in ids]))
    if len(roles) != len(set(int(i) for i in ids)):
        raise InputError("audience_role_ids", "unknown job role id")
    return roles


def _window(value) -> int:
    days = _whole(value, "window_days")
    if not 1 <= days <= 60:
        raise InputError("window_days", "a wave stays open 1 to 60 days")
    return days


def _recurrence(value) -> int:
    weeks = _whole(value or 0, "recurrence_weeks")
    if not 0 <= weeks <= 52:
        raise InputError("recurrence_weeks", "0 (no repeat) to 52 weeks")
    return weeks


def update_survey(actor, survey: Survey, data: dict) -> Survey:
    """Change a survey's settings. Anonymity thresholds and questions are fixed once it has opened."""
    require_manager(actor)
    before = _snapshot(survey)
    locked = [f for f in ("min_group_size", "min_comment_group_size", "protect_between_waves") if f in data]
    if survey.is_open_or_done and locked:
        current = {f: getattr(survey, f) for f in locked}
        wanted = {f: data[f] for f in locked}
        if any(str(current[f]) != str(wanted[f]) for f in locked if wanted[f] not in (None, "")):
            raise InputError(locked[0], "anonymity thresholds are fixed once the survey has opened")
        data = {k: v for k, v in data.items() if k not in locked}
    for name in SURVEY_FIELDS:
        if name in data:
            value = data[name]
            if name == "name":
                value = (value or "").strip()[:200]
                if not value:
                    raise InputError("name", "is required")
            elif name == "window_days":
                value = _window(value)
            elif name == "recurrence_weeks":
                value = _recurrence(value)
            elif name in ("include_partner", "announce_in_chat"):
                value = bool(value)
            setattr(survey, name, value)
    if "languages" in data:
        survey.languages = _languages(data["languages"])
    if "programme_id" in data:
        survey.programme = (
            Programme.objects.filter(pk=data["programme_id"]).first() if data["programme_id"] else None
        )
    with transaction.atomic():
        if not survey.is_open_or_done:
            for field_name, value in _thresholds(data).items():
                setattr(survey, field_name, value)
        survey.save()
        if "audience_unit_ids" in data:
            survey.audience_units.set(_units(data["audience_unit_ids"] or []))
        if "audience_role_ids" in data:
            survey.audience_roles.set(_roles(data["audience_role_ids"] or []))
        audit.record(actor, "update", survey, audit.diff(before, _snapshot(survey)))
    return survey


def _snapshot(survey: Survey) -> dict:
    data = {name: getattr(survey, name) for name in (*SURVEY_FIELDS, "languages", "programme_id")}
    data |= {name: getattr(survey, name) for name in Survey.LOCKED_FIELDS}
    if survey.pk:
        data["audience_units"] = sorted(survey.audience_units.values_list("pk", flat=True))
        data["audience_roles"] = sorted(survey.audience_roles.values_list("pk", flat=True))
    return data


def _require_editable(survey: Survey) -> None:
    if survey.is_open_or_done:
        raise InputError("survey", "questions are fixed once the survey has opened; copy it to change them")


def add_question(actor, survey: Survey, data: dict) -> Question:
    """A custom question (1-5 agreement, 0-10, single or multiple choice, open text)."""
    require_manager(actor)
    _require_editable(survey)
    kind = data.get("kind")
    if kind not in I.KINDS:
        raise InputError("kind", f"must be one of {', '.join(I.KINDS)}")
    text = (data.get("text") or "").strip()
    if not text:
        raise InputError("text", "is required")
    if len(text) > 400:
        raise InputError("text", "at most 400 characters")
    choices = [str(c).strip() for c in (data.get("choices") or []) if str(c).strip()]
    if kind in (I.SINGLE, I.MULTI):
        if not 2 <= len(choices) <= I.MAX_CHOICES:
            raise InputError("choices", f"give 2 to {I.MAX_CHOICES} choices")
    elif choices:
        raise InputError("choices", "only choice questions have choices")
    scale = (data.get("scale") or "").strip().lower().replace(" ", "_")
    if scale and kind not in I.RATED:
        raise InputError("scale", "only rated questions belong to a scale")
    same_scale = survey.questions.filter(scale=scale).exclude(kind=kind) if scale else None
    if same_scale is not None and same_scale.exists():
        raise InputError("scale", "every question on a scale must use the same answer format")
    is_outcome = bool(data.get("is_outcome"))
    if is_outcome and kind not in I.RATED:
        raise InputError("is_outcome", "the outcome must be a rated question")
    key = (data.get("key") or "").strip() or f"custom_{secrets.token_hex(3)}"
    if survey.questions.filter(key=key).exists():
        raise InputError("key", "another question already has this key")
    with transaction.atomic():
        if is_outcome:
            survey.questions.update(is_outcome=False)
        question = Question.objects.create(
            survey=survey,
            position=(max(survey.questions.values_list("position", flat=True), default=0) + 1),
            key=key[:60],
            kind=kind,
            text=text,
            scale=scale,
            reverse=bool(data.get("reverse")) and kind in I.RATED,
            is_outcome=is_outcome,
            choices=choices,
        )
        audit.record(actor, "add_question", survey, {"question": text})
    return question


def remove_question(actor, survey: Survey, question: Question) -> None:
    require_manager(actor)
    _require_editable(survey)
    with transaction.atomic():
        audit.record(actor, "remove_question", survey, {"question": question.text})
        question.delete()


def add_translation(actor, question: Question, language: str, text: str, choices=None) -> QuestionTranslation:
    """Add or replace a question's text in another language; the survey then offers that language."""
    require_manager(actor)
    [language] = _languages([language])[-1:]
    if language == "en":
        raise InputError("language", "English is the question's own text; edit the question instead")
    text = (text or "").strip()
    if not text:
        raise InputError("text", "is required")
    choices = [str(c).strip() for c in (choices or [])]
    if question.choices and choices and len(choices) != len(question.choices):
        raise InputError("choices", f"give all {len(question.choices)} choices, in the same order")
    with transaction.atomic():
        translation, _ = QuestionTranslation.objects.update_or_create(
            question=question, language=language, defaults={"text": text[:400], "choices": choices}
        )
        survey = question.survey
        if language not in survey.language_list:
            Survey.objects.filter(pk=survey.pk).update(languages=[*survey.language_list, language])
        audit.record(actor, "translate", survey, {"question": question.key, "language": language})
    return translation


def schedule_wave(actor, survey: Survey, opens: date, closes: date | None = None) -> Wave:
    """Plan the next wave. It opens (and invitations go out) on `opens`; it closes after `closes`."""
    require_manager(actor)
    if not survey.questions.exists():
        raise InputError("survey", "add questions before scheduling a wave")
    closes = closes or opens + timedelta(days=survey.window_days - 1)
    if closes < opens:
        raise InputError("closes", "is before opens")
    last = survey.waves.order_by("-number").first()
    if last is not None and opens <= last.closes:
        raise InputError("opens", f"wave {last.number} is open until {last.closes:%d %b %Y}; start after it")
    wave = Wave.objects.create(
        survey=survey, number=(last.number + 1 if last else 1), opens=opens, closes=closes
    )
    audit.record(actor, "schedule_wave", wave, {"opens": str(opens), "closes": str(closes)})
    _plan_worker(wave)
    return wave


def _plan_worker(wave: Wave) -> None:
    """Ask the worker to move the wave on when it opens, on reminder days and after it closes."""
    from .tasks import advance_waves

    backend = advance_waves.get_backend()
    if not backend.supports_defer:
        return  # tests' immediate backend: `advance(today)` is called directly
    moments = [
        _at(wave.opens, 8),
        *(_at(day, 9) for day in reminder_days(wave)),
        _at(wave.closes + timedelta(days=1), 0),
    ]
    for moment in moments:
        if moment > timezone.now():
            advance_waves.using(run_after=moment).enqueue()


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 5)))


def reminder_days(wave: Wave) -> list[date]:
    from allaboard.comms.schedule import reminder_days as days

    return days(wave.opens, wave.closes)


# --- audience and sending ----------------------------------------------------------------------------


def audience(survey: Survey, day: date):
    """The people a wave opening on `day` is for: active, in the audience units, in the roles."""
    people = Person.objects.active_on(day).select_related("unit")
    units = list(survey.audience_units.all())
    if units:
        condition = Q()
        for unit in units:
            condition |= Q(unit__path__startswith=unit.path)
        people = people.filter(condition)
    roles = list(survey.audience_roles.values_list("pk", flat=True))
    if roles:
        people = people.filter(job_role_id__in=roles)
    if not survey.include_partner:
        for partner in Unit.objects.filter(kind=UnitKind.PARTNER):
            people = people.exclude(unit__path__startswith=partner.path)
    return people


@transaction.atomic
def open_wave(wave: Wave, today: date, actor=None) -> dict:
    """Open a wave: fix the thresholds, invite the audience (one-time links by email, sent by the
    worker), make team links for people without email, announce in team chat channels."""
    wave = Wave.objects.select_for_update().select_related("survey").get(pk=wave.pk)
    if wave.status != WaveStatus.SCHEDULED:
        raise InputError("wave", f"wave {wave.number} is already {wave.get_status_display().lower()}")
    survey = wave.survey
    if not survey.is_open_or_done:
        survey.min_group_size = max(survey.min_group_size or 0, min_group_size())
        survey.min_comment_group_size = max(
            survey.min_comment_group_size or 0, min_comment_group_size(), survey.min_group_size
        )
        survey.opened_on = today
        survey.save()
    people = list(audience(survey, today))
    with_email = [p for p in people if p.email]
    invitations = Invitation.objects.bulk_create(
        [Invitation(wave=wave, person=p, unit_id=p.unit_id) for p in with_email], batch_size=1000
    )
    if invitations and invitations[0].pk is None:
        invitations = list(Invitation.objects.filter(wave=wave).select_related("person"))
    without = Counter(p.unit_id for p in people if not p.email)
    for unit_id, capacity in without.items():
        salt = secrets.token_hex(16)
        TeamLink.objects.create(
            wave=wave,
            unit_id=unit_id,
            salt=salt,
            token_hash=links.team_hash(links.team_token(salt)),
            capacity=capacity,
        )
    wave.status = WaveStatus.OPEN
    wave.save(update_fields=["status"])
    _queue_invitations(invitations, reminder=False)
    if survey.announce_in_chat:
        _announce(wave, {p.unit_id for p in people}, reminder=False)
    audit.record(actor, "open_wave", wave, {"invited": len(invitations), "team_links": len(without)})
    return {"invited": len(invitations), "team_links": len(without)}


def _queue_invitations(invitations, *, reminder: bool) -> None:
    from allaboard.comms.delivery import queue_many

    queue_many(
        [
            {
                "channel": "email",
                "purpose": "survey_reminder" if reminder else "survey_invitation",
                "person": invitation.person,
                "source": invitation,
                "renderer": RENDERER,
                "renderer_args": {"invitation_id": invitation.pk, "reminder": reminder},
                "essential": not reminder,
            }
            for invitation in invitations
        ]
    )


def _announce(wave: Wave, unit_ids: set[int], *, reminder: bool) -> int:
    """A message in each audience team's chat channel: the pulse is open, look for your link."""
    from allaboard.comms.delivery import queue_many
    from allaboard.comms.models import ChatChannel

    channels = ChatChannel.objects.filter(unit_id__in=unit_ids, active=True).select_related("unit")
    team_links = {link.unit_id: link for link in wave.team_links.all()}
    items = []
    for channel in channels:
        link = team_links.get(channel.unit_id)
        text = (
            f"{'Reminder: ' if reminder else ''}'{wave.survey.name}' is open until {wave.closes:%A %d %B}. "
            "Your personal link is in your email: it takes two minutes and is anonymous."
        )
        if link is not None:
            text += f" No email? Use the team link: {links.team_url(links.team_token(link.salt))}"
        items.append(
            {
                "channel": channel.kind,
                "purpose": "survey_announcement",
                "address": channel.webhook_url,
                "subject": wave.survey.name,
                "text": text,
                "source": wave,
                "essential": not reminder,
            }
        )
    queue_many(items)
    return len(items)


def render_invitation(delivery, *, invitation_id: int, reminder: bool = False):
    """Called by the comms worker at send time: make a new one-time link and the email around it.

    The token exists only in the returned email; the invitation keeps its hash. Issuing it replaces
    any earlier link (so a retried or reminder email carries the only working link)."""
    from allaboard.comms.senders import Rendered, SendError

    invitation = Invitation.objects.select_related("wave__survey", "person").filter(pk=invitation_id).first()
    if invitation is None:
        raise SendError("the invitation no longer exists", permanent=True)
    wave = invitation.wave
    if not wave.accepts_answers(timezone.localdate()):
        raise SendError("the wave is not open", permanent=True)
    if invitation.responded:
        raise SendError("already answered", permanent=True)
    token = links.new_token()
    from django.db.models import F

    Invitation.objects.filter(pk=invitation.pk).update(
        token_hash=links.invite_hash(token), sends=F("sends") + 1
    )
    context = {
        "survey": wave.survey,
        "wave": wave,
        "person": invitation.person,
        "link": links.answer_url(token),
        "reminder": reminder,
    }
    subject = f"{'Reminder: ' if reminder else ''}{wave.survey.name} (2 minutes, anonymous)"
    return Rendered(
        subject=subject,
        text=render_to_string("listening/email/invitation.txt", context),
        html=render_to_string("listening/email/invitation.html", context),
        link=context["link"],
    )


def resend_invitation(actor, invitation: Invitation):
    """Send someone a new link (the old one stops working when the new one is made)."""
    require_manager(actor)
    if invitation.responded:
        raise InputError("invitation", "this person has already answered")
    if invitation.wave.status != WaveStatus.OPEN:
        raise InputError("invitation", "the wave is not open")
    _queue_invitations([invitation], reminder=False)
    audit.record(actor, "resend_invitation", invitation.wave, {"person": invitation.person_id})


def invitation_deliveries(wave: Wave) -> dict[str, int]:
    """How the wave's invitation emails fared: {"delivered", "waiting", "failed"} counts, so a failed
    delivery is shown to whoever runs the survey instead of being silently lost (the comms deliveries
    page names each one and can retry it)."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import CharField
    from django.db.models.functions import Cast

    from allaboard.comms.models import PENDING_STATES, Delivery, DeliveryState

    ids = Invitation.objects.filter(wave=wave).annotate(key=Cast("pk", CharField())).values("key")
    states = Counter(
        Delivery.objects.filter(
            purpose__in=["survey_invitation", "survey_reminder"],
            source_type=ContentType.objects.get_for_model(Invitation),
            source_id__in=ids,
        ).values_list("purpose", "state")
    )
    # Reminders are counted, never listed: who got one says who has not answered.
    return {
        "delivered": states["survey_invitation", DeliveryState.SENT],
        "waiting": sum(states["survey_invitation", s] for s in (*PENDING_STATES, DeliveryState.SENDING)),
        "failed": states["survey_invitation", DeliveryState.DEAD],
        "reminders_delivered": states["survey_reminder", DeliveryState.SENT],
        "reminders_failed": states["survey_reminder", DeliveryState.DEAD],
    }


def send_reminders(wave: Wave, today: date) -> int:
    """On a reminder day, remind only the people who have not answered. Returns how many."""
    if wave.status != WaveStatus.OPEN or today not in reminder_days(wave):
        return 0
    if str(today) in (wave.reminders_sent or []):
        return 0
    with transaction.atomic():
        Wave.objects.filter(pk=wave.pk).update(reminders_sent=[*(wave.reminders_sent or []), str(today)])
        pending = list(wave.invitations.filter(responded=False).select_related("person"))
        _queue_invitations(pending, reminder=True)
        if wave.survey.announce_in_chat:
            _announce(wave, set(wave.invitations.values_list("unit_id", flat=True)), reminder=True)
    return len(pending)


def close_wave(wave: Wave, actor=None) -> dict:
    """Close a wave now: stop answers, drop partial answers, and publish its results."""
    from .publication import publish

    with transaction.atomic():
        wave = Wave.objects.select_for_update().get(pk=wave.pk)
        if wave.status == WaveStatus.SCHEDULED:
            raise InputError("wave", "this wave has not opened")
        if wave.status == WaveStatus.OPEN:
            if wave.closes >= timezone.localdate():
                wave.closes = timezone.localdate()
            wave.status = WaveStatus.CLOSED
            wave.save(update_fields=["status", "closes"])
            Draft.objects.filter(wave=wave).delete()
            audit.record(actor, "close_wave", wave, {})
    return publish(wave)


def advance(today: date | None = None) -> dict:
    """Move every wave on: open what is due, remind, close and publish what has ended, and schedule the
    next wave of recurring pulses. Safe to run as often as one likes (the worker runs it)."""
    today = today or timezone.localdate()
    done = {"opened": 0, "reminded": 0, "closed": 0, "scheduled": 0}
    for wave in Wave.objects.filter(status=WaveStatus.SCHEDULED, opens__lte=today, closes__gte=today):
        open_wave(wave, today)
        done["opened"] += 1
    for wave in Wave.objects.filter(status=WaveStatus.OPEN, closes__gte=today).select_related("survey"):
        done["reminded"] += send_reminders(wave, today)
    for wave in Wave.objects.filter(status=WaveStatus.OPEN, closes__lt=today):
        close_wave(wave)
        done["closed"] += 1
    for survey in Survey.objects.filter(recurrence_weeks__gt=0, opened_on__isnull=False):
        last = survey.waves.order_by("-number").first()
        if last is not None and last.status != WaveStatus.SCHEDULED:
            opens = last.opens + timedelta(weeks=survey.recurrence_weeks)
            closes = opens + timedelta(days=survey.window_days - 1)
            if closes >= today and opens > last.closes:
                wave = Wave.objects.create(survey=survey, number=last.number + 1, opens=opens, closes=closes)
                _plan_worker(wave)
                done["scheduled"] += 1
    return done


# --- answering ---------------------------------------------------------------------------------------

INVALID, NOT_OPEN, CLOSED, ANSWERED, ANSWER, FULL = (
    "invalid",
    "not_open",
    "closed",
    "answered",
    "answer",
    "full",
)


@dataclass
class LinkState:
    """What a link leads to. `token` is the personal token, or the browser's token for a team link."""

    kind: str
    wave: Wave | None = None
    token: str = ""
    invitation: Invitation | None = None
    team_link: TeamLink | None = None
    language: str = "en"
    replies: list = field(default_factory=list)

    @property
    def draft_key(self) -> str:
        return links.draft_hash(self.token)


def personal_link(token: str, today: date) -> LinkState:
    invitation = (
        Invitation.objects.select_related("wave__survey", "person")
        .filter(token_hash=links.invite_hash(token))
        .first()
        if token
        else None
    )
    if invitation is None:
        return LinkState(INVALID)
    wave = invitation.wave
    language = invitation.person.language if invitation.person.language in wave.survey.language_list else "en"
    state = LinkState(ANSWER, wave=wave, token=token, invitation=invitation, language=language)
    if invitation.responded:
        state.kind = ANSWERED
    elif wave.status == WaveStatus.CLOSED or today > wave.closes:
        state.kind = CLOSED
    elif not wave.accepts_answers(today):
        state.kind = NOT_OPEN
    if state.kind in (ANSWERED, CLOSED):
        state.replies = my_comments(token)
    return state


def team_link(token: str, browser_token: str | None, today: date) -> LinkState:
    link = (
        TeamLink.objects.select_related("wave__survey", "unit")
        .filter(token_hash=links.team_hash(token))
        .first()
        if token
        else None
    )
    if link is None:
        return LinkState(INVALID)
    wave = link.wave
    state = LinkState(ANSWER, wave=wave, token=browser_token or "", team_link=link)
    if browser_token and Response.objects.filter(reply_key_hash=links.reply_hash(browser_token)).exists():
        state.kind = ANSWERED
        state.replies = my_comments(browser_token)
    elif wave.status == WaveStatus.CLOSED or today > wave.closes:
        state.kind = CLOSED
    elif not wave.accepts_answers(today):
        state.kind = NOT_OPEN
    elif link.responses >= link.capacity:
        state.kind = FULL
    return state


def clean_answers(questions: list[Question], raw, *, partial: bool = False) -> dict[int, object]:
    """Answers from form fields q<id> (a QueryDict, or a dict of values/lists) as {question id: value}.

    `partial` (saving a draft) drops what does not parse instead of refusing it."""
    out: dict[int, object] = {}
    for question in questions:
        name = f"q{question.pk}"
        values = raw.getlist(name) if hasattr(raw, "getlist") else _as_list(raw.get(name))
        values = [v for v in values if v not in (None, "")]
        if not values:
            continue
        try:
            out[question.pk] = _clean_one(question, values)
        except InputError:
            if not partial:
                raise
    if not out and not partial:
        raise InputError("answers", "answer at least one question")
    return out


def _as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _clean_one(question: Question, values: list):
    field_name = f"q{question.pk}"
    if question.kind == I.OPEN:
        text = str(values[0]).strip()
        if len(text) > MAX_OPEN_TEXT:
            raise InputError(field_name, f"at most {MAX_OPEN_TEXT} characters")
        return text
    try:
        numbers = [int(str(v)) for v in values]
    except ValueError:
        raise InputError(field_name, "choose one of the options") from None
    allowed = set(question.values)
    if any(n not in allowed for n in numbers):
        raise InputError(field_name, "choose one of the options")
    if question.kind == I.MULTI:
        return sorted(set(numbers))
    if len(numbers) != 1:
        raise InputError(field_name, "choose one option")
    return numbers[0]


def load_draft(state: LinkState) -> dict:
    if not state.token:
        return {}
    draft = Draft.objects.filter(key_hash=state.draft_key, wave=state.wave).first()
    return draft.answers if draft else {}


def save_draft(state: LinkState, raw, today: date) -> int:
    """Keep what has been answered so far (for people who leave and come back). Returns how many."""
    if state.kind != ANSWER or not state.token:
        raise InputError("link", "this link does not take answers now")
    questions = list(state.wave.survey.questions.all())
    answers = clean_answers(questions, raw, partial=True)
    stored = {f"q{pk}": value for pk, value in answers.items()}
    Draft.objects.update_or_create(
        key_hash=state.draft_key, defaults={"wave": state.wave, "answers": stored, "saved_on": today}
    )
    return len(stored)


class AlreadyAnswered(InputError):
    def __init__(self):
        super().__init__("link", "this link has already been used to answer")


def submit(state: LinkState, raw, today: date, language: str | None = None) -> Response:
    """Store a response, update its team's tallies in the same transaction, and hand open-text answers
    (redacted) to comment analysis. One response per link: a second submit, even at the same instant,
    fails with AlreadyAnswered."""
    from allaboard.textinsight.redaction import redact

    if state.kind == ANSWERED:
        raise AlreadyAnswered()
    if state.kind == FULL:
        raise InputError(
            "link", "this team link has taken as many answers as the team has people without email"
        )
    if state.kind != ANSWER or not state.token:
        raise InputError("link", "this link does not take answers now")
    wave = state.wave
    survey = wave.survey
    design = aggregates.Design.of(survey)
    answers = clean_answers(design.questions, raw)
    for question in design.questions:
        if question.kind == I.OPEN and question.pk in answers:
            answers[question.pk] = redact(answers[question.pk])
    attributes, unit, person = _attributes(state, today)
    part = aggregates.contribution(design, answers)
    language = language if language in survey.language_list else state.language
    try:
        with transaction.atomic():
            _claim(state)
            response = Response.objects.create(
                wave=wave,
                submitted_on=today,
                language=language or "en",
                unit=unit,
                site=unit.site(),
                is_partner=unit.is_partner,
                tenure_band=attributes["tenure"],
                channel=attributes["channel"],
                job_role_id=person.job_role_id if person else None,
                barrier=part.barrier if part.barrier not in (None, aggregates.NO_BARRIER) else "",
                reply_key_hash=links.reply_hash(state.token),
            )
            rows = [
                Answer(
                    response=response,
                    question_id=pk,
                    value=None if isinstance(value, list | str) else float(value),
                    choices=value if isinstance(value, list) else [],
                    text=value if isinstance(value, str) else "",
                )
                for pk, value in answers.items()
            ]
            Answer.objects.bulk_create(rows)
            aggregates.record(wave, unit.pk, attributes, part)
            Draft.objects.filter(key_hash=state.draft_key).delete()
            _submit_comments(wave, response, [a for a in rows if a.text], today)
    except IntegrityError:
        # The same reply key twice: a second submit raced the first and lost.
        raise AlreadyAnswered() from None
    return response


def _claim(state: LinkState) -> None:
    """Take the link's one answer (personal) or one of the team's answers (team link), atomically."""
    from django.db.models import F

    if state.invitation is not None:
        taken = Invitation.objects.filter(
            pk=state.invitation.pk, responded=False, token_hash=links.invite_hash(state.token)
        ).update(responded=True)
        if taken != 1:
            raise AlreadyAnswered()
        return
    taken = TeamLink.objects.filter(pk=state.team_link.pk, responses__lt=F("capacity")).update(
        responses=F("responses") + 1
    )
    if taken != 1:
        raise InputError(
            "link", "this team link has taken as many answers as the team has people without email"
        )


def _attributes(state: LinkState, today: date) -> tuple[dict[str, str], Unit, Person | None]:
    """The reporting attributes of whoever answers, as they are today (team links: the team only)."""
    if state.invitation is not None:
        person = state.invitation.person
        unit = person.unit
        return (
            {
                "tenure": person.tenure_band(today),
                "channel": person.channel or "unknown",
                "role": str(person.job_role_id) if person.job_role_id else "unknown",
                "trained": _trained(person, today),
            },
            unit,
            person,
        )
    unknown = {"tenure": "unknown", "channel": "unknown", "role": "unknown", "trained": "unknown"}
    return unknown, state.team_link.unit, None


def _trained(person: Person, today: date) -> str:
    """Had the person completed formal change-management training by today ("yes"/"no"), per capability."""
    from django.apps import apps

    if not apps.is_installed("allaboard.capability"):
        return "unknown"
    from allaboard.capability.services import formally_trained_on

    return "yes" if formally_trained_on(person.pk, today) else "no"


def _submit_comments(wave: Wave, response: Response, answers: list[Answer], today: date) -> None:
    if not answers:
        return
    from allaboard.textinsight.services import submit_comments

    submit_comments(
        [
            {
                "kind": "employee",
                "source": "listening.answer",
                "source_id": str(answer.pk),
                "text": answer.text,
                "unit_id": response.unit_id,
                "programme_id": wave.survey.programme_id,
                "wave_key": wave.key,
                "created_on": today,
            }
            for answer in answers
        ]
    )


def my_comments(token: str) -> list[dict]:
    """The writer's own comments with leaders' replies, found from their link's token."""
    response = Response.objects.filter(reply_key_hash=links.reply_hash(token)).first()
    if response is None:
        return []
    answers = response.answers.exclude(text="").select_related("question").prefetch_related("replies")
    return [{"question": a.question.text, "text": a.text, "replies": list(a.replies.all())} for a in answers]


# --- replying to comments ----------------------------------------------------------------------------


def reply_to_comment(actor, answer: Answer, kind: str, text: str = "") -> CommentReply:
    """A leader's reply or one-click acknowledgement. Only someone who can see the comment may reply;
    they never learn who wrote it."""
    from .results import can_see_comment

    if not can_see_comment(actor, answer):
        raise PermissionDenied("You cannot see this comment.")
    if kind not in Acknowledgement.values:
        raise InputError("kind", f"must be one of {', '.join(Acknowledgement.values)}")
    text = (text or "").strip()
    if kind == Acknowledgement.REPLY and not text:
        raise InputError("text", "write a reply, or choose a one-click acknowledgement")
    if len(text) > MAX_OPEN_TEXT:
        raise InputError("text", f"at most {MAX_OPEN_TEXT} characters")
    reply = CommentReply.objects.create(
        answer=answer,
        author=actor,
        author_name=(actor.person.full_name if actor.person_id else actor.get_username())[:150],
        kind=kind,
        text=text if kind == Acknowledgement.REPLY else "",
        created_on=timezone.localdate(),
    )
    audit.record(actor, "reply_comment", reply, {"kind": kind})
    return reply


def participation_ok(invited: int, responded: int) -> bool:
    """At least 60% answered: below that a group's results are less trustworthy."""
    return invited > 0 and responded / invited >= 0.6
