"""Customer measures from sufficient statistics: numbers in, numbers out, no database.

The intervals themselves come from allaboard.intervals (NPS adjusted Wald, Wilson, Student t, Newcombe,
Welch, MOVER for NPS differences, Fisher z). What is added here, because intervals.py does not have it:

- `Sums`: the counts one FeedbackStats row holds, which add up across days, teams and channels;
- `difference_in_differences`: (after - before in the changed teams) - (after - before in the others),
  combining the two differences' intervals with the same "square and add" rule (MOVER, Zou & Donner 2008)
  that intervals.nps_difference and Newcombe's interval use;
- `theme_growth`: has a theme's share of comments grown in the recent period? (Newcombe difference).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from allaboard import intervals
from allaboard.intervals import Difference, Interval, NpsCounts

CSAT_SATISFIED = (4, 5)


@dataclass
class Sums:
    """Counts per NPS answer (0-10) and CSAT answer (1-5); n, sum and sum of squares of CES answers."""

    n: int = 0
    nps: list[int] = field(default_factory=lambda: [0] * 11)
    csat: list[int] = field(default_factory=lambda: [0] * 5)
    ces_n: int = 0
    ces_sum: int = 0
    ces_sumsq: int = 0
    comments: int = 0

    @classmethod
    def from_row(cls, row: dict) -> Sums:
        """From a dict with the FeedbackStats field names (n, nps_0..nps_10, csat_1..csat_5, ces_*)."""
        return cls(
            n=int(row.get("n") or 0),
            nps=[int(row.get(f"nps_{s}") or 0) for s in range(11)],
            csat=[int(row.get(f"csat_{s}") or 0) for s in range(1, 6)],
            ces_n=int(row.get("ces_n") or 0),
            ces_sum=int(row.get("ces_sum") or 0),
            ces_sumsq=int(row.get("ces_sumsq") or 0),
            comments=int(row.get("comments") or 0),
        )

    @classmethod
    def from_answers(cls, answers) -> Sums:
        """From (nps, csat, ces, has_comment) tuples, any score None: the reference for tests and agents."""
        sums = cls()
        for nps, csat, ces, has_comment in answers:
            sums.add(nps, csat, ces, has_comment)
        return sums

    def add(self, nps: int | None, csat: int | None, ces: int | None, has_comment: bool) -> None:
        self.n += 1
        if nps is not None:
            self.nps[nps] += 1
        if csat is not None:
            self.csat[csat - 1] += 1
        if ces is not None:
            self.ces_n += 1
            self.ces_sum += ces
            self.ces_sumsq += ces * ces
        if has_comment:
            self.comments += 1

    def __add__(self, other: Sums) -> Sums:
        return Sums(
            self.n + other.n,
            [a + b for a, b in zip(self.nps, other.nps, strict=True)],
            [a + b for a, b in zip(self.csat, other.csat, strict=True)],
            self.ces_n + other.ces_n,
            self.ces_sum + other.ces_sum,
            self.ces_sumsq + other.ces_sumsq,
            self.comments + other.comments,
        )

    def as_row(self) -> dict:
        row = {"n": self.n, "ces_n": self.ces_n, "ces_sum": self.ces_sum, "ces_sumsq": self.ces_sumsq}
        row |= {f"nps_{s}": c for s, c in enumerate(self.nps)}
        row |= {f"csat_{s + 1}": c for s, c in enumerate(self.csat)}
        row["comments"] = self.comments
        return row

    @property
    def nps_counts(self) -> NpsCounts:
        return NpsCounts(sum(self.nps[9:]), sum(self.nps[7:9]), sum(self.nps[:7]))

    @property
    def csat_n(self) -> int:
        return sum(self.csat)

    @property
    def csat_satisfied(self) -> int:
        return sum(self.csat[s - 1] for s in CSAT_SATISFIED)


@dataclass(frozen=True)
class Figure:
    """One measure for one group: the estimate with its 95% interval, how many answers it rests on, and
    whether that is enough to rely on (n at least the minimum sample size)."""

    measure: str  # nps, csat, ces
    estimate: float | None
    low: float | None
    high: float | None
    n: int
    reliable: bool
    method: str = ""

    @property
    def has_value(self) -> bool:
        return self.estimate is not None


@dataclass(frozen=True)
class Figures:
    volume: int
    comments: int
    nps: Figure
    csat: Figure
    ces: Figure

    def __iter__(self):
        return iter((self.nps, self.csat, self.ces))

    def get(self, measure: str) -> Figure:
        return getattr(self, measure)


MEASURES = ("nps", "csat", "ces")
MEASURE_TITLES = {"nps": "NPS", "csat": "CSAT", "ces": "CES"}
# What one unit of each measure is, for plain words ("points", "percentage points").
MEASURE_UNITS = {"nps": "points", "csat": "percentage points", "ces": "points on the 1-7 scale"}


def _figure(measure: str, interval: Interval | None, n: int, min_sample: int, scale: float = 1.0) -> Figure:
    if interval is None:
        return Figure(measure, None, None, None, n, False)
    low = interval.low * scale if interval.low is not None else None
    high = interval.high * scale if interval.high is not None else None
    return Figure(measure, interval.estimate * scale, low, high, n, n >= min_sample, interval.method)


def nps_figure(sums: Sums, min_sample: int) -> Figure:
    counts = sums.nps_counts
    return _figure("nps", intervals.nps_interval(counts) if counts.n else None, counts.n, min_sample)


def csat_figure(sums: Sums, min_sample: int) -> Figure:
    """CSAT: share of satisfied answers (4 or 5 out of 5), as a percentage with the Wilson interval."""
    n = sums.csat_n
    interval = intervals.proportion_interval(sums.csat_satisfied, n) if n else None
    return _figure("csat", interval, n, min_sample, scale=100.0)


def ces_figure(sums: Sums, min_sample: int) -> Figure:
    """CES: mean ease (1-7) with the Student t interval from n, sum and sum of squares."""
    n = sums.ces_n
    interval = intervals.mean_interval(n, sums.ces_sum, sums.ces_sumsq) if n else None
    return _figure("ces", interval, n, min_sample)


def figures(sums: Sums, min_sample: int) -> Figures:
    return Figures(
        volume=sums.n,
        comments=sums.comments,
        nps=nps_figure(sums, min_sample),
        csat=csat_figure(sums, min_sample),
        ces=ces_figure(sums, min_sample),
    )


def difference(measure: str, after: Sums, before: Sums) -> Difference | None:
    """after - before for one measure, with its interval; None when either side has no answers.

    NPS: MOVER on adjusted-Wald intervals (-200..200 points). CSAT: Newcombe, in percentage points.
    CES: Welch."""
    if measure == "nps":
        a, b = after.nps_counts, before.nps_counts
        return intervals.nps_difference(a, b) if a.n and b.n else None
    if measure == "csat":
        if not after.csat_n or not before.csat_n:
            return None
        d = intervals.proportion_difference(
            successes_a=after.csat_satisfied,
            n_a=after.csat_n,
            successes_b=before.csat_satisfied,
            n_b=before.csat_n,
        )
        return scaled(d, 100.0)
    if measure == "ces":
        if not after.ces_n or not before.ces_n:
            return None
        return intervals.mean_difference(
            n_a=after.ces_n,
            total_a=after.ces_sum,
            sum_squares_a=after.ces_sumsq,
            n_b=before.ces_n,
            total_b=before.ces_sum,
            sum_squares_b=before.ces_sumsq,
        )
    raise ValueError(f"unknown measure {measure!r}")


def scaled(d: Difference, scale: float) -> Difference:
    return Difference(
        d.estimate * scale,
        d.low * scale if d.low is not None else None,
        d.high * scale if d.high is not None else None,
        d.n_a,
        d.n_b,
        d.method,
        d.confidence,
    )


def difference_in_differences(changed: Difference, others: Difference) -> Difference:
    """(change in the changed teams) - (change in the comparison teams), with a MOVER interval.

    The two differences come from different teams, so they are independent; each keeps its own
    (possibly asymmetric) interval and the bounds combine as
    low = d - sqrt((d_c - low_c)^2 + (high_o - d_o)^2), high = d + sqrt((high_c - d_c)^2 + (d_o - low_o)^2).
    Bounds are None when either difference has none."""
    estimate = changed.estimate - others.estimate
    method = f"did-mover({changed.method})"
    if not (changed.has_bounds and others.has_bounds):
        return Difference(estimate, None, None, changed.n, others.n, method, changed.confidence)
    low = estimate - math.hypot(changed.estimate - changed.low, others.high - others.estimate)
    high = estimate + math.hypot(changed.high - changed.estimate, others.estimate - others.low)
    return Difference(estimate, low, high, changed.n, others.n, method, changed.confidence)


def theme_growth(recent_count: int, recent_n: int, base_count: int, base_n: int) -> Difference | None:
    """Has a theme's share of comments grown? recent share - earlier share, Newcombe hybrid score interval.

    The theme is "growing" when the whole interval is above zero (`larger_than_noise` and estimate > 0).
    None when either period has no comments."""
    if recent_n <= 0 or base_n <= 0:
        return None
    return intervals.proportion_difference(
        successes_a=recent_count, n_a=recent_n, successes_b=base_count, n_b=base_n
    )


def pearson_or_none(x: list[float], y: list[float]) -> Interval | None:
    """Pearson r with its Fisher z interval, or None when it does not exist (under 3 pairs, no variation)."""
    if len(x) < 3:
        return None
    try:
        return intervals.pearson(x, y)
    except ValueError:
        return None
