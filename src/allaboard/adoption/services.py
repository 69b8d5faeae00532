"""Adoption measures per person and team, curves and forecasts, stall alerts, decisions, defects and links.

Every figure is read from the roll-ups (PersonBehaviour, DailyUsage), never from raw events.
"""

from __future__ import annotations

import hashlib
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import reduce
from operator import or_

from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone

from allaboard import intervals
from allaboard.anonymity import min_group_size
from allaboard.errors import InputError
from allaboard.org.models import Person, Role, Unit, UnitKind, User

from . import conf
from . import stats as S
from .models import (
    OPEN_DEFECT_STATUSES,
    Behaviour,
    DailyUsage,
    Decision,
    DecisionKind,
    Defect,
    DefectStatus,
    PersonBehaviour,
    RolloutWave,
    StallAlert,
    Tool,
)


def today() -> date:
    return timezone.localdate()


# --- who is in a rollout ----------------------------------------------------------------------------------


def wave_teams(tool: Tool) -> list[tuple[Unit, RolloutWave]]:
    """Every team under the units of the tool's waves, with its wave (the earliest, if in two)."""
    out: dict[int, tuple[Unit, RolloutWave]] = {}
    for wave in tool.waves.prefetch_related("units").order_by("go_live"):
        paths = [u.path for u in wave.units.all()]
        if not paths:
            continue
        teams = Unit.objects.filter(kind=UnitKind.TEAM).filter(
            reduce(or_, (Q(path__startswith=p) for p in paths))
        )
        for team in teams.order_by("path"):
            out.setdefault(team.pk, (team, wave))
    return list(out.values())


def team_people(team_ids, on: date) -> dict[int, list[int]]:
    """Team id -> ids of its people employed on the day."""
    out: dict[int, list[int]] = defaultdict(list)
    for pk, unit_id in Person.objects.active_on(on).filter(unit_id__in=team_ids).values_list("pk", "unit_id"):
        out[unit_id].append(pk)
    return out


# --- per-person use -------------------------------------------------------------------------------------


@dataclass
class Use:
    """One person's use of a tool, from the roll-ups."""

    first_day: date | None = None
    last_day: date | None = None
    uses: int = 0
    behaviours_recent: int = 0  # key behaviours used in the active window

    def active_on(self, day: date, window: int) -> bool:
        return self.last_day is not None and self.last_day > day - timedelta(days=window)


def uses_of(tool: Tool, person_ids, on: date) -> dict[int, Use]:
    """Person id -> Use (people who never used it are absent)."""
    since = on - timedelta(days=conf.active_days())
    out: dict[int, Use] = {}
    rows = PersonBehaviour.objects.filter(
        behaviour__tool=tool, person_id__in=list(person_ids), first_day__lte=on
    )
    for person_id, first, last, uses in rows.values_list("person_id", "first_day", "last_day", "uses"):
        use = out.setdefault(person_id, Use())
        use.first_day = first if use.first_day is None else min(use.first_day, first)
        use.last_day = last if use.last_day is None else max(use.last_day, last)
        use.uses += uses
        use.behaviours_recent += last > since
    return out


def frequency(use: Use, on: date) -> float | None:
    """Uses per working day since the first use."""
    if use.first_day is None:
        return None
    return use.uses / max(1, S.working_days(use.first_day, on))


# --- measures of a group --------------------------------------------------------------------------------


@dataclass
class Measures:
    people: int
    activated: int
    active: int
    breadth: float | None  # mean share of key behaviours used in the active window, among active people
    frequency: float | None  # mean uses per working day, among people who started
    proficiency: float | None = None  # mean training score (0-100) on the tool's courses
    proficiency_n: int = 0
    reportable: bool = True

    @property
    def active_share(self) -> float | None:
        return self.active / self.people if self.people else None

    @property
    def activated_share(self) -> float | None:
        return self.activated / self.people if self.people else None


