"""Customer voice: metrics from the pre-aggregated statistics, themes, compliments, change impact, linkage.

Every metric reads FeedbackStats (sums per day/week/month x unit x channel), never the raw feedback, so a
page costs the same at ten thousand or ten million records. Only figures about one agent read raw rows,
through the (person, date) index.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Count, Q, Sum

from allaboard.anonymity import min_comment_group_size, min_group_size
from allaboard.errors import InputError
from allaboard.intervals import Difference, Interval
from allaboard.org.models import Person, Unit, UnitKind
from allaboard.programmes.models import Milestone, MilestoneKind, Programme

from . import conf
from . import stats as S
from .models import STAT_FIELDS, Channel, Feedback, FeedbackStats, Grain, ImportBatch, period_start

SOURCE = "customers.feedback"
KIND = "customer"
EMPLOYEE_SOURCE = "listening.answer"
SUMS = {name: Sum(name) for name in STAT_FIELDS}
GROUPINGS = {"team": "Team", "site": "Site", "partner": "Partner", "channel": "Channel"}
PERIODS = {"week": Grain.WEEK, "month": Grain.MONTH}
ADKAR = ["awareness", "desire", "knowledge", "ability", "reinforcement"]


# ---- windows ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """Inclusive dates."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Window:
        return Window(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def __str__(self) -> str:
        return f"{self.start:%-d %b %Y} to {self.end:%-d %b %Y}"


def last_days(days: int, today: date | None = None) -> Window:
    from django.utils import timezone

    end = today or timezone.localdate()
    return Window(end - timedelta(days=days - 1), end)


# ---- reading the statistics ------------------------------------------------------------------------------


def _stats(grain: str, start: date, end: date, unit_ids=None, channel: str | None = None):
    qs = FeedbackStats.objects.filter(grain=grain, start__gte=start, start__lte=end)
    return _narrow(qs, unit_ids, channel)


def _narrow(qs, unit_ids=None, channel: str | None = None):
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=list(unit_ids))
    if channel:
        qs = qs.filter(channel=channel)
    return qs.order_by()


def _window_rows(window: Window, unit_ids=None, channel: str | None = None):
    """The statistics rows whose sum is the window: whole calendar months from the month rows, the days
    before the first and after the last whole month from the day rows. A year reads 12 month rows and at
    most 60 day rows per unit and channel, instead of 365."""
    first = window.start if window.start.day == 1 else _next_period(window.start, Grain.MONTH)
    after = _next_period(window.end, Grain.MONTH)  # the 1st of the month after the end's month
    last = after if window.end == after - timedelta(days=1) else window.end.replace(day=1)
    if first >= last:
        return _stats(Grain.DAY, window.start, window.end, unit_ids, channel)
    rows = FeedbackStats.objects.filter(
        Q(grain=Grain.DAY, start__gte=window.start, start__lt=first)
        | Q(grain=Grain.MONTH, start__gte=first, start__lt=last)
        | Q(grain=Grain.DAY, start__gte=last, start__lte=window.end)
    )
    return _narrow(rows, unit_ids, channel)


def total_sums(window: Window, unit_ids=None, channel: str | None = None) -> S.Sums:
    return S.Sums.from_row(_window_rows(window, unit_ids, channel).aggregate(**SUMS))


def grouped_sums(
    window: Window, key: str, unit_ids=None, channel: str | None = None, grain: str = Grain.DAY
) -> dict:
    """{value of `key` (unit_id, channel, or start for week/month trends): Sums} over the window."""
    if grain == Grain.DAY:
        rows = _window_rows(window, unit_ids, channel)
    else:
        rows = _stats(grain, period_start(window.start, grain), window.end, unit_ids, channel)
    return {row[key]: S.Sums.from_row(row) for row in rows.values(key).annotate(**SUMS)}


@dataclass
class UnitInfo:
    id: int
    name: str
    code: str
    kind: str
    path: str
    site_id: int | None
    site_kind: str | None


def unit_index() -> dict[int, UnitInfo]:
    """Every unit with the site or partner organisation it belongs to (from the paths, in one query)."""
    rows = list(Unit.objects.values_list("pk", "name", "code", "kind", "path"))
    sites = {pk: kind for pk, _, _, kind, _ in rows if kind in (UnitKind.SITE, UnitKind.PARTNER)}
    index = {}
    for pk, name, code, kind, path in rows:
        chain = [int(part) for part in path.split(".") if part]
        site_id = next((u for u in reversed(chain) if u in sites), None)
        index[pk] = UnitInfo(pk, name, code, kind, path, site_id, sites.get(site_id))
    return index


