"""Did it work? For a completed action, the measure it targets in the pulse before it started and the first
pulse after it was done, for each of its teams, with confidence intervals and the change between them.

Measures:
- element_mean: a pulse score (an ADKAR element or other scale, 1-5) from listening's team_element_means,
  with its t interval; the change uses Welch's interval when the sufficient statistics are there;
- source_share: the share of a team's commenting respondents naming a resistance source (counted by respondent,
  gather.source_counts), with Wilson intervals and Newcombe's interval for the change; only where listening's
  comment rule lets the team's comments be shown;
- participation: the share of invited people who answered, with Wilson and Newcombe intervals.

Nothing is shown for a group below the anonymity threshold (or the comment threshold for comments).
"""

import math
from dataclasses import dataclass, field
from datetime import date

from scipy.stats import t as t_distribution

from allaboard import intervals
from allaboard.anonymity import is_reportable
from allaboard.org.access import visible_units
from allaboard.org.models import Unit, UnitKind

from . import gather
from .models import Action, ActionStatus, MeasureKind


@dataclass(frozen=True)
class Wave:
    """A pulse of the programme's listening, as far as the playbook needs it."""

    id: int
    key: str
    label: str
    opens: date
    closes: date


@dataclass(frozen=True)
class Reading:
    estimate: float
    low: float | None
    high: float | None
    n: int
    # For differences: the sufficient statistics (means) or the count of successes (shares), when known.
    total: float | None = None
    sum_squares: float | None = None
    successes: int | None = None


@dataclass
class TeamEffect:
    unit_id: int
    unit_name: str
    before: Reading | None
    after: Reading | None
    change: intervals.Difference | None = None

    @property
    def change_estimate(self) -> float | None:
        if self.change is not None:
            return self.change.estimate
        if self.before is not None and self.after is not None:
            return self.after.estimate - self.before.estimate
        return None


@dataclass
class Effect:
    measure: str
    metric: str
    is_share: bool
    before_wave: Wave | None
    after_wave: Wave | None
    rows: list[TeamEffect] = field(default_factory=list)
    note: str = ""

    @property
    def measure_label(self) -> str:
        return MeasureKind(self.measure).label if self.measure in MeasureKind.values else self.measure


def programme_waves(programme_id: int, scale: str | None = None) -> list[Wave]:
    """The programme's closed, published pulses (those asking `scale`, when given), oldest first."""
    from django.apps import apps

    if not apps.is_installed("allaboard.listening"):
        return []
    ListeningWave = apps.get_model("listening", "Wave")
    waves = ListeningWave.objects.filter(survey__programme_id=programme_id, published=True)
    if scale:
        waves = waves.filter(survey__questions__scale=scale).distinct()
    return [
        Wave(w.pk, w.key, str(w), w.opens, w.closes)
        for w in waves.select_related("survey").order_by("closes", "pk")
    ]


def waves_around(action: Action, waves: list[Wave]) -> tuple[Wave | None, Wave | None]:
    """The last pulse that closed before the action started, and the first that opened after it was done."""
    start = action.started_on or action.done_on
    before = [w for w in waves if start and w.closes <= start]
    after = [w for w in waves if action.done_on and w.opens >= action.done_on]
    return (before[-1] if before else None), (after[0] if after else None)


def read_element(programme_id: int, metric: str, wave: Wave, teams: list[Unit]) -> dict[int, Reading]:
    """Each team's mean score with its t interval; the sum of squares is recovered from the interval's
    width (exact: the interval was computed from it), so the change can get Welch's interval."""
    fn = gather.service("listening", "team_element_means")
    if fn is None:
        return {}
    means = fn(programme_id, metric, wave.id)
    out = {}
    for team in teams:
        m = means.get(team.pk)
        if m is None or not is_reportable(m.n):
            continue
        out[team.pk] = Reading(
            m.mean, m.low, m.high, m.n, **sufficient_statistics(m.mean, m.low, m.high, m.n)
        )
    return out


def sufficient_statistics(mean: float, low: float | None, high: float | None, n: int) -> dict:
    """{total, sum_squares} behind a mean and its 95% Student t interval."""
    if low is None or high is None or n < 2:
        return {}
    sd = (high - low) / 2 * math.sqrt(n) / float(t_distribution.ppf(0.975, n - 1))
    total = mean * n
    return {"total": total, "sum_squares": sd * sd * (n - 1) + total * total / n}


