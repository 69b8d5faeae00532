"""Confidence intervals pinned to published worked examples, hand calculations and reference code.

Sources quoted in the tests:
- Newcombe RG (1998a). Two-sided confidence intervals for the single proportion: comparison of seven
  methods. Statistics in Medicine 17:857-872, worked examples 81/263, 15/148, 0/20, 1/29 (method 3).
- Newcombe RG (1998b). Interval estimation for the difference between independent proportions:
  comparison of eleven methods. Statistics in Medicine 17:873-890, examples (a), (b), (d) (method 10).
- Fisher z interval: Statology, "Fisher Z transformation", worked example r = 0.56, n = 60.
"""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from allaboard.intervals import (
    Difference,
    Interval,
    NpsCounts,
    correlation_interval,
    mean_difference,
    mean_interval,
    nps_difference,
    nps_interval,
    pearson,
    proportion_difference,
    proportion_interval,
    sample_variance,
)

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

Z95 = 1.959963984540054
answers = st.lists(st.integers(min_value=1, max_value=5), min_size=2, max_size=60)
nps_counts = st.builds(
    NpsCounts,
    st.integers(min_value=0, max_value=400),
    st.integers(min_value=0, max_value=400),
    st.integers(min_value=0, max_value=400),
).filter(lambda counts: counts.n >= 2)


def sufficient(values):
    return len(values), sum(values), sum(v * v for v in values)


# --- mean -------------------------------------------------------------------------------------


def test_mean_interval_matches_a_hand_calculation():
    # 1, 2, 3, 4, 5: mean 3, s^2 = 10/4 = 2.5, t(0.975, 4) = 2.776445 (t tables),
    # half-width = 2.776445 * sqrt(2.5 / 5) = 1.963243.
    interval = mean_interval(5, 15, 55)
    assert interval.estimate == 3
    assert interval.low == pytest.approx(3 - 1.963243, abs=1e-6)
    assert interval.high == pytest.approx(3 + 1.963243, abs=1e-6)
    assert (interval.n, interval.method) == (5, "student-t")


def test_mean_interval_matches_scipy_one_sample_t():
    values = [3, 4, 4, 5, 2, 5, 4, 3, 1, 5, 4]
    expected = stats.ttest_1samp(values, 0).confidence_interval(0.9)
    interval = mean_interval(*sufficient(values), confidence=0.9)
    assert (interval.low, interval.high) == pytest.approx((expected.low, expected.high), rel=1e-12)


def test_mean_of_one_answer_has_no_interval():
    assert mean_interval(1, 4, 16) == Interval(4.0, None, None, 1, "student-t")


def test_mean_of_no_answers_is_an_error():
    with pytest.raises(ValueError, match="at least one observation"):
        mean_interval(0, 0, 0)


def test_mean_of_identical_answers_has_a_zero_width_interval():
    interval = mean_interval(6, 24, 96)
    assert (interval.low, interval.estimate, interval.high) == (4.0, 4.0, 4.0)


def test_impossible_sum_of_squares_is_rejected():
    # 2 answers summing to 10 have a sum of squares of at least 50.
    with pytest.raises(ValueError, match="not the sufficient statistics"):
        mean_interval(2, 10, 40)


@pytest.mark.parametrize("bad", [{"n": -1}, {"n": 2.5}, {"total": float("nan")}, {"confidence": 1.0}])
def test_bad_arguments_to_mean_are_rejected(bad):
    arguments = {"n": 3, "total": 9, "sum_squares": 29, "confidence": 0.95} | bad
    with pytest.raises(ValueError):
        mean_interval(**arguments)


def test_sample_variance_clamps_rounding_below_zero():
    # 0.1 * 3 squared does not round-trip exactly; the variance is still exactly 0.
    assert sample_variance(3, 0.1 + 0.1 + 0.1, 3 * 0.1**2) == 0.0


