"""Pure metric functions: the numpy fast path must give exactly what the person-by-person loop gives."""

from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allaboard.capability import stats
from allaboard.capability.stats import PersonSpan

DAYS = stats.month_ends(date(2023, 1, 1), date(2024, 12, 31))
some_day = st.dates(min_value=date(2022, 6, 1), max_value=date(2025, 6, 1))


@st.composite
def spans(draw):
    start = draw(st.one_of(st.none(), some_day))
    end = draw(st.one_of(st.none(), some_day))
    if start and end and end < start:
        start, end = end, start
    return PersonSpan(start, end, draw(st.one_of(st.none(), some_day)))


def _fast(people, days, groups=None, n_groups=1):
    groups = np.zeros(len(people), dtype=np.int64) if groups is None else np.array(groups, dtype=np.int64)
    return stats.trained_counts(
        stats.to_day_numbers([p.start for p in people], int(stats.ALWAYS)),
        stats.to_day_numbers([p.end for p in people], int(stats.NEVER)),
        stats.to_day_numbers([p.first_formal_completion for p in people], int(stats.NEVER)),
        groups,
        n_groups,
        days,
    )


@settings(max_examples=200, deadline=None)
@given(st.lists(spans(), max_size=40))
def test_fast_counts_equal_the_reference_loop(people):
    trained, active = _fast(people, DAYS)
    reference = stats.percent_trained_series(people, DAYS)
    assert trained[0].tolist() == [r.trained for r in reference]
    assert active[0].tolist() == [r.active for r in reference]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(spans(), st.integers(0, 2)), max_size=30))
def test_groups_add_up_to_the_whole(rows):
    people = [p for p, _ in rows]
    trained, active = _fast(people, DAYS, [g for _, g in rows], 3)
    whole_trained, whole_active = _fast(people, DAYS)
    assert (trained.sum(axis=0) == whole_trained[0]).all()
    assert (active.sum(axis=0) == whole_active[0]).all()


def test_someone_is_active_on_their_first_and_last_day():
    day = date(2024, 3, 31)
    assert stats.is_active(PersonSpan(day, None, None), day)
    assert stats.is_active(PersonSpan(None, day, None), day)
    assert not stats.is_active(PersonSpan(day + timedelta(days=1), None, None), day)
    assert not stats.is_active(PersonSpan(None, day - timedelta(days=1), None), day)


def test_percent_is_none_when_nobody_is_active():
    assert stats.percent_trained_at([], date(2024, 1, 31)).percent is None


def test_training_days_divide_hours_by_the_day_length():
    assert stats.training_days([7.5, 3.75], 7.5) == 1.5
    with pytest.raises(ValueError):
        stats.training_days([1], 0)


def test_training_days_by_year_ignore_other_years():
    days = stats.training_days_by_year([(date(2023, 5, 1), 7.5), (date(2024, 1, 2), 15)], [2024], 7.5)
    assert days == {2024: 2.0}


def test_per_hundred_and_average_headcount():
    assert stats.average_headcount([3, 3, 4, 4]) == 3.5
    assert stats.average_headcount([]) is None
    assert stats.per_hundred(7, 3.5) == 200.0
    assert stats.per_hundred(7, None) is None


def test_iso_strings_and_dates_become_the_same_day_numbers():
    a = stats.to_day_numbers(["2024-02-29", None], 99)
    b = stats.to_day_numbers([date(2024, 2, 29), None], 99)
    assert a.tolist() == b.tolist() == [(date(2024, 2, 29) - date(1970, 1, 1)).days, 99]