# ---- overview, breakdown, trend --------------------------------------------------------------------------


@dataclass
class Summary:
    window: Window
    figures: S.Figures
    previous: S.Figures
    changes: dict[str, Difference | None]
    min_sample: int


def summary(window: Window, unit_ids=None, channel: str | None = None) -> Summary:
    """The headline figures for the window, the same for the window before it, and the change with its CI."""
    k = conf.min_sample()
    now, before = total_sums(window, unit_ids, channel), total_sums(window.previous(), unit_ids, channel)
    changes = {m: S.difference(m, now, before) for m in S.MEASURES}
    return Summary(window, S.figures(now, k), S.figures(before, k), changes, k)


@dataclass
class Row:
    key: object
    label: str
    figures: S.Figures
    unit_id: int | None = None


def breakdown(by: str, window: Window, unit_ids=None, channel: str | None = None) -> list[Row]:
    """Figures per team, site, partner organisation or channel over the window, largest volume first."""
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {', '.join(GROUPINGS)}")
    k = conf.min_sample()
    if by == "channel":
        sums = grouped_sums(window, "channel", unit_ids, channel)
        labels = dict(Channel.choices)
        rows = [Row(c, labels.get(c, c), S.figures(s, k)) for c, s in sums.items()]
    else:
        sums = grouped_sums(window, "unit_id", unit_ids, channel)
        units = unit_index()
        if by == "team":
            rows = [Row(u, units[u].name, S.figures(s, k), unit_id=u) for u, s in sums.items() if u in units]
        else:
            wanted = UnitKind.PARTNER if by == "partner" else UnitKind.SITE
            per_site: dict[int, S.Sums] = defaultdict(S.Sums)
            for unit_id, s in sums.items():
                info = units.get(unit_id)
                if info and info.site_id and info.site_kind == wanted:
                    per_site[info.site_id] = per_site[info.site_id] + s
            rows = [
                Row(site, units[site].name, S.figures(s, k), unit_id=site) for site, s in per_site.items()
            ]
    rows.sort(key=lambda r: (-r.figures.volume, r.label))
    return rows


@dataclass
class Point:
    start: date
    label: str
    figures: S.Figures


def period_label(start: date, grain: str) -> str:
    return f"w/c {start:%-d %b %Y}" if grain == Grain.WEEK else f"{start:%b %Y}"


def trend(period: str, window: Window, unit_ids=None, channel: str | None = None) -> list[Point]:
    """Figures per week or month over the window (every period, empty ones included, oldest first)."""
    grain = PERIODS.get(period)
    if grain is None:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}")
    k = conf.min_sample()
    sums = grouped_sums(window, "start", unit_ids, channel, grain=grain)
    points = []
    start = period_start(window.start, grain)
    while start <= window.end:
        points.append(Point(start, period_label(start, grain), S.figures(sums.get(start, S.Sums()), k)))
        start = _next_period(start, grain)
    return points


def _next_period(start: date, grain: str) -> date:
    if grain == Grain.WEEK:
        return start + timedelta(days=7)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


# ---- agents ----------------------------------------------------------------------------------------------


def _feedback_sums_fields() -> dict:
    fields = {"n": Count("id")}
    fields |= {f"nps_{s}": Count("id", filter=Q(nps=s)) for s in range(11)}
    fields |= {f"csat_{s}": Count("id", filter=Q(csat=s)) for s in range(1, 6)}
    fields |= {"ces_n": Count("ces"), "ces_sum": Sum("ces")}
    fields["comments"] = Count("id", filter=~Q(comment=""))
    return fields


def _with_squares(qs, group: str | None = None):
    """Sums of CES squares need an expression; computed in the database with the rest."""
    from django.db.models import F

    fields = _feedback_sums_fields() | {"ces_sumsq": Sum(F("ces") * F("ces"))}
    if group:
        return qs.values(group).annotate(**fields).order_by()
    return qs.aggregate(**fields)


@dataclass
class AgentFigures:
    person: Person
    window: Window
    figures: S.Figures
    trend: list[Point]
    compliments: list[Compliment]


