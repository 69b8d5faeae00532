"""Reading results: every figure comes from the rolled-up tallies of a closed wave and the visibility
decided when it closed. Nothing here scans answers (except the comments themselves).

Every function takes the user and checks what they may see: organisation-wide roles see every unit,
team leaders their teams and below (org.access.visible_units). Organisation and parent figures are
shown to everyone who reads results, as comparisons: they pass the same k and differencing rules.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404

from allaboard import intervals
from allaboard.errors import InputError
from allaboard.org.access import has_role, role_of, visible_units
from allaboard.org.models import JobRole, Role, Unit, UnitKind

from . import instruments as I
from . import stats
from .aggregates import ATTRIBUTES, NO_BARRIER, parse_cut
from .models import Answer, Invitation, Question, Survey, Tally, TeamLink, Wave, WaveStatus

READERS = (Role.ADMIN, Role.CHANGE_LEAD, Role.SPONSOR, Role.TEAM_LEADER)
LOW_PARTICIPATION = 0.6
FAVOURABLE = {"agree5": (4, 5), "scale10": (8, 9, 10)}


def can_read_results(user) -> bool:
    return has_role(user, *READERS)


def require_reader(user) -> None:
    if not can_read_results(user):
        raise PermissionDenied("Survey results are for leaders.")


def readable_surveys(user):
    require_reader(user)
    return Survey.objects.all()


def wave_for(user, wave_id: int) -> Wave:
    require_reader(user)
    wave = Wave.objects.select_related("survey").filter(pk=wave_id).first()
    if wave is None:
        raise Http404
    return wave


# --- scope: which unit and filter ---------------------------------------------------------------------


@dataclass
class Scope:
    wave: Wave
    unit: Unit
    cut: str = ""

    @property
    def attribute(self) -> str:
        return parse_cut(self.cut)[0]

    @property
    def value(self) -> str:
        return parse_cut(self.cut)[1]


def default_unit(user) -> Unit:
    units = visible_units(user)
    if role_of(user) in (Role.ADMIN, Role.CHANGE_LEAD, Role.SPONSOR):
        root = units.filter(parent__isnull=True).order_by("pk").first()
    else:
        root = units.order_by("depth", "path").first()
    if root is None:
        raise PermissionDenied("You lead no team, so there are no results for you to see.")
    return root


def scope_for(user, wave: Wave, unit_id: int | None = None, cut: str = "") -> Scope:
    """The unit and filter asked for, after checking the user may see that unit."""
    require_reader(user)
    if unit_id in (None, ""):
        unit = default_unit(user)
    else:
        unit = visible_units(user).filter(pk=int(unit_id)).first()
        if unit is None:
            raise PermissionDenied("That unit is outside what you can see.")
    cut = cut or ""
    if cut:
        attribute, value = parse_cut(cut)
        if attribute not in ATTRIBUTES or not value:
            raise InputError(
                "filter", f"must be one of {', '.join(ATTRIBUTES)} with a value, like tenure=under 6 months"
            )
        if unit.kind == UnitKind.TEAM:
            raise InputError(
                "filter", "filters apply to sites, departments and the organisation, not to single teams"
            )
    return Scope(wave, unit, cut)


def filter_options(wave: Wave, unit: Unit) -> list[tuple[str, str]]:
    """(cut, label) of the filters with respondents in the unit."""
    if unit.kind == UnitKind.TEAM:
        return []
    cuts = (
        Tally.objects.filter(wave=wave, rollup=True, unit=unit).exclude(cut="").values_list("cut", flat=True)
    )
    roles = dict(JobRole.objects.values_list("pk", "name"))
    out = []
    for cut in sorted(cuts):
        attribute, value = parse_cut(cut)
        label = roles.get(int(value), value) if attribute == "role" and value.isdigit() else value
        out.append((cut, f"{ATTRIBUTES.get(attribute, attribute)}: {label}"))
    return out


def cut_label(cut: str) -> str:
    if not cut:
        return "Everyone"
    attribute, value = parse_cut(cut)
    if attribute == "role" and value.isdigit():
        value = JobRole.objects.filter(pk=int(value)).values_list("name", flat=True).first() or value
    return f"{ATTRIBUTES.get(attribute, attribute)}: {value}"


# --- reading one cut ---------------------------------------------------------------------------------

SUPPRESSED_SMALL = "fewer than {k} respondents"
SUPPRESSED_DIFFERENCING = "hidden so that it cannot be subtracted from a related group to reveal a few people"
NOT_PUBLISHED = "results appear when the wave closes"


@dataclass
class CutData:
    """One cut's tally, or why it cannot be shown."""

    unit: Unit
    cut: str
    respondents: int = 0
    visible: bool = False
    reason: str = ""
    items: dict = field(default_factory=dict)
    scales: dict = field(default_factory=dict)
    barriers: dict = field(default_factory=dict)
    moments: dict = field(default_factory=dict)
    comments_visible: bool = False


