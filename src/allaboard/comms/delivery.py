"""The one delivery mechanism every app uses: queue a message for a person or an address on a channel.

    from allaboard.comms.delivery import queue
    queue(channel="email", purpose="survey_invitation", person=p, source=invitation,
          renderer="allaboard.listening.invitations.render", renderer_args={"invitation_id": 7},
          essential=True)

Sending runs in the worker (django-tasks). Each delivery is one recipient on one channel, so a failing
channel never holds back the others. A failed attempt is retried with exponential back-off
(ALLABOARD_COMMS_RETRY_SECONDS x 4^(attempt-1)) up to ALLABOARD_COMMS_MAX_ATTEMPTS, then the delivery is
"dead" and shown as such with its last error. Errors that retrying cannot fix (a revoked webhook, a refused
address) go straight to "dead".
"""

import bisect
import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

from allaboard.errors import InputError
from allaboard.org.models import Person

from . import cap, senders
from .models import PENDING_STATES, Channel, ChatChannel, Delivery, DeliveryState
from .senders import Rendered, SendError

__all__ = ["Rendered", "queue", "queue_many", "send_now", "dispatch_due", "retry", "cancel", "render"]

log = logging.getLogger(__name__)

BATCH_SIZE = 200  # deliveries per worker task
STALE_SENDING = timedelta(minutes=15)  # a "sending" row this old belongs to a worker that died


def max_attempts() -> int:
    return max(1, int(getattr(settings, "ALLABOARD_COMMS_MAX_ATTEMPTS", 6)))


def retry_delay(attempts: int) -> timedelta:
    """Back-off after the n-th failed attempt: base, 4 x base, 16 x base, ... capped at one day."""
    base = max(1, int(getattr(settings, "ALLABOARD_COMMS_RETRY_SECONDS", 60)))
    return timedelta(seconds=min(base * 4 ** max(0, attempts - 1), 86_400))


def queue(
    *,
    channel: str,
    purpose: str,
    subject: str = "",
    text: str = "",
    html: str = "",
    person: Person | None = None,
    address: str = "",
    source: models.Model | None = None,
    renderer: str = "",
    renderer_args: dict | None = None,
    essential: bool = False,
    send_after: datetime | None = None,
    link: str = "",
) -> Delivery:
    """Queue one delivery and hand it to the worker. Returns the Delivery (state queued, held or sent).

    `renderer` ("pkg.module.function") is called at send time as f(delivery, **renderer_args) and must
    return a Rendered; its output is never stored. Over-cap non-essential deliveries are held, not dropped."""
    [delivery] = queue_many(
        [
            dict(
                channel=channel,
                purpose=purpose,
                subject=subject,
                text=text,
                html=html,
                person=person,
                address=address,
                source=source,
                renderer=renderer,
                renderer_args=renderer_args,
                essential=essential,
                send_after=send_after,
                link=link,
            )
        ]
    )
    return delivery


def queue_many(items: list[dict]) -> list[Delivery]:
    """Queue many deliveries at once (same arguments as queue(), one dict each), with few queries."""
    now = timezone.now()
    deliveries = [_build(now=now, **item) for item in items]
    with transaction.atomic():
        capped = [d for d in deliveries if cap.is_capped(d)]
        slots = (
            cap.load_slots(capped, since=min(d.due_at for d in capped) - cap.cap_window()) if capped else {}
        )
        for delivery in deliveries:
            _place(delivery, now, slots)
        Delivery.objects.bulk_create(deliveries, batch_size=500)
        if not deliveries or deliveries[0].pk is None:  # backends that do not return ids on bulk insert
            tokens = [d.token for d in deliveries]
            ids = dict(Delivery.objects.filter(token__in=tokens).values_list("token", "pk"))
            for delivery in deliveries:
                delivery.pk = ids[delivery.token]
        _enqueue_by_time(d for d in deliveries if d.state in PENDING_STATES)
    return deliveries