def agent_figures(person: Person, window: Window) -> AgentFigures:
    """One agent's figures over the window, their monthly trend over the year to its end, and compliments
    naming them. Read from the raw feedback through the (person, date) index."""
    k = conf.min_sample()
    rows = Feedback.objects.filter(person=person, date__gte=window.start, date__lte=window.end)
    figures = S.figures(S.Sums.from_row(_with_squares(rows)), k)
    year = Window(period_start(window.end - timedelta(days=364), Grain.MONTH), window.end)
    monthly = Feedback.objects.filter(person=person, date__gte=year.start, date__lte=year.end)
    by_month: dict[date, S.Sums] = defaultdict(S.Sums)
    from django.db.models.functions import TruncMonth

    for row in _with_squares(monthly.annotate(month=TruncMonth("date")), "month"):
        month = row["month"]
        month = month.date() if hasattr(month, "date") else month
        by_month[month] = by_month[month] + S.Sums.from_row(row)
    points = []
    start = year.start
    while start <= year.end:
        points.append(
            Point(start, period_label(start, Grain.MONTH), S.figures(by_month.get(start, S.Sums()), k))
        )
        start = _next_period(start, Grain.MONTH)
    praise = compliments(window.start, person_ids=[person.pk])
    return AgentFigures(person, window, figures, points, praise)


def agents_of(unit: Unit, window: Window) -> list[tuple[Person, S.Figures]]:
    """Each agent of the unit (and below) with feedback in the window, with their figures."""
    k = conf.min_sample()
    rows = Feedback.objects.filter(
        unit__path__startswith=unit.path, person__isnull=False, date__gte=window.start, date__lte=window.end
    )
    sums = {row["person"]: S.Sums.from_row(row) for row in _with_squares(rows, "person")}
    people = Person.objects.in_bulk(list(sums))
    out = [(people[pk], S.figures(s, k)) for pk, s in sums.items() if pk in people]
    out.sort(key=lambda item: (item[0].family_name, item[0].given_name))
    return out


# ---- comments: submitting, themes, growth, compliments ---------------------------------------------------


def submit_batch_comments(batch_id: int, chunk: int = 5_000) -> int:
    """Hand a batch's comments to comment insight (redacted again there, classified in the worker)."""
    from allaboard.textinsight.services import submit_comments

    rows = (
        Feedback.objects.filter(batch_id=batch_id)
        .exclude(comment="")
        .order_by("pk")
        .values_list("pk", "comment", "unit_id", "date")
    )
    stored = 0
    items: list[dict] = []
    for pk, text, unit_id, day in rows.iterator(chunk_size=chunk):
        items.append(
            {
                "kind": KIND,
                "source": SOURCE,
                "source_id": str(pk),
                "text": text,
                "unit_id": unit_id,
                "programme_id": None,
                "wave_key": f"{day:%Y-%m}",
                "created_on": day,
            }
        )
        if len(items) >= chunk:
            stored += submit_comments(items)
            items = []
    if items:
        stored += submit_comments(items)
    ImportBatch.objects.filter(pk=batch_id).update(comments_submitted=True)
    return stored


def submit_pending_comments() -> int:
    """Catch up: submit the comments of every batch not yet handed to comment insight."""
    return sum(
        submit_batch_comments(pk)
        for pk in ImportBatch.objects.filter(comments_submitted=False).values_list("pk", flat=True)
    )


def theme_summary(unit_ids=None, month: str | None = None):
    """Shares of each customer theme, sentiment and typical quotes (textinsight.label_summary)."""
    from allaboard.textinsight.services import label_summary

    return label_summary(source=SOURCE, unit_ids=unit_ids, wave_key=month, kind=KIND)


@dataclass
class ThemeGrowth:
    label: str
    title: str
    recent_count: int
    recent_n: int
    base_count: int
    base_n: int
    change: Difference

    @property
    def recent_share(self) -> float:
        return self.recent_count / self.recent_n

    @property
    def base_share(self) -> float:
        return self.base_count / self.base_n

    @property
    def growing(self) -> bool:
        return self.change.larger_than_noise and self.change.estimate > 0

    @property
    def change_pts(self) -> Difference:
        """The change in percentage points."""
        return S.scaled(self.change, 100.0)


@dataclass
class Growth:
    recent: list[str]  # months, "2025-05"
    baseline: list[str]
    recent_n: int
    base_n: int
    themes: list[ThemeGrowth]

    @property
    def growing(self) -> list[ThemeGrowth]:
        return [t for t in self.themes if t.growing]


