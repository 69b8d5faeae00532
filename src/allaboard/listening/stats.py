"""Numbers behind the listening pages: item summaries, ADKAR barrier points, reliability, key drivers.

Pure functions, numbers in and numbers out, no Django. The app keeps sufficient statistics per wave
and team (n, sums, sums of squares, counts per scale value, sums of cross-products of complete
responses) and calls these functions, so no page ever rescans individual answers. Sufficient
statistics add up, so a department's figures are the sum of its teams', and several waves merge the
same way. docs/statistics.md explains each statistic in plain words.

Conventions:

- Bad input (negative counts, mismatched shapes, statistics no real data could produce) and a
  statistic that cannot exist for the input (alpha of a total that never varies, key drivers of a
  group that is too small) raise ``ValueError`` saying why.
- A part of a result that cannot be computed (the sd of one answer, the item-total correlation of an
  item everyone answered the same way) is ``None``. Nothing returned is ever NaN.
"""

from __future__ import annotations

import itertools
import math
import operator
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
from scipy import stats as _scipy_stats

from allaboard.intervals import (  # the private checks too: the same input rules everywhere
    DEFAULT_CONFIDENCE,
    Interval,
    _confidence,
    _count,
    _finite,
    mean_interval,
    proportion_interval,
    sample_variance,
)

LIKERT_5 = (1, 2, 3, 4, 5)
FAVOURABLE = frozenset({4, 5})
ADKAR_ELEMENTS = ("awareness", "desire", "knowledge", "ability", "reinforcement")
BARRIER_THRESHOLD = 3.0
KEY_DRIVER_MIN_RESPONDENTS = 26  # PRODUCT.md: key drivers only for groups of more than 25 respondents.
MAX_SHAPLEY_PREDICTORS = 15  # exact Shapley visits 2**p subsets; 15 predictors is about a second.
KEY_DRIVER_METHODS = ("shapley", "relative_weights")

# Relative tolerance for "this variance is zero" and "this eigenvalue is zero" after rounding.
_TOLERANCE = 1e-9