@given(answers, st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_mean_interval_agrees_with_scipy_and_contains_the_mean(values, confidence):
    interval = mean_interval(*sufficient(values), confidence=confidence)
    assert interval.low <= interval.estimate <= interval.high
    if np.var(values) > 0:
        expected = stats.ttest_1samp(values, 0).confidence_interval(confidence)
        assert interval.low == pytest.approx(expected.low, rel=1e-9, abs=1e-9)
        assert interval.high == pytest.approx(expected.high, rel=1e-9, abs=1e-9)


# --- Welch ------------------------------------------------------------------------------------


def test_welch_difference_matches_a_hand_calculation():
    # a = 1..5: mean 3, s^2 = 2.5; b = 2, 4, 6: mean 4, s^2 = 4.
    # se^2 = 2.5/5 + 4/3 = 11/6; df = (11/6)^2 / ((1/2)^2/4 + (4/3)^2/2) = (121/36) / (137/144) = 484/137.
    difference = mean_difference(n_a=5, total_a=15, sum_squares_a=55, n_b=3, total_b=12, sum_squares_b=56)
    half_width = stats.t.ppf(0.975, 484 / 137) * math.sqrt(11 / 6)
    assert difference.estimate == -1
    assert (difference.low, difference.high) == pytest.approx((-1 - half_width, -1 + half_width), rel=1e-12)
    assert difference.larger_than_noise is False
    assert (difference.n_a, difference.n_b, difference.n) == (5, 3, 8)


def test_welch_difference_matches_scipy():
    a, b = [4, 5, 4, 5, 5, 4, 5, 3], [2, 3, 3, 1, 2, 4, 2]
    expected = stats.ttest_ind(a, b, equal_var=False).confidence_interval()
    na, ta, sa = sufficient(a)
    nb, tb, sb = sufficient(b)
    difference = mean_difference(n_a=na, total_a=ta, sum_squares_a=sa, n_b=nb, total_b=tb, sum_squares_b=sb)
    assert (difference.low, difference.high) == pytest.approx((expected.low, expected.high), rel=1e-12)
    assert difference.larger_than_noise is True


def test_welch_with_one_constant_group_has_the_other_groups_degrees_of_freedom():
    # a = 4, 4, 4 (no variance); b = 1..5: se^2 = 2.5/5, df = n_b - 1 = 4.
    difference = mean_difference(n_a=3, total_a=12, sum_squares_a=48, n_b=5, total_b=15, sum_squares_b=55)
    half_width = stats.t.ppf(0.975, 4) * math.sqrt(0.5)
    assert (difference.low, difference.high) == pytest.approx((1 - half_width, 1 + half_width), rel=1e-12)


def test_welch_needs_two_answers_per_group_for_an_interval():
    difference = mean_difference(n_a=1, total_a=4, sum_squares_a=16, n_b=5, total_b=15, sum_squares_b=55)
    assert difference == Difference(1.0, None, None, 1, 5, "welch")
    assert difference.larger_than_noise is False


def test_welch_with_no_variation_in_either_group_collapses_onto_the_difference():
    difference = mean_difference(n_a=5, total_a=20, sum_squares_a=80, n_b=5, total_b=15, sum_squares_b=45)
    assert (difference.low, difference.estimate, difference.high) == (1.0, 1.0, 1.0)
    assert difference.larger_than_noise is True


def test_welch_with_an_empty_group_is_an_error():
    with pytest.raises(ValueError, match="both groups"):
        mean_difference(n_a=0, total_a=0, sum_squares_a=0, n_b=5, total_b=15, sum_squares_b=55)


@given(answers, answers)
def test_welch_agrees_with_scipy_and_contains_the_difference(a, b):
    na, ta, sa = sufficient(a)
    nb, tb, sb = sufficient(b)
    difference = mean_difference(n_a=na, total_a=ta, sum_squares_a=sa, n_b=nb, total_b=tb, sum_squares_b=sb)
    assert difference.low <= difference.estimate <= difference.high
    assert difference.larger_than_noise == (difference.low > 0 or difference.high < 0)
    if np.var(a) > 0 and np.var(b) > 0:  # scipy warns about constant groups
        expected = stats.ttest_ind(a, b, equal_var=False).confidence_interval()
        assert difference.low == pytest.approx(expected.low, rel=1e-9, abs=1e-9)
        assert difference.high == pytest.approx(expected.high, rel=1e-9, abs=1e-9)


# --- proportions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718)],
)
def test_wilson_interval_matches_newcombe_1998a(successes, n, low, high):
    interval = proportion_interval(successes, n)
    assert (round(interval.low, 4), round(interval.high, 4)) == (low, high)
    assert interval.estimate == successes / n
    assert interval.method == "wilson"


