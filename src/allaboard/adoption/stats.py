"""Adoption numbers: Rogers' adopter categories, the expected and fitted S-curves, the forecast of when the
target is reached, and the stall rule. Pure functions, numbers in and numbers out; docs/adoption.md explains
each one and the tests pin them on hand-computed values.
"""

from __future__ import annotations

import math
import random
import warnings
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from scipy.optimize import OptimizeWarning, curve_fit
from scipy.stats import norm

# Rogers (2003), Diffusion of Innovations, 5th ed., fig. 7-3: adopter categories cut the normal curve of
# adoption time at the mean and one and two standard deviations: 2.5%, 13.5%, 34%, 34%, 16%.
CATEGORIES = [
    ("innovators", "Innovators", 0.025),
    ("early_adopters", "Early adopters", 0.16),
    ("early_majority", "Early majority", 0.50),
    ("late_majority", "Late majority", 0.84),
    ("laggards", "Laggards", 1.0),
]
NOT_YET = "not_yet"
CATEGORY_TITLES = {code: title for code, title, _ in CATEGORIES} | {NOT_YET: "Not yet using it"}
ROGERS_SHARES = {
    "innovators": 0.025,
    "early_adopters": 0.135,
    "early_majority": 0.34,
    "late_majority": 0.34,
    "laggards": 0.16,
}


def place_adopters(days_to_first_use: list[float | None]) -> list[str]:
    """Each person's adopter category from their days from go-live to first use (None: not used yet).

    A person's place is the share of the whole group (non-users included) who started strictly before them;
    that share below 2.5% is an innovator, below 16% an early adopter, below 50% early majority, below 84%
    late majority, else a laggard. People starting on the same day share a category. Those who have not
    started are "not yet" (they will be laggards or later if they start now).
    """
    n = len(days_to_first_use)
    started = sorted(d for d in days_to_first_use if d is not None)
    out = []
    for days in days_to_first_use:
        if days is None:
            out.append(NOT_YET)
            continue
        before = _count_below(started, days) / n
        out.append(next(code for code, _, cut in CATEGORIES if before < cut))
    return out


def _count_below(sorted_values: list[float], value: float) -> int:
    import bisect

    return bisect.bisect_left(sorted_values, value)


def working_days(start: date, end: date) -> int:
    """Monday to Friday days from start to end, both included."""
    if end < start:
        return 0
    days = (end - start).days + 1
    weeks, rest = divmod(days, 7)
    extra = sum(1 for i in range(rest) if (start + timedelta(days=weeks * 7 + i)).weekday() < 5)
    return weeks * 5 + extra


def expected_share(week: float, target: float, target_weeks: float) -> float:
    """The planned S-curve: Rogers' normal adoption-time curve, cumulated, centred halfway to the target
    date with a standard deviation of a quarter of it, so 97.7% of the target is reached on the date."""
    if target_weeks <= 0:
        return target
    return float(target * norm.cdf((week - target_weeks / 2) / (target_weeks / 4)))


def logistic(t, ceiling, rate, midpoint):
    return ceiling / (1.0 + np.exp(-rate * (np.asarray(t, dtype=float) - midpoint)))


@dataclass(frozen=True)
class Fit:
    ceiling: float  # the share the curve levels off at
    rate: float  # per week
    midpoint: float  # week at which half the ceiling is reached

    def share_at(self, week: float) -> float:
        return float(logistic(week, self.ceiling, self.rate, self.midpoint))

    def weeks_to(self, target: float) -> float | None:
        """Weeks after go-live at which the curve reaches `target`; None if it levels off below it."""
        if self.ceiling <= target or target <= 0:
            return None
        return self.midpoint - math.log(self.ceiling / target - 1.0) / self.rate


def cumulative_curve(weeks_to_first_use: list[float | None], through_week: int) -> list[float]:
    """Share of the group that had started by the end of each week 1..through_week."""
    n = len(weeks_to_first_use)
    started = sorted(w for w in weeks_to_first_use if w is not None)
    return [_count_at_or_below(started, week) / n for week in range(1, through_week + 1)] if n else []


def _count_at_or_below(sorted_values: list[float], value: float) -> int:
    import bisect

    return bisect.bisect_right(sorted_values, value)