def read_cut(
    wave: Wave, unit: Unit, cut: str = "", *, fields=("items", "scales", "barriers", "moments")
) -> CutData:
    """The published tally of a cut, with its visibility. Hidden cuts carry no figures at all."""
    data = CutData(unit, cut)
    if not wave.published:
        data.reason = NOT_PUBLISHED
        return data
    row = (
        Tally.objects.filter(wave=wave, unit=unit, cut=cut, rollup=True)
        .values("respondents", "visible", "comments_visible", *fields)
        .first()
    )
    k = wave.survey.k
    if row is None or row["respondents"] == 0:
        data.reason = "no respondents"
        return data
    if row["respondents"] < k:
        data.reason = SUPPRESSED_SMALL.format(k=k)
        return data
    if not row["visible"]:
        data.reason = SUPPRESSED_DIFFERENCING
        return data
    data.respondents = row["respondents"]
    data.visible = True
    data.comments_visible = bool(row["comments_visible"])
    for name in fields:
        setattr(data, name, row[name])
    return data


# --- item and element summaries ----------------------------------------------------------------------


@dataclass
class ItemResult:
    question: Question
    n: int
    mean: intervals.Interval | None
    favourable: float | None
    distribution: list[tuple[str, int, float]]  # (label, count, share) on the question's own wording
    reason: str = ""  # why no figure is shown, when the statement's own group is too small


@dataclass
class ScaleResult:
    scale: str
    title: str
    meaning: str
    n: int
    mean: intervals.Interval | None
    favourable: float | None
    organisation: float | None = None  # comparison means, filled in by `overview`
    parent: float | None = None


def item_summary(question: Question, stat: dict | None) -> stats.ItemSummary:
    if not stat or not stat.get("n"):
        return stats.ItemSummary()
    if question.kind in I.RATED:
        return stats.ItemSummary.from_counts({int(v): c for v, c in stat["c"].items()})
    return stats.ItemSummary(n=stat["n"])


SUPPRESSED_ITEM = (
    "answered by too few people here, or hidden so that it cannot be subtracted from a related group"
)


def item_result(question: Question, stat: dict | None) -> ItemResult:
    if stat and stat.get("hidden"):
        return ItemResult(question, 0, None, None, [], SUPPRESSED_ITEM)
    summary = item_summary(question, stat)
    n = summary.n if question.kind in I.RATED else int((stat or {}).get("n", 0))
    if question.kind in I.RATED and n:
        scored = stats.reverse_summary(summary, question.low, question.high) if question.reverse else summary
        favourable = scored.favourable_share(FAVOURABLE[question.kind])
        mean = scored.mean_interval()
        labels = I.AGREE5_LABELS if question.kind == I.AGREE5 else {v: str(v) for v in question.values}
        counts = {int(v): c for v, c in stat["c"].items()}
        distribution = [(labels[v], counts.get(v, 0), counts.get(v, 0) / n) for v in question.values]
        return ItemResult(question, n, mean, favourable, distribution)
    if question.kind in (I.SINGLE, I.MULTI) and n:
        counts = {int(v): c for v, c in (stat or {}).get("c", {}).items()}
        distribution = [
            (label, counts.get(i, 0), counts.get(i, 0) / n) for i, label in enumerate(question.choices)
        ]
        return ItemResult(question, n, None, None, distribution)
    return ItemResult(question, n, None, None, [])


def scale_results(questions: list[Question], data: CutData) -> list[ScaleResult]:
    by_scale: dict[str, list[Question]] = defaultdict(list)
    for question in questions:
        if question.is_rated and question.scale:
            by_scale[question.scale].append(question)
    out = []
    for scale in ordered_scales(by_scale):
        stat = data.scales.get(scale) or {}
        n = int(stat.get("n", 0))
        mean = intervals.mean_interval(n, stat["t"], stat["q"]) if n else None
        favourable_count = total = 0
        for question in by_scale[scale]:
            result = item_result(question, data.items.get(str(question.pk)))
            if result.favourable is not None:
                favourable_count += result.favourable * result.n
                total += result.n
        out.append(
            ScaleResult(
                scale,
                I.scale_title(scale),
                I.scale_meaning(scale),
                n,
                mean,
                favourable_count / total if total else None,
            )
        )
    return out