def months_back(today: date, count: int, skip: int = 0) -> list[str]:
    month = today.replace(day=1)
    for _ in range(skip):
        month = (month - timedelta(days=1)).replace(day=1)
    out = []
    for _ in range(count):
        out.append(f"{month:%Y-%m}")
        month = (month - timedelta(days=1)).replace(day=1)
    return sorted(out)


def theme_growth(today: date, unit_ids=None, recent_months: int = 2, baseline_months: int = 6) -> Growth:
    """Which themes take a larger share of comments in the last `recent_months` calendar months (this one
    included) than in the `baseline_months` before: difference of proportions with Newcombe's interval.
    A theme is growing when the whole 95% interval is above zero. Fastest-growing (highest lower bound)
    first."""
    from allaboard.textinsight import labels as L

    from .comments import counts_by

    recent = months_back(today, recent_months)
    baseline = months_back(today, baseline_months, skip=recent_months)
    totals, labels = counts_by("wave_key", source=SOURCE, kind=KIND, unit_ids=unit_ids)
    recent_n = sum(totals.get(m, 0) for m in recent)
    base_n = sum(totals.get(m, 0) for m in baseline)
    themes = []
    for label in L.taxonomy(KIND):
        if label.code == L.OTHER:
            continue
        r = sum(labels.get((m, label.code), 0) for m in recent)
        b = sum(labels.get((m, label.code), 0) for m in baseline)
        change = S.theme_growth(r, recent_n, b, base_n)
        if change is not None:
            themes.append(ThemeGrowth(label.code, label.title, r, recent_n, b, base_n, change))
    themes.sort(key=lambda t: -(t.change.low if t.change.low is not None else t.change.estimate))
    return Growth(recent, baseline, recent_n, base_n, themes)


@dataclass(frozen=True)
class Compliment:
    """A customer's praise, with the agent and team the feedback names: for recognition."""

    feedback_id: int
    person_id: int | None
    unit_id: int | None
    text: str
    date: date


def compliments(since: date, *, unit_ids=None, person_ids=None, limit: int | None = None) -> list[Compliment]:
    """Customer feedback since `since` whose comment comment insight tagged as praise, newest first, with
    the agent (when known) and team it was about. The text is the redacted comment."""
    from allaboard.textinsight.services import explore

    comments = explore(kind=KIND, source=SOURCE, label="praise").filter(created_on__gte=since)
    ids = sorted(
        int(sid)
        for sid in comments.prefetch_related(None).values_list("source_id", flat=True)
        if sid.isdigit()
    )
    rows = []
    for start in range(0, len(ids), 900):
        qs = Feedback.objects.filter(pk__in=ids[start : start + 900], date__gte=since)
        if unit_ids is not None:
            qs = qs.filter(unit_id__in=list(unit_ids))
        if person_ids is not None:
            qs = qs.filter(person_id__in=list(person_ids))
        rows.extend(qs.values_list("pk", "person_id", "unit_id", "comment", "date"))
    rows.sort(key=lambda row: (row[4], row[0]), reverse=True)
    out = [Compliment(pk, person_id, unit_id, text, day) for pk, person_id, unit_id, text, day in rows]
    return out[:limit] if limit else out


# ---- change impact ---------------------------------------------------------------------------------------


@dataclass
class GroupChange:
    """One group's figures before and after, with after - before for each measure."""

    label: str
    before: S.Figures
    after: S.Figures
    changes: dict[str, Difference | None]
    unit_id: int | None = None


@dataclass
class MilestoneImpact:
    milestone: Milestone
    before: Window
    after: Window
    days_after_observed: int
    affected: GroupChange | None
    comparison: GroupChange | None
    teams: list[GroupChange]
    did: dict[str, Difference | None]
    statements: dict[str, str]
    note: str = ""

    @property
    def started(self) -> bool:
        return self.days_after_observed > 0

    @property
    def groups(self) -> list[GroupChange]:
        """The changed teams pooled, the comparison, then each changed team."""
        return [g for g in (self.affected, self.comparison) if g is not None] + self.teams


def affected_unit_ids(milestone: Milestone) -> set[int]:
    """The milestone's units and everything below them; if it names none, the programme's impacted units
    (and below); if the programme names none either, every unit."""
    roots = list(milestone.units.all()) or [
        i.unit for i in milestone.programme.impacts.select_related("unit")
    ]
    if not roots:
        return set(Unit.objects.values_list("pk", flat=True))
    q = Q()
    for root in roots:
        q |= Q(path__startswith=root.path)
    return set(Unit.objects.filter(q).values_list("pk", flat=True))


