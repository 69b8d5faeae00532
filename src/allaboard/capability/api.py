"""Capability API: training, the two seed-002 metrics, LMS and xAPI imports, coaching, decision rights and
commitments. Same services and the same permission rules as the pages (see access.py)."""

import json
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import File, Form, Router, Schema
from ninja import Status as Reply
from ninja.files import UploadedFile

from allaboard.errors import InputError
from allaboard.org.models import Person

from . import access, insights, lms, services, xapi
from .models import AgreedAction, Commitment, Course, DecisionRight, Enrolment, ExceptionRequest, Session

router = Router(tags=["capability"])


# --- schemas ------------------------------------------------------------------------------------------------


class CourseOut(Schema):
    id: int
    name: str
    description: str
    formal_change_management: bool
    delivery: str
    provider: str
    duration_hours: Decimal
    xapi_activity_id: str | None
    lms_code: str | None
    addresses: list[str]
    active: bool


class CourseIn(Schema):
    name: str | None = None
    description: str | None = None
    formal_change_management: bool | None = None
    delivery: str | None = None
    provider: str | None = None
    duration_hours: Decimal | None = None
    xapi_activity_id: str | None = None
    lms_code: str | None = None
    addresses: list[str] | None = None
    active: bool | None = None


class SessionIn(Schema):
    course_id: int
    starts_on: date
    ends_on: date | None = None
    trainer: str
    location: str = ""
    capacity: int


class EnrolmentOut(Schema):
    id: int
    course_id: int
    session_id: int | None
    person_id: int
    status: str
    enrolled_on: date
    hours_attended: Decimal | None
    completed_on: date | None
    score: Decimal | None
    confidence_before: int | None
    confidence_after: int | None
    source: str


class SessionOut(Schema):
    id: int
    course_id: int
    starts_on: date
    ends_on: date
    trainer: str
    location: str
    capacity: int


class SessionDetailOut(SessionOut):
    enrolments: list[EnrolmentOut]

    @staticmethod
    def resolve_enrolments(obj) -> list:
        return list(obj.enrolments.all())


class EnrolIn(Schema):
    person_id: int


class OutcomeIn(Schema):
    status: str | None = None
    hours_attended: Decimal | None = None
    completed_on: date | None = None
    score: Decimal | None = None
    confidence_before: int | None = None
    confidence_after: int | None = None


class GroupSeriesOut(Schema):
    key: str
    label: str
    trained: list[int | None]
    active: list[int]
    percent: list[float | None]


class TrainedSeriesOut(Schema):
    definition: str
    by: str
    days: list[date]
    groups: list[GroupSeriesOut]


class YearDaysOut(Schema):
    year: int
    days: float
    hours: float
    completions: int
    average_headcount: float | None
    per_hundred: float | None
    partial: bool


class TrainingDaysOut(Schema):
    definition: str
    hours_per_day: float
    years: list[YearDaysOut]


class ImportErrorOut(Schema):
    line: int
    column: str
    reason: str


class LmsReportOut(Schema):
    ok: bool
    rows: int
    created: int
    updated: int
    unchanged: int
    dry_run: bool
    summary: str
    errors: list[ImportErrorOut]
    header: list[str]
    mapping: dict[str, str]


class XapiOut(Schema):
    ids: list[str]
    stored: int
    skipped: int


class ActionIn(Schema):
    text: str
    due_on: date


class ActionOut(Schema):
    id: int
    text: str
    due_on: date
    done_on: date | None
    focus: str

    @staticmethod
    def resolve_focus(obj) -> str:
        return obj.conversation.focus


class ConversationIn(Schema):
    person_id: int
    held_on: date | None = None
    focus: str
    observations: str = ""
    follow_up_on: date | None = None
    actions: list[ActionIn] = []


class ConversationOut(Schema):
    id: int
    person_id: int
    coach_id: int
    held_on: date
    focus: str
    observations: str
    follow_up_on: date | None
    followed_up_on: date | None
    actions: list[ActionOut]

    @staticmethod
    def resolve_actions(obj) -> list:
        return list(obj.actions.all())