def ordered_scales(scales) -> list[str]:
    names = set(scales)
    return (
        [e for e in I.ADKAR if e in names]
        + sorted(s for s in names - set(I.ADKAR) if s != I.OUTCOME_SCALE)
        + ([I.OUTCOME_SCALE] if I.OUTCOME_SCALE in names else [])
    )


def barrier_shares(data: CutData) -> list[tuple[str, str, int, float]]:
    """(element, title, count, share) for each ADKAR element and "no barrier", of respondents with one."""
    total = sum(data.barriers.values())
    if not total:
        return []
    rows = [(e, I.scale_title(e), data.barriers.get(e, 0), data.barriers.get(e, 0) / total) for e in I.ADKAR]
    rows.append(
        (NO_BARRIER, "No barrier", data.barriers.get(NO_BARRIER, 0), data.barriers.get(NO_BARRIER, 0) / total)
    )
    return rows


@dataclass
class Overview:
    scope: Scope
    data: CutData
    participation: Participation | None
    scales: list[ScaleResult]
    items: list[ItemResult]
    barriers: list
    filters: list
    comparison: dict  # scale -> (organisation mean, parent mean)


def overview(user, wave: Wave, unit_id=None, cut: str = "") -> Overview:
    scope = scope_for(user, wave, unit_id, cut)
    data = read_cut(wave, scope.unit, scope.cut)
    questions = list(wave.survey.questions.all())
    participation = unit_participation(wave, scope.unit) if not scope.cut else None
    if not data.visible:
        return Overview(scope, data, participation, [], [], [], filter_options(wave, scope.unit), {})
    scales = scale_results(questions, data)
    compared = comparisons(wave, scope.unit, questions)
    for result in scales:
        result.organisation = compared.get(result.scale, {}).get("organisation")
        result.parent = compared.get(result.scale, {}).get("parent")
    return Overview(
        scope,
        data,
        participation,
        scales,
        [item_result(q, data.items.get(str(q.pk))) for q in questions if q.kind != I.OPEN],
        barrier_shares(data),
        filter_options(wave, scope.unit),
        compared,
    )


def comparisons(wave: Wave, unit: Unit, questions) -> dict:
    """{scale: (organisation mean or None, parent mean or None)} for the comparison columns."""
    root = Unit.objects.filter(pk=_root_of(wave, unit.pk)).first()
    parent_id = (wave.hierarchy or {}).get(str(unit.pk))
    parent = Unit.objects.filter(pk=parent_id).first() if parent_id else None
    out: dict = {}
    for label, other in (("organisation", root), ("parent", parent)):
        if other is None or other.pk == unit.pk:
            continue
        data = read_cut(wave, other, "", fields=("items", "scales"))
        for result in scale_results(questions, data) if data.visible else []:
            out.setdefault(result.scale, {})[label] = result.mean.estimate if result.mean else None
    return out


def _root_of(wave: Wave, unit_id: int) -> int:
    tree = wave.hierarchy or {}
    current = str(unit_id)
    while tree.get(current) is not None:
        current = str(tree[current])
    return int(current)


# --- participation -----------------------------------------------------------------------------------


@dataclass
class Participation:
    unit: Unit
    invited: int
    responded: int
    shown: bool  # False when fewer than k people were invited

    @property
    def rate(self) -> float | None:
        return self.responded / self.invited if self.invited else None

    @property
    def percent(self) -> int | None:
        return round(100 * self.rate) if self.rate is not None else None

    @property
    def low(self) -> bool:
        return self.rate is not None and self.rate < LOW_PARTICIPATION


def _counts_by_unit(wave: Wave) -> dict[int, tuple[int, int]]:
    """{unit id: (invited, responded)} for units people were invited in (links and team links)."""
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for unit_id, invited, responded in (
        Invitation.objects.filter(wave=wave)
        .values("unit_id")
        .annotate(invited=Count("id"), responded=Count("id", filter=Q(responded=True)))
        .values_list("unit_id", "invited", "responded")
    ):
        counts[unit_id][0] += invited
        counts[unit_id][1] += responded
    for unit_id, capacity, responses in TeamLink.objects.filter(wave=wave).values_list(
        "unit_id", "capacity", "responses"
    ):
        counts[unit_id][0] += capacity
        counts[unit_id][1] += responses
    return {unit: (c[0], c[1]) for unit, c in counts.items()}


def unit_participation(wave: Wave, unit: Unit) -> Participation:
    counts = _counts_by_unit(wave)
    ids = set(unit.subtree().values_list("pk", flat=True))
    invited = sum(c[0] for u, c in counts.items() if u in ids)
    responded = sum(c[1] for u, c in counts.items() if u in ids)
    return Participation(unit, invited, responded, invited >= wave.survey.k)