def _jacobian(t, ceiling, rate, midpoint):
    e = np.exp(-rate * (t - midpoint))
    d = 1.0 / (1.0 + e)
    common = ceiling * e * d * d
    return np.column_stack([d, common * (t - midpoint), -common * rate])


def fit_logistic(shares: list[float], start: Fit | None = None) -> Fit | None:
    """Least-squares logistic through the cumulative shares at weeks 1, 2, ...; None when it cannot be fitted
    (fewer than three weeks, or nobody started). `start`: initial values (a nearby fit), for speed."""
    if len(shares) < 3 or max(shares) <= 0:
        return None
    weeks = np.arange(1, len(shares) + 1, dtype=float)
    y = np.asarray(shares, dtype=float)
    reached = int(np.argmax(y >= max(y) / 2)) + 1
    p0 = (start.ceiling, start.rate, start.midpoint) if start else (max(y), 1.0, float(reached))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", OptimizeWarning)
            params, _ = curve_fit(
                logistic,
                weeks,
                y,
                p0=p0,
                jac=_jacobian,
                bounds=([1e-6, 1e-3, -52.0], [1.0, 20.0, 520.0]),
                maxfev=5_000,
            )
    except (RuntimeError, ValueError):
        return None
    return Fit(float(params[0]), float(params[1]), float(params[2]))


@dataclass(frozen=True)
class Forecast:
    fit: Fit | None
    weeks: float | None  # from the fit; None when it levels off below the target
    low: float | None  # 95% bootstrap interval; None when the draws do not support a bound
    high: float | None  # None: a sizeable share of draws never reach the target
    reach_probability: float  # share of draws reaching the target within the horizon
    draws: int


def forecast(
    weeks_to_first_use: list[float | None],
    through_week: int,
    target: float,
    *,
    draws: int = 200,
    horizon_weeks: float = 104,
    seed: int = 0,
) -> Forecast:
    """When the group's adoption reaches `target`, with a 95% interval from a bootstrap over people.

    The bootstrap resamples the people (with replacement), rebuilds their curve and refits it; the interval
    is the 2.5th and 97.5th percentiles of the weeks the refitted curves reach the target, with a draw that
    never reaches it (or not within the horizon) counted as beyond every other. A bound that falls on such a
    draw is None: "may not reach it".
    """
    fit = fit_logistic(cumulative_curve(weeks_to_first_use, through_week))
    point = fit.weeks_to(target) if fit else None
    n = len(weeks_to_first_use)
    if fit is None or n == 0:
        return Forecast(fit, point, None, None, 0.0, 0)
    rng = random.Random(seed)
    results = []
    for _ in range(draws):
        sample = [weeks_to_first_use[rng.randrange(n)] for _ in range(n)]
        refit = fit_logistic(cumulative_curve(sample, through_week), start=fit)
        weeks = refit.weeks_to(target) if refit else None
        results.append(weeks if weeks is not None and weeks <= horizon_weeks else math.inf)
    results.sort()
    low, high = _percentile(results, 0.025), _percentile(results, 0.975)
    reached = sum(1 for r in results if r != math.inf) / draws
    return Forecast(
        fit,
        point,
        None if low == math.inf else low,
        None if high == math.inf else high,
        reached,
        draws,
    )


def _percentile(sorted_values: list[float], q: float) -> float:
    """The q-quantile by the nearest-rank method (inf-safe)."""
    rank = max(1, math.ceil(q * len(sorted_values)))
    return sorted_values[rank - 1]


def weekly_growth(active_shares: list[float]) -> list[float]:
    """Points (percentage points) gained each week, from shares measured a week apart, oldest first."""
    # Rounded so that 0.40 -> 0.42 is exactly 2 points, not 2.0000000000000018.
    return [round(100.0 * (b - a), 9) for a, b in zip(active_shares, active_shares[1:], strict=False)]


def is_stalled(active_shares: list[float], target: float, points: float = 2.0, weeks: int = 2) -> bool:
    """The stall rule: the latest active share is below target and it grew by less than `points`
    percentage points in each of the last `weeks` weeks. `active_shares` are a week apart, oldest first,
    and must cover `weeks` + 1 readings."""
    if len(active_shares) < weeks + 1:
        return False
    latest = active_shares[-weeks - 1 :]
    return latest[-1] < target and all(g < points for g in weekly_growth(latest))
