"""API for customer feedback: a batched import and every view of the pages, with the same permissions."""

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja import Status as Reply

from allaboard.api_batches import batch_request_body, read_batch
from allaboard.errors import InputError
from allaboard.org.models import Person
from allaboard.programmes.models import Programme

from . import access, conf, imports, services
from . import stats as S
from .models import Channel

router = Router(tags=["customers"])

MAX_BODY_BYTES = 64 * 1024 * 1024
MAX_RANGE_DAYS = 5 * 366


# ---- schemas ---------------------------------------------------------------------------------------------


class FeedbackIn(Schema):
    """One customer's answer. Give the team code or the agent's employee id (or both), and at least one
    score or a comment. Extra keys are refused; put anything else in `attributes`."""

    external_id: str = Field(
        ..., max_length=100, description="Id in the source system; re-sent ids are skipped."
    )
    date: str = Field(..., description="YYYY-MM-DD (or an ISO date-time)")
    channel: str | None = Field(None, description=", ".join(Channel.values))
    team: str | None = Field(None, description="Unit code")
    agent: str | None = Field(None, description="Agent's employee id or work email")
    csat: int | None = Field(None, ge=1, le=5)
    nps: int | None = Field(None, ge=0, le=10)
    ces: int | None = Field(None, ge=1, le=7)
    comment: str | None = None
    attributes: dict[str, Any] | None = None


class ErrorItem(Schema):
    field: str
    reason: str


class ErrorOut(Schema):
    detail: str
    errors: list[ErrorItem] = []


class ImportOut(Schema):
    records: int
    created: int
    duplicates: int
    batch_id: int | None
    summary: str


class FigureOut(Schema):
    measure: str
    estimate: float | None
    low: float | None
    high: float | None
    n: int
    reliable: bool
    method: str


class FiguresOut(Schema):
    volume: int
    comments: int
    nps: FigureOut
    csat: FigureOut
    ces: FigureOut


class DifferenceOut(Schema):
    estimate: float
    low: float | None
    high: float | None
    n_a: int
    n_b: int
    method: str
    larger_than_noise: bool


class SummaryOut(Schema):
    start: date
    end: date
    min_sample: int
    figures: FiguresOut
    previous: FiguresOut
    changes: dict[str, DifferenceOut | None]


class RowOut(Schema):
    key: str
    label: str
    unit_id: int | None
    figures: FiguresOut


class PointOut(Schema):
    start: date
    label: str
    figures: FiguresOut


class LabelOut(Schema):
    label: str
    title: str
    count: int
    share: float
    quotes: list[str]


class GrowthOut(Schema):
    label: str
    title: str
    recent_share: float
    base_share: float
    change: DifferenceOut
    growing: bool


class ThemesOut(Schema):
    n_comments: int
    pending: int
    labels: list[LabelOut]
    sentiment: dict[str, float]
    recent_months: list[str]
    baseline_months: list[str]
    growth: list[GrowthOut]


class ComplimentOut(Schema):
    feedback_id: int
    person_id: int | None
    unit_id: int | None
    text: str
    date: date


class GroupChangeOut(Schema):
    label: str
    unit_id: int | None
    before: FiguresOut
    after: FiguresOut
    changes: dict[str, DifferenceOut | None]


class ImpactOut(Schema):
    milestone_id: int
    milestone: str
    due: date
    before_start: date
    before_end: date
    after_start: date
    after_end: date
    days_after_observed: int
    affected: GroupChangeOut | None
    comparison: GroupChangeOut | None
    teams: list[GroupChangeOut]
    difference_in_differences: dict[str, DifferenceOut | None]
    statements: dict[str, str]
    note: str


class LinkPointOut(Schema):
    unit_id: int
    label: str
    x: float
    y: float
    x_n: int
    y_n: int


class IntervalOut(Schema):
    estimate: float
    low: float | None
    high: float | None
    n: int
    method: str


class LinkageOut(Schema):
    measure: str
    measure_title: str
    outcome: str
    start: date
    end: date
    points: list[LinkPointOut]
    correlation: IntervalOut | None
    statement: str
    wave_id: int | None
    teams_below_employee_threshold: int
    teams_below_customer_sample: int
    notes: list[str]


class AgentOut(Schema):
    person_id: int
    name: str
    start: date
    end: date
    figures: FiguresOut
    trend: list[PointOut]
    compliments: list[ComplimentOut]


class WindowQuery(Schema):
    start: date | None = None
    end: date | None = None
    unit_id: int | None = None
    channel: str | None = None


# ---- helpers ---------------------------------------------------------------------------------------------


def _figure(f: S.Figure) -> dict:
    return {
        "measure": f.measure,
        "estimate": f.estimate,
        "low": f.low,
        "high": f.high,
        "n": f.n,
        "reliable": f.reliable,
        "method": f.method,
    }


def _figures(f: S.Figures) -> dict:
    return {"volume": f.volume, "comments": f.comments, **{m: _figure(f.get(m)) for m in S.MEASURES}}


