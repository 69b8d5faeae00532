"""What capability shows from listening: leadership-by-example per leader, change agility per unit, and
Knowledge/Ability for trained vs not-yet-trained people. Every figure comes from listening's services,
which return nothing for a group below the anonymity threshold; this module never sees a response.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass

from allaboard.anonymity import is_reportable
from allaboard.org.models import Unit, UnitKind
from allaboard.programmes.models import Programme, Status

from . import access


def _listening():
    """listening.services when the listening app is installed and offers team_element_means."""
    if importlib.util.find_spec("allaboard.listening.services") is None:
        return None
    module = importlib.import_module("allaboard.listening.services")
    return module if hasattr(module, "team_element_means") else None


def current_programme() -> Programme | None:
    return Programme.objects.filter(status=Status.RUNNING).order_by("-start_date", "pk").first()


def chart_data(series) -> dict:
    """Chart.js line data for a TrainedSeries (at most 12 lines: the largest groups)."""
    groups = sorted(series.groups, key=lambda g: -max(g.active or [0]))[:12]
    return {
        "labels": [d.isoformat() for d in series.days],
        "datasets": [{"label": g.label, "data": g.percent} for g in sorted(groups, key=lambda g: g.label)],
    }


@dataclass
class AreaScore:
    """A leader's area score: a mean of reportable team means, weighted by respondents."""

    mean: float
    n: int
    teams: int
    low: float | None = None
    high: float | None = None


def _teams_under(units) -> dict[int, list[int]]:
    """For each unit, the team ids in its subtree."""
    teams = list(Unit.objects.filter(kind=UnitKind.TEAM).values_list("id", "path"))
    return {unit.pk: [pk for pk, path in teams if path.startswith(unit.path)] for unit in units}


def area_score(team_ids: list[int], means: dict) -> AreaScore | None:
    """Combine team means (each already at or above k, or None) into one figure for an area."""
    shown = [means[t] for t in team_ids if means.get(t) is not None]
    n = sum(m.n for m in shown)
    if not shown or not is_reportable(n):
        return None
    mean = sum(m.mean * m.n for m in shown) / n
    if len(shown) == 1:
        return AreaScore(
            shown[0].mean, shown[0].n, 1, getattr(shown[0], "low", None), getattr(shown[0], "high", None)
        )
    return AreaScore(mean, n, len(shown))


def leadership_by_leader(leaders) -> dict[int, AreaScore | None]:
    """The leadership-by-example score for the area each leader leads (person id -> score or None)."""
    listening, programme = _listening(), current_programme()
    if listening is None or programme is None:
        return {}
    means = listening.team_element_means(programme.pk, "leadership")
    units = list(Unit.objects.filter(leader__in=[p.pk for p in leaders]))
    under = _teams_under(units)
    scores: dict[int, AreaScore | None] = {}
    for unit in units:
        scores[unit.leader_id] = area_score(under[unit.pk], means)
    return scores


@dataclass
class UnitAgility:
    unit: Unit
    score: AreaScore | None
    difference: float | None  # against the mean of every unit shown


def agility_by_unit(user) -> list[UnitAgility] | None:
    """Change-agility self-assessment per site/partner (or per team for a team leader), with the benchmark
    of the other units; None when listening is not available."""
    listening, programme = _listening(), current_programme()
    if listening is None or programme is None:
        return None
    means = listening.team_element_means(programme.pk, "agility")
    if access.has_org_wide_view(user):
        units = list(Unit.objects.filter(kind__in=[UnitKind.SITE, UnitKind.PARTNER]).order_by("name"))
    else:
        units = list(access.metric_units(user).filter(kind=UnitKind.TEAM).order_by("name"))
    under = _teams_under(units)
    rows = [UnitAgility(u, area_score(under[u.pk], means), None) for u in units]
    shown = [r.score for r in rows if r.score]
    if shown:
        overall = sum(s.mean * s.n for s in shown) / sum(s.n for s in shown)
        for row in rows:
            if row.score:
                row.difference = round(row.score.mean - overall, 2)
    return rows


def knowledge_ability_by_training(user):
    """Knowledge and Ability for trained vs not-yet-trained respondents; None when listening cannot tell."""
    listening, programme = _listening(), current_programme()
    if listening is None or programme is None or not hasattr(listening, "attribute_element_means"):
        return None
    units = access.metric_units(user)
    return {
        element: listening.attribute_element_means(
            programme.pk, element, attribute="trained", unit_ids=list(units.values_list("pk", flat=True))
        )
        for element in ("knowledge", "ability")
    }
