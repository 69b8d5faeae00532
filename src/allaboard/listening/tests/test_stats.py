"""Listening statistics pinned to hand calculations, published values and reference code.

Sources quoted in the tests:
- Real Statistics (www.real-statistics.com) Cronbach's alpha example, 15 respondents x 10 items, as
  shipped in pingouin's data sets ("cronbach_alpha"); alpha = 0.5917, Feldt 95% CI 0.195..0.840,
  the values pingouin's documentation publishes and checks against R's psych::alpha.
- pingouin's "cronbach_wide_missing" (binary items, Real Statistics): alpha = 0.8017 after listwise
  deletion, as in pingouin's documentation and psych::alpha(use = "complete.obs").
- Shapley/LMG for two predictors: R2 = (r1^2 + r2^2 - 2 r1 r2 r12) / (1 - r12^2) and
  w1 = (r1^2 + R2 - r2^2) / 2 (Lindeman, Merenda & Gold 1980; Groemping 2006).
- Johnson (2000) relative weights, with the 2 x 2 square root of a correlation matrix in closed form.
"""

import itertools
import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from allaboard.intervals import mean_interval
from allaboard.listening.stats import (
    ADKAR_ELEMENTS,
    CrossProducts,
    ItemSummary,
    barrier_point,
    barrier_shares,
    correlation_matrix,
    covariance_matrix,
    cronbach_alpha,
    cronbach_alpha_from_matrix,
    key_drivers,
    merge_summaries,
    relative_weights,
    reverse_score,
    reverse_summary,
    shapley_weights,
)

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