def participation(user, wave: Wave, unit_id=None) -> tuple[Participation, list[Participation]]:
    """(the unit's participation, each team's below it) for the units the user may see. Teams where
    fewer than k people were invited show no rate, since 0% or 100% there would say who answered."""
    scope = scope_for(user, wave, unit_id)
    counts = _counts_by_unit(wave)
    teams = list(
        visible_units(user)
        .filter(path__startswith=scope.unit.path)
        .filter(Q(kind=UnitKind.TEAM) | Q(pk__in=list(counts)))
        .order_by("path")
    )
    rows = []
    for team in teams:
        invited, responded = counts.get(team.pk, (0, 0))
        if team.kind != UnitKind.TEAM and not invited:
            continue
        rows.append(Participation(team, invited, responded, invited >= wave.survey.k))
    return unit_participation(wave, scope.unit), rows


# --- heatmap -----------------------------------------------------------------------------------------


@dataclass
class HeatRow:
    unit: Unit
    respondents: int
    cells: dict  # scale -> mean or None
    reason: str = ""
    low_participation: bool = False


@dataclass
class Heatmap:
    scope: Scope
    scales: list[str]
    rows: list[HeatRow]
    organisation: HeatRow | None
    parent: HeatRow | None
    sort: str


def heatmap(user, wave: Wave, unit_id=None, cut: str = "", sort: str = "") -> Heatmap:
    """Teams (under the unit, that the user may see) x scales, with the organisation and the unit
    itself as comparison rows. Sort by a scale's mean ("knowledge", lowest first) or by name."""
    scope = scope_for(user, wave, unit_id, cut)
    survey = wave.survey
    questions = list(survey.questions.all())
    scales = ordered_scales({q.scale for q in questions if q.is_rated and q.scale})
    if sort and sort not in scales and sort != "name":
        raise InputError("sort", f"must be name or one of {', '.join(scales)}")
    k = survey.k
    # Rows are teams; with a filter (never offered on single teams) they are the departments.
    kinds = [UnitKind.TEAM] if not scope.cut else [UnitKind.DEPARTMENT]
    teams = {
        u.pk: u
        for u in visible_units(user).filter(path__startswith=scope.unit.path, kind__in=kinds).order_by("path")
    }
    rows_by_unit = {}
    if wave.published:
        rows_by_unit = {
            unit_id: (respondents, visible, scales_json)
            for unit_id, respondents, visible, scales_json in Tally.objects.filter(
                wave=wave, rollup=True, cut=scope.cut, unit_id__in=list(teams)
            ).values_list("unit_id", "respondents", "visible", "scales")
        }
    counts = _counts_by_unit(wave)
    rows = []
    for unit_id, unit in teams.items():
        if unit_id not in rows_by_unit:
            continue
        respondents, visible, scales_json = rows_by_unit[unit_id]
        invited, responded = counts.get(unit_id, (0, 0))
        low = invited >= k and responded / invited < LOW_PARTICIPATION
        if respondents < k or not visible:
            reason = SUPPRESSED_SMALL.format(k=k) if respondents < k else SUPPRESSED_DIFFERENCING
            rows.append(HeatRow(unit, 0, {}, reason, low))
            continue
        rows.append(HeatRow(unit, respondents, _means(scales_json, scales), "", low))
    if sort and sort != "name":
        rows.sort(key=lambda r: (r.cells.get(sort) is None, r.cells.get(sort) or 0, r.unit.name))
    root = Unit.objects.filter(pk=_root_of(wave, scope.unit.pk)).first() if wave.published else None
    return Heatmap(
        scope,
        scales,
        rows,
        _comparison_row(wave, root, scope.cut, scales) if root else None,
        _comparison_row(wave, scope.unit, scope.cut, scales) if root and root.pk != scope.unit.pk else None,
        sort or "name",
    )


def _means(scales_json: dict, scales: list[str]) -> dict:
    return {
        s: (v["t"] / v["n"] if v and v.get("n") else None)
        for s, v in ((s, scales_json.get(s)) for s in scales)
    }


def _comparison_row(wave, unit, cut, scales) -> HeatRow:
    data = read_cut(wave, unit, cut, fields=("scales",))
    if not data.visible:
        return HeatRow(unit, 0, {}, data.reason)
    return HeatRow(unit, data.respondents, _means(data.scales, scales))


# --- trends ------------------------------------------------------------------------------------------


@dataclass
class TrendPoint:
    wave: Wave
    n: int
    mean: intervals.Interval | None
    reason: str = ""
    change: intervals.Difference | None = None  # against the previous shown wave


@dataclass
class Trend:
    scale: str
    title: str
    points: list[TrendPoint]


