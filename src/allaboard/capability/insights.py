"""What capability shows from listening: leadership by example per leader, change agility per unit with its
trend, and Knowledge/Ability for trained vs not-yet-trained respondents.

Every figure is read through listening (services.team_element_means for teams, results.read_cut for a
unit or an attribute cut), which returns nothing for a group below the anonymity threshold or hidden by
the differencing rule; this module never sees a response. When the listening app is not installed, or
no wave has closed, the functions return None or empty results and the pages say so.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass, field
from types import ModuleType

from allaboard import intervals
from allaboard.org import access as org_access
from allaboard.org.models import Unit, UnitKind
from allaboard.programmes.models import Programme, Status

from . import access

LEADERSHIP = "leadership_example"  # listening's scale: "Leaders model the new behaviours themselves."
AGILITY = "change_agility"  # listening's scale: seed 002's five self-assessment questions
TRAINED = "trained"  # the respondent attribute listening snapshots at answer time ("yes" / "no")


def _listening() -> ModuleType | None:
    """listening.services when the listening app is installed and offers team_element_means."""
    if importlib.util.find_spec("allaboard.listening.services") is None:
        return None
    from django.apps import apps

    if not apps.is_installed("allaboard.listening"):
        return None
    module = importlib.import_module("allaboard.listening.services")
    return module if hasattr(module, "team_element_means") else None


def _results() -> ModuleType | None:
    return importlib.import_module("allaboard.listening.results") if _listening() is not None else None


def current_programme() -> Programme | None:
    return Programme.objects.filter(status=Status.RUNNING).order_by("-start_date", "pk").first()


def chart_data(series) -> dict:
    """Chart.js line data for a TrainedSeries (at most 12 lines: the largest groups)."""
    groups = sorted(series.groups, key=lambda g: -max(g.active or [0]))[:12]
    return {
        "labels": [d.isoformat() for d in series.days],
        "datasets": [{"label": g.label, "data": g.percent} for g in sorted(groups, key=lambda g: g.label)],
    }


@dataclass(frozen=True)
class Score:
    """A mean (1-5) with its 95% interval and the number of respondents."""

    mean: float
    low: float | None
    high: float | None
    n: int


def _score_of(data, scale: str) -> Score | None:
    """The scale's mean from a listening CutData, or None when the cut may not be shown."""
    if data is None or not data.visible:
        return None
    stat = (data.scales or {}).get(scale)
    if not stat or not stat.get("n"):
        return None
    interval = intervals.mean_interval(stat["n"], stat["t"], stat["q"])
    return Score(interval.estimate, interval.low, interval.high, stat["n"])


def _read(wave, unit: Unit, cut: str = ""):
    return _results().read_cut(wave, unit, cut, fields=("scales",))


# --- leadership by example --------------------------------------------------------------------------------


def leadership_by_leader(leaders) -> dict[int, Score | None]:
    """{person id: leadership-by-example score of the unit they lead, or None where it may not be shown}.

    A team leader's score is their team's (team_element_means); a leader of a department, site or the
    organisation gets the score of their whole unit, as listening publishes it."""
    listening, programme = _listening(), current_programme()
    if listening is None or programme is None:
        return {}
    units = list(Unit.objects.filter(leader__in=[p.pk for p in leaders]).order_by("depth"))
    if not units:
        return {}
    team_means = listening.team_element_means(programme.pk, LEADERSHIP)
    wave = listening.latest_wave(programme.pk, LEADERSHIP)
    scores: dict[int, Score | None] = {}
    for unit in units:
        if unit.leader_id in scores:
            continue  # someone leading two units: the higher one speaks for their area
        if unit.kind == UnitKind.TEAM:
            mean = team_means.get(unit.pk)
            scores[unit.leader_id] = Score(mean.mean, mean.low, mean.high, mean.n) if mean else None
        else:
            scores[unit.leader_id] = _score_of(_read(wave, unit), LEADERSHIP) if wave else None
    return scores