REAL_STATISTICS_ALPHA_EXAMPLE = [
    [3, 2, 4, 1, 4, 5, 1, 4, 3, 2],
    [5, 4, 6, 3, 5, 1, 2, 5, 5, 5],
    [7, 3, 5, 5, 6, 4, 3, 3, 6, 5],
    [2, 4, 3, 3, 2, 2, 2, 6, 6, 3],
    [6, 5, 6, 5, 4, 4, 4, 6, 7, 5],
    [1, 2, 3, 4, 2, 5, 2, 3, 5, 2],
    [4, 3, 5, 3, 5, 2, 1, 2, 4, 3],
    [2, 4, 4, 3, 7, 2, 2, 4, 6, 5],
    [6, 5, 5, 5, 1, 6, 5, 2, 3, 2],
    [5, 4, 6, 4, 3, 5, 3, 1, 7, 2],
    [4, 3, 5, 2, 5, 3, 2, 3, 4, 1],
    [4, 2, 3, 2, 5, 3, 4, 2, 3, 4],
    [5, 5, 6, 2, 3, 3, 2, 4, 4, 5],
    [6, 5, 5, 4, 2, 2, 1, 4, 6, 5],
    [4, 3, 5, 5, 3, 1, 3, 2, 3, 4],
]
NAN = float("nan")
REAL_STATISTICS_BINARY_WITH_MISSING = [
    [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
    [1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0],
    [NAN, 0, 1, 1, NAN, 1, 1, 1, 1, 0, 0],
    [1, 1, 1, 0, 1, 1, 0, 1, 1, 0, 0],
    [1, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0],
    [0, 1, NAN, 0, 1, 1, 1, 1, 0, 0, 0],
    [1, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0],
    [1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0],
    [0, 1, 0, 1, 1, 0, 0, 0, 0, 1, 0],
    [1, 0, 0, 1, 0, 1, 0, 0, NAN, 0, 0],
    [1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0],
    [1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0],
]

likert = st.integers(min_value=1, max_value=5)
answer_lists = st.lists(likert, max_size=40)


def response_matrices(min_rows=2, max_rows=30, min_columns=2, max_columns=6):
    def matrices(shape):
        rows = st.lists(
            st.lists(likert, min_size=shape[1], max_size=shape[1]), min_size=shape[0], max_size=shape[0]
        )
        return rows.map(lambda values: np.array(values, dtype=float).reshape(shape))

    return st.tuples(st.integers(min_rows, max_rows), st.integers(min_columns, max_columns)).flatmap(matrices)


def alpha_from_raw(matrix):
    """Reference: the textbook formula on the raw matrix, k/(k-1) (1 - sum of item variances / total variance)."""
    k = matrix.shape[1]
    return k / (k - 1) * (1 - matrix.var(axis=0, ddof=1).sum() / matrix.sum(axis=1).var(ddof=1))


def r_squared_by_least_squares(x, y):
    """Reference: R squared of an ordinary least-squares fit with an intercept."""
    design = np.column_stack([np.ones(len(y)), x])
    coefficients, *_ = np.linalg.lstsq(design, y, rcond=None)
    residual = y - design @ coefficients
    return 1 - residual @ residual / ((y - y.mean()) @ (y - y.mean()))


# --- item summaries ---------------------------------------------------------------------------


def test_summary_gives_mean_sd_favourable_share_and_distribution():
    # 1, 2, 4, 5, 5: mean 17/5 = 3.4; s^2 = (71 - 17^2/5) / 4 = 3.3; favourable (4-5) = 3/5.
    summary = ItemSummary.from_values([1, 2, 4, 5, 5])
    assert (summary.n, summary.total, summary.sum_squares) == (5, 17, 71)
    assert summary.mean == pytest.approx(3.4)
    assert summary.sd == pytest.approx(math.sqrt(3.3))
    assert summary.favourable_share() == pytest.approx(0.6)
    assert summary.distribution() == pytest.approx({1: 0.2, 2: 0.2, 3: 0.0, 4: 0.2, 5: 0.4})


def test_favourable_set_is_a_parameter():
    summary = ItemSummary.from_values([1, 2, 4, 5, 5])
    assert summary.favourable_share({5}) == pytest.approx(0.4)
    assert summary.favourable_share({1, 2}) == pytest.approx(0.4)


def test_summary_from_stored_sufficient_statistics():
    summary = ItemSummary(n=5, total=17, sum_squares=71, counts={5: 2, 1: 1, 4: 1, 2: 1})
    assert summary == ItemSummary.from_values([5, 2, 4, 1, 5])
    assert summary.mean_interval() == mean_interval(5, 17, 71)
    favourable = summary.favourable_interval()
    assert (favourable.estimate, favourable.method) == (0.6, "wilson")


def test_summary_whose_counts_disagree_with_its_sums_is_rejected():
    with pytest.raises(ValueError, match="add up to 4"):
        ItemSummary(n=5, total=17, sum_squares=71, counts={5: 2, 1: 1, 4: 1})
    with pytest.raises(ValueError, match="total of"):
        ItemSummary(n=5, total=18, sum_squares=71, counts={5: 2, 1: 1, 4: 1, 2: 1})
    with pytest.raises(ValueError, match="not the sufficient statistics"):
        ItemSummary(n=5, total=17, sum_squares=50)


def test_empty_summary_has_no_numbers():
    empty = ItemSummary()
    assert (empty.mean, empty.sd, empty.favourable_share(), empty.distribution()) == (None, None, None, None)
    assert empty.mean_interval() is None and empty.favourable_interval() is None


def test_one_answer_has_a_mean_but_no_sd_or_interval():
    one = ItemSummary.from_values([4])
    assert (one.mean, one.sd) == (4, None)
    assert one.mean_interval().low is None


def test_summary_without_counts_has_a_mean_but_no_shares():
    summary = ItemSummary(n=3, total=10.5, sum_squares=37.25)
    assert summary.mean == pytest.approx(3.5)
    with pytest.raises(ValueError, match="no counts per scale value"):
        summary.favourable_share()


def test_distribution_refuses_answers_off_the_scale():
    with pytest.raises(ValueError, match="not on the scale"):
        ItemSummary.from_values([0, 3, 5]).distribution()


@given(st.lists(answer_lists, max_size=6))
def test_merged_summaries_equal_the_summary_of_all_answers(groups):
    merged = merge_summaries(ItemSummary.from_values(group) for group in groups)
    assert merged == ItemSummary.from_values([value for group in groups for value in group])


def test_summaries_with_and_without_counts_do_not_merge():
    with pytest.raises(ValueError, match="cannot merge"):
        ItemSummary.from_values([4, 5]) + ItemSummary(n=2, total=9, sum_squares=41)


@pytest.mark.parametrize(("value", "reversed_value"), [(1, 5), (2, 4), (3, 3), (4, 2), (5, 1)])
def test_reverse_score_on_a_1_to_5_scale_is_6_minus_x(value, reversed_value):
    assert reverse_score(value) == reversed_value


def test_reverse_score_on_another_scale_and_out_of_range():
    assert reverse_score(2, low=0, high=10) == 8
    with pytest.raises(ValueError, match="outside the scale"):
        reverse_score(6)


@given(answer_lists)
def test_reversed_summary_equals_the_summary_of_reversed_answers(values):
    summary = ItemSummary.from_values(values)
    assert reverse_summary(summary) == ItemSummary.from_values([6 - value for value in values])
    assert reverse_summary(reverse_summary(summary)) == summary


# --- ADKAR barrier point ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ({"awareness": 4, "desire": 4.5, "knowledge": 3.2, "ability": 5, "reinforcement": 4}, None),
        ({"awareness": 3, "desire": 1, "knowledge": 1, "ability": 1, "reinforcement": 1}, "awareness"),
        ({"awareness": 4, "desire": 3.5, "knowledge": 2.8, "ability": 1, "reinforcement": 2}, "knowledge"),
        ({"awareness": 4, "desire": 4, "knowledge": 4, "ability": 4, "reinforcement": 3}, "reinforcement"),
        ({"desire": 2}, "desire"),
        ({"awareness": None, "desire": NAN, "knowledge": 4}, None),
        ({"awareness": None, "desire": 4, "knowledge": 3}, "knowledge"),
        ({}, None),
    ],
)
def test_barrier_point_is_the_first_element_at_3_or_below(scores, expected):
    assert barrier_point(scores) == expected


