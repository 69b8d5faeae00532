from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allaboard.comms.schedule import reminder_days


def test_first_reminder_halfway_then_every_four_days():
    # Monday 2 March to Monday 30 March 2026: halfway is Monday 16 March; Saturday 28 would move to
    # Monday 30, the closing day, so it is dropped.
    assert reminder_days(date(2026, 3, 2), date(2026, 3, 30)) == [
        date(2026, 3, 16),
        date(2026, 3, 20),
        date(2026, 3, 24),
    ]


def test_weekend_reminders_move_to_monday():
    # Opens Wednesday 4 March, closes Wednesday 18 March: halfway is Wednesday 11, +4 is Sunday 15 -> Monday 16.
    assert reminder_days(date(2026, 3, 4), date(2026, 3, 18)) == [date(2026, 3, 11), date(2026, 3, 16)]


def test_a_window_too_short_has_no_reminders():
    assert reminder_days(date(2026, 3, 6), date(2026, 3, 7)) == []
    assert reminder_days(date(2026, 3, 6), date(2026, 3, 6)) == []


def test_custom_fraction_and_spacing():
    assert reminder_days(date(2026, 3, 2), date(2026, 3, 12), first_fraction=0.2, every_days=2) == [
        date(2026, 3, 4),
        date(2026, 3, 6),
        date(2026, 3, 9),
        date(2026, 3, 10),
    ]


def test_bad_parameters_are_refused():
    with pytest.raises(ValueError):
        reminder_days(date(2026, 3, 2), date(2026, 3, 30), first_fraction=1.5)
    with pytest.raises(ValueError):
        reminder_days(date(2026, 3, 2), date(2026, 3, 30), every_days=0)


@settings(deadline=None)  # a shared machine: no timed assertions
@given(
    opens=st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 1, 1)),
    length=st.integers(min_value=0, max_value=90),
    every=st.integers(min_value=1, max_value=10),
)
def test_reminders_are_weekdays_inside_the_window_in_order(opens, length, every):
    closes = opens + timedelta(days=length)
    days = reminder_days(opens, closes, every_days=every)
    assert all(d.weekday() < 5 and opens < d < closes for d in days)
    assert days == sorted(set(days))