def _group_change(label: str, before: S.Sums, after: S.Sums, k: int, unit_id=None) -> GroupChange:
    return GroupChange(
        label,
        S.figures(before, k),
        S.figures(after, k),
        {m: S.difference(m, after, before) for m in S.MEASURES},
        unit_id,
    )


def milestone_impact(
    milestone: Milestone, *, unit_ids=None, days: int | None = None, today: date | None = None
) -> MilestoneImpact:
    """Customer measures in the `days` before the milestone and from its day on, per affected team (within
    `unit_ids` when given), pooled for the affected teams and for all unaffected teams, and the
    difference-in-differences with its interval and a plain statement of what it can and cannot say."""
    from django.utils import timezone

    today = today or timezone.localdate()
    days = days or conf.impact_window_days()
    k = conf.min_sample()
    before = Window(milestone.due - timedelta(days=days), milestone.due - timedelta(days=1))
    after = Window(milestone.due, milestone.due + timedelta(days=days - 1))
    observed = 0 if today < after.start else (min(after.end, today) - after.start).days + 1
    if observed == 0:
        return MilestoneImpact(
            milestone,
            before,
            after,
            0,
            None,
            None,
            [],
            {},
            {},
            note="This milestone has not happened yet: there is nothing after it to compare.",
        )
    seen_after = Window(after.start, min(after.end, today))
    affected = affected_unit_ids(milestone)
    before_by_unit = grouped_sums(before, "unit_id")
    after_by_unit = grouped_sums(seen_after, "unit_id")
    units = unit_index()
    in_scope = affected if unit_ids is None else affected & set(unit_ids)
    busy, busy_with = _changed_nearby(milestone, before.start - timedelta(days=days), after.end, affected)
    pooled = {name: (S.Sums(), S.Sums()) for name in ("affected", "clean", "all_others")}
    teams = []
    for unit_id in sorted(
        set(before_by_unit) | set(after_by_unit), key=lambda u: units[u].path if u in units else ""
    ):
        b, a = before_by_unit.get(unit_id, S.Sums()), after_by_unit.get(unit_id, S.Sums())
        if unit_id not in affected:
            pooled["all_others"] = (pooled["all_others"][0] + b, pooled["all_others"][1] + a)
            if unit_id not in busy:
                pooled["clean"] = (pooled["clean"][0] + b, pooled["clean"][1] + a)
            continue
        if unit_id not in in_scope:
            continue
        pooled["affected"] = (pooled["affected"][0] + b, pooled["affected"][1] + a)
        if unit_id in units:
            teams.append(_group_change(units[unit_id].name, b, a, k, unit_id))
    notes = []
    others = "clean"
    if _empty(pooled["clean"]) and not _empty(pooled["all_others"]):
        others = "all_others"
        notes.append(
            "Every team it did not change was itself changed by "
            + ", ".join(f"'{name}'" for name in busy_with)
            + " within these weeks, so they are the comparison anyway: their own dip or recovery can make this "
            "milestone look better or worse than it was."
        )
    pooled["others"] = pooled[others]
    affected_change = _group_change("Teams the milestone changed", *pooled["affected"], k)
    comparison = (
        None if _empty(pooled["others"]) else _group_change("Teams it did not change", *pooled["others"], k)
    )
    did, statements = {}, {}
    for measure in S.MEASURES:
        changed = affected_change.changes[measure]
        other = comparison.changes[measure] if comparison else None
        did[measure] = S.difference_in_differences(changed, other) if changed and other else None
        statements[measure] = impact_statement(measure, changed, other, did[measure], days, observed)
    if observed < days:
        notes.insert(
            0,
            f"Only {observed} of the {days} days after the milestone have happened: the 'after' figures are early.",
        )
    return MilestoneImpact(
        milestone,
        before,
        after,
        observed,
        affected_change,
        comparison,
        teams,
        did,
        statements,
        " ".join(notes),
    )


def _empty(pair: tuple[S.Sums, S.Sums]) -> bool:
    return pair[0].n == 0 and pair[1].n == 0