def test_barrier_threshold_is_a_parameter():
    assert barrier_point({"awareness": 3.5, "desire": 2}, threshold=3.5) == "awareness"


def test_unknown_element_is_rejected():
    with pytest.raises(ValueError, match="unknown ADKAR elements"):
        barrier_point({"Awareness": 2})


@given(st.dictionaries(st.sampled_from(ADKAR_ELEMENTS), st.none() | st.floats(min_value=1, max_value=5)))
def test_barrier_point_agrees_with_a_plain_reading_of_the_rule(scores):
    answered = [element for element in ADKAR_ELEMENTS if scores.get(element) is not None]
    low = [element for element in answered if scores[element] <= 3]
    assert barrier_point(scores) == (low[0] if low else None)


def test_barrier_shares_per_team():
    shares = barrier_shares(["awareness", "awareness", None, "ability"])
    assert shares == {
        "awareness": 0.5,
        "desire": 0.0,
        "knowledge": 0.0,
        "ability": 0.25,
        "reinforcement": 0.0,
        None: 0.25,
    }
    with pytest.raises(ValueError, match="no barrier points"):
        barrier_shares([])


# --- sufficient statistics and correlation ----------------------------------------------------


@given(response_matrices())
def test_covariance_and_correlation_from_sufficient_statistics_match_numpy(matrix):
    statistics = CrossProducts.from_matrix(matrix)
    np.testing.assert_allclose(statistics.covariance(), np.cov(matrix, rowvar=False), atol=1e-9)
    assume(matrix.std(axis=0).min() > 0)
    np.testing.assert_allclose(statistics.correlation(), np.corrcoef(matrix, rowvar=False), atol=1e-9)


@given(response_matrices(min_rows=0), response_matrices(min_rows=0))
def test_merged_cross_products_equal_those_of_all_rows(a, b):
    columns = min(a.shape[1], b.shape[1])
    a, b = a[:, :columns], b[:, :columns]
    merged = CrossProducts.from_matrix(a.reshape(-1, columns)) + CrossProducts.from_matrix(
        b.reshape(-1, columns)
    )
    together = CrossProducts.from_matrix(np.vstack([a, b]).reshape(-1, columns))
    assert merged.n == together.n
    np.testing.assert_array_equal(merged.sums, together.sums)
    np.testing.assert_array_equal(merged.cross_products, together.cross_products)