class DueOut(Schema):
    person_id: int
    name: str
    unit: str
    last_conversation: date | None
    days_since: int | None


class CoverageOut(Schema):
    unit_id: int
    unit: str
    people: int
    hidden: bool
    coached: int | None
    share: float | None
    overdue_follow_ups: int | None
    open_actions: int | None


class RightOut(Schema):
    id: int
    job_role: str
    name: str
    guideline: str
    limit: Decimal | None
    unit_label: str
    active: bool

    @staticmethod
    def resolve_job_role(obj) -> str:
        return obj.job_role.name


class RightIn(Schema):
    job_role_id: int
    name: str
    guideline: str
    limit: Decimal | None = None
    unit_label: str = "GBP"


class UseIn(Schema):
    right_id: int
    amount: Decimal | None = None
    used_on: date | None = None
    note: str = ""


class UseOut(Schema):
    id: int
    right_id: int
    person_id: int
    used_on: date
    amount: Decimal | None
    note: str


class ExceptionIn(Schema):
    right_id: int
    amount: Decimal | None = None
    reason: str


class ExceptionOut(Schema):
    id: int
    right_id: int
    person_id: int
    requested_on: date
    amount: Decimal | None
    reason: str
    status: str
    decided_on: date | None
    decision_reason: str


class DecisionIn(Schema):
    approve: bool
    reason: str


class TeamDecisionsOut(Schema):
    unit_id: int
    unit: str
    people: int
    hidden: bool
    uses: int | None
    people_using: int | None
    exceptions: int | None
    approved: int | None
    declined: int | None
    pending: int | None
    median_days_to_decide: float | None


class CommitmentIn(Schema):
    behaviour: str
    cadence: str = "weekly"
    times_per_period: int = 1
    starts_on: date | None = None
    ends_on: date | None = None


class CommitmentOut(Schema):
    id: int
    leader_id: int
    leader: str
    behaviour: str
    cadence: str
    times_per_period: int
    starts_on: date
    ends_on: date | None
    periods_finished: int
    periods_kept: int
    kept_share: float | None
    leadership_score: float | None
    leadership_n: int | None


class VisibleActionIn(Schema):
    done_on: date | None = None
    note: str = ""


class VisibleActionOut(Schema):
    id: int
    commitment_id: int
    done_on: date
    note: str


# --- catalogue ----------------------------------------------------------------------------------------------


def _manage(request) -> None:
    access.require(access.can_manage_training(request.user), "Only admins and change leads manage training.")


@router.get("/capability/courses", response=list[CourseOut], summary="The training catalogue")
def list_courses(request, formal: bool | None = None):
    courses = (
        Course.objects.all()
        if access.can_manage_training(request.user)
        else Course.objects.filter(active=True)
    )
    return courses.filter(formal_change_management=formal) if formal is not None else courses


@router.post("/capability/courses", response={201: CourseOut}, summary="Add a course (admin, change lead)")
def create_course(request, payload: CourseIn):
    _manage(request)
    return Reply(201, services.save_course(request.user, payload.dict(exclude_unset=True)))


@router.get("/capability/courses/{course_id}", response=CourseOut)
def get_course(request, course_id: int):
    course = get_object_or_404(Course, pk=course_id)
    if not course.active and not access.can_manage_training(request.user):
        raise Http404
    return course


@router.patch(
    "/capability/courses/{course_id}", response=CourseOut, summary="Change a course (admin, change lead)"
)
def update_course(request, course_id: int, payload: CourseIn):
    _manage(request)
    course = get_object_or_404(Course, pk=course_id)
    return services.save_course(request.user, payload.dict(exclude_unset=True), course)


@router.post("/capability/sessions", response={201: SessionOut}, summary="Schedule a session")
def create_session(request, payload: SessionIn):
    _manage(request)
    return Reply(201, services.save_session(request.user, payload.dict()))