def _difference(d) -> dict | None:
    if d is None:
        return None
    return {
        "estimate": d.estimate,
        "low": d.low,
        "high": d.high,
        "n_a": d.n_a,
        "n_b": d.n_b,
        "method": d.method,
        "larger_than_noise": d.larger_than_noise,
    }


def window_from(start: date | None, end: date | None, default_days: int = 28) -> services.Window:
    """The inclusive window asked for; by default the `default_days` to today."""
    from django.utils import timezone

    end = end or timezone.localdate()
    start = start or end - timedelta(days=default_days - 1)
    if start > end:
        raise InputError("start", "is after end")
    if (end - start).days > MAX_RANGE_DAYS:
        raise InputError("start", "the range is longer than five years")
    return services.Window(start, end)


def _channel(value: str | None) -> str | None:
    if value in (None, ""):
        return None
    if value not in Channel.values:
        raise InputError("channel", f"must be one of {', '.join(Channel.values)}")
    return value


def _group(g: services.GroupChange | None) -> dict | None:
    if g is None:
        return None
    return {
        "label": g.label,
        "unit_id": g.unit_id,
        "before": _figures(g.before),
        "after": _figures(g.after),
        "changes": {m: _difference(d) for m, d in g.changes.items()},
    }


def _compliment(c: services.Compliment) -> dict:
    return {
        "feedback_id": c.feedback_id,
        "person_id": c.person_id,
        "unit_id": c.unit_id,
        "text": c.text,
        "date": c.date,
    }


# ---- import ----------------------------------------------------------------------------------------------


@router.post(
    "/customer-feedback",
    response={200: ImportOut, 400: ErrorOut},
    summary="Import customer feedback (up to 10,000 records)",
    openapi_extra=batch_request_body("records", FeedbackIn.model_json_schema()),
)
def import_feedback(request):
    """Idempotent by external_id: records already stored (or repeated in the batch) are skipped and counted.
    A batch with any bad record is refused whole, naming every bad record: nothing is stored."""
    access.require_importer(request.user)
    records = read_batch(request, "records", MAX_BODY_BYTES)
    limit = conf.api_max_records()
    if len(records) > limit:
        raise InputError("records", f"has {len(records):,} records; send at most {limit:,} per request")
    report = imports.import_records(records, actor=request.user)
    problems = report.problems
    if problems:
        return Reply(
            400,
            {
                "detail": f"Nothing was imported: {len(problems):,} problem{'s' if len(problems) != 1 else ''}.",
                "errors": [{"field": p.field, "reason": p.reason} for p in problems],
            },
        )
    return Reply(
        200,
        {
            "records": report.records,
            "created": report.created,
            "duplicates": report.duplicates,
            "batch_id": report.batch_id,
            "summary": report.summary(),
        },
    )


# ---- metrics ---------------------------------------------------------------------------------------------


@router.get("/customer-feedback/summary", response=SummaryOut, summary="NPS, CSAT, CES and volume")
def summary(request, q: Query[WindowQuery]):
    scope = access.scope_for(request.user, q.unit_id)
    result = services.summary(window_from(q.start, q.end), scope.unit_ids, _channel(q.channel))
    return {
        "start": result.window.start,
        "end": result.window.end,
        "min_sample": result.min_sample,
        "figures": _figures(result.figures),
        "previous": _figures(result.previous),
        "changes": {m: _difference(d) for m, d in result.changes.items()},
    }


@router.get(
    "/customer-feedback/breakdown", response=list[RowOut], summary="Figures by team, site, partner or channel"
)
def breakdown(request, q: Query[WindowQuery], by: str = "team"):
    if by not in services.GROUPINGS:
        raise InputError("by", f"must be one of {', '.join(services.GROUPINGS)}")
    scope = access.scope_for(request.user, q.unit_id)
    rows = services.breakdown(by, window_from(q.start, q.end), scope.unit_ids, _channel(q.channel))
    return [
        {"key": str(r.key), "label": r.label, "unit_id": r.unit_id, "figures": _figures(r.figures)}
        for r in rows
    ]


@router.get("/customer-feedback/trend", response=list[PointOut], summary="Figures per week or month")
def trend(request, q: Query[WindowQuery], period: str = "month"):
    if period not in services.PERIODS:
        raise InputError("period", f"must be one of {', '.join(services.PERIODS)}")
    scope = access.scope_for(request.user, q.unit_id)
    window = window_from(q.start, q.end, default_days=365 if period == "month" else 182)
    points = services.trend(period, window, scope.unit_ids, _channel(q.channel))
    return [{"start": p.start, "label": p.label, "figures": _figures(p.figures)} for p in points]