def test_correlation_of_a_constant_variable_is_an_error():
    statistics = CrossProducts.from_matrix([[1, 4], [2, 4], [3, 4]])
    with pytest.raises(ValueError, match="variable 1 does not vary"):
        correlation_matrix(statistics.n, statistics.sums, statistics.cross_products)


@pytest.mark.parametrize(
    ("n", "sums", "cross_products", "message"),
    [
        (1, [1, 2], [[1, 2], [2, 4]], "at least two"),
        (3, [1, 2], [[1, 2, 0], [2, 4, 0]], "must be 2 x 2"),
        (3, [1, 2], [[1, 2], [3, 4]], "symmetric"),
        (3, [6, 6], [[12, 0], [0, 12]], "cannot come from real data"),
        (3, [6, NAN], [[12, 0], [0, 12]], "finite"),
    ],
)
def test_impossible_sufficient_statistics_are_rejected(n, sums, cross_products, message):
    with pytest.raises(ValueError, match=message):
        covariance_matrix(n, sums, cross_products)


def test_incomplete_rows_are_refused_by_cross_products():
    with pytest.raises(ValueError, match="row 1 has a missing answer"):
        CrossProducts.from_matrix([[1, 2], [NAN, 3]])


# --- Cronbach's alpha -------------------------------------------------------------------------


def test_alpha_matches_a_hand_calculation():
    # Items: (1,2,3,4), (2,3,3,5), (2,3,4,5); totals 5, 8, 10, 14.
    # Item variances 5/3, 4.75/3, 5/3 (sum 14.75/3); total variance 42.75/3.
    # alpha = 3/2 * (1 - 14.75/42.75) = 56/57.
    # Item 1 against the rest (4, 6, 7, 10): cov 9.5/3, variances 5/3 and 18.75/3 -> 9.5/sqrt(93.75).
    # Without item 1: variances 4.75/3 and 5/3, covariance 4.5/3 -> alpha = 2 * (1 - 9.75/18.75) = 0.96.
    reliability = cronbach_alpha_from_matrix([[1, 2, 2], [2, 3, 3], [3, 3, 4], [4, 5, 5]])
    assert reliability.alpha == pytest.approx(56 / 57, rel=1e-12)
    assert reliability.item_total_correlations[0] == pytest.approx(9.5 / math.sqrt(93.75), rel=1e-12)
    assert reliability.alpha_if_deleted[0] == pytest.approx(0.96, rel=1e-12)
    assert (reliability.n, reliability.k) == (4, 3)


def test_alpha_matches_the_published_real_statistics_example():
    reliability = cronbach_alpha_from_matrix(REAL_STATISTICS_ALPHA_EXAMPLE)
    assert round(reliability.alpha, 4) == 0.5917
    assert (round(reliability.low, 3), round(reliability.high, 3)) == (0.195, 0.840)


def test_alpha_drops_incomplete_rows_like_psych_complete_obs():
    reliability = cronbach_alpha_from_matrix(REAL_STATISTICS_BINARY_WITH_MISSING)
    assert reliability.n == 9
    assert round(reliability.alpha, 4) == 0.8017


def test_alpha_from_stored_statistics_equals_alpha_from_the_matrix():
    statistics = CrossProducts.from_matrix(REAL_STATISTICS_ALPHA_EXAMPLE)
    stored = cronbach_alpha(statistics.n, statistics.sums.tolist(), statistics.cross_products.tolist())
    assert stored == cronbach_alpha_from_matrix(REAL_STATISTICS_ALPHA_EXAMPLE)


