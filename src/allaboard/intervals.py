"""Confidence intervals that the results pages stand on.

Pure functions: numbers in, numbers out, no Django. Every function returns a small frozen dataclass
with the estimate, the two bounds, the sample size and the name of the method, so a page can print
"3.8 (3.5 to 4.1), n = 42" and a tooltip can name the method. docs/statistics.md explains each one.

Conventions shared by every function here:

- ``confidence`` is the two-sided level, 0.95 unless the caller says otherwise.
- Proportions are on the 0..1 scale; NPS is on the -100..100 scale.
- If the estimate itself cannot exist for the input (no observations, a correlation with a constant),
  the function raises ``ValueError`` saying why. Bad input (negative counts, successes above n, a sum
  of squares no real data could give) raises ``ValueError`` too.
- If the estimate exists but its interval cannot be estimated (the mean of a single answer), ``low``
  and ``high`` are ``None``. Bounds are never NaN.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from scipy import stats as _scipy_stats

DEFAULT_CONFIDENCE = 0.95
NPS_METHODS = ("adjusted_wald", "wald")
# Rocks (2016) and Sauro & Lewis (2021): add 3/4 of a response to promoters and to detractors and
# 3 to n (so 3/2 to passives) before the Wald computation.
_NPS_ADJUSTMENT = 0.75


@dataclass(frozen=True)
class Interval:
    """An estimate with its confidence interval; ``low``/``high`` are None when n is too small."""

    estimate: float
    low: float | None
    high: float | None
    n: int
    method: str
    confidence: float = DEFAULT_CONFIDENCE

    @property
    def has_bounds(self) -> bool:
        return self.low is not None and self.high is not None


@dataclass(frozen=True)
class Difference:
    """The difference a - b with its interval.

    ``larger_than_noise`` is True when the interval excludes 0: the gap is bigger than what sampling
    alone would plausibly produce at this confidence level.
    """

    estimate: float
    low: float | None
    high: float | None
    n_a: int
    n_b: int
    method: str
    confidence: float = DEFAULT_CONFIDENCE
    n: int = field(init=False)
    larger_than_noise: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "n", self.n_a + self.n_b)
        excludes_zero = self.low is not None and self.high is not None and (self.low > 0 or self.high < 0)
        object.__setattr__(self, "larger_than_noise", excludes_zero)

    @property
    def has_bounds(self) -> bool:
        return self.low is not None and self.high is not None


@dataclass(frozen=True)
class NpsCounts:
    """How many customers answered 9-10 (promoters), 7-8 (passives) and 0-6 (detractors)."""

    promoters: int
    passives: int
    detractors: int

    def __post_init__(self) -> None:
        for name in ("promoters", "passives", "detractors"):
            object.__setattr__(self, name, _count(getattr(self, name), name))

    @classmethod
    def from_scores(cls, scores: Iterable[int]) -> NpsCounts:
        """Classify 0-10 likelihood-to-recommend answers."""
        promoters = passives = detractors = 0
        for score in scores:
            value = _nps_score(score)
            if value >= 9:
                promoters += 1
            elif value >= 7:
                passives += 1
            else:
                detractors += 1
        return cls(promoters, passives, detractors)

    @property
    def n(self) -> int:
        return self.promoters + self.passives + self.detractors

    @property
    def nps(self) -> float | None:
        """% promoters minus % detractors, -100..100; None when nobody answered."""
        if self.n == 0:
            return None
        return 100.0 * (self.promoters - self.detractors) / self.n

    def __add__(self, other: NpsCounts) -> NpsCounts:
        return NpsCounts(
            self.promoters + other.promoters,
            self.passives + other.passives,
            self.detractors + other.detractors,
        )


def sample_variance(n: int, total: float, sum_squares: float) -> float:
    """Sample variance (n - 1 denominator) from n, the sum and the sum of squares.

    Rounding can push a true zero slightly below zero; that is clamped. A sum of squares clearly
    smaller than total**2 / n cannot come from real numbers and raises ValueError.
    """
    n = _count(n, "n")
    if n < 2:
        raise ValueError(f"a variance needs at least two observations, got n={n}")
    total, sum_squares = _finite(total, "total"), _finite(sum_squares, "sum_squares")
    centred = sum_squares - total * total / n
    if centred < 0:
        if centred < -1e-9 * max(1.0, abs(sum_squares)):
            raise ValueError(
                f"sum of squares {sum_squares!r} is smaller than total**2/n = {total * total / n!r}; "
                "these are not the sufficient statistics of real data"
            )
        centred = 0.0
    return centred / (n - 1)


def mean_interval(
    n: int, total: float, sum_squares: float, confidence: float = DEFAULT_CONFIDENCE
) -> Interval:
    """Mean with a Student t interval, from n, the sum and the sum of squares of the answers."""
    n = _count(n, "n")
    confidence = _confidence(confidence)
    if n == 0:
        raise ValueError("a mean needs at least one observation, got n=0")
    mean = _finite(total, "total") / n
    if n == 1:
        _finite(sum_squares, "sum_squares")
        return Interval(mean, None, None, n, "student-t", confidence)
    half_width = _t_quantile(confidence, n - 1) * math.sqrt(sample_variance(n, total, sum_squares) / n)
    return Interval(mean, mean - half_width, mean + half_width, n, "student-t", confidence)


def mean_difference(
    *,
    n_a: int,
    total_a: float,
    sum_squares_a: float,
    n_b: int,
    total_b: float,
    sum_squares_b: float,
    confidence: float = DEFAULT_CONFIDENCE,
) -> Difference:
    """Difference of two independent means (a - b) with Welch's t interval.

    Bounds are None when either group has fewer than two answers. When neither group varies at all
    the interval collapses onto the difference itself: no noise was observed.
    """
    n_a, n_b = _count(n_a, "n_a"), _count(n_b, "n_b")
    confidence = _confidence(confidence)
    if n_a == 0 or n_b == 0:
        raise ValueError(f"a difference of means needs answers in both groups, got n_a={n_a}, n_b={n_b}")
    estimate = _finite(total_a, "total_a") / n_a - _finite(total_b, "total_b") / n_b
    if n_a < 2 or n_b < 2:
        return Difference(estimate, None, None, n_a, n_b, "welch", confidence)
    se2_a = sample_variance(n_a, total_a, sum_squares_a) / n_a
    se2_b = sample_variance(n_b, total_b, sum_squares_b) / n_b
    se2 = se2_a + se2_b
    if se2 == 0:
        return Difference(estimate, estimate, estimate, n_a, n_b, "welch", confidence)
    # Welch-Satterthwaite degrees of freedom.
    df = se2 * se2 / (se2_a * se2_a / (n_a - 1) + se2_b * se2_b / (n_b - 1))
    half_width = _t_quantile(confidence, df) * math.sqrt(se2)
    return Difference(estimate, estimate - half_width, estimate + half_width, n_a, n_b, "welch", confidence)


def proportion_interval(successes: int, n: int, confidence: float = DEFAULT_CONFIDENCE) -> Interval:
    """Proportion successes/n (0..1) with the Wilson (1927) score interval."""
    successes, n = _successes(successes, n)
    confidence = _confidence(confidence)
    low, high = _wilson(successes, n, _z(confidence))
    return Interval(successes / n, low, high, n, "wilson", confidence)


def proportion_difference(
    *,
    successes_a: int,
    n_a: int,
    successes_b: int,
    n_b: int,
    confidence: float = DEFAULT_CONFIDENCE,
) -> Difference:
    """Difference of two independent proportions (a - b) with Newcombe's (1998) hybrid score interval."""
    successes_a, n_a = _successes(successes_a, n_a, "_a")
    successes_b, n_b = _successes(successes_b, n_b, "_b")
    confidence = _confidence(confidence)
    z = _z(confidence)
    p_a, p_b = successes_a / n_a, successes_b / n_b
    low_a, high_a = _wilson(successes_a, n_a, z)
    low_b, high_b = _wilson(successes_b, n_b, z)
    estimate = p_a - p_b
    low = estimate - math.hypot(p_a - low_a, high_b - p_b)
    high = estimate + math.hypot(high_a - p_a, p_b - low_b)
    return Difference(estimate, max(-1.0, low), min(1.0, high), n_a, n_b, "newcombe-hybrid-score", confidence)