def _changed_nearby(
    milestone: Milestone, start: date, end: date, affected: set[int]
) -> tuple[set[int], list[str]]:
    """Units changed by another milestone of the same programme (one that names its units) due between
    start and end: they are not a clean comparison for this one."""
    others = (
        milestone.programme.milestones.exclude(pk=milestone.pk)
        .filter(due__gte=start, due__lte=end, units__isnull=False)
        .distinct()
        .prefetch_related("units")
    )
    busy: set[int] = set()
    names = []
    for other in others:
        ids = affected_unit_ids(other) - affected
        if ids:
            busy |= ids
            names.append(other.name)
    return busy, names


def _fmt(measure: str, value: float) -> str:
    return f"{value:.2f}" if measure == "ces" else f"{value:.0f}"


def impact_statement(
    measure: str,
    changed: Difference | None,
    other: Difference | None,
    did: Difference | None,
    days: int,
    observed: int,
) -> str:
    """What the before/after comparison says about one measure, in words a team leader understands."""
    title, unit = S.MEASURE_TITLES[measure], S.MEASURE_UNITS[measure]
    if changed is None:
        return f"Not enough {title} answers before and after the milestone in the changed teams to compare."
    direction = "rose" if changed.estimate > 0 else "fell" if changed.estimate < 0 else "did not move"
    text = f"In the changed teams, {title} {direction}"
    if changed.estimate:
        text += f" by {_fmt(measure, abs(changed.estimate))} {unit}"
    if changed.has_bounds:
        text += f" (95% interval {_fmt(measure, changed.low)} to {_fmt(measure, changed.high)})"
    text += f" between the {days} days before the milestone and the {observed} days after. "
    if did is None or other is None:
        return text + (
            "There are no unchanged teams with answers over the same weeks to compare with, so this cannot be "
            "told apart from what would have happened anyway (season, prices, an outage)."
        )
    text += (
        f"Over the same weeks the unchanged teams moved by {_fmt(measure, other.estimate)}, so the change "
        f"beyond theirs is {_fmt(measure, did.estimate)} {unit}"
    )
    if did.has_bounds:
        text += f" (95% interval {_fmt(measure, did.low)} to {_fmt(measure, did.high)}). "
        if did.larger_than_noise:
            text += "The interval does not include zero, so a gap this size is unlikely to be chance alone. "
        else:
            text += "The interval includes zero: the data cannot tell this apart from no effect. "
    else:
        text += " (too few answers for an interval). "
    return text + (
        "This assumes both groups would have moved alike without the change; anything else that hit only the "
        "changed teams in these weeks could explain part of it. It is evidence, not proof."
    )


def programme_impact(
    programme: Programme,
    *,
    unit_ids=None,
    days: int | None = None,
    today: date | None = None,
    kinds: list[str] | None = None,
) -> list[MilestoneImpact]:
    """milestone_impact for the programme's milestones that have happened (go-lives first by default)."""
    from django.utils import timezone

    today = today or timezone.localdate()
    milestones = programme.milestones.filter(due__lte=today).prefetch_related("units").order_by("-due")
    if kinds:
        milestones = milestones.filter(kind__in=kinds)
    return [milestone_impact(m, unit_ids=unit_ids, days=days, today=today) for m in milestones]


# ---- linkage: readiness against customer outcomes --------------------------------------------------------


def listening_service(name: str):
    """allaboard.listening.services.<name> when listening provides it, else None."""
    module = "allaboard.listening.services"
    if "allaboard.listening" not in settings.INSTALLED_APPS or importlib.util.find_spec(module) is None:
        return None
    return getattr(importlib.import_module(module), name, None)


@dataclass
class LinkPoint:
    unit_id: int
    label: str
    x: float
    y: float
    x_n: int
    y_n: int


@dataclass
class Linkage:
    measure: str
    measure_title: str
    outcome: str
    window: Window
    points: list[LinkPoint]
    correlation: Interval | None
    left_out_employee: int  # teams under the employee threshold (or with no measure)
    left_out_customer: int  # teams with too few customer answers
    employee_threshold: int
    customer_threshold: int
    available: bool = True
    notes: list[str] = field(default_factory=list)
    wave: object = None  # the listening pulse the employee measure comes from, when there is one


def linkage_measures() -> list[tuple[str, str]]:
    """(code, title) of the employee measures a scatter can use: ADKAR elements (when listening provides
    team_element_means) and the share of comments naming each resistance source."""
    from allaboard.textinsight import labels as L

    out = []
    if listening_service("team_element_means") is not None:
        out += [(element, f"{element.capitalize()} (ADKAR mean, 1-5)") for element in ADKAR]
    out += [
        (f"source:{label.code}", f"Share of comments: {label.title.lower()}")
        for label in L.RESISTANCE_SOURCES
        if label.code != L.OTHER
    ]
    return out