# --- change agility -------------------------------------------------------------------------------------


@dataclass
class UnitAgility:
    unit: Unit
    trend: list[Score | None] = field(default_factory=list)  # one per wave, oldest first

    @property
    def latest(self) -> Score | None:
        return self.trend[-1] if self.trend else None


@dataclass
class Agility:
    waves: list  # listening Waves, oldest first
    benchmark: Score | None  # everyone in scope, latest wave
    rows: list[UnitAgility]

    def difference(self, row: UnitAgility) -> float | None:
        """How far a unit is from the benchmark of all units, latest wave."""
        if row.latest is None or self.benchmark is None:
            return None
        return round(row.latest.mean - self.benchmark.mean, 2)


def _scope_root(user) -> Unit | None:
    if access.has_org_wide_view(user):
        return Unit.objects.filter(parent__isnull=True).order_by("pk").first()
    return org_access.led_units(user).order_by("depth").first()


def _waves_asking(programme: Programme, scale: str, count: int) -> list:
    """The programme's last `count` published waves that asked `scale`, oldest first."""
    from allaboard.listening.models import Wave

    waves = Wave.objects.filter(survey__programme=programme, published=True, survey__questions__scale=scale)
    return list(waves.distinct().order_by("-closes", "-pk")[:count])[::-1]


def agility_by_unit(user, waves: int = 4) -> Agility | None:
    """Change-agility self-assessment per site and partner (per team for a team leader) over the last
    `waves` waves that asked it, with the whole scope as the benchmark; None without listening results."""
    listening, programme = _listening(), current_programme()
    if listening is None or programme is None:
        return None
    asked = _waves_asking(programme, AGILITY, waves)
    root = _scope_root(user)
    if not asked or root is None:
        return None
    if access.has_org_wide_view(user):
        units = list(Unit.objects.filter(kind__in=[UnitKind.SITE, UnitKind.PARTNER]).order_by("name"))
    else:
        units = list(access.metric_units(user).filter(kind=UnitKind.TEAM).order_by("name"))
    rows = [UnitAgility(unit, [_score_of(_read(wave, unit), AGILITY) for wave in asked]) for unit in units]
    return Agility(asked, _score_of(_read(asked[-1], root), AGILITY), rows)


# --- Knowledge and Ability by training ----------------------------------------------------------------------


@dataclass
class TrainingGap:
    element: str
    trained: Score | None
    untrained: Score | None
    difference: intervals.Difference | None = None

    @property
    def cells(self) -> list[Score | None]:
        return [self.trained, self.untrained]


def knowledge_ability_by_training(user) -> list[TrainingGap] | None:
    """Knowledge and Ability of respondents who were formally trained when they answered vs those not yet
    trained, in the user's scope, latest wave; each group only when listening may show it (>= k, and
    not revealing a small group by differencing). None when no wave has the attribute."""
    listening, programme = _listening(), current_programme()
    root = _scope_root(user)
    if listening is None or programme is None or root is None:
        return None
    wave = listening.latest_wave(programme.pk, "knowledge")
    if wave is None:
        return None
    yes, no = _read(wave, root, f"{TRAINED}=yes"), _read(wave, root, f"{TRAINED}=no")
    if not yes.respondents and not no.respondents and yes.reason == no.reason == "no respondents":
        return None
    gaps = []
    for element in ("knowledge", "ability"):
        gap = TrainingGap(element, _score_of(yes, element), _score_of(no, element))
        if gap.trained and gap.untrained:
            a, b = yes.scales[element], no.scales[element]
            gap.difference = intervals.mean_difference(
                n_a=a["n"],
                total_a=a["t"],
                sum_squares_a=a["q"],
                n_b=b["n"],
                total_b=b["t"],
                sum_squares_b=b["q"],
            )
        gaps.append(gap)
    return gaps