def test_wilson_interval_matches_scipy():
    expected = stats.binomtest(7, 31).proportion_ci(confidence_level=0.9, method="wilson")
    interval = proportion_interval(7, 31, confidence=0.9)
    assert (interval.low, interval.high) == pytest.approx((expected.low, expected.high), rel=1e-12)


def test_wilson_interval_matches_statsmodels():
    proportion = pytest.importorskip("statsmodels.stats.proportion")
    low, high = proportion.proportion_confint(43, 57, alpha=0.05, method="wilson")
    interval = proportion_interval(43, 57)
    assert (interval.low, interval.high) == pytest.approx((low, high), rel=1e-12)


def test_all_successes_reach_exactly_one():
    interval = proportion_interval(12, 12)
    assert interval.high == 1.0
    assert interval.low < 1.0


@pytest.mark.parametrize(
    ("successes", "n", "message"), [(0, 0, "at least one"), (5, 4, "cannot exceed"), (-1, 4, "negative")]
)
def test_impossible_proportions_are_rejected(successes, n, message):
    with pytest.raises(ValueError, match=message):
        proportion_interval(successes, n)


@given(st.integers(min_value=1, max_value=5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_interval_contains_the_proportion_and_stays_in_0_1(case):
    successes, n = case
    interval = proportion_interval(successes, n)
    assert 0.0 <= interval.low <= interval.estimate <= interval.high <= 1.0


@pytest.mark.parametrize(
    ("a", "b", "low", "high"),
    [
        ((56, 70), (48, 80), 0.0524, 0.3339),  # example (a)
        ((9, 10), (3, 10), 0.1705, 0.8090),  # example (b)
        ((5, 56), (0, 29), -0.0381, 0.1926),  # example (d)
    ],
)
def test_proportion_difference_matches_newcombe_1998b(a, b, low, high):
    difference = proportion_difference(successes_a=a[0], n_a=a[1], successes_b=b[0], n_b=b[1])
    assert (round(difference.low, 4), round(difference.high, 4)) == (low, high)
    assert difference.estimate == pytest.approx(a[0] / a[1] - b[0] / b[1])
    assert difference.larger_than_noise == (low > 0)


def test_proportion_difference_matches_statsmodels_newcombe():
    proportion = pytest.importorskip("statsmodels.stats.proportion")
    low, high = proportion.confint_proportions_2indep(
        17, 40, 30, 45, method="newcomb", compare="diff", alpha=0.1
    )
    difference = proportion_difference(successes_a=17, n_a=40, successes_b=30, n_b=45, confidence=0.9)
    assert (difference.low, difference.high) == pytest.approx((low, high), rel=1e-12)


proportion_pairs = st.integers(min_value=1, max_value=300).flatmap(
    lambda n: st.tuples(st.integers(0, n), st.just(n))
)


@given(proportion_pairs, proportion_pairs)
def test_proportion_difference_contains_the_difference(a, b):
    difference = proportion_difference(successes_a=a[0], n_a=a[1], successes_b=b[0], n_b=b[1])
    assert -1.0 <= difference.low <= difference.estimate <= difference.high <= 1.0


# --- NPS --------------------------------------------------------------------------------------


def test_nps_counts_classify_answers():
    counts = NpsCounts.from_scores([10, 9, 8, 7, 6, 0, 9.0])
    assert counts == NpsCounts(promoters=3, passives=2, detractors=2)
    assert counts.nps == pytest.approx(100 * (3 - 2) / 7)
    assert NpsCounts(0, 0, 0).nps is None


@pytest.mark.parametrize("bad", [11, -1, 8.5, "9"])
def test_nps_answers_outside_0_to_10_are_rejected(bad):
    with pytest.raises(ValueError, match="0 to 10"):
        NpsCounts.from_scores([9, bad])


def test_nps_wald_interval_matches_a_hand_calculation():
    # 50 promoters, 30 passives, 20 detractors: NPS = 50% - 20% = 30.
    # var = (0.5 + 0.2 - 0.3^2) / 100 = 0.0061; half-width = 1.959964 * sqrt(0.0061) = 0.153078.
    interval = nps_interval(NpsCounts(50, 30, 20), method="wald")
    assert interval.estimate == 30
    assert interval.low == pytest.approx(30 - 15.3078, abs=1e-4)
    assert interval.high == pytest.approx(30 + 15.3078, abs=1e-4)
    assert interval.method == "nps-wald"


def test_nps_adjusted_wald_interval_matches_a_hand_calculation():
    # Rocks (2016) adjustment: n' = 103, p+ = 50.75/103 = 0.492718, p- = 20.75/103 = 0.201456,
    # centre = 0.291262; var = (0.694175 - 0.291262^2) / 103 = 0.00591593;
    # half-width = 1.959964 * 0.0769151 = 0.150751 -> 14.0511 .. 44.2013 (the estimate stays 30).
    interval = nps_interval(NpsCounts(50, 30, 20))
    assert interval.estimate == 30
    assert interval.low == pytest.approx(14.0511, abs=1e-3)
    assert interval.high == pytest.approx(44.2013, abs=1e-3)
    assert interval.method == "nps-adjusted_wald"


def test_nps_wald_equals_the_mean_of_plus_one_zero_minus_one_scores():
    # The Wald variance is the variance of +1/0/-1 scores with an n denominator.
    scores = np.array([1] * 37 + [0] * 41 + [-1] * 22)
    half_width = Z95 * scores.std() / math.sqrt(len(scores))
    interval = nps_interval(NpsCounts(37, 41, 22), method="wald")
    assert interval.low == pytest.approx(100 * (scores.mean() - half_width), rel=1e-9)
    assert interval.high == pytest.approx(100 * (scores.mean() + half_width), rel=1e-9)


def test_adjusted_wald_does_not_collapse_when_everyone_agrees():
    assert nps_interval(NpsCounts(5, 0, 0), method="wald").low == 100.0
    adjusted = nps_interval(NpsCounts(5, 0, 0))
    assert adjusted.low < 60 and adjusted.high == 100.0 and adjusted.estimate == 100.0


def test_nps_of_one_answer_has_no_interval_and_of_none_is_an_error():
    assert nps_interval(NpsCounts(1, 0, 0)).low is None
    with pytest.raises(ValueError, match="at least one answer"):
        nps_interval(NpsCounts(0, 0, 0))
    with pytest.raises(ValueError, match="unknown NPS interval method"):
        nps_interval(NpsCounts(3, 3, 3), method="bootstrap")


@given(nps_counts, st.sampled_from([0.95, 0.99, 0.999]))
def test_adjusted_nps_interval_contains_the_nps_at_95_percent_and_above(counts, confidence):
    interval = nps_interval(counts, confidence)
    assert -100.0 <= interval.low <= interval.estimate <= interval.high <= 100.0


@given(nps_counts, st.floats(min_value=0.01, max_value=0.999))
def test_wald_nps_interval_contains_the_nps_at_any_level(counts, confidence):
    interval = nps_interval(counts, confidence, method="wald")
    assert -100.0 <= interval.low <= interval.estimate <= interval.high <= 100.0


def test_adjusted_nps_interval_at_a_low_level_can_sit_beside_an_extreme_score():
    # Documented limit: the fixed 3/4 pseudo-counts are calibrated for 95%. Two detractors at 80%:
    # centre = -2/5, half-width = 1.2816 * sqrt((3.5/5 - 0.16)/5) = 0.4212, so -82.1 .. 2.1.
    interval = nps_interval(NpsCounts(0, 0, 2), confidence=0.8)
    assert interval.estimate == -100
    assert interval.low == pytest.approx(-82.12, abs=0.01)


def test_nps_difference_with_wald_is_the_classic_sum_of_variances():
    a, b = NpsCounts(120, 60, 40), NpsCounts(70, 50, 60)
    var_a = (120 / 220 + 40 / 220 - (80 / 220) ** 2) / 220
    var_b = (70 / 180 + 60 / 180 - (10 / 180) ** 2) / 180
    half_width = 100 * Z95 * math.sqrt(var_a + var_b)
    difference = nps_difference(a, b, method="wald")
    assert difference.estimate == pytest.approx(a.nps - b.nps)
    assert difference.low == pytest.approx(difference.estimate - half_width, rel=1e-9)
    assert difference.high == pytest.approx(difference.estimate + half_width, rel=1e-9)
    assert difference.larger_than_noise is True


def test_nps_difference_combines_the_two_adjusted_intervals():
    # MOVER (Zou & Donner 2008): low = d - sqrt((nps_a - low_a)^2 + (high_b - nps_b)^2).
    a, b = NpsCounts(9, 4, 2), NpsCounts(5, 5, 6)
    ia, ib = nps_interval(a), nps_interval(b)
    difference = nps_difference(a, b)
    d = a.nps - b.nps
    assert difference.low == pytest.approx(d - math.hypot(a.nps - ia.low, ib.high - b.nps))
    assert difference.high == pytest.approx(d + math.hypot(ia.high - a.nps, b.nps - ib.low))


def test_nps_difference_needs_answers_in_both_groups():
    assert nps_difference(NpsCounts(1, 0, 0), NpsCounts(3, 2, 1)).low is None
    with pytest.raises(ValueError, match="both groups"):
        nps_difference(NpsCounts(0, 0, 0), NpsCounts(3, 2, 1))


@given(nps_counts, nps_counts, st.sampled_from(["adjusted_wald", "wald"]), st.sampled_from([0.95, 0.99]))
def test_nps_difference_contains_the_difference(a, b, method, confidence):
    difference = nps_difference(a, b, confidence, method)
    assert -200.0 <= difference.low <= difference.estimate <= difference.high <= 200.0


# --- correlation ------------------------------------------------------------------------------


def test_fisher_z_interval_matches_the_worked_example():
    # Statology: r = 0.56, n = 60 -> z = 0.6328, 0.6328 -+ 1.96/sqrt(57) -> (0.3568, 0.7126).
    interval = correlation_interval(0.56, 60)
    assert (round(interval.low, 4), round(interval.high, 4)) == (0.3568, 0.7126)
    assert interval.method == "fisher-z"


def test_pearson_matches_scipy():
    x = [3.1, 4.2, 2.8, 5.0, 4.4, 3.9, 2.2, 4.8]
    y = [60, 71, 58, 80, 69, 75, 50, 77]
    expected = stats.pearsonr(x, y)
    interval = pearson(x, y, confidence=0.9)
    ci = expected.confidence_interval(0.9)
    assert interval.estimate == pytest.approx(expected.statistic, rel=1e-12)
    assert (interval.low, interval.high) == pytest.approx((ci.low, ci.high), rel=1e-9)


def test_correlation_with_three_pairs_has_no_interval():
    assert correlation_interval(0.5, 3).low is None


def test_perfect_correlation_has_a_degenerate_interval():
    interval = pearson([1, 2, 3, 4, 5], [2, 4, 6, 8, 10])
    assert (interval.low, interval.estimate, interval.high) == (1.0, 1.0, 1.0)


def test_correlation_with_a_constant_is_an_error():
    with pytest.raises(ValueError, match="y does not vary"):
        pearson([1, 2, 3, 4], [5, 5, 5, 5])
    with pytest.raises(ValueError, match="paired"):
        pearson([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="between -1 and 1"):
        correlation_interval(1.2, 10)


@given(st.floats(min_value=-1, max_value=1), st.integers(min_value=4, max_value=10_000))
def test_fisher_z_interval_contains_r(r, n):
    interval = correlation_interval(r, n)
    assert -1.0 <= interval.low <= interval.estimate <= interval.high <= 1.0