def test_item_diagnostics_match_a_direct_computation():
    matrix = np.array(REAL_STATISTICS_ALPHA_EXAMPLE, dtype=float)
    reliability = cronbach_alpha_from_matrix(matrix)
    for item in range(matrix.shape[1]):
        rest = np.delete(matrix, item, axis=1)
        expected_r = np.corrcoef(matrix[:, item], rest.sum(axis=1))[0, 1]
        assert reliability.item_total_correlations[item] == pytest.approx(expected_r, rel=1e-9)
        assert reliability.alpha_if_deleted[item] == pytest.approx(alpha_from_raw(rest), rel=1e-9)


def test_alpha_matches_pingouin():
    pingouin = pytest.importorskip("pingouin")
    long = pingouin.read_dataset("cronbach_alpha")
    expected, ci = pingouin.cronbach_alpha(data=long, items="Items", scores="Scores", subject="Subj")
    wide = long.pivot(index="Subj", columns="Items", values="Scores")
    reliability = cronbach_alpha_from_matrix(wide.to_numpy())
    assert reliability.alpha == pytest.approx(expected, rel=1e-12)
    assert (round(reliability.low, 3), round(reliability.high, 3)) == tuple(ci)
    missing = pingouin.read_dataset("cronbach_wide_missing")
    expected_listwise, _ = pingouin.cronbach_alpha(data=missing, nan_policy="listwise")
    assert cronbach_alpha_from_matrix(missing.to_numpy()).alpha == pytest.approx(expected_listwise, rel=1e-12)


