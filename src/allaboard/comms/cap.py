"""The per-recipient frequency cap: at most N non-essential messages in any D days, across all programmes.

A message over the cap is held and goes out at the first moment it fits; it is never dropped. The cap
counts pushed messages (email, and chat posts per channel); the in-app feed is read when people choose,
so it is not capped. Essential messages (survey invitations, urgent go-live notices) bypass the cap and
do not count towards it.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.db.models.functions import Coalesce

from .models import Channel, Delivery, DeliveryState

CAPPED_CHANNELS = [Channel.EMAIL, Channel.SLACK, Channel.TEAMS]


def cap_messages() -> int:
    """N: non-essential messages per window; 0 switches the cap off."""
    return max(0, int(getattr(settings, "ALLABOARD_COMMS_CAP_MESSAGES", 4)))


def cap_window() -> timedelta:
    return timedelta(days=max(1, int(getattr(settings, "ALLABOARD_COMMS_CAP_DAYS", 7))))


def is_capped(delivery: Delivery) -> bool:
    return not delivery.essential and delivery.channel in CAPPED_CHANNELS and cap_messages() > 0


def recipient_key(delivery: Delivery) -> tuple:
    return ("p", delivery.person_id) if delivery.person_id else ("a", delivery.address)


def _recipient_filter(delivery: Delivery) -> Q:
    if delivery.person_id:
        return Q(person_id=delivery.person_id)
    return Q(person__isnull=True, address=delivery.address)


def slot_times(delivery: Delivery, since: datetime) -> list[datetime]:
    """When the recipient's other capped messages went out or are due, from `since` on."""
    rows = (
        Delivery.objects.filter(_recipient_filter(delivery), essential=False, channel__in=CAPPED_CHANNELS)
        .exclude(state__in=[DeliveryState.DEAD, DeliveryState.CANCELLED])
        .exclude(pk=delivery.pk)
        .annotate(slot=Coalesce("sent_at", "due_at"))
        .filter(slot__gt=since)
        .values_list("slot", flat=True)
    )
    return sorted(rows)


def fits(at: datetime, times: list[datetime], cap: int, window: timedelta) -> bool:
    """True when one more message at `at` keeps every window (s - window, s] at or under `cap`.

    Only windows that contain `at` change, that is s in [at, at + window); the count over s is highest
    at s = at or just as another message enters, so those are the points to check."""
    for s in [at, *(t for t in times if at <= t < at + window)]:
        if sum(1 for t in times if s - window < t <= s) >= cap:
            return False
    return True


def next_allowed(times: list[datetime], earliest: datetime, cap: int, window: timedelta) -> datetime:
    """The first moment at or after `earliest` when one more message fits under the cap."""
    if cap <= 0:
        return earliest
    candidates = sorted({earliest, *(t + window for t in times if t + window > earliest)})
    for candidate in candidates:
        if fits(candidate, times, cap, window):
            return candidate
    return candidates[-1]  # unreachable: after the last message's window closes there is always room


def allowed_time(delivery: Delivery, earliest: datetime) -> datetime:
    """When this delivery may go out: `earliest`, or later if the recipient is at the cap."""
    if not is_capped(delivery):
        return earliest
    window = cap_window()
    times = slot_times(delivery, since=earliest - window)
    return next_allowed(times, earliest, cap_messages(), window)


def load_slots(deliveries: list[Delivery], since: datetime, chunk: int = 2000) -> dict[tuple, list[datetime]]:
    """slot_times() for many recipients at once: {recipient_key: sorted times}, in a few queries."""
    people = sorted({d.person_id for d in deliveries if d.person_id})
    addresses = sorted({d.address for d in deliveries if not d.person_id})
    base = (
        Delivery.objects.filter(essential=False, channel__in=CAPPED_CHANNELS)
        .exclude(state__in=[DeliveryState.DEAD, DeliveryState.CANCELLED])
        .annotate(slot=Coalesce("sent_at", "due_at"))
        .filter(slot__gt=since)
    )
    slots: dict[tuple, list[datetime]] = {}
    for start in range(0, len(people), chunk):
        rows = base.filter(person_id__in=people[start : start + chunk]).values_list("person_id", "slot")
        for person_id, slot in rows:
            slots.setdefault(("p", person_id), []).append(slot)
    for start in range(0, len(addresses), chunk):
        rows = base.filter(person__isnull=True, address__in=addresses[start : start + chunk]).values_list(
            "address", "slot"
        )
        for address, slot in rows:
            slots.setdefault(("a", address), []).append(slot)
    for times in slots.values():
        times.sort()
    return slots