def nps_interval(
    counts: NpsCounts, confidence: float = DEFAULT_CONFIDENCE, method: str = "adjusted_wald"
) -> Interval:
    """Net Promoter Score (-100..100) with a normal interval on the promoter/detractor trinomial.

    ``method="adjusted_wald"`` (default) adds 3/4 of a response to promoters and to detractors and 3
    to n before computing the centre and variance (Rocks 2016; Sauro & Lewis 2021). It is the
    default because team-sized samples are small: the plain Wald interval shrinks to nothing when
    everyone answers alike (5 promoters: 100 to 100), the adjusted one does not. The pseudo-counts
    are calibrated for 95%; at levels below about 85% the interval can sit just beside an extreme
    NPS. ``method="wald"`` uses the raw shares and is always centred on the NPS. The estimate is
    always the plain NPS of the counts. Bounds are None for a single answer.
    """
    confidence = _confidence(confidence)
    method = _nps_method(method)
    if counts.n == 0:
        raise ValueError("an NPS needs at least one answer, got none")
    if counts.n == 1:
        return Interval(counts.nps, None, None, 1, f"nps-{method}", confidence)
    low, high = _nps_bounds(counts, method, _z(confidence))
    return Interval(counts.nps, low, high, counts.n, f"nps-{method}", confidence)