def _element_value(mean) -> tuple[float, int] | None:
    """(mean, n) from listening's ElementMean, whatever it names its estimate."""
    if mean is None:
        return None
    value = next(
        (getattr(mean, a) for a in ("mean", "estimate", "value") if getattr(mean, a, None) is not None), None
    )
    if value is None and getattr(mean, "interval", None) is not None:
        value = mean.interval.estimate
    n = getattr(mean, "n", None)
    if n is None and getattr(mean, "interval", None) is not None:
        n = mean.interval.n
    if value is None or n is None:
        return None
    return float(value), int(n)


def linkage_waves(programme: Programme) -> list:
    """The programme's published pulses, newest first, that a linkage can read (empty without listening)."""
    if listening_service("latest_wave") is None:
        return []
    from allaboard.listening.models import Wave

    return list(
        Wave.objects.filter(survey__programme_id=programme.pk, published=True)
        .select_related("survey")
        .order_by("-closes", "-pk")
    )


def linkage_wave(programme: Programme, measure: str, wave_id: int | None = None):
    """The listening wave (pulse) the employee measure comes from: the one asked for, or the programme's
    latest published one (asking the ADKAR element, for an element). None without listening or a pulse.

    A `wave_id` that is not a published pulse of this programme is an InputError on "wave_id": results
    of another programme, or of a pulse still open, are never read."""
    fn = listening_service("latest_wave")
    if wave_id is not None:
        wave = next((w for w in linkage_waves(programme) if w.pk == wave_id), None) if fn else None
        if wave is None:
            raise InputError("wave_id", f"{wave_id} is not a published pulse of the programme {programme}")
        return wave
    if fn is None:
        return None
    return fn(programme.pk, None if measure.startswith("source:") else measure)


def linkage_window(wave, days: int | None = None, today: date | None = None) -> Window:
    """The customer period matching the employee measure: the pulse's own period (open to close),
    widened to at least `days` (default 28) up to its close so that teams have enough customer answers;
    without a pulse, the `days` up to today."""
    days = days or 28
    if wave is not None:
        return Window(min(wave.opens, wave.closes - timedelta(days=days - 1)), wave.closes)
    return last_days(days, today)


def employee_measure_by_team(
    programme: Programme, measure: str, window: Window, wave=None
) -> tuple[dict[int, tuple[float, int]], list[str]]:
    """{team id: (value, n)} for teams at or above the threshold; notes on what was left out and why."""
    notes = []
    if measure.startswith("source:"):
        code = measure.split(":", 1)[1]
        from .comments import counts_by

        k = min_comment_group_size()
        if wave is not None:
            filters = {"wave_key": wave.key}
            where = f"employee comments from {wave}"
        else:
            filters = {"since": window.end - timedelta(days=90), "until": window.end}
            where = f"employee comments from the 90 days to {window.end:%-d %b %Y}"
        totals, labels = counts_by(
            "unit_id", source=EMPLOYEE_SOURCE, kind="employee", programme_id=programme.pk, **filters
        )
        notes.append(f"Resistance shares use {where}, only for teams with at least {k} comments.")
        return {
            unit: (labels.get((unit, code), 0) / n, n) for unit, n in totals.items() if unit and n >= k
        }, notes
    fn = listening_service("team_element_means")
    if fn is None:
        return {}, ["Readiness means appear here once listening provides them."]
    k = min_group_size()
    out = {}
    for unit_id, mean in (fn(programme.pk, measure, wave.pk if wave is not None else None) or {}).items():
        value = _element_value(mean)
        if value is not None and value[1] >= k:
            out[unit_id] = value
    source = f"the pulse {wave}" if wave is not None else "the latest closed pulse"
    notes.append(f"Readiness means from {source}, only for teams with at least {k} respondents.")
    return out, notes