# --- Item summaries ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemSummary:
    """Everything the pages show about one item, from its sufficient statistics.

    ``counts`` maps each scale value to how many answered it; it may be empty for items without a
    fixed scale, in which case shares and distributions are unavailable. When given, it must agree
    with ``n``, ``total`` and ``sum_squares``. Summaries add: ``a + b`` or ``merge_summaries``.
    """

    n: int = 0
    total: float = 0.0
    sum_squares: float = 0.0
    counts: Mapping[float, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = _count(self.n, "n")
        total = _finite(self.total, "total")
        sum_squares = _finite(self.sum_squares, "sum_squares")
        counts = _normalised_counts(self.counts)
        if n == 0 and (total != 0 or sum_squares != 0 or counts):
            raise ValueError("a summary of no answers has total 0, sum of squares 0 and no counts")
        if n == 1 and not math.isclose(sum_squares, total * total, rel_tol=1e-9, abs_tol=1e-9):
            raise ValueError(
                f"one answer {total!r} has sum of squares {total * total!r}, not {sum_squares!r}"
            )
        if n >= 2:
            sample_variance(n, total, sum_squares)  # raises on impossible statistics
        if counts:
            _check_counts_agree(counts, n, total, sum_squares)
        object.__setattr__(self, "n", n)
        object.__setattr__(self, "total", total)
        object.__setattr__(self, "sum_squares", sum_squares)
        object.__setattr__(self, "counts", MappingProxyType(counts))

    @classmethod
    def from_counts(cls, counts: Mapping[float, int]) -> ItemSummary:
        """Summary of answers given as {scale value: how many answered it}."""
        normalised = _normalised_counts(counts)
        return cls(
            n=sum(normalised.values()),
            total=math.fsum(value * count for value, count in normalised.items()),
            sum_squares=math.fsum(value * value * count for value, count in normalised.items()),
            counts=normalised,
        )

    @classmethod
    def from_values(cls, values: Iterable[float]) -> ItemSummary:
        """Summary of a list of answers."""
        return cls.from_counts(Counter(_finite(value, "answer") for value in values))

    @property
    def mean(self) -> float | None:
        return self.total / self.n if self.n else None

    @property
    def variance(self) -> float | None:
        """Sample variance (n - 1 denominator); None below two answers."""
        return sample_variance(self.n, self.total, self.sum_squares) if self.n >= 2 else None

    @property
    def sd(self) -> float | None:
        variance = self.variance
        return math.sqrt(variance) if variance is not None else None

    def count_of(self, values: Iterable[float]) -> int:
        """How many answered one of ``values``."""
        self._require_counts()
        wanted = set(values)
        return sum(count for value, count in self.counts.items() if value in wanted)

    def favourable_share(self, favourable: Iterable[float] = FAVOURABLE) -> float | None:
        """Share (0..1) of answers in the favourable set, 4-5 on a 1-5 scale by default."""
        if self.n == 0:
            return None
        return self.count_of(favourable) / self.n

    def favourable_interval(
        self, favourable: Iterable[float] = FAVOURABLE, confidence: float = DEFAULT_CONFIDENCE
    ) -> Interval | None:
        """Favourable share with its Wilson interval; None when nobody answered."""
        if self.n == 0:
            return None
        return proportion_interval(self.count_of(favourable), self.n, confidence)

    def mean_interval(self, confidence: float = DEFAULT_CONFIDENCE) -> Interval | None:
        """Mean with its t interval; None when nobody answered."""
        if self.n == 0:
            return None
        return mean_interval(self.n, self.total, self.sum_squares, confidence)

    def distribution(self, scale: Sequence[float] = LIKERT_5) -> dict[float, float] | None:
        """Share (0..1) of answers on each scale value, zeros included; None when nobody answered."""
        if self.n == 0:
            return None
        self._require_counts()
        outside = sorted(set(self.counts) - set(scale))
        if outside:
            raise ValueError(f"answers {outside} are not on the scale {list(scale)}")
        return {value: self.counts.get(value, 0) / self.n for value in scale}

    def __add__(self, other: ItemSummary) -> ItemSummary:
        if not isinstance(other, ItemSummary):
            return NotImplemented
        if self.n and other.n and bool(self.counts) != bool(other.counts):
            raise ValueError("cannot merge a summary that has counts per scale value with one that has none")
        counts = Counter(self.counts)
        counts.update(other.counts)
        return ItemSummary(
            n=self.n + other.n,
            total=self.total + other.total,
            sum_squares=self.sum_squares + other.sum_squares,
            counts=counts,
        )

    def _require_counts(self) -> None:
        if self.n and not self.counts:
            raise ValueError("this summary has no counts per scale value, so shares are unavailable")


def merge_summaries(summaries: Iterable[ItemSummary]) -> ItemSummary:
    """One summary of all answers behind ``summaries`` (teams up the hierarchy, or several waves)."""
    merged = ItemSummary()
    for summary in summaries:
        merged = merged + summary
    return merged


def reverse_score(value: float, low: float = 1, high: float = 5) -> float:
    """A negatively worded item's answer on the positive direction: 1-5 becomes 6 - x."""
    value, low, high = _finite(value, "value"), _finite(low, "low"), _finite(high, "high")
    if low >= high:
        raise ValueError(f"the scale must run from low to high, got {low!r}..{high!r}")
    if not low <= value <= high:
        raise ValueError(f"answer {value!r} is outside the scale {low!r}..{high!r}")
    return _whole_if_whole(low + high - value)


def reverse_summary(summary: ItemSummary, low: float = 1, high: float = 5) -> ItemSummary:
    """The summary of the same answers, reverse-scored, without rescanning them."""
    low, high = _finite(low, "low"), _finite(high, "high")
    if low >= high:
        raise ValueError(f"the scale must run from low to high, got {low!r}..{high!r}")
    mirror = low + high
    counts = {reverse_score(value, low, high): count for value, count in summary.counts.items()}
    # sum (c - x)^2 = c^2 n - 2 c sum x + sum x^2
    return ItemSummary(
        n=summary.n,
        total=mirror * summary.n - summary.total,
        sum_squares=mirror * mirror * summary.n - 2 * mirror * summary.total + summary.sum_squares,
        counts=counts,
    )


# --- ADKAR barrier point ----------------------------------------------------------------------


def barrier_point(
    element_scores: Mapping[str, float | None], threshold: float = BARRIER_THRESHOLD
) -> str | None:
    """The first ADKAR element, in the order A-D-K-A-R, scoring ``threshold`` (3) or lower.

    Returns None when every element present scores above the threshold. A missing element (absent,
    None or NaN) is skipped, not a barrier: someone who skipped the Knowledge items has not shown a
    knowledge gap, and their barrier is judged on what they did answer.
    """
    unknown = sorted(set(element_scores) - set(ADKAR_ELEMENTS))
    if unknown:
        raise ValueError(f"unknown ADKAR elements {unknown}; expected some of {list(ADKAR_ELEMENTS)}")
    threshold = _finite(threshold, "threshold")
    for element in ADKAR_ELEMENTS:
        score = element_scores.get(element)
        if score is None or (isinstance(score, float) and math.isnan(score)):
            continue
        if _finite(score, element) <= threshold:
            return element
    return None


def barrier_shares(barrier_points: Iterable[str | None]) -> dict[str | None, float]:
    """Share (0..1) of people whose barrier point is each element; the key None is "no barrier"."""
    points = list(barrier_points)
    if not points:
        raise ValueError("no barrier points to share out")
    unknown = sorted({point for point in points if point is not None} - set(ADKAR_ELEMENTS))
    if unknown:
        raise ValueError(f"unknown ADKAR elements {unknown}; expected some of {list(ADKAR_ELEMENTS)}")
    tally = Counter(points)
    return {element: tally[element] / len(points) for element in (*ADKAR_ELEMENTS, None)}


# --- Sufficient statistics of complete responses -----------------------------------------------


@dataclass(frozen=True, eq=False)
class CrossProducts:
    """n, column sums and the matrix of sums of cross-products X'X of complete responses.

    Store these per wave and team; they add (``a + b``) like the answers they summarise.
    """

    n: int
    sums: np.ndarray
    cross_products: np.ndarray

    def __post_init__(self) -> None:
        n, sums, cross_products = _moments(self.n, self.sums, self.cross_products)
        object.__setattr__(self, "n", n)
        object.__setattr__(self, "sums", sums)
        object.__setattr__(self, "cross_products", cross_products)

    @classmethod
    def from_matrix(cls, rows: Sequence[Sequence[float]] | np.ndarray) -> CrossProducts:
        """Statistics of a respondents x variables matrix; every row must be complete."""
        matrix = np.asarray(rows, dtype=float)
        if matrix.ndim != 2:
            raise ValueError(f"expected a respondents x variables matrix, got {matrix.ndim} dimensions")
        incomplete = np.flatnonzero(~np.isfinite(matrix).all(axis=1))
        if incomplete.size:
            raise ValueError(f"row {int(incomplete[0])} has a missing answer; pass complete responses only")
        return cls(matrix.shape[0], matrix.sum(axis=0), matrix.T @ matrix)

    @property
    def k(self) -> int:
        return self.sums.shape[0]

    def __add__(self, other: CrossProducts) -> CrossProducts:
        if not isinstance(other, CrossProducts):
            return NotImplemented
        if other.k != self.k:
            raise ValueError(f"cannot merge statistics of {self.k} and {other.k} variables")
        return CrossProducts(
            self.n + other.n, self.sums + other.sums, self.cross_products + other.cross_products
        )

    def covariance(self) -> np.ndarray:
        return covariance_matrix(self.n, self.sums, self.cross_products)

    def correlation(self) -> np.ndarray:
        return correlation_matrix(self.n, self.sums, self.cross_products)


def covariance_matrix(n: int, sums: Sequence[float], cross_products: Sequence[Sequence[float]]) -> np.ndarray:
    """Sample covariance matrix (n - 1 denominator) from n, column sums and sums of cross-products."""
    n, sums_array, cp = _moments(n, sums, cross_products)
    if n < 2:
        raise ValueError(f"a covariance needs at least two complete responses, got n={n}")
    covariance = (cp - np.outer(sums_array, sums_array) / n) / (n - 1)
    covariance = (covariance + covariance.T) / 2
    scale = max(1.0, float(np.max(np.abs(np.diag(cp)))) / n)
    eigenvalues = np.linalg.eigvalsh(covariance)
    if eigenvalues[0] < -1e-8 * scale:
        raise ValueError(
            "these cross-products cannot come from real data (covariance has a negative variance)"
        )
    diagonal = np.diag(covariance).copy()
    diagonal[np.abs(diagonal) <= _TOLERANCE * scale] = 0.0
    np.fill_diagonal(covariance, diagonal)
    return covariance


def correlation_matrix(
    n: int, sums: Sequence[float], cross_products: Sequence[Sequence[float]]
) -> np.ndarray:
    """Pearson correlation matrix from n, column sums and sums of cross-products."""
    covariance = covariance_matrix(n, sums, cross_products)
    sd = np.sqrt(np.diag(covariance))
    constant = np.flatnonzero(sd == 0)
    if constant.size:
        raise ValueError(f"variable {int(constant[0])} does not vary, so its correlations are undefined")
    correlation = np.clip(covariance / np.outer(sd, sd), -1.0, 1.0)
    np.fill_diagonal(correlation, 1.0)
    return correlation


# --- Reliability ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reliability:
    """Cronbach's alpha of a scale with its Feldt interval and per-item diagnostics.

    ``item_total_correlations[i]`` correlates item i with the sum of the other items (None if either
    does not vary); ``alpha_if_deleted[i]`` is alpha without item i (None for a two-item scale, or if
    the remaining total does not vary).
    """

    alpha: float
    low: float
    high: float
    n: int
    k: int
    item_total_correlations: tuple[float | None, ...]
    alpha_if_deleted: tuple[float | None, ...]
    method: str = "cronbach-feldt"
    confidence: float = DEFAULT_CONFIDENCE


def cronbach_alpha(
    n: int,
    item_sums: Sequence[float],
    cross_products: Sequence[Sequence[float]],
    confidence: float = DEFAULT_CONFIDENCE,
) -> Reliability:
    """Cronbach's alpha from the sufficient statistics of complete responses to the scale's items."""
    n, sums, cp = _moments(n, item_sums, cross_products)
    confidence = _confidence(confidence)
    k = sums.shape[0]
    if k < 2:
        raise ValueError(f"alpha needs at least two items, got {k}")
    if n < 2:
        raise ValueError(f"alpha needs at least two complete responses, got n={n}")
    covariance = covariance_matrix(n, sums, cp)
    zero = _TOLERANCE * max(1.0, float(np.max(np.diag(covariance))))
    alpha = _alpha(covariance, zero)
    if alpha is None:
        raise ValueError("every respondent has the same total score, so alpha is undefined")
    low, high = _feldt_interval(alpha, n, k, confidence)
    return Reliability(
        alpha=alpha,
        low=low,
        high=high,
        n=n,
        k=k,
        item_total_correlations=tuple(_item_rest_correlation(covariance, i, zero) for i in range(k)),
        alpha_if_deleted=tuple(_alpha_without(covariance, i, zero) for i in range(k)),
        confidence=confidence,
    )


def cronbach_alpha_from_matrix(
    rows: Sequence[Sequence[float]] | np.ndarray, confidence: float = DEFAULT_CONFIDENCE
) -> Reliability:
    """Cronbach's alpha of a respondents x items matrix; rows with a missing answer (NaN) are dropped."""
    matrix = np.asarray(rows, dtype=float)
    if matrix.ndim != 2:
        raise ValueError(f"expected a respondents x items matrix, got {matrix.ndim} dimensions")
    complete = matrix[np.isfinite(matrix).all(axis=1)]
    statistics = CrossProducts.from_matrix(complete)
    return cronbach_alpha(statistics.n, statistics.sums, statistics.cross_products, confidence)


def _alpha(covariance: np.ndarray, zero: float) -> float | None:
    k = covariance.shape[0]
    total_variance = float(covariance.sum())
    if total_variance <= zero:
        return None
    return k / (k - 1) * (1.0 - float(np.trace(covariance)) / total_variance)


def _alpha_without(covariance: np.ndarray, item: int, zero: float) -> float | None:
    if covariance.shape[0] <= 2:
        return None
    keep = [i for i in range(covariance.shape[0]) if i != item]
    return _alpha(covariance[np.ix_(keep, keep)], zero)


def _item_rest_correlation(covariance: np.ndarray, item: int, zero: float) -> float | None:
    item_variance = float(covariance[item, item])
    with_rest = float(covariance[item].sum()) - item_variance
    rest_variance = float(covariance.sum()) - 2 * float(covariance[item].sum()) + item_variance
    if item_variance <= zero or rest_variance <= zero:
        return None
    return max(-1.0, min(1.0, with_rest / math.sqrt(item_variance * rest_variance)))


def _feldt_interval(alpha: float, n: int, k: int, confidence: float) -> tuple[float, float]:
    """Feldt, Woodruff & Salih (1987): (1 - alpha) / (1 - alpha_hat) follows F(n - 1, (n - 1)(k - 1))."""
    tail = (1.0 - confidence) / 2
    df_respondents, df_error = n - 1, (n - 1) * (k - 1)
    upper_quantile = float(_scipy_stats.f.ppf(1.0 - tail, df_respondents, df_error))
    lower_quantile = float(_scipy_stats.f.ppf(tail, df_respondents, df_error))
    return 1.0 - (1.0 - alpha) * upper_quantile, 1.0 - (1.0 - alpha) * lower_quantile


# --- Key drivers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyDrivers:
    """How much of the outcome's variance (R squared) each predictor accounts for.

    ``weights`` sum to ``r_squared``; ``shares`` are the same weights as percentages of it and sum
    to 100 (None when the predictors explain nothing, R squared = 0).
    """

    r_squared: float
    predictors: tuple[Hashable, ...]
    weights: tuple[float, ...]
    shares: tuple[float, ...] | None
    method: str


def shapley_weights(
    correlation: Sequence[Sequence[float]] | np.ndarray,
    outcome: int = -1,
    labels: Sequence[Hashable] | None = None,
) -> KeyDrivers:
    """Shapley decomposition of R squared (LMG), exact over every subset of predictors.

    ``correlation`` holds the outcome and the predictors; ``outcome`` is the outcome's index.
    ``labels`` names every variable in the matrix (the predictors' indices are used otherwise).
    """
    matrix, outcome, predictors = _correlation_and_outcome(correlation, outcome, labels)
    p = len(predictors)
    if p > MAX_SHAPLEY_PREDICTORS:
        raise ValueError(
            f"exact Shapley weights cover at most {MAX_SHAPLEY_PREDICTORS} predictors, got {p}; "
            "use relative weights for more"
        )
    rxx, rxy = _split(matrix, outcome)
    r_squared_of = _subset_r_squared(rxx, rxy)
    masks = np.arange(1 << p)
    sizes = np.zeros(masks.shape, dtype=int)
    for j in range(p):
        sizes += (masks >> j) & 1
    # Weight of a subset S of the other predictors: |S|! (p - |S| - 1)! / p!
    by_size = np.array([math.factorial(s) * math.factorial(p - s - 1) / math.factorial(p) for s in range(p)])
    weights = []
    for j in range(p):
        without = masks[((masks >> j) & 1) == 0]
        gains = r_squared_of[without | (1 << j)] - r_squared_of[without]
        weights.append(float(np.dot(by_size[sizes[without]], gains)))
    return _key_drivers(float(r_squared_of[-1]), predictors, weights, "shapley")


def relative_weights(
    correlation: Sequence[Sequence[float]] | np.ndarray,
    outcome: int = -1,
    labels: Sequence[Hashable] | None = None,
) -> KeyDrivers:
    """Johnson's (2000) relative weights: R squared shared out through orthogonalised predictors."""
    matrix, outcome, predictors = _correlation_and_outcome(correlation, outcome, labels)
    rxx, rxy = _split(matrix, outcome)
    eigenvalues, eigenvectors = np.linalg.eigh(rxx)
    kept = eigenvalues > _TOLERANCE * eigenvalues.max()
    root = np.sqrt(np.where(kept, eigenvalues, 0.0))
    inverse_root = np.where(kept, 1.0 / np.where(kept, root, 1.0), 0.0)
    loadings = (eigenvectors * root) @ eigenvectors.T  # R_xx^(1/2): predictors on their orthogonal twins
    beta = (eigenvectors * inverse_root) @ eigenvectors.T @ rxy  # outcome on the orthogonal twins
    weights = (loadings**2) @ (beta**2)
    r_squared = float(np.clip(np.sum(beta**2), 0.0, 1.0))
    return _key_drivers(r_squared, predictors, [float(w) for w in weights], "relative_weights")


def key_drivers(
    n: int,
    sums: Sequence[float],
    cross_products: Sequence[Sequence[float]],
    outcome: int = -1,
    method: str = "shapley",
    labels: Sequence[Hashable] | None = None,
    min_respondents: int = KEY_DRIVER_MIN_RESPONDENTS,
) -> KeyDrivers:
    """Key drivers of ``outcome`` from the sufficient statistics of complete responses.

    Raises ValueError for groups smaller than ``min_respondents`` (26 by default: more than 25).
    """
    if method not in KEY_DRIVER_METHODS:
        raise ValueError(f"unknown key-driver method {method!r}; use one of {', '.join(KEY_DRIVER_METHODS)}")
    n = _count(n, "n")
    if n < min_respondents:
        raise ValueError(
            f"key drivers need at least {min_respondents} complete responses; this group has {n}"
        )
    correlation = correlation_matrix(n, sums, cross_products)
    if method == "shapley":
        return shapley_weights(correlation, outcome, labels)
    return relative_weights(correlation, outcome, labels)


def _subset_r_squared(rxx: np.ndarray, rxy: np.ndarray) -> np.ndarray:
    """R squared of the regression on every subset of predictors, indexed by bitmask."""
    p = rxy.shape[0]
    r_squared = np.zeros(1 << p)
    for size in range(1, p + 1):
        members = np.array(list(itertools.combinations(range(p), size)))
        blocks = rxx[members[:, :, None], members[:, None, :]]
        eigenvalues, eigenvectors = np.linalg.eigh(blocks)
        projections = np.einsum("mij,mi->mj", eigenvectors, rxy[members])
        # A pseudo-inverse: collinear predictors add nothing rather than blowing up.
        kept = eigenvalues > _TOLERANCE * eigenvalues.max(axis=1, keepdims=True)
        explained = np.where(kept, projections**2 / np.where(kept, eigenvalues, 1.0), 0.0).sum(axis=1)
        r_squared[(1 << members).sum(axis=1)] = explained
    return np.clip(r_squared, 0.0, 1.0)


def _key_drivers(r_squared: float, predictors: tuple, weights: list[float], method: str) -> KeyDrivers:
    if r_squared <= _TOLERANCE:
        return KeyDrivers(0.0, predictors, tuple(0.0 for _ in weights), None, method)
    shares = tuple(100.0 * weight / r_squared for weight in weights)
    return KeyDrivers(r_squared, predictors, tuple(weights), shares, method)


def _split(matrix: np.ndarray, outcome: int) -> tuple[np.ndarray, np.ndarray]:
    others = [i for i in range(matrix.shape[0]) if i != outcome]
    return matrix[np.ix_(others, others)], matrix[others, outcome]


def _correlation_and_outcome(
    correlation: Sequence[Sequence[float]] | np.ndarray, outcome: int, labels: Sequence[Hashable] | None
) -> tuple[np.ndarray, int, tuple]:
    matrix = np.asarray(correlation, dtype=float)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or matrix.shape[0] < 2:
        raise ValueError(f"expected a square correlation matrix of at least 2 x 2, got shape {matrix.shape}")
    size = matrix.shape[0]
    if not np.isfinite(matrix).all():
        raise ValueError("the correlation matrix has missing or infinite entries")
    if not np.allclose(matrix, matrix.T, atol=1e-8) or not np.allclose(np.diag(matrix), 1.0, atol=1e-8):
        raise ValueError("not a correlation matrix: it must be symmetric with ones on the diagonal")
    if np.abs(matrix).max() > 1.0 + 1e-8 or np.linalg.eigvalsh((matrix + matrix.T) / 2)[0] < -1e-8:
        raise ValueError("not a correlation matrix: no real data has these correlations")
    try:
        outcome = operator.index(outcome)
    except TypeError:
        raise ValueError(f"outcome must be the index of a variable, got {outcome!r}") from None
    if not -size <= outcome < size:
        raise ValueError(f"outcome index {outcome} is outside a {size} x {size} matrix")
    outcome %= size
    if labels is not None and len(labels) != size:
        raise ValueError(f"got {len(labels)} labels for {size} variables")
    names = tuple(labels) if labels is not None else tuple(range(size))
    predictors = tuple(name for i, name in enumerate(names) if i != outcome)
    return (matrix + matrix.T) / 2, outcome, predictors


# --- Validation helpers -----------------------------------------------------------------------


def _moments(
    n: int, sums: Sequence[float], cross_products: Sequence[Sequence[float]]
) -> tuple[int, np.ndarray, np.ndarray]:
    n = _count(n, "n")
    sums_array = np.array(sums, dtype=float)
    cp = np.array(cross_products, dtype=float)
    if sums_array.ndim != 1:
        raise ValueError(f"sums must be a vector, got shape {sums_array.shape}")
    k = sums_array.shape[0]
    if cp.shape != (k, k):
        raise ValueError(f"cross-products must be {k} x {k} to match {k} sums, got shape {cp.shape}")
    if not (np.isfinite(sums_array).all() and np.isfinite(cp).all()):
        raise ValueError("sums and cross-products must be finite numbers")
    if not np.allclose(cp, cp.T, rtol=1e-9, atol=1e-9):
        raise ValueError("a matrix of sums of cross-products is symmetric; this one is not")
    if n == 0 and (np.any(sums_array != 0) or np.any(cp != 0)):
        raise ValueError("statistics of no responses are all zero")
    sums_array.setflags(write=False)
    cp.setflags(write=False)
    return n, sums_array, cp


def _normalised_counts(counts: Mapping[float, int]) -> dict[float, int]:
    normalised: dict[float, int] = {}
    for value, count in dict(counts).items():
        key = _whole_if_whole(_finite(value, "scale value"))
        how_many = _count(count, f"count of {value!r}")
        if how_many:
            normalised[key] = normalised.get(key, 0) + how_many
    return dict(sorted(normalised.items()))


def _check_counts_agree(counts: dict[float, int], n: int, total: float, sum_squares: float) -> None:
    if sum(counts.values()) != n:
        raise ValueError(f"counts per scale value add up to {sum(counts.values())}, not n={n}")
    counted_total = math.fsum(value * count for value, count in counts.items())
    counted_squares = math.fsum(value * value * count for value, count in counts.items())
    if not math.isclose(counted_total, total, rel_tol=1e-9, abs_tol=1e-9):
        raise ValueError(f"counts per scale value give a total of {counted_total!r}, not {total!r}")
    if not math.isclose(counted_squares, sum_squares, rel_tol=1e-9, abs_tol=1e-9):
        raise ValueError(
            f"counts per scale value give a sum of squares of {counted_squares!r}, not {sum_squares!r}"
        )


def _whole_if_whole(value: float) -> float:
    return int(value) if float(value).is_integer() else value