def nps_difference(
    a: NpsCounts,
    b: NpsCounts,
    confidence: float = DEFAULT_CONFIDENCE,
    method: str = "adjusted_wald",
) -> Difference:
    """Difference of two independent NPS values (a - b, on -200..200) with its interval.

    Each group gets its own interval as in ``nps_interval``; the two are combined by the "square and
    add" rule (MOVER, Zou & Donner 2008; the same rule as Newcombe's hybrid score interval), so the
    interval contains the difference whenever both single intervals contain their NPS. With
    ``method="wald"`` and away from the ends of the scale this is exactly the classic
    estimate +- z * sqrt(var_a + var_b). Bounds are None when either group has a single answer.
    """
    confidence = _confidence(confidence)
    method = _nps_method(method)
    if a.n == 0 or b.n == 0:
        raise ValueError(f"an NPS difference needs answers in both groups, got n_a={a.n}, n_b={b.n}")
    estimate = a.nps - b.nps
    name = f"nps-{method}-mover"
    if a.n == 1 or b.n == 1:
        return Difference(estimate, None, None, a.n, b.n, name, confidence)
    z = _z(confidence)
    low_a, high_a = _nps_bounds(a, method, z)
    low_b, high_b = _nps_bounds(b, method, z)
    low = estimate - math.hypot(a.nps - low_a, high_b - b.nps)
    high = estimate + math.hypot(high_a - a.nps, b.nps - low_b)
    return Difference(estimate, max(-200.0, low), min(200.0, high), a.n, b.n, name, confidence)


def correlation_interval(r: float, n: int, confidence: float = DEFAULT_CONFIDENCE) -> Interval:
    """Pearson correlation r from n pairs, with the Fisher z interval.

    Bounds are None below four pairs (the standard error 1/sqrt(n - 3) does not exist); a perfect
    correlation of +-1 has the degenerate interval [r, r].
    """
    r = _finite(r, "r")
    n = _count(n, "n")
    confidence = _confidence(confidence)
    if not -1.0 <= r <= 1.0:
        raise ValueError(f"a correlation lies between -1 and 1, got {r!r}")
    if n < 2:
        raise ValueError(f"a correlation needs at least two pairs, got n={n}")
    if n <= 3:
        return Interval(r, None, None, n, "fisher-z", confidence)
    if abs(r) == 1.0:
        return Interval(r, r, r, n, "fisher-z", confidence)
    z_r = math.atanh(r)
    half_width = _z(confidence) / math.sqrt(n - 3)
    return Interval(r, math.tanh(z_r - half_width), math.tanh(z_r + half_width), n, "fisher-z", confidence)