def _build(
    *,
    now: datetime,
    channel: str,
    purpose: str,
    subject: str = "",
    text: str = "",
    html: str = "",
    person: Person | None = None,
    address: str = "",
    source: models.Model | None = None,
    renderer: str = "",
    renderer_args: dict | None = None,
    essential: bool = False,
    send_after: datetime | None = None,
    link: str = "",
) -> Delivery:
    if channel not in Channel.values:
        raise InputError("channel", f"must be one of {', '.join(Channel.values)}")
    if not purpose:
        raise InputError("purpose", "is required")
    if person is None and not address:
        raise InputError("person", "give a person or an address")
    if channel == Channel.FEED and person is None:
        raise InputError("person", "the news feed needs a person")
    if channel in (Channel.SLACK, Channel.TEAMS) and not address.lower().startswith(("https://", "http://")):
        raise InputError("address", "a chat delivery needs the webhook URL (https://...)")
    if renderer:
        try:
            import_string(renderer)
        except ImportError as exc:
            raise InputError("renderer", f"cannot import {renderer!r}") from exc
    elif not (subject or text or html):
        raise InputError("text", "give a subject or text, or a renderer")
    if send_after is not None and timezone.is_naive(send_after):
        send_after = timezone.make_aware(send_after)
    delivery = Delivery(
        channel=channel,
        purpose=purpose[:40],
        subject=subject[:300],
        text=text,
        html=html,
        link=link,
        person=person,
        address=address,
        renderer=renderer,
        renderer_args=renderer_args or {},
        essential=essential,
        send_after=send_after,
        due_at=max(send_after, now) if send_after else now,
        created_at=now,
    )
    delivery.unit_id = person.unit_id if person is not None else _chat_unit_id(address)
    delivery.set_source(source)
    return delivery


def _chat_unit_id(address: str) -> int | None:
    return ChatChannel.objects.filter(webhook_url=address).values_list("unit_id", flat=True).first()


def _place(delivery: Delivery, now: datetime, slots: dict) -> None:
    """Decide when the delivery goes: now, at send_after, or held to the next time under the cap.

    `slots` holds each recipient's capped deliveries already booked (loaded once for the batch), and
    gains this batch's deliveries as they are placed, so ten messages queued at once for one person are
    spread out too. The feed needs no worker and is visible at once."""
    if delivery.channel == Channel.FEED and delivery.due_at <= now:
        delivery.state, delivery.sent_at = DeliveryState.SENT, now
        return
    if not cap.is_capped(delivery):
        return
    times = slots.setdefault(cap.recipient_key(delivery), [])
    allowed = cap.next_allowed(times, delivery.due_at, cap.cap_messages(), cap.cap_window())
    if allowed > delivery.due_at:
        delivery.state, delivery.due_at = DeliveryState.HELD, allowed
    bisect.insort(times, delivery.due_at)


# --- handing work to the worker ---------------------------------------------------------------------


def _enqueue_by_time(deliveries) -> None:
    """One worker task per batch of deliveries due at the same moment (deferred with run_after)."""
    groups: dict[datetime, list[int]] = {}
    for delivery in deliveries:
        groups.setdefault(delivery.due_at, []).append(delivery.pk)
    for due_at, ids in sorted(groups.items()):
        for start in range(0, len(ids), BATCH_SIZE):
            _enqueue(ids[start : start + BATCH_SIZE], due_at)


def _enqueue(ids: list[int], due_at: datetime) -> None:
    from .tasks import send_deliveries

    task = send_deliveries
    if due_at > timezone.now():
        if not task.get_backend().supports_defer:
            return  # a backend without run_after (tests' immediate backend): dispatch_due() sends it when due
        task = task.using(run_after=due_at)
    task.enqueue(ids)


def dispatch_due(now: datetime | None = None) -> int:
    """Send what is due and was not sent by its own task (a lost task, a worker that died mid-send, or a
    backend that cannot defer). Safe to run often: a delivery is claimed before it is sent. Returns how
    many deliveries were attempted."""
    now = now or timezone.now()
    Delivery.objects.filter(state=DeliveryState.SENDING, sending_since__lt=now - STALE_SENDING).update(
        state=DeliveryState.FAILED, last_error="interrupted while sending; will retry", due_at=now
    )
    ids = list(
        Delivery.objects.filter(state__in=PENDING_STATES, due_at__lte=now)
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)
    )
    with senders.EmailSession() as email:
        for pk in ids:
            send_now(pk, now=now, email=email)
    return len(ids)


# --- sending ----------------------------------------------------------------------------------------