def measures(
    tool: Tool,
    person_ids: list[int],
    on: date,
    uses: dict[int, Use] | None = None,
    behaviours: int | None = None,
    all_scores: dict[int, float] | None = None,
) -> Measures:
    """The group's measures. Callers measuring many groups pass `uses`, `behaviours` (the tool's count)
    and `all_scores` read once for everybody."""
    uses = uses if uses is not None else uses_of(tool, person_ids, on)
    window = conf.active_days()
    behaviours = max(1, behaviours if behaviours is not None else tool.behaviours.count())
    mine = [uses[p] for p in person_ids if p in uses]
    active = [u for u in mine if u.active_on(on, window)]
    freqs = [f for f in (frequency(u, on) for u in mine) if f is not None]
    all_scores = all_scores if all_scores is not None else training_scores(tool, person_ids)
    scores = {p: all_scores[p] for p in person_ids if p in all_scores}
    return Measures(
        people=len(person_ids),
        activated=len(mine),
        active=len(active),
        breadth=sum(u.behaviours_recent / behaviours for u in active) / len(active) if active else None,
        frequency=sum(freqs) / len(freqs) if freqs else None,
        # Scores are personal: a mean of fewer than k of them is not shown.
        proficiency=sum(scores.values()) / len(scores) if len(scores) >= min_group_size() else None,
        proficiency_n=len(scores),
        reportable=len(person_ids) >= min_group_size(),
    )


def training_scores(tool: Tool, person_ids) -> dict[int, float]:
    """Person id -> their best score on a completed course of the tool (proficiency)."""
    from allaboard.capability.models import Enrolment, EnrolmentStatus

    out: dict[int, float] = {}
    rows = Enrolment.objects.filter(
        course__in=tool.courses.all(), person_id__in=list(person_ids), status=EnrolmentStatus.COMPLETED
    ).exclude(score=None)
    for pid, score in rows.values_list("person_id", "score"):
        out[pid] = max(out.get(pid, 0.0), float(score))
    return out


def trained_people(tool: Tool, person_ids, on: date) -> set[int]:
    from allaboard.capability.models import Enrolment, EnrolmentStatus

    return set(
        Enrolment.objects.filter(
            course__in=tool.courses.all(),
            person_id__in=list(person_ids),
            status=EnrolmentStatus.COMPLETED,
            completed_on__lte=on,
        ).values_list("person_id", flat=True)
    )


@dataclass
class TeamRow:
    unit: Unit
    wave: RolloutWave
    measures: Measures
    open_alert: StallAlert | None = None
    open_defects: int = 0


def team_rows(tool: Tool, on: date, unit_ids: set[int] | None = None) -> list[TeamRow]:
    """Measures of every team in the rollout the reader may see (unit_ids None: all)."""
    teams = [(t, w) for t, w in wave_teams(tool) if unit_ids is None or t.pk in unit_ids]
    people = team_people([t.pk for t, _ in teams], on)
    everyone = [p for ids in people.values() for p in ids]
    uses = uses_of(tool, everyone, on)
    behaviours = tool.behaviours.count()
    scores = training_scores(tool, everyone)
    alerts = {a.unit_id: a for a in tool.alerts.filter(cleared_on=None)}
    defects = open_defects_by_unit(tool)
    paths = dict(Unit.objects.filter(pk__in=list(defects)).values_list("pk", "path"))
    rows = []
    for team, wave in teams:
        ids = people.get(team.pk, [])
        rows.append(
            TeamRow(
                team,
                wave,
                measures(tool, ids, on, uses, behaviours, scores),
                alerts.get(team.pk),
                sum(n for uid, n in defects.items() if team.path.startswith(paths[uid])),
            )
        )
    return rows


def open_defects_by_unit(tool: Tool) -> dict[int, int]:
    out: dict[int, int] = defaultdict(int)
    for unit_id in Defect.objects.filter(tool=tool, status__in=OPEN_DEFECT_STATUSES).values_list(
        "units", flat=True
    ):
        if unit_id is not None:
            out[unit_id] += 1
    return out


@dataclass
class ToolRow:
    tool: Tool
    total: Measures
    teams: int
    stalled: int