@router.get("/capability/sessions/{session_id}", response=SessionDetailOut)
def get_session(request, session_id: int):
    _manage(request)
    return get_object_or_404(Session, pk=session_id)


@router.post("/capability/sessions/{session_id}/enrolments", response={201: EnrolmentOut})
def enrol(request, session_id: int, payload: EnrolIn):
    _manage(request)
    session = get_object_or_404(Session, pk=session_id)
    person = Person.objects.filter(pk=payload.person_id).first()
    if person is None:
        raise InputError("person_id", "no such person")
    return Reply(201, services.enrol(request.user, session, person))


@router.patch(
    "/capability/enrolments/{enrolment_id}", response=EnrolmentOut, summary="Record attendance and results"
)
def record_outcome(request, enrolment_id: int, payload: OutcomeIn):
    _manage(request)
    enrolment = get_object_or_404(Enrolment.objects.select_related("course", "session"), pk=enrolment_id)
    return services.record_outcome(request.user, enrolment, payload.dict(exclude_unset=True))


@router.get("/capability/enrolments", response=list[EnrolmentOut], summary="Training records you may see")
def list_enrolments(request, person_id: int | None = None, limit: int = 500, offset: int = 0):
    records = Enrolment.objects.filter(person__in=access.training_record_people(request.user))
    if person_id is not None:
        records = records.filter(person_id=person_id)
    return records.order_by("-enrolled_on", "id")[max(0, offset) : max(0, offset) + min(max(1, limit), 5000)]


# --- metrics ------------------------------------------------------------------------------------------------

PERCENT_DEFINITION = (
    "At each date: people active that day (started on or before it, not yet left) who completed at least one "
    "formal change-management course on or before it, over people active that day. trained and percent are "
    "null for a group with fewer people than the anonymity minimum that day, and for a group hidden so that "
    "a small group cannot be worked out from a total and the other groups."
)
DAYS_DEFINITION = (
    "Hours attended on completed formal change-management enrolments completed in the year, divided by the "
    "hours per training day; per_hundred divides by the mean of the year's month-end active headcounts x 100."
)


@router.get(
    "/capability/metrics/percent-trained",
    response=TrainedSeriesOut,
    summary="% formally trained, month by month",
)
def percent_trained(request, by: str = "organisation", months: int = 24):
    access.require(access.can_see_metrics(request.user))
    if not 1 <= months <= 240:
        raise InputError("months", "must be from 1 to 240")
    days = services.dashboard_days(services.today(), months)
    series = services.reportable_trained_series(services.people_in_scope(request.user), days, by)
    return {
        "definition": PERCENT_DEFINITION,
        "by": series.cut,
        "days": series.days,
        "groups": [
            {"key": g.key, "label": g.label, "trained": g.trained, "active": g.active, "percent": g.percent}
            for g in series.groups
        ],
    }


@router.get(
    "/capability/metrics/training-days",
    response=TrainingDaysOut,
    summary="Days of change-management training per year",
)
def training_days(request, years: int = 3):
    access.require(access.can_see_metrics(request.user))
    if not 1 <= years <= 20:
        raise InputError("years", "must be from 1 to 20")
    today = services.today()
    report = services.training_days_report(
        services.people_in_scope(request.user), list(range(today.year - years + 1, today.year + 1)), today
    )
    return {"definition": DAYS_DEFINITION, "hours_per_day": services.hours_per_day(), "years": report}


class ScoreOut(Schema):
    mean: float
    low: float | None
    high: float | None
    n: int


class UnitAgilityOut(Schema):
    unit_id: int
    unit: str
    trend: list[ScoreOut | None]
    difference: float | None


class AgilityOut(Schema):
    definition: str
    waves: list[dict]
    benchmark: ScoreOut | None
    units: list[UnitAgilityOut]