def linkage(
    programme: Programme,
    measure: str,
    outcome: str,
    window: Window | None = None,
    wave_id: int | None = None,
    days: int | None = None,
) -> Linkage:
    """Team-level employee measure (x) against team customer outcome (y) with Pearson's r and its Fisher z
    interval. The customer period is `window`, or by default the period of the pulse the employee measure
    comes from (see linkage_window). Only teams at or above the anonymity minimum for the employee measure
    are points. Association, not proof. InputError on "wave_id" for a pulse that cannot be read."""
    titles = dict(linkage_measures())
    if measure not in titles:
        raise ValueError(f"unknown measure {measure!r}")
    if outcome not in ("nps", "csat", "ces"):
        raise ValueError("outcome must be nps, csat or ces")
    wave = linkage_wave(programme, measure, wave_id)
    window = window or linkage_window(wave, days)
    employee, notes = employee_measure_by_team(programme, measure, window, wave)
    k_customer = conf.min_sample()
    customer = grouped_sums(window, "unit_id")
    units = unit_index()
    team_ids = {u for u, info in units.items() if info.kind == UnitKind.TEAM}
    points, left_employee, left_customer = [], 0, 0
    for unit_id in sorted(team_ids, key=lambda u: units[u].path):
        sums = customer.get(unit_id)
        if unit_id not in employee:
            left_employee += sums is not None
            continue
        figure = S.figures(sums, k_customer).get(outcome) if sums else None
        if figure is None or not figure.has_value or not figure.reliable:
            left_customer += 1
            continue
        x, x_n = employee[unit_id]
        points.append(LinkPoint(unit_id, units[unit_id].name, x, figure.estimate, x_n, figure.n))
    correlation = S.pearson_or_none([p.x for p in points], [p.y for p in points])
    return Linkage(
        measure,
        titles[measure],
        outcome,
        window,
        points,
        correlation,
        left_employee,
        left_customer,
        min_comment_group_size() if measure.startswith("source:") else min_group_size(),
        k_customer,
        notes=notes,
        wave=wave,
    )


def linkage_statement(result: Linkage) -> str:
    r = result.correlation
    if r is None:
        return (
            f"Too few teams ({len(result.points)}) have both measures to estimate a correlation; "
            "at least four are needed for an interval."
        )
    strength = abs(r.estimate)
    word = (
        "no clear"
        if strength < 0.1
        else "a weak"
        if strength < 0.3
        else "a moderate"
        if strength < 0.5
        else "a strong"
    )
    sign = "positive" if r.estimate > 0 else "negative"
    text = f"Across {r.n} teams there is {word}{'' if word == 'no clear' else ' ' + sign} association (r = {r.estimate:.2f}"
    if r.has_bounds:
        text += f", 95% interval {r.low:.2f} to {r.high:.2f})."
        if r.low > 0 or r.high < 0:
            text += " The interval excludes zero."
        else:
            text += " The interval includes zero, so the data are also consistent with no association."
    else:
        text += ")."
    return text + (
        " This is an association between teams, not proof that one causes the other: busier teams, different "
        "customers or channels could drive both."
    )


# ---- findings for the playbook ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    kind: str
    unit_id: int | None
    wave_id: int | None
    metric: str
    value: float
    n: int
    text: str
    metric_title: str = ""


def findings(programme_id: int, today: date | None = None) -> list[Finding]:
    """Teams whose customer score fell after the programme's latest go-live that touched them, by more than
    chance would explain (the difference's 95% interval is below zero), for the playbook's rules."""
    programme = Programme.objects.filter(pk=programme_id).first()
    if programme is None:
        return []
    out: dict[tuple[int, str], Finding] = {}
    for impact in programme_impact(programme, today=today, kinds=[MilestoneKind.GO_LIVE]):
        for team in impact.teams:
            for measure in ("nps", "csat"):
                change = team.changes.get(measure)
                key = (team.unit_id, measure)
                if key in out or change is None or not change.larger_than_noise or change.estimate >= 0:
                    continue
                if not (team.before.get(measure).reliable and team.after.get(measure).reliable):
                    continue
                title = S.MEASURE_TITLES[measure]
                out[key] = Finding(
                    kind="customer_score_falling",
                    unit_id=team.unit_id,
                    wave_id=None,
                    metric=measure,
                    value=change.estimate,
                    n=change.n,
                    text=(
                        f"Customer {title} in {team.label} fell by {_fmt(measure, -change.estimate)} "
                        f"{S.MEASURE_UNITS[measure]} after '{impact.milestone.name}' (95% interval "
                        f"{_fmt(measure, change.low)} to {_fmt(measure, change.high)}, n={change.n})."
                    ),
                    metric_title=f"Customer {title}",
                )
    return list(out.values())