def overview_rows(user, on: date) -> list[ToolRow]:
    """Each tool's adoption across the teams the user may see."""
    from . import access

    unit_ids = access.unit_ids_for(user)
    out = []
    for tool in Tool.objects.all():
        teams = [t.pk for t, _ in wave_teams(tool) if unit_ids is None or t.pk in unit_ids]
        if not teams:
            continue
        ids = [p for ids in team_people(teams, on).values() for p in ids]
        stalled = tool.alerts.filter(cleared_on=None, unit_id__in=teams).count()
        out.append(ToolRow(tool, measures(tool, ids, on), len(teams), stalled))
    return out


# --- curves ---------------------------------------------------------------------------------------------


@dataclass
class Curve:
    weeks: list[int]
    actual: list[float]
    expected: list[float]
    fitted: list[float | None]
    forecast: S.Forecast
    target: float
    target_date: date | None
    target_low: date | None
    target_high: date | None
    categories: dict[str, int]
    people: int
    go_live: date

    @property
    def reached(self) -> bool:
        """The share who started is at or above the target already."""
        return bool(self.actual) and self.actual[-1] >= self.target


def weeks_to_first_use(uses: dict[int, Use], person_ids, go_live: date) -> list[float | None]:
    out = []
    for pid in person_ids:
        use = uses.get(pid)
        out.append(None if use is None else max(0.0, (use.first_day - go_live).days / 7))
    return out