def pearson(x: Sequence[float], y: Sequence[float], confidence: float = DEFAULT_CONFIDENCE) -> Interval:
    """Pearson correlation of paired values with its Fisher z interval."""
    if len(x) != len(y):
        raise ValueError(f"x and y must be paired, got {len(x)} and {len(y)} values")
    n = len(x)
    if n < 2:
        raise ValueError(f"a correlation needs at least two pairs, got n={n}")
    xs = [_finite(v, "x") for v in x]
    ys = [_finite(v, "y") for v in y]
    mean_x, mean_y = math.fsum(xs) / n, math.fsum(ys) / n
    dx = [v - mean_x for v in xs]
    dy = [v - mean_y for v in ys]
    sxx = math.fsum(d * d for d in dx)
    syy = math.fsum(d * d for d in dy)
    if sxx == 0 or syy == 0:
        constant = "x" if sxx == 0 else "y"
        raise ValueError(f"{constant} does not vary, so its correlation is undefined")
    sxy = math.fsum(a * b for a, b in zip(dx, dy, strict=True))
    r = max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))
    return correlation_interval(r, n, confidence)


def _wilson(successes: int, n: int, z: float) -> tuple[float, float]:
    p = successes / n
    z2 = z * z
    denominator = 1.0 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half_width = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    low = 0.0 if successes == 0 else max(0.0, centre - half_width)
    high = 1.0 if successes == n else min(1.0, centre + half_width)
    return low, high


def _nps_bounds(counts: NpsCounts, method: str, z: float) -> tuple[float, float]:
    """Interval for the NPS on the -100..100 scale, clipped to that scale."""
    if method == "adjusted_wald":
        n = counts.n + 4 * _NPS_ADJUSTMENT
        promoters = (counts.promoters + _NPS_ADJUSTMENT) / n
        detractors = (counts.detractors + _NPS_ADJUSTMENT) / n
    else:
        n = counts.n
        promoters, detractors = counts.promoters / n, counts.detractors / n
    centre = promoters - detractors
    # Variance of one +1/0/-1 answer: E[X^2] - E[X]^2 = p+ + p- - (p+ - p-)^2.
    variance = max(0.0, promoters + detractors - centre * centre) / n
    half_width = z * math.sqrt(variance)
    return 100.0 * max(-1.0, centre - half_width), 100.0 * min(1.0, centre + half_width)


def _nps_method(method: str) -> str:
    if method not in NPS_METHODS:
        raise ValueError(f"unknown NPS interval method {method!r}; use one of {', '.join(NPS_METHODS)}")
    return method


def _nps_score(score: int) -> int:
    try:
        value = operator.index(score)
    except TypeError:
        if isinstance(score, float) and score.is_integer():
            value = int(score)
        else:
            raise ValueError(f"an NPS answer is a whole number from 0 to 10, got {score!r}") from None
    if not 0 <= value <= 10:
        raise ValueError(f"an NPS answer is a whole number from 0 to 10, got {score!r}")
    return value


def _successes(successes: int, n: int, suffix: str = "") -> tuple[int, int]:
    successes, n = _count(successes, f"successes{suffix}"), _count(n, f"n{suffix}")
    if n == 0:
        raise ValueError(f"a proportion needs at least one observation, got n{suffix}=0")
    if successes > n:
        raise ValueError(f"successes{suffix}={successes} cannot exceed n{suffix}={n}")
    return successes, n


def _count(value: int, name: str) -> int:
    try:
        count = operator.index(value)
    except TypeError:
        raise ValueError(f"{name} must be a whole number, got {value!r}") from None
    if count < 0:
        raise ValueError(f"{name} cannot be negative, got {count}")
    return count


def _finite(value: float, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return number


def _confidence(confidence: float) -> float:
    confidence = _finite(confidence, "confidence")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence is a level strictly between 0 and 1, got {confidence!r}")
    return confidence


def _z(confidence: float) -> float:
    return float(_scipy_stats.norm.ppf(0.5 + confidence / 2))


def _t_quantile(confidence: float, df: float) -> float:
    return float(_scipy_stats.t.ppf(0.5 + confidence / 2, df))
