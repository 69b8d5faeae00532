"""API for adoption: batched usage events in, and the figures of the pages out, with the same permissions."""

from datetime import date

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja import Status as Reply

from allaboard.anonymity import min_group_size
from allaboard.api_batches import batch_request_body, read_batch
from allaboard.errors import InputError
from allaboard.org.models import Person, Unit

from . import access, conf, ingest, services
from .models import Tool

router = Router(tags=["adoption"])

MAX_BODY_BYTES = 32 * 1024 * 1024


class EventIn(Schema):
    """One use of a key behaviour. Unknown keys are refused."""

    external_id: str = Field(..., max_length=100, description="The event's id; re-sent ids are skipped.")
    person: str = Field(..., description="Employee id or work email")
    tool: str = Field(..., description="The tool's code")
    behaviour: str = Field(..., description="The key behaviour's code")
    at: str = Field(..., description="ISO 8601 date-time; without a zone it is local time")


class ErrorItem(Schema):
    field: str
    reason: str


class ErrorOut(Schema):
    detail: str
    errors: list[ErrorItem] = []


class IngestOut(Schema):
    events: int
    created: int
    duplicates: int
    batch_id: int | None
    summary: str


@router.post(
    "/usage-events",
    response={200: IngestOut, 400: ErrorOut},
    summary="Send usage events (up to 10,000 a request)",
    openapi_extra=batch_request_body("events", EventIn.model_json_schema()),
)
def usage_events(request):
    """Idempotent by external_id: events already stored (or repeated in the batch) are skipped and counted.
    A batch with any bad event is refused whole, naming every bad event: nothing is stored."""
    access.require_manager(request.user)
    events = read_batch(request, "events", MAX_BODY_BYTES)
    limit = conf.api_max_events()
    if len(events) > limit:
        raise InputError("events", f"has {len(events):,} events; send at most {limit:,} per request")
    report = ingest.import_events(events, actor=request.user)
    if not report.ok:
        return Reply(
            400,
            {
                "detail": report.summary(),
                "errors": [{"field": p.field, "reason": p.reason} for p in report.problems],
            },
        )
    return Reply(
        200,
        {
            "events": report.events,
            "created": report.created,
            "duplicates": report.duplicates,
            "batch_id": report.batch_id,
            "summary": report.summary(),
        },
    )


# ---- figures ---------------------------------------------------------------------------------------------


class MeasuresOut(Schema):
    people: int
    activated: int | None
    active: int | None
    active_share: float | None
    breadth: float | None
    frequency: float | None
    proficiency: float | None
    suppressed: bool = Field(False, description="Fewer people than the anonymity minimum: no figures")


def _measures(m: services.Measures) -> dict:
    if not m.reportable:
        return {"people": m.people, "suppressed": True} | dict.fromkeys(
            ["activated", "active", "active_share", "breadth", "frequency", "proficiency"]
        )
    return {
        "people": m.people,
        "activated": m.activated,
        "active": m.active,
        "active_share": m.active_share,
        "breadth": m.breadth,
        "frequency": m.frequency,
        "proficiency": m.proficiency,
        "suppressed": False,
    }


class ToolOut(Schema):
    id: int
    code: str
    name: str
    target_share: float
    teams: int
    stalled_teams: int
    measures: MeasuresOut


@router.get("/adoption/tools", response=list[ToolOut], summary="Adoption of each tool in your scope")
def tools(request):
    rows = services.overview_rows(request.user, services.today())
    return [
        {
            "id": r.tool.pk,
            "code": r.tool.code,
            "name": r.tool.name,
            "target_share": r.tool.target_share,
            "teams": r.teams,
            "stalled_teams": r.stalled,
            "measures": _measures(r.total),
        }
        for r in rows
    ]


class TeamOut(Schema):
    unit_id: int
    name: str
    wave: str
    go_live: date
    stalled: bool
    open_defects: int
    measures: MeasuresOut