@router.get(
    "/customer-feedback/themes", response=ThemesOut, summary="Themes, sentiment and growing expectations"
)
def themes(request, unit_id: int | None = None, month: str | None = None):
    scope = access.scope_for(request.user, unit_id)
    if month is not None and not _is_month(month):
        raise InputError("month", "must look like 2025-03")
    result = services.theme_summary(scope.unit_ids, month)
    from django.utils import timezone

    growth = services.theme_growth(timezone.localdate(), scope.unit_ids)
    return {
        "n_comments": result.n_comments,
        "pending": result.pending,
        "labels": [
            {"label": s.label, "title": s.title, "count": s.count, "share": s.share, "quotes": s.quotes}
            for s in result.labels
        ],
        "sentiment": result.sentiment,
        "recent_months": growth.recent,
        "baseline_months": growth.baseline,
        "growth": [
            {
                "label": t.label,
                "title": t.title,
                "recent_share": t.recent_share,
                "base_share": t.base_share,
                "change": _difference(t.change),
                "growing": t.growing,
            }
            for t in growth.themes
        ],
    }


def _is_month(value: str) -> bool:
    try:
        date.fromisoformat(f"{value}-01")
    except ValueError:
        return False
    return len(value) == 7


@router.get(
    "/customer-feedback/compliments",
    response=list[ComplimentOut],
    summary="Compliments naming agents or teams",
)
def compliments(request, since: date | None = None):
    """Praise from customers. Leaders see compliments within what they may see; agents their own."""
    from django.utils import timezone

    since = since or timezone.localdate() - timedelta(days=90)
    if access.can_read(request.user):
        scope = access.scope_for(request.user)
        found = services.compliments(since, unit_ids=scope.unit_ids)
    elif request.user.person_id:
        found = services.compliments(since, person_ids=[request.user.person_id])
    else:
        found = []
    return [_compliment(c) for c in found]


@router.get("/customer-feedback/impact", response=list[ImpactOut], summary="Before and after each milestone")
def impact(request, programme_id: int, days: int | None = None, unit_id: int | None = None):
    scope = access.scope_for(request.user, unit_id)
    programme = get_object_or_404(Programme, pk=programme_id)
    if days is not None and not 1 <= days <= 366:
        raise InputError("days", "must be between 1 and 366")
    results = services.programme_impact(programme, unit_ids=scope.unit_ids, days=days)
    return [
        {
            "milestone_id": r.milestone.pk,
            "milestone": r.milestone.name,
            "due": r.milestone.due,
            "before_start": r.before.start,
            "before_end": r.before.end,
            "after_start": r.after.start,
            "after_end": r.after.end,
            "days_after_observed": r.days_after_observed,
            "affected": _group(r.affected),
            "comparison": _group(r.comparison),
            "teams": [_group(t) for t in r.teams],
            "difference_in_differences": {m: _difference(d) for m, d in r.did.items()},
            "statements": r.statements,
            "note": r.note,
        }
        for r in results
    ]


@router.get(
    "/customer-feedback/linkage", response=LinkageOut, summary="Team readiness against customer outcomes"
)
def linkage(
    request,
    programme_id: int,
    measure: str = "source:tools",
    outcome: str = "nps",
    start: date | None = None,
    end: date | None = None,
    days: int = 28,
    wave_id: int | None = None,
):
    """The customer period is start..end, or by default the period of the pulse the employee measure comes
    from (`wave_id`, or the latest published one), widened to at least `days` up to its close (the `days`
    up to today without a pulse). 400 naming wave_id for a pulse that is not a published pulse of the
    programme."""
    access.require_linkage(request.user)
    programme = get_object_or_404(Programme, pk=programme_id)
    if measure not in dict(services.linkage_measures()):
        raise InputError("measure", "unknown measure; see the linkage page for the list")
    if outcome not in S.MEASURES:
        raise InputError("outcome", f"must be one of {', '.join(S.MEASURES)}")
    if not 1 <= days <= 366:
        raise InputError("days", "must be between 1 and 366")
    window = window_from(start, end) if start or end else None
    result = services.linkage(programme, measure, outcome, window, wave_id, days)
    r = result.correlation
    return {
        "measure": result.measure,
        "measure_title": result.measure_title,
        "outcome": result.outcome,
        "start": result.window.start,
        "end": result.window.end,
        "points": [p.__dict__ for p in result.points],
        "correlation": None
        if r is None
        else {"estimate": r.estimate, "low": r.low, "high": r.high, "n": r.n, "method": r.method},
        "statement": services.linkage_statement(result),
        "wave_id": result.wave.pk if result.wave is not None else None,
        "teams_below_employee_threshold": result.left_out_employee,
        "teams_below_customer_sample": result.left_out_customer,
        "notes": result.notes,
    }


@router.get(
    "/customer-feedback/agents/{person_id}", response=AgentOut, summary="One agent's customer figures"
)
def agent(request, person_id: int, start: date | None = None, end: date | None = None):
    person = get_object_or_404(Person.objects.select_related("unit"), pk=person_id)
    if not access.can_see_agent(request.user, person):
        raise PermissionDenied("Figures about one agent are for the agent, their leaders and change leads.")
    result = services.agent_figures(person, window_from(start, end, default_days=90))
    return {
        "person_id": person.pk,
        "name": person.full_name,
        "start": result.window.start,
        "end": result.window.end,
        "figures": _figures(result.figures),
        "trend": [{"start": p.start, "label": p.label, "figures": _figures(p.figures)} for p in result.trend],
        "compliments": [_compliment(c) for c in result.compliments],
    }
