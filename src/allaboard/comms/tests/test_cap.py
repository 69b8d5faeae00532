"""The per-person frequency cap: over-cap messages are held and sent at the next allowed time, never dropped."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from allaboard.comms.cap import fits, next_allowed
from allaboard.comms.delivery import dispatch_due, queue
from allaboard.comms.models import Delivery
from allaboard.org.tests.factories import PersonFactory

WEEK = timedelta(days=7)
T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)


@pytest.mark.django_db
def test_fifth_message_in_a_week_is_held_until_the_first_leaves_the_window(smtp_server, settings):
    settings.ALLABOARD_COMMS_CAP_MESSAGES = 4
    settings.ALLABOARD_COMMS_CAP_DAYS = 7
    person = PersonFactory()
    sent = [queue(channel="email", purpose="message", person=person, text=f"m{i}") for i in range(5)]
    assert [d.state for d in sent] == ["queued"] * 4 + ["held"]
    first = Delivery.objects.get(pk=sent[0].pk)
    held = Delivery.objects.get(pk=sent[4].pk)
    assert held.due_at == first.sent_at + WEEK
    assert len(smtp_server.messages) == 4
    dispatch_due(now=held.due_at)
    held.refresh_from_db()
    assert held.state == "sent" and len(smtp_server.messages) == 5


@pytest.mark.django_db
def test_essential_messages_bypass_the_cap_and_do_not_count(smtp_server, settings):
    settings.ALLABOARD_COMMS_CAP_MESSAGES = 1
    person = PersonFactory()
    queue(channel="email", purpose="message", person=person, text="news")
    invitation = queue(channel="email", purpose="survey_invitation", person=person, text="x", essential=True)
    assert Delivery.objects.get(pk=invitation.pk).state == "sent"
    assert queue(channel="email", purpose="message", person=person, text="more").state == "held"


@pytest.mark.django_db
def test_the_cap_counts_per_person_across_programmes_and_spares_others(smtp_server, settings):
    settings.ALLABOARD_COMMS_CAP_MESSAGES = 2
    busy, other = PersonFactory(), PersonFactory()
    for purpose in ("message", "survey_reminder"):
        queue(channel="email", purpose=purpose, person=busy, text="x")
    assert queue(channel="email", purpose="playbook_update", person=busy, text="x").state == "held"
    assert queue(channel="email", purpose="message", person=other, text="x").state == "queued"


@pytest.mark.django_db
def test_the_feed_is_not_capped(settings):
    settings.ALLABOARD_COMMS_CAP_MESSAGES = 1
    person = PersonFactory()
    states = {queue(channel="feed", purpose="message", person=person, text=str(i)).state for i in range(3)}
    assert states == {"sent"}


@pytest.mark.django_db
def test_messages_queued_together_are_spread_out(settings):
    from allaboard.comms.delivery import queue_many

    settings.ALLABOARD_COMMS_CAP_MESSAGES = 2
    person = PersonFactory()
    later = timezone.now() + timedelta(days=1)
    batch = queue_many(
        [
            dict(channel="email", purpose="message", person=person, text=str(i), send_after=later)
            for i in range(5)
        ]
    )
    assert [d.due_at for d in batch] == [later, later, later + WEEK, later + WEEK, later + 2 * WEEK]


@pytest.mark.django_db
def test_cap_zero_switches_it_off(smtp_server, settings):
    settings.ALLABOARD_COMMS_CAP_MESSAGES = 0
    person = PersonFactory()
    assert {queue(channel="email", purpose="m", person=person, text="x").state for _ in range(6)} == {
        "queued"
    }


def test_next_allowed_is_now_when_under_the_cap():
    assert next_allowed([T0 - timedelta(days=1)], T0, cap=2, window=WEEK) == T0


def test_next_allowed_respects_messages_already_scheduled_later():
    # Room now looking back, but two messages are booked tomorrow: a third now would crowd that window.
    booked = [T0 - timedelta(days=3), T0 + timedelta(days=1), T0 + timedelta(days=1)]
    at = next_allowed(booked, T0, cap=3, window=WEEK)
    assert fits(at, booked, 3, WEEK)
    assert at == booked[0] + WEEK  # the earliest message leaves the window


def _max_in_any_window(times: list[datetime], window: timedelta) -> int:
    return max(sum(1 for t in times if s - window < t <= s) for s in times)


@hsettings(max_examples=200, deadline=None)
@given(
    offsets=st.lists(st.integers(min_value=-20 * 24, max_value=20 * 24), max_size=12),
    cap=st.integers(min_value=1, max_value=4),
    start=st.integers(min_value=0, max_value=10 * 24),
)
def test_placing_messages_one_by_one_never_breaks_the_cap(offsets, cap, start):
    """Whatever is already booked (itself under the cap), each new message lands where every window stays
    at or under the cap, and never earlier than asked."""
    times: list[datetime] = []
    for hours in offsets:  # book the existing messages through the same rule, so they are under the cap
        times.append(next_allowed(sorted(times), T0 + timedelta(hours=hours), cap, WEEK))
        times.sort()
    earliest = T0 + timedelta(hours=start)
    at = next_allowed(times, earliest, cap, WEEK)
    assert at >= earliest
    assert _max_in_any_window(sorted([*times, at]), WEEK) <= cap
