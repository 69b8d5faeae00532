"""The adoption numbers, pinned on hand-computed and published values."""

import math
from datetime import date

import pytest

from allaboard.adoption import stats as S


def test_rogers_categories_add_up_to_the_published_shares():
    # Rogers (2003), Diffusion of Innovations, 5th ed., p. 281: 2.5, 13.5, 34, 34 and 16 percent.
    assert S.ROGERS_SHARES == {
        "innovators": 0.025,
        "early_adopters": 0.135,
        "early_majority": 0.34,
        "late_majority": 0.34,
        "laggards": 0.16,
    }
    cuts = [cut for _, _, cut in S.CATEGORIES]
    assert cuts == pytest.approx([0.025, 0.16, 0.50, 0.84, 1.0])


def test_placement_by_share_of_the_group_that_started_before():
    # By hand, 10 people: share who started strictly before each = 0, .1, .2, .3, .4, .5, .6, .7.
    days = [0, 1, 2, 3, 4, 5, 6, 7, None, None]
    assert S.place_adopters(days) == [
        "innovators",  # 0 < 2.5%
        "early_adopters",  # 10% < 16%
        "early_majority",
        "early_majority",
        "early_majority",  # 20, 30, 40% < 50%
        "late_majority",
        "late_majority",
        "late_majority",  # 50, 60, 70% < 84%
        "not_yet",
        "not_yet",
    ]


def test_placement_boundaries_and_ties():
    # 40 people: the first is 0/40 before (innovator); the second has 1/40 = 2.5% before, not below 2.5%.
    days = list(range(40))
    placed = S.place_adopters(days)
    assert placed[:2] == ["innovators", "early_adopters"]
    # 16% of 40 = 6.4: ranks 0..6 (0/40..6/40 = 15%) are at most early adopters, rank 7 (17.5%) is not.
    assert placed[6] == "early_adopters" and placed[7] == "early_majority"
    # 84% of 40 = 33.6: rank 33 (82.5%) late majority, rank 34 (85%) laggard.
    assert placed[33] == "late_majority" and placed[34] == "laggards"
    # Two people starting on go-live day share the first place; then 2/4 = 50% and 3/4 = 75% before.
    assert S.place_adopters([0, 0, 5, 9]) == ["innovators", "innovators", "late_majority", "late_majority"]


def test_expected_curve_is_the_cumulative_normal():
    # Phi(0) = 0.5 and Phi(2) = 0.97725 (standard normal table, e.g. Abramowitz & Stegun 26.2).
    assert S.expected_share(6, 0.8, 12) == pytest.approx(0.4)
    assert S.expected_share(12, 0.8, 12) == pytest.approx(0.8 * 0.977250, abs=1e-6)


def test_cumulative_curve_counts_starters_by_week_end():
    # By hand: started within 1 week: 0.5 and 1.0 -> 2/5; within 2: +1.2 -> 3/5; within 3: +2.9 -> 4/5.
    assert S.cumulative_curve([0.5, 1.0, 1.2, 2.9, None], 3) == pytest.approx([0.4, 0.6, 0.8])


def test_logistic_fit_recovers_an_exact_curve_and_the_week_the_target_is_reached():
    weeks = range(1, 13)
    shares = [0.9 / (1 + math.exp(-0.5 * (w - 4))) for w in weeks]
    fit = S.fit_logistic(shares)
    assert (fit.ceiling, fit.rate, fit.midpoint) == pytest.approx((0.9, 0.5, 4.0), abs=1e-5)
    # By hand: 0.8 = 0.9 / (1 + exp(-0.5 (t - 4)))  =>  t = 4 + 2 ln 8 = 8.158883.
    assert fit.weeks_to(0.8) == pytest.approx(4 + 2 * math.log(8), abs=1e-4)
    assert fit.weeks_to(0.95) is None  # the curve levels off at 90%


def test_forecast_interval_brackets_the_estimate():
    # 20 people starting one by one, a week apart in pairs: the refits scatter around the point estimate.
    first = [w / 2 for w in range(16)] + [None] * 4
    result = S.forecast(first, 10, 0.6, draws=100, seed=1)
    assert result.weeks is not None
    assert result.low <= result.weeks <= (result.high or math.inf)
    assert 0 < result.reach_probability <= 1


def test_forecast_of_a_flat_curve_never_reaches_the_target():
    first = [0.0] * 5 + [None] * 15  # a quarter started on day one and nobody since
    result = S.forecast(first, 8, 0.8, draws=50)
    assert result.weeks is None and result.high is None and result.reach_probability < 0.05


@pytest.mark.parametrize(
    "shares, stalled",
    [
        ([0.40, 0.41, 0.42], True),  # +1, +1 points: below 2 both weeks, below target
        ([0.40, 0.43, 0.44], False),  # +3 the first week
        ([0.40, 0.41, 0.43], False),  # exactly +2 is not "less than 2"
        ([0.40, 0.38, 0.37], True),  # falling counts as not growing
        ([0.80, 0.80, 0.80], False),  # at target
        ([0.40, 0.41], False),  # two readings are one week, not two
    ],
)
def test_stall_rule_default_two_points_for_two_weeks(shares, stalled):
    assert S.is_stalled(shares, 0.8, points=2, weeks=2) is stalled


def test_stall_rule_thresholds_are_configurable():
    assert S.is_stalled([0.40, 0.43, 0.46], 0.8, points=5, weeks=2) is True
    assert S.is_stalled([0.40, 0.50, 0.51, 0.52], 0.8, points=2, weeks=3) is False


def test_working_days_count_monday_to_friday():
    monday = date(2026, 1, 5)
    assert S.working_days(monday, date(2026, 1, 11)) == 5  # Mon-Sun
    assert S.working_days(monday, date(2026, 1, 12)) == 6  # + next Monday
    assert S.working_days(date(2026, 1, 10), date(2026, 1, 11)) == 0  # a weekend