def trends(user, survey: Survey, unit_id=None, cut: str = "") -> tuple[Scope | None, list[Trend]]:
    """Each scale's mean per closed wave with its 95% interval, and the change from the previous wave
    with a Welch interval: `larger_than_noise` when the interval excludes zero."""
    require_reader(user)
    waves = list(survey.waves.filter(published=True).order_by("number"))
    if not waves:
        return None, []
    scope = scope_for(user, waves[-1], unit_id, cut)
    questions = list(survey.questions.all())
    scales = ordered_scales({q.scale for q in questions if q.is_rated and q.scale})
    rows = {
        wave_id: (respondents, visible, scales_json)
        for wave_id, respondents, visible, scales_json in Tally.objects.filter(
            wave__in=waves, rollup=True, unit=scope.unit, cut=scope.cut
        ).values_list("wave_id", "respondents", "visible", "scales")
    }
    k = survey.k
    out = []
    for scale in scales:
        points, previous = [], None
        for wave in waves:
            respondents, visible, scales_json = rows.get(wave.pk, (0, False, {}))
            if respondents < k or not visible:
                reason = (
                    "no respondents"
                    if not respondents
                    else (SUPPRESSED_SMALL.format(k=k) if respondents < k else SUPPRESSED_DIFFERENCING)
                )
                points.append(TrendPoint(wave, 0, None, reason))
                continue
            stat = scales_json.get(scale) or {}
            if not stat.get("n"):
                points.append(
                    TrendPoint(wave, 0, None, SUPPRESSED_ITEM if stat.get("hidden") else "not asked")
                )
                continue
            point = TrendPoint(wave, stat["n"], intervals.mean_interval(stat["n"], stat["t"], stat["q"]))
            if previous is not None:
                point.change = intervals.mean_difference(
                    n_a=stat["n"],
                    total_a=stat["t"],
                    sum_squares_a=stat["q"],
                    n_b=previous["n"],
                    total_b=previous["t"],
                    sum_squares_b=previous["q"],
                )
            previous = stat
            points.append(point)
        out.append(Trend(scale, I.scale_title(scale), points))
    return scope, out


# --- reliability and key drivers ---------------------------------------------------------------------


@dataclass
class ScaleReliability:
    scale: str
    title: str
    items: list[Question]
    result: stats.Reliability | None
    reason: str = ""

    @property
    def rows(self) -> list[tuple[Question, float | None, float | None]]:
        """(statement, item-total correlation, alpha without it)."""
        if self.result is None:
            return []
        return list(
            zip(self.items, self.result.item_total_correlations, self.result.alpha_if_deleted, strict=False)
        )


def reliability(user, wave: Wave, unit_id=None) -> tuple[Scope, CutData, list[ScaleReliability]]:
    scope = scope_for(user, wave, unit_id)
    data = read_cut(wave, scope.unit, "", fields=("moments",))
    questions = {q.pk: q for q in wave.survey.questions.all()}
    out = []
    if not data.visible:
        return scope, data, out
    for block, stat in sorted(data.moments.items()):
        if not block.startswith("scale:"):
            continue
        scale = block.split(":", 1)[1]
        items = [questions[int(v)] for v in stat["v"] if int(v) in questions]
        try:
            result = stats.cronbach_alpha(stat["n"], stat["s"], stat["x"])
            out.append(ScaleReliability(scale, I.scale_title(scale), items, result))
        except ValueError as exc:
            out.append(ScaleReliability(scale, I.scale_title(scale), items, None, str(exc)))
    order = ordered_scales([r.scale for r in out])
    out.sort(key=lambda r: order.index(r.scale))
    return scope, data, out


@dataclass
class DriverResult:
    scope: Scope
    level: str
    n: int
    result: stats.KeyDrivers | None
    labels: dict
    reason: str = ""
    outcome: Question | None = None


