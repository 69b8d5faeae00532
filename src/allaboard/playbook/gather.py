"""Collect the findings about a programme from every app that has some, for the rules to read.

Each source is a function `(programme, today) -> list[Finding]`. Sources in other apps are called only once
that app provides them, so the playbook works while the platform grows:

- listening: `allaboard.listening.services.findings(programme_id)` (barrier shares, element means,
  participation, lowest items);
- textinsight: resistance-source shares per team and per site, counted by respondent (`source_counts`), only
  where listening's comment rule lets the group's comments be shown;
- customers, adoption: `findings(programme_id)` in their services module when they offer one;
- comms: questions waiting longer than its flag threshold (`overdue_questions`);
- the playbook itself: overdue actions per team.

Every finding is then described (group name, team/site/partner) from the organisation tree.
"""

import importlib
import importlib.util
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from functools import reduce
from operator import or_

from django.conf import settings
from django.db.models import Q

from allaboard.anonymity import min_group_size
from allaboard.org.models import Person, Unit, UnitKind
from allaboard.programmes.models import Programme

from . import findings as F
from .models import Action

log = logging.getLogger(__name__)

COMMENT_SOURCE = "listening.answer"
# Labels that are not resistance: they never count as "the top resistance source".
NOT_RESISTANCE = {"support", "other"}


def service(app: str, name: str, module: str = "services") -> Callable | None:
    """`allaboard.<app>.<module>.<name>` if that app is installed and offers it, else None."""
    module_name = f"allaboard.{app}.{module}"
    if f"allaboard.{app}" not in settings.INSTALLED_APPS or importlib.util.find_spec(module_name) is None:
        return None
    return getattr(importlib.import_module(module_name), name, None)


def programme_teams(programme: Programme) -> list[Unit]:
    """The teams the programme touches: every team under its impacted units (all teams if none are named)."""
    teams = Unit.objects.filter(kind=UnitKind.TEAM)
    paths = sorted({unit.path for unit in Unit.objects.filter(impacts__programme=programme)})
    if paths:
        teams = teams.filter(reduce(or_, (Q(path__startswith=p) for p in paths)))
    return list(teams.order_by("path"))


def listening_findings(programme: Programme, today: date) -> list[F.Finding]:
    fn = service("listening", "findings")
    return [F.adopt(f) for f in fn(programme.pk)] if fn else []


def foreign_findings(app: str) -> Callable:
    def source(programme: Programme, today: date) -> list[F.Finding]:
        fn = service(app, "findings")
        return [F.adopt(f) for f in fn(programme.pk)] if fn else []

    source.__name__ = f"{app}_findings"
    return source


def latest_wave(programme: Programme):
    """The programme's latest closed and published pulse (listening's Wave), or None."""
    fn = service("listening", "latest_wave")
    return fn(programme.pk) if fn else None


def comment_groups(programme: Programme) -> list[Unit]:
    """Each team of the programme, and each site or partner those teams belong to, as a whole unit (the
    groups listening decides comment visibility for; never a made-up subset that differencing could
    split)."""
    teams = programme_teams(programme)
    sites = {site.pk: site for site in (team.site() for team in teams) if site is not None}
    return teams + list(sites.values())


@dataclass(frozen=True)
class SourceCount:
    label: str
    title: str
    respondents: int  # respondents whose comments name the source (each counted once)
    commenters: int  # respondents of the group who wrote a classified comment
    quotes: tuple[str, ...] = ()

    @property
    def share(self) -> float:
        return self.respondents / self.commenters


@dataclass(frozen=True)
class GroupSources:
    commenters: int
    sources: list[SourceCount]  # most named first


def source_counts(wave, unit: Unit, *, with_quotes: bool = False) -> GroupSources | None:
    """How many of a group's respondents named each label in their comments in the wave, counted by
    respondent, not by comment. None when the anonymity rule forbids it: listening's comment rule
    (closed wave, at least the comment threshold of respondents, not derivable by differencing;
    `listening.results.comment_scope`) and, on top, at least that threshold of respondents who commented."""
    scope_of = service("listening", "comment_scope", module="results")
    labels_of = service("listening", "respondent_labels", module="results")
    if scope_of is None or labels_of is None or wave is None:
        return None
    scope = scope_of(wave, unit)
    if scope is None:
        return None
    people = labels_of(scope)
    if len(people) < scope.threshold:
        return None
    counts = Counter(label for labels in people.values() for label in labels)
    titles, quotes = {}, {}
    summary = service("textinsight", "label_summary") if with_quotes else None
    if summary is not None:
        for share in summary(source=COMMENT_SOURCE, unit_ids=list(scope.unit_ids), wave_key=wave.key).labels:
            titles[share.label], quotes[share.label] = share.title, tuple(share.quotes)
    title = service("textinsight", "title", module="labels")
    return GroupSources(
        len(people),
        [
            SourceCount(
                label,
                titles.get(label) or (title("employee", label) if title else label),
                count,
                len(people),
                quotes.get(label, ()),
            )
            for label, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        ],
    )