class TrainingGapOut(Schema):
    element: str
    trained: ScoreOut | None
    not_yet_trained: ScoreOut | None
    difference: float | None
    difference_low: float | None
    difference_high: float | None


@router.get(
    "/capability/metrics/agility", response=AgilityOut | None, summary="Change agility per unit, by wave"
)
def agility(request):
    """None until a published pulse asked the change-agility questions. Hidden groups are null."""
    access.require(access.can_see_metrics(request.user))
    result = insights.agility_by_unit(request.user)
    if result is None:
        return None
    return {
        "definition": "Mean (1-5) of the change-agility self-assessment questions; null where listening hides the group.",
        "waves": [{"id": w.pk, "number": w.number, "closes": w.closes} for w in result.waves],
        "benchmark": result.benchmark,
        "units": [
            {"unit_id": r.unit.pk, "unit": r.unit.name, "trend": r.trend, "difference": result.difference(r)}
            for r in result.rows
        ],
    }


@router.get(
    "/capability/metrics/knowledge-ability-by-training",
    response=list[TrainingGapOut] | None,
    summary="Knowledge and Ability, trained vs not yet trained",
)
def knowledge_ability_by_training(request):
    """Latest published wave; each group only when listening may show it (at or above k)."""
    access.require(access.can_see_metrics(request.user))
    gaps = insights.knowledge_ability_by_training(request.user)
    if gaps is None:
        return None
    return [
        {
            "element": g.element,
            "trained": g.trained,
            "not_yet_trained": g.untrained,
            "difference": g.difference.estimate if g.difference else None,
            "difference_low": g.difference.low if g.difference else None,
            "difference_high": g.difference.high if g.difference else None,
        }
        for g in gaps
    ]


# --- imports ------------------------------------------------------------------------------------------------


@router.post(
    "/capability/imports/lms", response={200: LmsReportOut, 400: LmsReportOut}, summary="Import an LMS export"
)
def import_lms(
    request,
    file: UploadedFile | None = File(None),
    mapping: str | None = Form(None),
    dry_run: bool = Form(False),
):
    """`mapping` is a JSON object {field: column}; without it the columns are guessed from their names."""
    _manage(request)
    if file is None:
        raise InputError("file", "upload a CSV or XLSX file in the 'file' field")
    chosen = None
    if mapping:
        try:
            chosen = json.loads(mapping)
        except ValueError:
            raise InputError("mapping", "is not a JSON object") from None
        if not isinstance(chosen, dict) or not all(isinstance(v, str) for v in chosen.values()):
            raise InputError("mapping", "must be a JSON object of field to column name")
    report, table = lms.run(file.read(), file.name or "upload", chosen, actor=request.user, dry_run=dry_run)
    body = report.as_dict() | {
        "header": table.header if table else [],
        "mapping": chosen or (lms.guess_mapping(table.header) if table else {}),
    }
    return Reply(200 if report.ok else 400, body)


XAPI_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "description": "One xAPI 1.0.3 statement, or a list of up to 5,000.",
                    "oneOf": [{"type": "object"}, {"type": "array", "items": {"type": "object"}}],
                }
            }
        },
    }
}


@router.post(
    "/xapi/statements",
    response=XapiOut,
    summary="Receive xAPI 1.0.3 statements (admin token)",
    openapi_extra=XAPI_BODY,
)
def xapi_statements(request):
    """One statement or a list. All are validated first; one bad statement stores nothing (400 names it)."""
    if not access.can_ingest_xapi(request.user):
        raise PermissionDenied("Only an admin (integrator) token may send xAPI statements.")
    # Parsed here rather than by a schema: a batch of statements is validated once, by xapi.ingest.
    try:
        statements = json.loads(request.body or b"null")
    except ValueError:
        raise InputError("body", "is not valid JSON") from None
    result = xapi.ingest(statements, actor=request.user)
    return {"ids": result.ids, "stored": result.stored, "skipped": result.skipped}


# --- coaching -----------------------------------------------------------------------------------------------