def send_now(
    delivery_id: int, *, now: datetime | None = None, email: senders.EmailSession | None = None
) -> str:
    """Try to send one delivery if it is due and nobody else is sending it. Returns its new state.

    `email` shares one connection to the email server across a batch."""
    now = now or timezone.now()
    claimed = Delivery.objects.filter(pk=delivery_id, state__in=PENDING_STATES, due_at__lte=now).update(
        state=DeliveryState.SENDING, sending_since=now, attempts=F("attempts") + 1
    )
    delivery = Delivery.objects.select_related("person").filter(pk=delivery_id).first()
    if delivery is None:
        return "missing"
    if not claimed:
        return delivery.state
    if cap.is_capped(delivery):
        allowed = cap.allowed_time(delivery, now)
        if allowed > now:  # others went out first (e.g. an essential resend, a second worker): wait again
            _update(delivery, state=DeliveryState.HELD, due_at=allowed, attempts=delivery.attempts - 1)
            _enqueue([delivery.pk], allowed)
            return delivery.state
    try:
        _deliver(delivery, email)
    except SendError as exc:
        return _failed(delivery, str(exc), permanent=exc.permanent, retry_after=exc.retry_after, now=now)
    except Exception as exc:  # a broken renderer must not leave the row stuck in "sending"
        log.exception("delivery %s: unexpected error", delivery.pk)
        return _failed(delivery, f"{type(exc).__name__}: {exc}", permanent=False, retry_after=None, now=now)
    _update(delivery, state=DeliveryState.SENT, sent_at=timezone.now(), last_error="")
    return delivery.state


def render(delivery: Delivery) -> Rendered:
    """The delivery's content: from its renderer (called now, never stored) or from the stored fields."""
    if delivery.renderer:
        rendered = import_string(delivery.renderer)(delivery, **(delivery.renderer_args or {}))
        if not isinstance(rendered, Rendered):
            raise TypeError(f"{delivery.renderer} returned {type(rendered).__name__}, not Rendered")
        return rendered
    return Rendered(subject=delivery.subject, text=delivery.text, html=delivery.html, link=delivery.link)


def _deliver(delivery: Delivery, email: senders.EmailSession | None = None) -> None:
    if delivery.channel == Channel.FEED:
        return  # visible on the feed as soon as it is marked sent
    if delivery.person_id and delivery.person.end_date and delivery.person.end_date < timezone.localdate():
        raise SendError("the person has left the organisation", permanent=True)
    content = render(delivery)
    if delivery.channel == Channel.EMAIL:
        address = delivery.address or (delivery.person.email if delivery.person_id else "")
        if not address:
            raise SendError("no email address for this person", permanent=True)
        senders.send_email(address, content, email)
    elif delivery.channel == Channel.SLACK:
        senders.post_webhook(delivery.address, senders.slack_payload(content))
    elif delivery.channel == Channel.TEAMS:
        senders.post_webhook(delivery.address, senders.teams_payload(content))
    if delivery.renderer:
        # Keep the subject for the delivery list; the body (and any one-time link in it) is never stored.
        _update(delivery, subject=content.subject[:300])


def _failed(
    delivery: Delivery, error: str, *, permanent: bool, retry_after: int | None, now: datetime
) -> str:
    if permanent or delivery.attempts >= max_attempts():
        _update(delivery, state=DeliveryState.DEAD, last_error=error[:2000])
        log.warning("delivery %s gave up after %s attempts: %s", delivery.pk, delivery.attempts, error)
        return delivery.state
    delay = retry_delay(delivery.attempts)
    if retry_after:
        delay = max(delay, timedelta(seconds=retry_after))
    _update(delivery, state=DeliveryState.FAILED, last_error=error[:2000], due_at=now + delay)
    _enqueue([delivery.pk], delivery.due_at)
    return delivery.state


def _update(delivery: Delivery, **fields) -> None:
    for name, value in fields.items():
        setattr(delivery, name, value)
    Delivery.objects.filter(pk=delivery.pk).update(**fields)


# --- what people do with deliveries ------------------------------------------------------------------


def retry(delivery: Delivery) -> Delivery:
    """Send a failed or dead delivery again now, with a fresh set of attempts."""
    if delivery.state not in (DeliveryState.FAILED, DeliveryState.DEAD):
        raise InputError("state", f"only failed or dead deliveries can be retried, not {delivery.state}")
    _update(delivery, state=DeliveryState.QUEUED, attempts=0, due_at=timezone.now())
    _enqueue([delivery.pk], delivery.due_at)
    delivery.refresh_from_db()
    return delivery


def cancel(deliveries) -> int:
    """Cancel deliveries not sent yet (queued, held or waiting to retry). Returns how many."""
    return deliveries.filter(state__in=PENDING_STATES).update(state=DeliveryState.CANCELLED)