@given(response_matrices(min_rows=2))
def test_alpha_from_sufficient_statistics_equals_alpha_from_the_raw_matrix(matrix):
    assume(matrix.sum(axis=1).var() > 0)
    statistics = CrossProducts.from_matrix(matrix[: len(matrix) // 2]) + CrossProducts.from_matrix(
        matrix[len(matrix) // 2 :]
    )
    reliability = cronbach_alpha(statistics.n, statistics.sums, statistics.cross_products)
    assert reliability.alpha == pytest.approx(alpha_from_raw(matrix), rel=1e-9, abs=1e-9)
    assert reliability.low <= reliability.alpha <= reliability.high
    values = [
        v for v in (*reliability.item_total_correlations, *reliability.alpha_if_deleted) if v is not None
    ]
    assert all(math.isfinite(v) for v in values)


def test_alpha_of_totals_that_never_vary_is_an_error():
    with pytest.raises(ValueError, match="same total score"):
        cronbach_alpha_from_matrix([[1, 5], [5, 1], [3, 3]])


@pytest.mark.parametrize(
    ("rows", "message"), [([[1], [2], [3]], "two items"), ([[1, 2]], "two complete responses")]
)
def test_alpha_needs_two_items_and_two_responses(rows, message):
    with pytest.raises(ValueError, match=message):
        cronbach_alpha_from_matrix(rows)


def test_an_item_nobody_varies_on_has_no_item_total_correlation():
    reliability = cronbach_alpha_from_matrix([[1, 2, 4], [2, 3, 4], [4, 4, 4], [5, 5, 4]])
    assert reliability.item_total_correlations[2] is None
    assert reliability.item_total_correlations[0] is not None
    assert math.isfinite(reliability.alpha)


def test_a_two_item_scale_has_no_alpha_if_deleted():
    assert cronbach_alpha_from_matrix([[1, 2], [2, 2], [4, 5]]).alpha_if_deleted == (None, None)


def test_perfectly_collinear_items_give_alpha_one():
    reliability = cronbach_alpha_from_matrix([[1, 1, 2], [2, 2, 3], [4, 4, 5], [5, 5, 6]])
    assert reliability.alpha == pytest.approx(1.0)
    assert reliability.low == pytest.approx(1.0) and reliability.high == pytest.approx(1.0)
    assert reliability.item_total_correlations == pytest.approx((1.0, 1.0, 1.0))


# --- key drivers ------------------------------------------------------------------------------

TWO_PREDICTORS = [[1.0, 0.2, 0.5], [0.2, 1.0, 0.3], [0.5, 0.3, 1.0]]  # x1, x2, outcome


def test_shapley_weights_for_two_predictors_match_the_closed_form():
    # R2 = (0.25 + 0.09 - 2 * 0.5 * 0.3 * 0.2) / (1 - 0.04) = 0.28 / 0.96;
    # w1 = (r1^2 + R2 - r2^2) / 2, w2 = (r2^2 + R2 - r1^2) / 2.
    r_squared = 0.28 / 0.96
    drivers = shapley_weights(TWO_PREDICTORS)
    assert drivers.r_squared == pytest.approx(r_squared, rel=1e-12)
    assert drivers.weights == pytest.approx(((0.25 + r_squared - 0.09) / 2, (0.09 + r_squared - 0.25) / 2))
    assert sum(drivers.shares) == pytest.approx(100.0)
    assert (drivers.predictors, drivers.method) == ((0, 1), "shapley")


def test_relative_weights_for_two_predictors_match_the_closed_form():
    # R_xx = [[1, c], [c, 1]] has square root [[a, b], [b, a]] with a, b = (sqrt(1+c) +- sqrt(1-c)) / 2.
    # beta* = R_xx^(-1/2) r_xy; weight_j = sum_k Lambda_jk^2 beta*_k^2 (Johnson 2000).
    c, r1, r2 = 0.2, 0.5, 0.3
    a = (math.sqrt(1 + c) + math.sqrt(1 - c)) / 2
    b = (math.sqrt(1 + c) - math.sqrt(1 - c)) / 2
    beta1 = (a * r1 - b * r2) / (a * a - b * b)
    beta2 = (a * r2 - b * r1) / (a * a - b * b)
    expected = (a * a * beta1**2 + b * b * beta2**2, b * b * beta1**2 + a * a * beta2**2)
    drivers = relative_weights(TWO_PREDICTORS)
    assert drivers.weights == pytest.approx(expected, rel=1e-12)
    assert drivers.r_squared == pytest.approx(0.28 / 0.96, rel=1e-12)


@pytest.mark.parametrize("method", [shapley_weights, relative_weights])
def test_uncorrelated_predictors_each_get_their_squared_correlation(method):
    correlation = np.eye(4)
    correlation[3, :3] = correlation[:3, 3] = [0.5, 0.3, 0.1]
    drivers = method(correlation)
    assert drivers.weights == pytest.approx((0.25, 0.09, 0.01))
    assert drivers.shares == pytest.approx((2500 / 35, 900 / 35, 100 / 35))


def test_shapley_weights_equal_the_average_over_every_order_of_entry():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(80, 4))
    x[:, 1] += 0.6 * x[:, 0]
    y = x @ [0.5, 0.2, -0.4, 0.1] + rng.normal(size=80)
    orders = list(itertools.permutations(range(4)))
    expected = np.zeros(4)
    for order in orders:
        previous = 0.0
        for position, predictor in enumerate(order):
            current = r_squared_by_least_squares(x[:, list(order[: position + 1])], y)
            expected[predictor] += (current - previous) / len(orders)
            previous = current
    statistics = CrossProducts.from_matrix(np.column_stack([x, y]))
    drivers = key_drivers(statistics.n, statistics.sums, statistics.cross_products)
    np.testing.assert_allclose(drivers.weights, expected, atol=1e-10)


def test_relative_weights_match_johnsons_orthogonalisation_of_the_data():
    # Johnson (2000) on the data: the closest orthonormal Z = U V' to standardised X, then weights from
    # regressing y on Z and X on Z.
    rng = np.random.default_rng(11)
    x = rng.normal(size=(60, 3))
    x[:, 2] += x[:, 0]
    y = x @ [0.3, 0.5, 0.2] + rng.normal(size=60)

    def standardise(v):
        return (v - v.mean(axis=0)) / (v.std(axis=0, ddof=1) * math.sqrt(len(v) - 1))

    xs, ys = standardise(x), standardise(y)
    u, _, vt = np.linalg.svd(xs, full_matrices=False)
    z = u @ vt
    beta = z.T @ ys
    loadings = z.T @ xs
    expected = (loadings**2).T @ (beta**2)
    statistics = CrossProducts.from_matrix(np.column_stack([x, y]))
    drivers = relative_weights(statistics.correlation())
    np.testing.assert_allclose(drivers.weights, expected, atol=1e-10)


@given(st.integers(min_value=1, max_value=6), st.integers(min_value=0, max_value=2**32 - 1))
def test_key_driver_weights_sum_to_the_full_model_r_squared(p, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(40, p)) @ rng.normal(size=(p, p))
    y = x @ rng.normal(size=p) + rng.normal(size=40) * rng.uniform(0.1, 3)
    statistics = CrossProducts.from_matrix(np.column_stack([x, y]))
    full = r_squared_by_least_squares(x, y)
    for method in ("shapley", "relative_weights"):
        drivers = key_drivers(statistics.n, statistics.sums, statistics.cross_products, method=method)
        assert drivers.r_squared == pytest.approx(full, abs=1e-8)
        assert sum(drivers.weights) == pytest.approx(full, abs=1e-8)
        assert sum(drivers.shares) == pytest.approx(100.0)
        assert min(drivers.weights) >= -1e-12


@pytest.mark.parametrize("method", [shapley_weights, relative_weights])
def test_a_duplicated_predictor_shares_its_weight_equally(method):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(50, 2))
    y = x @ [0.8, 0.3] + rng.normal(size=50)
    statistics = CrossProducts.from_matrix(np.column_stack([x[:, 0], x[:, 0], x[:, 1], y]))
    drivers = method(statistics.correlation())
    assert drivers.weights[0] == pytest.approx(drivers.weights[1], abs=1e-10)
    assert drivers.r_squared == pytest.approx(r_squared_by_least_squares(x, y), abs=1e-9)
    assert all(math.isfinite(w) for w in drivers.weights)