def _coach(request) -> None:
    access.require(access.can_coach(request.user), "Coaching conversations are for team leaders.")


@router.get(
    "/capability/coaching/conversations",
    response=list[ConversationOut],
    summary="Your coaching conversations",
)
def list_conversations(request, person_id: int | None = None):
    _coach(request)
    conversations = access.visible_conversations(request.user).prefetch_related("actions")
    return conversations.filter(person_id=person_id) if person_id else conversations


@router.post("/capability/coaching/conversations", response={201: ConversationOut})
def create_conversation(request, payload: ConversationIn):
    _coach(request)
    person = access.coachable_people(request.user).filter(pk=payload.person_id).first()
    if person is None:
        raise InputError("person_id", "not one of your people")
    data = payload.dict()
    return Reply(201, services.record_conversation(request.user, person, data))


@router.get("/capability/coaching/conversations/{conversation_id}", response=ConversationOut)
def get_conversation(request, conversation_id: int):
    return get_object_or_404(access.visible_conversations(request.user), pk=conversation_id)


@router.get("/capability/coaching/due", response=list[DueOut], summary="Your people with no recent coaching")
def coaching_due(request, days: int = services.DEFAULT_COACHING_DAYS):
    _coach(request)
    if not 1 <= days <= 365:
        raise InputError("days", "must be from 1 to 365")
    return [
        {
            "person_id": d.person.pk,
            "name": d.person.full_name,
            "unit": d.person.unit.name,
            "last_conversation": d.last_conversation,
            "days_since": d.days_since,
        }
        for d in services.coaching_due(access.coachable_people(request.user), days=days)
    ]


@router.get("/capability/coaching/coverage", response=list[CoverageOut], summary="Coaching coverage per team")
def coverage(request, days: int = services.DEFAULT_COACHING_DAYS):
    access.require(access.can_see_coverage(request.user))
    if not 1 <= days <= 365:
        raise InputError("days", "must be from 1 to 365")
    return [
        {
            "unit_id": r.unit.pk,
            "unit": r.unit.name,
            "people": r.people,
            "hidden": r.hidden,
            "coached": r.coached,
            "share": r.share,
            "overdue_follow_ups": r.overdue_follow_ups,
            "open_actions": r.open_actions,
        }
        for r in services.coaching_coverage(access.metric_units(request.user), days=days).rows
    ]


@router.get("/capability/my/actions", response=list[ActionOut], summary="Your own agreed coaching actions")
def my_actions(request):
    person = request.user.person
    return services.my_actions(person) if person else []


@router.post("/capability/my/actions/{action_id}/done", response=ActionOut)
def my_action_done(request, action_id: int, done: bool = True):
    action = get_object_or_404(
        AgreedAction.objects.select_related("conversation"),
        pk=action_id,
        conversation__person_id=request.user.person_id or -1,
    )
    return services.set_action_done(request.user, action, done)


# --- decision autonomy ------------------------------------------------------------------------------------


@router.get(
    "/capability/decision-rights", response=list[RightOut], summary="Decision rights (mine=true: your role's)"
)
def list_rights(request, mine: bool = False):
    if mine:
        return services.rights_for(request.user.person).select_related("job_role")
    return DecisionRight.objects.select_related("job_role")


@router.post("/capability/decision-rights", response={201: RightOut})
def create_right(request, payload: RightIn):
    access.require(
        access.can_manage_rights(request.user), "Only admins and change leads define decision rights."
    )
    return Reply(201, services.save_right(request.user, payload.dict()))


def _check_own_right(request, right_id: int) -> None:
    if not services.rights_for(request.user.person).filter(pk=right_id).exists():
        raise PermissionDenied("This is not a decision right of your job role.")


@router.post("/capability/decision-uses", response={201: UseOut}, summary="Log a decision you took")
def log_use(request, payload: UseIn):
    _check_own_right(request, payload.right_id)
    return Reply(201, services.log_use(request.user, payload.dict()))