def drivers(user, wave: Wave, unit_id=None, level: str = "scales") -> DriverResult:
    """Shapley decomposition of R squared (LMG) of the outcome item on the scales (or items): how much
    of the differences in commitment each one accounts for. Only for groups large enough."""
    if level not in ("scales", "items"):
        raise InputError("level", "must be scales or items")
    scope = scope_for(user, wave, unit_id)
    survey = wave.survey
    outcome = survey.questions.filter(is_outcome=True).first()
    data = read_cut(wave, scope.unit, "", fields=("moments",))
    result = DriverResult(scope, level, 0, None, {}, outcome=outcome)
    if outcome is None:
        result.reason = "this survey has no outcome item"
        return result
    if not data.visible:
        result.reason = data.reason
        return result
    stat = data.moments.get(f"drivers:{level}")
    if not stat:
        result.reason = "no complete responses to estimate key drivers"
        return result
    result.n = stat["n"]
    questions = {str(q.pk): q for q in survey.questions.all()}
    labels = [
        ("Commitment (outcome)" if v == "outcome" else I.scale_title(v))
        if level == "scales"
        else questions[v].text
        for v in stat["v"]
    ]
    result.labels = dict(zip(stat["v"], labels, strict=True))
    minimum = survey.key_driver_min_respondents
    if stat["n"] < minimum:
        result.reason = f"key drivers need at least {minimum} complete responses; this group has {stat['n']}"
        return result
    try:
        method = "shapley" if len(stat["v"]) - 1 <= stats.MAX_SHAPLEY_PREDICTORS else "relative_weights"
        result.result = stats.key_drivers(
            stat["n"],
            stat["s"],
            stat["x"],
            outcome=-1,
            method=method,
            labels=stat["v"],
            min_respondents=minimum,
        )
    except ValueError as exc:
        result.reason = str(exc)
    return result


# --- comments ----------------------------------------------------------------------------------------


@dataclass
class CommentsView:
    scope: Scope
    allowed: bool
    reason: str
    questions: list[Question]
    comments: list[Answer]
    summary: object | None
    threshold: int


def _comment_units(wave: Wave, unit: Unit | int) -> list[int]:
    """Ids of the unit and every unit below it, in the wave's frozen tree."""
    tree = wave.hierarchy or {}
    children = defaultdict(list)
    for child, parent in tree.items():
        if parent is not None:
            children[int(parent)].append(int(child))
    out, stack = [], [unit if isinstance(unit, int) else unit.pk]
    while stack:
        current = stack.pop()
        out.append(current)
        stack.extend(children.get(current, []))
    return out


@dataclass(frozen=True)
class CommentGroup:
    """Whether a group's comments may be shown in a wave: `units` are the units whose comments make it up
    (the unit and everything below it in the frozen tree), `respondents` the people behind them."""

    allowed: bool
    reason: str = ""
    units: tuple[int, ...] = ()
    respondents: int = 0


def comment_group(wave: Wave, unit_id: int | None = None) -> CommentGroup:
    """The one rule for showing comments of a unit (None: the whole organisation) in a wave, used by these
    pages and by comment insight: the wave is closed and published, the unit has at least the survey's
    comment threshold of respondents (people, not comments), and it passed the comment differencing check
    when the wave closed (publication.decide_visibility), so no visible group minus another reveals a few."""
    threshold = wave.survey.comment_k
    if not wave.published or wave.status != WaveStatus.CLOSED:
        return CommentGroup(False, NOT_PUBLISHED)
    if unit_id is None:
        roots = [int(u) for u, parent in (wave.hierarchy or {}).items() if parent is None]
        if len(roots) != 1:
            return CommentGroup(False, f"comments are shown for groups of at least {threshold} respondents")
        unit_id = roots[0]
    row = (
        Tally.objects.filter(wave=wave, unit_id=unit_id, cut="", rollup=True)
        .values("respondents", "comments_visible")
        .first()
    )
    if row is None or row["respondents"] < threshold:
        return CommentGroup(False, f"comments are shown for groups of at least {threshold} respondents")
    if not row["comments_visible"]:
        return CommentGroup(False, SUPPRESSED_DIFFERENCING, respondents=row["respondents"])
    return CommentGroup(True, "", tuple(_comment_units(wave, unit_id)), row["respondents"])


def comment_blocked(wave: Wave, unit: Unit) -> tuple[str, int]:
    """(why the unit's comments may not be shown or summarised, or "" when they may; its respondents), by
    `comment_group`'s rule."""
    group = comment_group(wave, unit.pk)
    return ("", group.respondents) if group.allowed else (group.reason, 0)


def comments(user, wave: Wave, unit_id=None, question_id=None, label: str = "") -> CommentsView:
    """Open-text answers of a unit, only when its respondents reach the comment threshold and the unit
    passes the comment differencing rule. Filterable by question and by resistance source."""
    scope = scope_for(user, wave, unit_id)
    survey = wave.survey
    threshold = survey.comment_k
    questions = list(survey.questions.filter(kind=I.OPEN))
    view = CommentsView(scope, False, "", questions, [], None, threshold)
    group = comment_group(wave, scope.unit.pk)
    if not group.allowed:
        view.reason = group.reason
        return view
    view.allowed = True
    units = list(group.units)
    answers = (
        Answer.objects.filter(response__wave=wave, response__unit_id__in=units, question__kind=I.OPEN)
        .exclude(text="")
        .select_related("question")
        .prefetch_related("replies")
        .order_by("question__position", "text")
    )
    if question_id:
        answers = answers.filter(question_id=int(question_id))
    if label:
        from allaboard.textinsight.models import Dimension, Tag

        ids = Tag.objects.filter(
            dimension=Dimension.TOPIC,
            label=label,
            comment__source="listening.answer",
            comment__wave_key=wave.key,
        ).values_list("comment__source_id", flat=True)
        answers = answers.filter(pk__in=list(ids))
    view.comments = list(answers)
    from allaboard.textinsight.services import label_summary

    view.summary = label_summary(source="listening.answer", unit_ids=units, wave_key=wave.key)
    return view