@pytest.mark.parametrize("method", [shapley_weights, relative_weights])
def test_predictors_that_explain_nothing_get_no_shares(method):
    correlation = np.eye(3)
    correlation[0, 1] = correlation[1, 0] = 0.4
    drivers = method(correlation)
    assert (drivers.r_squared, drivers.weights, drivers.shares) == (0.0, (0.0, 0.0), None)


def test_labels_and_outcome_position():
    correlation = [[1.0, 0.5, 0.3], [0.5, 1.0, 0.2], [0.3, 0.2, 1.0]]  # commitment, desire, ability
    drivers = shapley_weights(correlation, outcome=0, labels=["commitment", "desire", "ability"])
    assert drivers.predictors == ("desire", "ability")
    assert drivers.weights == pytest.approx(shapley_weights(TWO_PREDICTORS).weights)


def test_key_drivers_need_more_than_25_respondents():
    rng = np.random.default_rng(5)
    data = rng.normal(size=(26, 3))
    with pytest.raises(ValueError, match="at least 26 complete responses; this group has 25"):
        statistics = CrossProducts.from_matrix(data[:25])
        key_drivers(statistics.n, statistics.sums, statistics.cross_products)
    statistics = CrossProducts.from_matrix(data)
    assert len(key_drivers(statistics.n, statistics.sums, statistics.cross_products).weights) == 2


def test_exact_shapley_stops_at_15_predictors_but_relative_weights_go_on():
    rng = np.random.default_rng(9)
    correlation = np.corrcoef(rng.normal(size=(100, 17)), rowvar=False)
    with pytest.raises(ValueError, match="at most 15 predictors"):
        shapley_weights(correlation)
    assert sum(relative_weights(correlation).shares) == pytest.approx(100.0)


@pytest.mark.parametrize(
    ("matrix", "message"),
    [
        ([[1.0, 0.5], [0.4, 1.0]], "symmetric"),
        ([[1.0, 0.9, -0.9], [0.9, 1.0, 0.9], [-0.9, 0.9, 1.0]], "no real data"),
        ([[1.0]], "at least 2 x 2"),
        ([[1.0, NAN], [NAN, 1.0]], "missing or infinite"),
    ],
)
def test_impossible_correlation_matrices_are_rejected(matrix, message):
    with pytest.raises(ValueError, match=message):
        shapley_weights(matrix)