def comment_findings(programme: Programme, today: date) -> list[F.Finding]:
    """Resistance sources named by the respondents of each team and each site or partner, from the latest
    pulse's comments (`source_counts`: by respondent, only where the comment rule allows). `support`
    (positive) and `other` are not resistance and never rank."""
    wave = latest_wave(programme)
    if wave is None:
        return []
    out = []
    for unit in comment_groups(programme):
        counts = source_counts(wave, unit, with_quotes=True)
        if counts is None:
            continue
        resistance = [c for c in counts.sources if c.label not in NOT_RESISTANCE]
        for rank, source in enumerate(resistance, start=1):
            out.append(
                F.Finding(
                    kind=F.SOURCE_SHARE,
                    unit_id=unit.pk,
                    wave_id=wave.pk,
                    metric=source.label,
                    value=source.share,
                    n=source.commenters,
                    text=f"{source.title} is named by {source.share:.0%} of the {source.commenters} "
                    f"respondents who commented in {unit.name}.",
                    metric_title=source.title,
                    wave_label=str(wave),
                    rank=rank,
                    extra={"quotes": list(source.quotes)},
                )
            )
    return out


def overdue_action_findings(programme: Programme, today: date) -> list[F.Finding]:
    """Per unit: how many actions promised to it are overdue. n is the number of people in that unit."""
    counts: Counter[int] = Counter()
    for action in Action.objects.filter(programme=programme).overdue(today).prefetch_related("teams"):
        for unit in action.teams.all():
            counts[unit.pk] += 1
    out = []
    for unit in Unit.objects.filter(pk__in=counts):
        people = headcount([unit], today)
        out.append(
            F.Finding(
                kind=F.ACTIONS_OVERDUE,
                unit_id=unit.pk,
                wave_id=None,
                metric="overdue",
                value=counts[unit.pk],
                n=people,
                text=f"{_count(counts[unit.pk], 'action')} promised to {unit.name} "
                f"{'is' if counts[unit.pk] == 1 else 'are'} past the due date.",
                metric_title="Overdue actions",
            )
        )
    return out


def question_findings(programme: Programme, today: date) -> list[F.Finding]:
    """Questions about the programme that waited past comms' flag threshold: for the programme as a whole,
    and per team for questions asked with a name (anonymous ones carry no team)."""
    overdue_questions = service("comms", "overdue_questions")
    if overdue_questions is None:
        return []
    waiting = overdue_questions(today).filter(programme=programme)
    flag_days = service("comms", "flag_days")()
    total = waiting.count()
    if not total:
        return []
    teams = programme_teams(programme)
    out = [
        F.Finding(
            kind=F.QUESTIONS_UNANSWERED,
            unit_id=None,
            wave_id=None,
            metric="unanswered",
            value=total,
            n=headcount(teams, today),
            text=f"{_count(total, 'question')} about {programme.name} waited more than {flag_days} days "
            "for an answer.",
            unit_name=programme.name,
            metric_title="Unanswered questions",
        )
    ]
    per_unit = Counter(waiting.exclude(unit=None).values_list("unit_id", flat=True))
    for unit in Unit.objects.filter(pk__in=per_unit):
        out.append(
            F.Finding(
                kind=F.QUESTIONS_UNANSWERED,
                unit_id=unit.pk,
                wave_id=None,
                metric="unanswered",
                value=per_unit[unit.pk],
                n=headcount([unit], today),
                text=f"{_count(per_unit[unit.pk], 'question')} from {unit.name} waited more than {flag_days} "
                "days for an answer.",
                metric_title="Unanswered questions",
            )
        )
    return out


def _count(number: float, noun: str) -> str:
    return f"{number:g} {noun}" + ("" if number == 1 else "s")


def headcount(units: list[Unit], today: date) -> int:
    """People employed today in these units and below."""
    if not units:
        return 0
    return (
        Person.objects.active_on(today)
        .filter(reduce(or_, (Q(unit__path__startswith=u.path) for u in units)))
        .count()
    )


SOURCES: list[Callable[[Programme, date], list[F.Finding]]] = [
    listening_findings,
    comment_findings,
    foreign_findings("customers"),
    foreign_findings("adoption"),
    question_findings,
    overdue_action_findings,
]


def describe(findings: list[F.Finding]) -> list[F.Finding]:
    """Fill in each finding's group name, scope (team, site, programme) and whether it is at a partner."""
    units = Unit.objects.in_bulk({f.unit_id for f in findings if f.unit_id is not None})
    described = []
    for finding in findings:
        unit = units.get(finding.unit_id) if finding.unit_id is not None else None
        if finding.unit_id is not None and unit is None:
            continue  # a unit that no longer exists: nothing to recommend to
        if unit is None:
            described.append(replace(finding, scope=F.SCOPE_PROGRAMME, unit_name=finding.unit_name or ""))
            continue
        scope = {
            UnitKind.TEAM: F.SCOPE_TEAM,
            UnitKind.SITE: F.SCOPE_SITE,
            UnitKind.PARTNER: F.SCOPE_SITE,
        }.get(unit.kind, F.SCOPE_OTHER)
        described.append(replace(finding, unit_name=unit.name, scope=scope, is_partner=unit.is_partner))
    return described


def collect_findings(programme: Programme, today: date) -> list[F.Finding]:
    """Every finding about the programme that is about a large enough group, described."""
    found: list[F.Finding] = []
    for source in SOURCES:
        found.extend(source(programme, today))
    k = min_group_size()
    return describe([f for f in found if f.n >= k])