def comment_shown_somewhere(wave: Wave, unit_id: int) -> set[int]:
    """Units of the chain from `unit_id` up to the top whose comments (which include this unit's) are shown."""
    if not wave.published:
        return set()
    tree = wave.hierarchy or {}
    unit = str(unit_id)
    chain = []
    while unit is not None and unit not in chain:
        chain.append(unit)
        parent = tree.get(unit)
        unit = str(parent) if parent is not None else None
    return set(
        Tally.objects.filter(
            wave=wave,
            rollup=True,
            cut="",
            unit_id__in=[int(u) for u in chain],
            comments_visible=True,
            respondents__gte=wave.survey.comment_k,
        ).values_list("unit_id", flat=True)
    )


def can_see_comment(user, answer: Answer) -> bool:
    """True when some unit the user may see shows this comment (its group passes the comment rules)."""
    if not can_read_results(user):
        return False
    shown = comment_shown_somewhere(answer.response.wave, answer.response.unit_id)
    return bool(shown) and visible_units(user).filter(pk__in=shown).exists()


# --- what the playbook reads -------------------------------------------------------------------------


@dataclass(frozen=True)
class ElementMean:
    mean: float
    low: float | None
    high: float | None
    n: int


def latest_wave(programme_id: int, scale: str | None = None) -> Wave | None:
    """The programme's most recent closed and published wave (asking `scale`, when given)."""
    waves = Wave.objects.filter(survey__programme_id=programme_id, published=True)
    if scale:
        waves = waves.filter(survey__questions__scale=scale).distinct()
    return waves.order_by("-closes", "-pk").first()


def team_element_means(
    programme_id: int, element: str, wave_id: int | None = None
) -> dict[int, ElementMean | None]:
    """{team unit id: mean of `element` (1-5) with its 95% interval and n} in the latest closed wave of
    the programme (or `wave_id`); None where the team's results are hidden (below k, or differencing)."""
    if wave_id is not None:
        wave = Wave.objects.filter(pk=wave_id, survey__programme_id=programme_id, published=True).first()
    else:
        wave = latest_wave(programme_id, element)
    if wave is None:
        return {}
    k = wave.survey.k
    out: dict[int, ElementMean | None] = {}
    rows = Tally.objects.filter(wave=wave, rollup=True, cut="", unit__kind=UnitKind.TEAM).values_list(
        "unit_id", "respondents", "visible", "scales"
    )
    for unit_id, respondents, visible, scales_json in rows:
        stat = (scales_json or {}).get(element)
        if respondents < k or not visible or not stat or not stat.get("n"):
            out[unit_id] = None
            continue
        interval = intervals.mean_interval(stat["n"], stat["t"], stat["q"])
        out[unit_id] = ElementMean(interval.estimate, interval.low, interval.high, stat["n"])
    return out


@dataclass(frozen=True)
class Finding:
    kind: str
    unit_id: int | None
    wave_id: int | None
    metric: str
    value: float
    n: int
    text: str
    unit_name: str = ""
    metric_title: str = ""
    wave_label: str = ""
    is_partner: bool = False


