"""When reminders go out: halfway through a survey window, then every few days, never at weekends."""

from datetime import date, timedelta

SATURDAY = 5


def _weekday_on_or_after(day: date) -> date:
    while day.weekday() >= SATURDAY:
        day += timedelta(days=1)
    return day


def reminder_days(
    opens: date, closes: date, *, first_fraction: float = 0.5, every_days: int = 4
) -> list[date]:
    """Reminder dates for a window that opens and closes on the given days.

    The first reminder is `first_fraction` of the way through the window, then one every `every_days`
    days. A date on a Saturday or Sunday moves to the Monday after; a reminder must fall strictly before
    `closes` (a reminder on the closing day is too late to act on) and after `opens`. No date repeats."""
    if closes <= opens:
        return []
    if not 0 < first_fraction < 1:
        raise ValueError("first_fraction must be between 0 and 1")
    if every_days < 1:
        raise ValueError("every_days must be at least 1")
    span = (closes - opens).days
    planned = opens + timedelta(days=max(1, round(span * first_fraction)))
    days: list[date] = []
    while planned < closes:
        day = _weekday_on_or_after(planned)
        if day < closes and day > opens and (not days or day > days[-1]):
            days.append(day)
        planned += timedelta(days=every_days)
    return days