@router.get("/adoption/tools/{tool_id}/teams", response=list[TeamOut], summary="Adoption per team")
def teams(request, tool_id: int):
    unit_ids = access.unit_ids_for(request.user)
    tool = get_object_or_404(Tool, pk=tool_id)
    return [
        {
            "unit_id": r.unit.pk,
            "name": r.unit.name,
            "wave": r.wave.name,
            "go_live": r.wave.go_live,
            "stalled": r.open_alert is not None,
            "open_defects": r.open_defects,
            "measures": _measures(r.measures),
        }
        for r in services.team_rows(tool, services.today(), unit_ids)
    ]


class CurveOut(Schema):
    go_live: date
    people: int
    target: float
    actual: list[float]
    expected: list[float]
    fitted: list[float | None]
    target_date: date | None
    target_low: date | None
    target_high: date | None
    reach_probability: float
    categories: dict[str, int]


@router.get(
    "/adoption/tools/{tool_id}/teams/{unit_id}/curve",
    response=CurveOut,
    summary="A team's adoption curve, the expected S-curve, the fit and the forecast",
)
def curve(request, tool_id: int, unit_id: int):
    unit = get_object_or_404(Unit, pk=unit_id)
    access.require_unit(request.user, unit)
    tool = get_object_or_404(Tool, pk=tool_id)
    wave = next((w for t, w in services.wave_teams(tool) if t.pk == unit.pk), None)
    if wave is None:
        raise InputError("unit_id", "is not a team of this tool's rollout")
    on = services.today()
    ids = services.team_people([unit.pk], on).get(unit.pk, [])
    if len(ids) < min_group_size():
        raise InputError("unit_id", "has fewer people than the anonymity minimum")
    c = services.team_curve(tool, ids, wave.go_live, on)
    return {
        "go_live": c.go_live,
        "people": c.people,
        "target": c.target,
        "actual": c.actual,
        "expected": c.expected,
        "fitted": c.fitted,
        "target_date": c.target_date,
        "target_low": c.target_low,
        "target_high": c.target_high,
        "reach_probability": c.forecast.reach_probability,
        "categories": c.categories,
    }


class BehaviourUseOut(Schema):
    code: str
    name: str
    first_day: date | None
    last_day: date | None
    uses: int
    uses_recent: int


class PersonUseOut(Schema):
    person_id: int
    category: str | None
    behaviours: list[BehaviourUseOut]


@router.get(
    "/adoption/tools/{tool_id}/people/{person_id}",
    response=PersonUseOut,
    summary="One person's use (the person, their leaders and change leads)",
)
def person_use(request, tool_id: int, person_id: int):
    person = get_object_or_404(Person, pk=person_id)
    access.require_person(request.user, person)
    tool = get_object_or_404(Tool, pk=tool_id)
    mine = services.my_use(tool, person, services.today())
    return {
        "person_id": person.pk,
        "category": mine["category"],
        "behaviours": [
            {
                "code": b.code,
                "name": b.name,
                "first_day": pb.first_day if pb else None,
                "last_day": pb.last_day if pb else None,
                "uses": pb.uses if pb else 0,
                "uses_recent": recent,
            }
            for b, pb, recent in mine["behaviours"]
        ],
    }


class DefectIn(Schema):
    tool: str = Field(..., description="The tool's code")
    title: str = Field(..., max_length=200)
    description: str
    anonymous: bool = False


class DefectOut(Schema):
    id: int
    status: str
    receipt: str = Field("", description="Keep it to follow an anonymous report; it is shown only once")


@router.post(
    "/adoption/defects", response={201: DefectOut, 400: ErrorOut}, summary="Report a defect of a tool"
)
def report_defect(request, payload: DefectIn):
    tool = Tool.objects.filter(code=payload.tool).first()
    if tool is None:
        raise InputError("tool", f"no tool with code {payload.tool[:50]!r}")
    person = getattr(request.user, "person", None)
    defect, receipt = services.report_defect(
        person, tool, payload.title, payload.description, anonymous=payload.anonymous
    )
    return Reply(201, {"id": defect.pk, "status": defect.status, "receipt": receipt})