def findings(programme_id: int) -> list[Finding]:
    """Facts the playbook's rules read, from the programme's latest closed wave: per team and per site
    (or partner): barrier-point shares, scale means, participation and the lowest-scoring item. Never
    for a group whose results are hidden."""
    wave = latest_wave(programme_id)
    if wave is None:
        return []
    survey = wave.survey
    k = survey.k
    label = f"{survey.name}, wave {wave.number}"
    questions = {str(q.pk): q for q in survey.questions.all()}
    counts = _counts_by_unit(wave)
    rows = Tally.objects.filter(
        wave=wave,
        rollup=True,
        cut="",
        unit__kind__in=[UnitKind.TEAM, UnitKind.SITE, UnitKind.PARTNER],
    ).select_related("unit")
    out: list[Finding] = []
    for row in rows:
        unit = row.unit
        if row.respondents < k or not row.visible:
            continue
        common = {
            "unit_id": unit.pk,
            "wave_id": wave.pk,
            "unit_name": unit.name,
            "wave_label": label,
            "is_partner": unit.is_partner,
        }
        total = sum(row.barriers.values())
        for element in I.ADKAR if total else ():
            share = row.barriers.get(element, 0) / total
            out.append(
                Finding(
                    kind="barrier_share",
                    metric=element,
                    value=share,
                    n=total,
                    metric_title=I.scale_title(element),
                    text=f"{I.scale_title(element)} is the barrier for {share:.0%} of respondents in {unit.name}, n={total}",
                    **common,
                )
            )
        for scale, stat in sorted(row.scales.items()):
            if stat.get("n", 0) >= k:
                mean = stat["t"] / stat["n"]
                out.append(
                    Finding(
                        kind="element_mean",
                        metric=scale,
                        value=mean,
                        n=stat["n"],
                        metric_title=I.scale_title(scale),
                        text=f"{I.scale_title(scale)} averages {mean:.1f} out of 5 in {unit.name}, n={stat['n']}",
                        **common,
                    )
                )
        invited, responded = _subtree_counts(counts, unit, wave)
        if invited >= k:
            rate = responded / invited
            out.append(
                Finding(
                    kind="participation",
                    metric="response_rate",
                    value=rate,
                    n=invited,
                    metric_title="Participation",
                    text=f"{rate:.0%} of {invited} people invited in {unit.name} answered",
                    **common,
                )
            )
        lowest = _lowest_item(row.items, questions, k)
        if lowest is not None:
            question, mean, n = lowest
            out.append(
                Finding(
                    kind="lowest_item",
                    metric=question.key,
                    value=mean,
                    n=n,
                    metric_title=question.text,
                    text=f"Lowest-scoring statement in {unit.name}: \u201c{question.text}\u201d, {mean:.1f} out of 5, n={n}",
                    **common,
                )
            )
    return out


def _subtree_counts(counts, unit: Unit, wave: Wave) -> tuple[int, int]:
    ids = set(_comment_units(wave, unit))
    return (
        sum(c[0] for u, c in counts.items() if u in ids),
        sum(c[1] for u, c in counts.items() if u in ids),
    )


def _lowest_item(items: dict, questions: dict, k: int):
    best = None
    for key, stat in items.items():
        question = questions.get(key)
        if question is None or question.kind != I.AGREE5 or stat.get("n", 0) < k:
            continue
        summary = item_summary(question, stat)
        if question.reverse:
            summary = stats.reverse_summary(summary)
        if best is None or summary.mean < best[1]:
            best = (question, summary.mean, summary.n)
    return best


@dataclass(frozen=True)
class CommentScope:
    """A group whose comments other apps may summarise (see `comment_group` for the rule)."""

    wave: Wave
    unit: Unit
    unit_ids: tuple[int, ...]  # the unit and every unit below it, in the wave's frozen tree
    respondents: int
    threshold: int  # the survey's comment threshold: also the fewest commenters a summary may count


def comment_scope(wave: Wave, unit: Unit) -> CommentScope | None:
    """The unit's comments in the wave, when the comment rule lets them be summarised; else None."""
    reason, respondents = comment_blocked(wave, unit)
    if reason:
        return None
    return CommentScope(wave, unit, tuple(_comment_units(wave, unit)), respondents, wave.survey.comment_k)


def respondent_labels(scope: CommentScope, dimension: str = "topic") -> dict[str, set[str]]:
    """For each respondent of the group who wrote a classified comment (keyed by an opaque id that never
    leaves the caller), the labels their comments carry: people count once per label, however many
    comments they wrote, so one prolific writer cannot make a concern look widespread."""
    from allaboard.textinsight.models import Comment, Tag

    comments = Comment.objects.filter(
        source="listening.answer",
        wave_key=scope.wave.key,
        unit_id__in=scope.unit_ids,
        classified_at__isnull=False,
    )
    answer_of = {
        pk: source_id for pk, source_id in comments.values_list("pk", "source_id") if _is_uuid(source_id)
    }
    response_of = {
        str(answer): str(response)
        for answer, response in Answer.objects.filter(
            pk__in=list(answer_of.values()), response__wave=scope.wave
        ).values_list("pk", "response_id")
    }
    out: dict[str, set[str]] = {}
    for answer_id in answer_of.values():
        if answer_id in response_of:
            out.setdefault(response_of[answer_id], set())
    for comment_id, label in Tag.objects.filter(
        comment_id__in=list(answer_of), dimension=dimension
    ).values_list("comment_id", "label"):
        response = response_of.get(answer_of[comment_id])
        if response is not None:
            out[response].add(label)
    return out


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