@router.get(
    "/capability/exceptions", response=list[ExceptionOut], summary="Your requests and those you may decide"
)
def list_exceptions(request):
    own = ExceptionRequest.objects.filter(person_id=request.user.person_id or -1)
    return (own | access.decidable_exceptions(request.user)).distinct()


@router.post("/capability/exceptions", response={201: ExceptionOut}, summary="Ask for an exception")
def request_exception(request, payload: ExceptionIn):
    _check_own_right(request, payload.right_id)
    return Reply(201, services.request_exception(request.user, payload.dict()))


@router.post(
    "/capability/exceptions/{exception_id}/decision", response=ExceptionOut, summary="Approve or decline"
)
def decide_exception(request, exception_id: int, payload: DecisionIn):
    exception = get_object_or_404(access.decidable_exceptions(request.user), pk=exception_id)
    return services.decide_exception(request.user, exception, approve=payload.approve, reason=payload.reason)


@router.get(
    "/capability/decision-report", response=list[TeamDecisionsOut], summary="Decision autonomy per team"
)
def decision_report(request, days: int = 90):
    access.require(access.can_see_decision_report(request.user))
    if not 7 <= days <= 730:
        raise InputError("days", "must be from 7 to 730")
    today = services.today()
    rows = services.decision_report(
        access.metric_units(request.user), since=today - timedelta(days=days), until=today
    )
    return [
        {
            "unit_id": r.unit.pk,
            "unit": r.unit.name,
            **{
                k: getattr(r, k)
                for k in (
                    "people",
                    "hidden",
                    "uses",
                    "people_using",
                    "exceptions",
                    "approved",
                    "declined",
                    "pending",
                    "median_days_to_decide",
                )
            },
        }
        for r in rows
    ]


# --- leading by example -----------------------------------------------------------------------------------


@router.get(
    "/capability/commitments",
    response=list[CommitmentOut],
    summary="Leaders' commitments and how they are kept",
)
def list_commitments(request):
    access.require(access.can_see_commitments(request.user))
    records = services.commitment_records(Commitment.objects.all())
    scores = insights.leadership_by_leader({r.commitment.leader for r in records})
    rows = []
    for r in records:
        c, score = r.commitment, scores.get(r.commitment.leader_id)
        rows.append(
            {
                "id": c.pk,
                "leader_id": c.leader_id,
                "leader": c.leader.full_name,
                "behaviour": c.behaviour,
                "cadence": c.cadence,
                "times_per_period": c.times_per_period,
                "starts_on": c.starts_on,
                "ends_on": c.ends_on,
                "periods_finished": len(r.complete_periods),
                "periods_kept": r.kept,
                "kept_share": r.kept_share,
                "leadership_score": round(score.mean, 2) if score else None,
                "leadership_n": score.n if score else None,
            }
        )
    return rows


@router.post("/capability/commitments", response={201: CommitmentOut})
def create_commitment(request, payload: CommitmentIn):
    access.require(access.can_commit(request.user), "Only leaders linked to a person can make commitments.")
    c = services.save_commitment(request.user, payload.dict())
    return Reply(
        201,
        {
            "id": c.pk,
            "leader_id": c.leader_id,
            "leader": c.leader.full_name,
            "behaviour": c.behaviour,
            "cadence": c.cadence,
            "times_per_period": c.times_per_period,
            "starts_on": c.starts_on,
            "ends_on": c.ends_on,
            "periods_finished": 0,
            "periods_kept": 0,
            "kept_share": None,
            "leadership_score": None,
            "leadership_n": None,
        },
    )


@router.post("/capability/commitments/{commitment_id}/actions", response={201: VisibleActionOut})
def log_visible_action(request, commitment_id: int, payload: VisibleActionIn):
    commitment = get_object_or_404(Commitment, pk=commitment_id, leader_id=request.user.person_id or -1)
    return Reply(201, services.log_visible_action(request.user, commitment, payload.dict()))