def read_source_share(programme_id: int, metric: str, wave: Wave, teams: list[Unit]) -> dict[int, Reading]:
    """The share of each team's commenting respondents who named the resistance source, with Wilson's
    interval; counted by respondent and only where the comment rule allows (gather.source_counts)."""
    from django.apps import apps

    if not apps.is_installed("allaboard.listening"):
        return {}
    pulse = apps.get_model("listening", "Wave").objects.select_related("survey").get(pk=wave.id)
    out = {}
    for team in teams:
        counts = gather.source_counts(pulse, team)
        if counts is None:
            continue
        named = next((c.respondents for c in counts.sources if c.label == metric), 0)
        ci = intervals.proportion_interval(named, counts.commenters)
        out[team.pk] = Reading(ci.estimate, ci.low, ci.high, ci.n, successes=named)
    return out


def _participation(wave: Wave, team: Unit):
    fn = gather.service("listening", "unit_participation", module="results")
    if fn is None:
        return None
    from django.apps import apps

    return fn(apps.get_model("listening", "Wave").objects.select_related("survey").get(pk=wave.id), team)


def read_participation(programme_id: int, metric: str, wave: Wave, teams: list[Unit]) -> dict[int, Reading]:
    """The share of each team's invited people who answered, with Wilson's interval (k invited or more)."""
    out = {}
    for team in teams:
        p = _participation(wave, team)
        if p is None or not p.shown or not is_reportable(p.invited):
            continue
        ci = intervals.proportion_interval(p.responded, p.invited)
        out[team.pk] = Reading(ci.estimate, ci.low, ci.high, ci.n, successes=p.responded)
    return out


def action_teams(action: Action) -> list[Unit]:
    """The teams an action is for: its teams, and the teams under any site or department it names."""
    units = list(action.teams.all())
    paths = [u.path for u in units if u.kind != UnitKind.TEAM]
    teams = {u.pk: u for u in units if u.kind == UnitKind.TEAM}
    for path in paths:
        teams.update({t.pk: t for t in Unit.objects.filter(path__startswith=path, kind=UnitKind.TEAM)})
    return sorted(teams.values(), key=lambda t: t.path)


READERS = {
    MeasureKind.ELEMENT_MEAN: read_element,
    MeasureKind.SOURCE_SHARE: read_source_share,
    MeasureKind.PARTICIPATION: read_participation,
}
SHARES = {MeasureKind.SOURCE_SHARE, MeasureKind.PARTICIPATION}


def change_between(before: Reading, after: Reading, is_share: bool) -> intervals.Difference | None:
    """after - before with its interval, when the readings carry what the interval needs."""
    if is_share and before.successes is not None and after.successes is not None:
        return intervals.proportion_difference(
            successes_a=after.successes, n_a=after.n, successes_b=before.successes, n_b=before.n
        )
    if not is_share and None not in (before.total, before.sum_squares, after.total, after.sum_squares):
        return intervals.mean_difference(
            n_a=after.n,
            total_a=after.total,
            sum_squares_a=after.sum_squares,
            n_b=before.n,
            total_b=before.total,
            sum_squares_b=before.sum_squares,
        )
    return None


def effect_of(action: Action, user=None) -> Effect | None:
    """The before-and-after of a done action's measure, per team the user may see. None unless done."""
    if action.status != ActionStatus.DONE:
        return None
    kind, metric = action.measure_kind, action.measure_metric
    is_share = kind in SHARES
    reader = READERS.get(kind)
    if reader is None:
        note = (
            "This action has no pulse measure to compare."
            if not kind
            else (f"{MeasureKind(kind).label} is not compared per pulse here; see its own page.")
        )
        return Effect(kind, metric, is_share, None, None, note=note)
    waves = programme_waves(action.programme_id, metric if kind == MeasureKind.ELEMENT_MEAN else None)
    before_wave, after_wave = waves_around(action, waves)
    effect = Effect(kind, metric, is_share, before_wave, after_wave)
    if before_wave is None or after_wave is None:
        effect.note = (
            "No pulse closed before the action started."
            if before_wave is None
            else "No pulse has run since the action was done yet."
        )
        return effect
    teams = action_teams(action)
    if user is not None:
        allowed = set(visible_units(user).values_list("pk", flat=True))
        teams = [t for t in teams if t.pk in allowed]
    before = reader(action.programme_id, metric, before_wave, teams)
    after = reader(action.programme_id, metric, after_wave, teams)
    for team in teams:
        b, a = before.get(team.pk), after.get(team.pk)
        change = change_between(b, a, is_share) if b and a else None
        effect.rows.append(TeamEffect(team.pk, team.name, b, a, change))
    if not any(r.before or r.after for r in effect.rows):
        effect.note = "Too few answers in these teams to show the measure without risking anonymity."
    return effect
