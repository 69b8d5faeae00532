"""The two training metrics of seed 002, as pure functions: numbers and dates in, numbers out.

% formally trained at a date D
    numerator: people active on D (started on or before D, not left before D: the same rule as
    org.Person.objects.active_on) who completed at least one formal change-management course on or before D;
    denominator: people active on D. A leaver stays in every month-end they were active at, so a past
    month's figure never changes when someone leaves later.

training days in a year
    hours attended on completed formal change-management enrolments completed in that year, divided by
    the hours in a training day (ALLABOARD_TRAINING_HOURS_PER_DAY, default 7.5). Repeat completions count
    each time: they are training delivered. Per 100 people: days / average headcount x 100, where the
    average headcount is the mean of the active headcounts at the year's month ends (so far, for this year).

`percent_trained_series` is the reference: a plain loop, person by person. `trained_counts` computes the
same numbers for many groups at once with numpy, and is what pages and the API use.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

# Sentinels for open-ended dates when dates are numbers (days since 1970-01-01).
NEVER = np.iinfo(np.int64).max // 2
ALWAYS = -NEVER


@dataclass(frozen=True)
class PersonSpan:
    """What the metric needs to know about one person."""

    start: date | None
    end: date | None
    first_formal_completion: date | None


@dataclass(frozen=True)
class TrainedShare:
    day: date
    trained: int
    active: int

    @property
    def percent(self) -> float | None:
        """% formally trained, or None when nobody was active."""
        return 100.0 * self.trained / self.active if self.active else None


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def month_ends(first: date, last: date) -> list[date]:
    """Every month end from the month of `first` up to `last` (inclusive), oldest first."""
    days = []
    year, month = first.year, first.month
    while True:
        end = date(year, month, calendar.monthrange(year, month)[1])
        if end > last:
            return days
        days.append(end)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def is_active(span: PersonSpan, day: date) -> bool:
    """Employed on `day`: mirrors org.Person.objects.active_on."""
    return (span.start is None or span.start <= day) and (span.end is None or span.end >= day)


def is_trained(span: PersonSpan, day: date) -> bool:
    return span.first_formal_completion is not None and span.first_formal_completion <= day


def percent_trained_at(spans: Iterable[PersonSpan], day: date) -> TrainedShare:
    trained = active = 0
    for span in spans:
        if is_active(span, day):
            active += 1
            trained += is_trained(span, day)
    return TrainedShare(day, trained, active)


def percent_trained_series(spans: Sequence[PersonSpan], days: Sequence[date]) -> list[TrainedShare]:
    """% formally trained at each day, person by person (the reference implementation)."""
    return [percent_trained_at(spans, day) for day in days]


def to_day_numbers(values: Sequence, missing: int) -> np.ndarray:
    """Dates (date objects or ISO strings, None for unknown) as int64 days since 1970-01-01."""
    if len(values) == 0:
        return np.zeros(0, dtype=np.int64)
    array = np.array([v if v is not None else "NaT" for v in values], dtype="datetime64[D]")
    numbers = array.astype(np.int64)
    numbers[np.isnat(array)] = missing
    return numbers


def trained_counts(
    start: np.ndarray,
    end: np.ndarray,
    first_formal: np.ndarray,
    groups: np.ndarray,
    n_groups: int,
    days: Sequence[date],
) -> tuple[np.ndarray, np.ndarray]:
    """(trained, active) as arrays of shape (n_groups, len(days)), for people given as day numbers.

    start/end/first_formal are int64 day numbers (ALWAYS for an unknown start, NEVER for no end or no
    completion); groups is each person's group index. A person is active for the month ends from the first
    one on or after their start up to the last one on or before their end, and counts as trained from the
    first month end on or after their first formal completion: so each person adds +1 where an interval of
    month ends begins and -1 where it stops, and a cumulative sum gives the counts. O(people + groups x days).
    """
    points = to_day_numbers(list(days), NEVER)
    m = len(points)
    begins = np.searchsorted(points, start, side="left")
    stops = np.searchsorted(points, end, side="right")
    stops = np.maximum(stops, begins)  # an end before the start: never active
    trained_from = np.maximum(begins, np.searchsorted(points, first_formal, side="left"))
    trained_from = np.minimum(trained_from, stops)
    active = _interval_counts(groups, begins, stops, n_groups, m)
    trained = _interval_counts(groups, trained_from, stops, n_groups, m)
    return trained, active


def _interval_counts(groups, begins, stops, n_groups: int, m: int) -> np.ndarray:
    width = m + 1
    size = n_groups * width
    delta = np.bincount(groups * width + begins, minlength=size) - np.bincount(
        groups * width + stops, minlength=size
    )
    return np.cumsum(delta.reshape(n_groups, width), axis=1)[:, :m]


def training_days(hours: Iterable[float], hours_per_day: float) -> float:
    """Attended hours expressed as training days."""
    if hours_per_day <= 0:
        raise ValueError(f"hours per day must be positive, got {hours_per_day!r}")
    return sum(float(h) for h in hours) / hours_per_day


def training_days_by_year(
    completions: Iterable[tuple[date, float]], years: Iterable[int], hours_per_day: float
) -> dict[int, float]:
    """Training days per calendar year from (completed_on, hours_attended) of formal completions."""
    hours: dict[int, list[float]] = {year: [] for year in years}
    for completed_on, attended in completions:
        if completed_on.year in hours and attended is not None:
            hours[completed_on.year].append(attended)
    return {year: training_days(values, hours_per_day) for year, values in hours.items()}


def average_headcount(active_counts: Sequence[int]) -> float | None:
    """The mean of month-end active headcounts; None when there are none."""
    return sum(active_counts) / len(active_counts) if len(active_counts) else None


def per_hundred(days: float, headcount: float | None) -> float | None:
    """Training days per 100 people, or None without a headcount."""
    return 100.0 * days / headcount if headcount else None