def team_curve(tool: Tool, person_ids: list[int], go_live: date, on: date, draws: int = 200) -> Curve:
    """The group's cumulative adoption against the planned S-curve, the fitted logistic and the forecast."""
    uses = uses_of(tool, person_ids, on)
    weeks_since = max(1, (on - go_live).days // 7)
    first = weeks_to_first_use(uses, person_ids, go_live)
    actual = S.cumulative_curve(first, weeks_since)
    prediction = S.forecast(first, weeks_since, tool.target_share, draws=draws)
    horizon = max(weeks_since, tool.target_weeks) + 8
    weeks = list(range(1, horizon + 1))
    fit = prediction.fit

    def when(w: float | None) -> date | None:
        return go_live + timedelta(days=round(w * 7)) if w is not None else None

    days = [None if u is None else u * 7 for u in first]
    placed = S.place_adopters(days)
    return Curve(
        weeks=weeks,
        actual=actual,
        expected=[S.expected_share(w, tool.target_share, tool.target_weeks) for w in weeks],
        fitted=[fit.share_at(w) if fit else None for w in weeks],
        forecast=prediction,
        target=tool.target_share,
        target_date=when(prediction.weeks),
        target_low=when(prediction.low),
        target_high=when(prediction.high),
        categories={code: placed.count(code) for code in [*(c for c, _, _ in S.CATEGORIES), S.NOT_YET]},
        people=len(person_ids),
        go_live=go_live,
    )


def active_shares(tool: Tool, person_ids: list[int], days: list[date]) -> list[float]:
    """Share of the people who used the tool in the active window ending on each day."""
    if not person_ids:
        return [0.0 for _ in days]
    window = conf.active_days()
    start = min(days) - timedelta(days=window - 1)
    used: dict[int, set[date]] = defaultdict(set)
    rows = (
        DailyUsage.objects.filter(
            behaviour__tool=tool, person_id__in=person_ids, day__gte=start, day__lte=max(days)
        )
        .values_list("person_id", "day")
        .distinct()
    )
    for pid, day in rows:
        used[pid].add(day)
    out = []
    for d in days:
        low = d - timedelta(days=window - 1)
        out.append(
            sum(1 for pid in person_ids if any(low <= x <= d for x in used.get(pid, ()))) / len(person_ids)
        )
    return out


def win_figures(programme, *, unit: Unit | None, split: date, on: date) -> tuple | None:
    """Before/after figures for an early win (read by voice): the % of the rollout's people, or of `unit`'s,
    who used the programme's tool in the active window ending on `split`, and on `on`.

    None when the programme has no tool rolled out there, or fewer than the anonymity minimum of people on
    either day: a win never rests on a group too small to show."""
    for tool in Tool.objects.filter(programme=programme).order_by("pk"):
        team_ids = [t.pk for t, _ in wave_teams(tool) if unit is None or t.path.startswith(unit.path)]
        if not team_ids:
            continue
        before = sorted(p for ids in team_people(team_ids, split).values() for p in ids)
        after = sorted(p for ids in team_people(team_ids, on).values() for p in ids)
        if min(len(before), len(after)) < min_group_size():
            return None
        b = active_shares(tool, before, [split])[0]
        a = active_shares(tool, after, [on])[0]
        scope = unit.name if unit is not None else "everyone in the rollout"
        return (
            100 * b,
            100 * a,
            f"% of people using {tool} (last {conf.active_days()} days)",
            f"Adoption of {tool}, {scope}: {round(b * len(before))} of {len(before)} people on "
            f"{split:%d %b %Y}, {round(a * len(after))} of {len(after)} on {on:%d %b %Y}",
        )
    return None


# --- stall alerts ----------------------------------------------------------------------------------------


@dataclass
class StallCheck:
    unit: Unit
    shares: list[float]  # a week apart, oldest first
    stalled: bool
    people: int


def stall_check(tool: Tool, team: Unit, wave: RolloutWave, person_ids: list[int], on: date) -> StallCheck:
    weeks = conf.stall_weeks()
    days = [on - timedelta(days=7 * w) for w in range(weeks, -1, -1)]
    shares = active_shares(tool, person_ids, days)
    started = on >= wave.go_live + timedelta(days=7 * weeks)
    stalled = started and S.is_stalled(shares, tool.target_share, conf.stall_points(), weeks)
    return StallCheck(team, shares, stalled, len(person_ids))


def run_stall_checks(on: date | None = None) -> dict:
    """Raise an alert for each team that newly stalled (and tell the change leads and the team leader);
    clear alerts of teams moving again. Teams smaller than the anonymity minimum are not judged."""
    on = on or today()
    raised = cleared = 0
    k = min_group_size()
    for tool in Tool.objects.all():
        teams = wave_teams(tool)
        people = team_people([t.pk for t, _ in teams], on)
        open_alerts = {a.unit_id: a for a in tool.alerts.filter(cleared_on=None)}
        for team, wave in teams:
            ids = people.get(team.pk, [])
            if len(ids) < k:
                continue
            check = stall_check(tool, team, wave, ids, on)
            alert = open_alerts.get(team.pk)
            if check.stalled and alert is None:
                alert = StallAlert.objects.create(
                    tool=tool,
                    unit=team,
                    raised_on=on,
                    active_share=check.shares[-1],
                    weekly_points=[round(g, 1) for g in S.weekly_growth(check.shares)],
                    people=len(ids),
                )
                notify_stall(alert)
                raised += 1
            elif not check.stalled and alert is not None:
                alert.cleared_on = on
                alert.save(update_fields=["cleared_on"])
                cleared += 1
    return {"raised": raised, "cleared": cleared}


def stall_text(alert: StallAlert) -> str:
    growth = ", ".join(f"{g:+.1f}" for g in alert.weekly_points)
    return (
        f"Adoption of {alert.tool} in {alert.unit} has stalled: {alert.active_share:.0%} of {alert.people} "
        f"people used it in the last {conf.active_days()} days (target {alert.tool.target_share:.0%}), "
        f"changing by {growth} points a week."
    )


def notify_stall(alert: StallAlert) -> int:
    """The change leads and the team's leader hear of it in their news feed and by email."""
    from allaboard.playbook.notify import send_many

    people = list(Person.objects.filter(user__role=Role.CHANGE_LEAD))
    if alert.unit.leader_id:
        people.append(alert.unit.leader)
    people = list({p.pk: p for p in people}.values())
    link = reverse("adoption:team", args=[alert.tool_id, alert.unit_id])
    subject = f"Adoption stalled: {alert.unit}"
    text = (
        stall_text(alert) + " The playbook recommends changing direction; the evidence is on the team's page."
    )
    sent = send_many(people, subject=subject, text=text, purpose="adoption_stall", source=alert, link=link)
    sent += send_many(
        people, subject=subject, text=text, purpose="adoption_stall", source=alert, link=link, channel="email"
    )
    return sent


# --- evidence beside a stalled team -------------------------------------------------------------------------


@dataclass
class Evidence:
    open_defects: list[Defect]
    non_adopters: int
    trained_share: float | None  # of the non-adopters; None below the anonymity minimum
    coached_share: float | None  # of the non-adopters, coached in the last 90 days
    barriers: list[tuple[str, float, int]] = field(default_factory=list)  # (element, share, n) from listening
    notes: list[str] = field(default_factory=list)


def evidence(tool: Tool, team: Unit, person_ids: list[int], on: date) -> Evidence:
    """What a leader needs beside a stall: open defects hitting the team, and for the non-adopters (only
    when there are at least k of them) their training and coaching coverage; barrier points of the team's
    latest pulse (listening applies its own threshold)."""
    from allaboard.capability.models import CoachingConversation

    uses = uses_of(tool, person_ids, on)
    window = conf.active_days()
    non = [p for p in person_ids if not (p in uses and uses[p].active_on(on, window))]
    k = min_group_size()
    chain = [int(x) for x in team.path.split(".") if x]
    defects = list(
        Defect.objects.filter(tool=tool, status__in=OPEN_DEFECT_STATUSES, units__in=chain).distinct()
    )
    out = Evidence(defects, len(non), None, None)
    if len(non) >= k:
        out.trained_share = len(trained_people(tool, non, on)) / len(non)
        coached = CoachingConversation.objects.filter(
            person_id__in=non, held_on__gte=on - timedelta(days=90), held_on__lte=on
        ).values_list("person_id", flat=True)
        out.coached_share = len(set(coached)) / len(non)
    else:
        out.notes.append(f"Training and coaching of non-adopters are shown for {k} or more people.")
    if tool.programme_id:
        from allaboard.playbook.gather import service

        fn = service("listening", "findings")
        for f in fn(tool.programme_id) if fn else []:
            get = f.get if isinstance(f, dict) else lambda n, f=f: getattr(f, n, None)
            if get("kind") == "barrier_share" and get("unit_id") == team.pk and int(get("n") or 0) >= k:
                out.barriers.append((str(get("metric")), float(get("value")), int(get("n"))))
    return out


# --- the playbook's findings -----------------------------------------------------------------------------


def findings(programme_id: int) -> list[dict]:
    """Open stall alerts of the programme's tools, as playbook findings (kind adoption_stalled)."""
    out = []
    for alert in StallAlert.objects.filter(tool__programme_id=programme_id, cleared_on=None).select_related(
        "tool", "unit"
    ):
        defects = Defect.objects.filter(tool=alert.tool, status__in=OPEN_DEFECT_STATUSES).count()
        out.append(
            {
                "kind": "adoption_stalled",
                "unit_id": alert.unit_id,
                "wave_id": None,
                "metric": "active_share",
                "value": alert.active_share,
                "n": alert.people,
                "text": stall_text(alert)
                + f" {defects} open defect{'s' if defects != 1 else ''} reported for the tool.",
                "metric_title": f"Active use of {alert.tool}",
            }
        )
    return out


# --- decisions ------------------------------------------------------------------------------------------


def record_decision(
    actor: User, tool: Tool, team: Unit, kind: str, reason: str, on: date | None = None
) -> Decision:
    if kind not in DecisionKind.values:
        raise InputError("kind", f"must be one of {', '.join(DecisionKind.values)}")
    reason = (reason or "").strip()
    if not reason:
        raise InputError("reason", "say why direction changes")
    alert = tool.alerts.filter(unit=team, cleared_on=None).first()
    return Decision.objects.create(
        tool=tool,
        unit=team,
        alert=alert,
        kind=kind,
        reason=reason[:5_000],
        decided_on=on or today(),
        by=actor,
    )


@dataclass
class DecisionEffect:
    decision: Decision
    before: float | None
    after: float | None
    after_on: date | None
    change: intervals.Difference | None
    people: int


def decision_effect(decision: Decision, person_ids: list[int], on: date, days: int = 28) -> DecisionEffect:
    """Active share on the day of the decision and `days` later (or today, if sooner), with Newcombe's
    interval for the change. The two readings are of the same team, so the interval treats them as
    independent samples: it is wider than a paired one would be, never narrower."""
    n = len(person_ids)
    later = min(on, decision.decided_on + timedelta(days=days))
    if n < min_group_size():
        return DecisionEffect(decision, None, None, None, None, n)
    if later <= decision.decided_on:
        before = active_shares(decision.tool, person_ids, [decision.decided_on])[0]
        return DecisionEffect(decision, before, None, None, None, n)
    before, after = active_shares(decision.tool, person_ids, [decision.decided_on, later])
    change = intervals.proportion_difference(
        successes_a=round(after * n), n_a=n, successes_b=round(before * n), n_b=n
    )
    return DecisionEffect(decision, before, after, later, change, n)


# --- defects --------------------------------------------------------------------------------------------


def receipt_hash(token: str) -> str:
    return hashlib.sha256(token.strip().encode()).hexdigest()


def report_defect(
    person: Person | None, tool: Tool, title: str, description: str, *, anonymous: bool, units=()
) -> tuple[Defect, str]:
    """Store a defect; returns it with the receipt an anonymous reporter keeps (empty when named)."""
    title, description = (title or "").strip(), (description or "").strip()
    if not title:
        raise InputError("title", "is required")
    if len(title) > 200:
        raise InputError("title", "is longer than 200 characters")
    if not description:
        raise InputError("description", "say what goes wrong")
    token = secrets.token_urlsafe(16) if anonymous or person is None else ""
    defect = Defect.objects.create(
        tool=tool,
        title=title,
        description=description[:10_000],
        reporter=None if token else person,
        receipt_hash=receipt_hash(token) if token else "",
    )
    unit_ids = list(units) or ([person.unit_id] if person else [])
    defect.units.set(unit_ids)
    return defect, token


def update_defect(
    defect: Defect, status: str, answer: str = "", workaround: str | None = None, on: date | None = None
) -> Defect:
    """Triage or fix; a named reporter hears back in their news feed when the status or answer changes."""
    if status not in DefectStatus.values:
        raise InputError("status", f"must be one of {', '.join(DefectStatus.values)}")
    changed = status != defect.status or (answer or "") != defect.answer
    defect.status = status
    defect.answer = (answer or "").strip()[:5_000]
    if workaround is not None:
        defect.workaround = workaround.strip()[:5_000]
    defect.fixed_on = (on or today()) if status == DefectStatus.FIXED else None
    defect.save()
    if changed and defect.reporter_id:
        from allaboard.playbook.notify import send

        send(
            defect.reporter,
            subject=f"Your defect report: {defect.get_status_display().lower()}",
            text=f"“{defect.title}” is now {defect.get_status_display().lower()}. {defect.answer}".strip(),
            purpose="adoption_defect",
            source=defect,
            link=reverse("adoption:defects"),
        )
    return defect


def defect_for_receipt(token: str) -> Defect | None:
    token = (token or "").strip()
    return Defect.objects.filter(receipt_hash=receipt_hash(token)).first() if token else None


# --- links ----------------------------------------------------------------------------------------------


@dataclass
class Link:
    title: str
    statement: str
    difference: intervals.Difference | None = None
    correlation: intervals.Interval | None = None
    points: list[tuple[str, float, float]] = field(default_factory=list)


def trained_link(tool: Tool, person_ids: list[int], on: date) -> Link:
    """Active share of people who completed the tool's training against those who have not."""
    k = min_group_size()
    trained = trained_people(tool, person_ids, on)
    uses = uses_of(tool, person_ids, on)
    window = conf.active_days()
    active = {p for p, u in uses.items() if u.active_on(on, window)}
    a, b = [p for p in person_ids if p in trained], [p for p in person_ids if p not in trained]
    title = "Trained against not yet trained"
    if len(a) < k or len(b) < k:
        return Link(
            title,
            f"Each group needs at least {k} people to compare; this scope has {len(a)} trained and {len(b)} not.",
        )
    d = intervals.proportion_difference(
        successes_a=len(active & set(a)), n_a=len(a), successes_b=len(active & set(b)), n_b=len(b)
    )
    verdict = (
        "larger than chance alone would explain"
        if d.larger_than_noise
        else "within what chance alone could produce"
    )
    return Link(
        title,
        f"Active use is {d.estimate * 100:+.0f} points among the {len(a)} trained against the {len(b)} not yet "
        f"trained (95% interval {d.low * 100:+.0f} to {d.high * 100:+.0f}): {verdict}. People choose when to "
        "train, so this is an association, not proof that training causes use.",
        difference=d,
    )


def team_link(title: str, xs: dict[int, float], rows: list[TeamRow], what: str) -> Link:
    """Pearson's r between team active share and a team measure, with Fisher's interval."""
    points = [
        (r.unit.name, r.measures.active_share, xs[r.unit.pk])
        for r in rows
        if r.measures.reportable and r.unit.pk in xs and r.measures.active_share is not None
    ]
    if len(points) < 4:
        return Link(
            title, f"Needs at least four teams with both figures; {len(points)} have them.", points=points
        )
    try:
        r = intervals.pearson([p[1] for p in points], [p[2] for p in points])
    except ValueError as exc:
        return Link(title, f"No correlation: {exc}.", points=points)
    return Link(
        title,
        f"Across {len(points)} teams, active use and {what} correlate at r = {r.estimate:.2f} (95% interval "
        f"{r.low:.2f} to {r.high:.2f}). Teams differ in many ways; this is an association, not a cause.",
        correlation=r,
        points=points,
    )


def readiness_link(tool: Tool, rows: list[TeamRow]) -> Link:
    """Team adoption against the team's Ability mean (ADKAR) from the latest pulse (listening's threshold)."""
    title = "Adoption against readiness (ADKAR Ability)"
    if tool.programme is None:
        return Link(title, "The tool belongs to no programme, so there is no pulse to compare with.")
    from allaboard.customers import services as customers

    values, _ = customers.employee_measure_by_team(tool.programme, "ability", customers.last_days(28))
    return team_link(title, {u: v for u, (v, _) in values.items()}, rows, "the Ability mean")


def customer_link(rows: list[TeamRow], on: date) -> Link:
    """Team adoption against the team's CSAT (% satisfied) in the last 90 days (reliable figures only)."""
    from allaboard.customers import conf as cconf
    from allaboard.customers import services as customers
    from allaboard.customers import stats as cstats

    sums = customers.grouped_sums(customers.last_days(90, on), "unit_id")
    xs = {}
    for unit_id, s in sums.items():
        figure = cstats.figures(s, cconf.min_sample()).get("csat")
        if figure is not None and figure.has_value and figure.reliable:
            xs[unit_id] = figure.estimate
    return team_link("Adoption against customer satisfaction", xs, rows, "CSAT")


def my_use(tool: Tool, person: Person, on: date) -> dict:
    """One person's figures: per behaviour first/last day and uses, and their adopter category in their team."""
    behaviours = {b.pk: b for b in tool.behaviours.all()}
    rows = {
        pb.behaviour_id: pb
        for pb in PersonBehaviour.objects.filter(person=person, behaviour_id__in=list(behaviours))
    }
    since = on - timedelta(days=conf.active_days())
    recent = dict(
        DailyUsage.objects.filter(person=person, behaviour_id__in=list(behaviours), day__gt=since)
        .values_list("behaviour_id")
        .annotate(n=Sum("uses"))
    )
    category = None
    wave = next((w for t, w in wave_teams(tool) if t.pk == person.unit_id), None)
    if wave is not None:
        ids = team_people([person.unit_id], on).get(person.unit_id, [])
        if person.pk in ids:
            uses = uses_of(tool, ids, on)
            weeks = weeks_to_first_use(uses, ids, wave.go_live)
            placed = S.place_adopters([None if w is None else w * 7 for w in weeks])
            category = S.CATEGORY_TITLES[placed[ids.index(person.pk)]]
    return {
        "behaviours": [(b, rows.get(pk), recent.get(pk, 0)) for pk, b in behaviours.items()],
        "category": category,
        "wave": wave,
    }


def behaviour_count(tool: Tool) -> int:
    return Behaviour.objects.filter(tool=tool).count()
