"""API for change programmes, with the same permissions as the pages."""

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja import Status as Reply

from allaboard.errors import InputError
from allaboard.org import audit
from allaboard.org.models import JobRole, Person, Unit

from . import access, services
from .models import Impact, Milestone, MilestoneKind, Programme, StakeholderBenefit, Status

router = Router(tags=["programmes"])

Score = Field(0, ge=0, le=5)


class BenefitIO(Schema):
    group: str = Field(..., min_length=1, max_length=100)
    benefit: str = Field(..., min_length=1)


class ImpactIn(Schema):
    unit_id: int
    job_role: str | None = None
    what_changes: str = Field(..., min_length=1)
    process: int = Score
    systems: int = Score
    job_role_change: int = Score
    behaviours: int = Score
    skills: int = Score
    reporting_line: int = Score
    performance_measures: int = Score
    location: int = Score
    hours: int = Score


class ImpactOut(ImpactIn):
    id: int
    risk_level: str


class MilestoneIO(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    kind: MilestoneKind = MilestoneKind.OTHER
    due: date
    done: bool = False


class ProgrammeIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    status: Status = Status.DRAFT
    summary: str = Field("", max_length=300)
    why: str = ""
    problem_today: str = ""
    good_looks_like: str = ""
    alignment: str = ""
    start_date: date | None = None
    end_date: date | None = None
    sponsor_ids: list[int] = []
    benefits: list[BenefitIO] = []
    impacts: list[ImpactIn] = []
    milestones: list[MilestoneIO] = []


class ProgrammePatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    status: Status | None = None
    summary: str | None = Field(None, max_length=300)
    why: str | None = None
    problem_today: str | None = None
    good_looks_like: str | None = None
    alignment: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    sponsor_ids: list[int] | None = None
    benefits: list[BenefitIO] | None = None
    impacts: list[ImpactIn] | None = None
    milestones: list[MilestoneIO] | None = None


class ProgrammeOut(Schema):
    id: int
    name: str
    status: str
    summary: str
    why: str
    problem_today: str
    good_looks_like: str
    alignment: str
    start_date: date | None
    end_date: date | None
    sponsor_ids: list[int]
    benefits: list[BenefitIO]
    impacts: list[ImpactOut]
    milestones: list[MilestoneIO]

    @staticmethod
    def resolve_sponsor_ids(obj) -> list[int]:
        return [p.pk for p in obj.sponsors.all()]

    @staticmethod
    def resolve_benefits(obj):
        return list(obj.benefits.all())

    @staticmethod
    def resolve_milestones(obj):
        return list(obj.milestones.all())

    @staticmethod
    def resolve_impacts(obj):
        return [
            {
                **{f: getattr(i, f) for f in ["id", "unit_id", "what_changes", *Impact.ASPECT_FIELDS]},
                "job_role": i.job_role.name if i.job_role_id else None,
                "risk_level": i.risk_level,
            }
            for i in obj.impacts.select_related("job_role")
        ]


class ChangeForMeOut(Schema):
    programme_id: int
    programme: str
    why: str
    unit: str
    job_role: str | None
    what_changes: str


def _programmes(request):
    return access.visible_programmes(request.user).prefetch_related("sponsors", "benefits", "milestones")


def _require_edit(request):
    if not access.can_edit_programmes(request.user):
        raise PermissionDenied("Only change leads and admins can create or edit programmes.")


@router.get("/programmes", response=list[ProgrammeOut])
def list_programmes(request):
    return _programmes(request)


@router.get("/programmes/{programme_id}", response=ProgrammeOut)
def get_programme(request, programme_id: int):
    return get_object_or_404(_programmes(request), pk=programme_id)


@router.post("/programmes", response={201: ProgrammeOut})
def create_programme(request, payload: ProgrammeIn):
    _require_edit(request)
    with transaction.atomic():
        programme = _save(Programme(), payload.dict())
        audit.record(
            request.user, "create", programme, audit.diff({}, services.programme_snapshot(programme))
        )
    return Reply(201, programme)


@router.patch("/programmes/{programme_id}", response=ProgrammeOut)
def update_programme(request, programme_id: int, payload: ProgrammePatch):
    _require_edit(request)
    programme = get_object_or_404(Programme, pk=programme_id)
    before = services.programme_snapshot(programme)
    with transaction.atomic():
        programme = _save(programme, payload.dict(exclude_unset=True))
        audit.record(
            request.user, "update", programme, audit.diff(before, services.programme_snapshot(programme))
        )
    return programme


@router.get("/me/changes", response=list[ChangeForMeOut], summary="What changes for me")
def my_changes(request):
    if not request.user.person_id:
        return []
    return [
        {
            "programme_id": i.programme_id,
            "programme": i.programme.name,
            "why": i.programme.why,
            "unit": i.unit.name,
            "job_role": i.job_role.name if i.job_role_id else None,
            "what_changes": i.what_changes,
        }
        for i in services.impacts_for_person(request.user.person)
    ]


def _save(programme: Programme, data: dict) -> Programme:
    """Validate references, then write the programme and replace any nested lists given. Nothing on error."""
    nested = {
        key: data.pop(key) for key in ("sponsor_ids", "benefits", "impacts", "milestones") if key in data
    }
    for key, value in data.items():
        setattr(programme, key, value)
    if not programme.name:
        raise InputError("name", "is required")
    if Programme.objects.filter(name=programme.name).exclude(pk=programme.pk).exists():
        raise InputError("name", "another programme already has this name")
    if programme.start_date and programme.end_date and programme.end_date < programme.start_date:
        raise InputError("end_date", "is before start_date")
    sponsors = nested.get("sponsor_ids")
    if sponsors is not None:
        found = set(Person.objects.filter(pk__in=sponsors).values_list("pk", flat=True))
        if missing := sorted(set(sponsors) - found):
            raise InputError("sponsor_ids", f"unknown person ids {missing}")
    impacts = nested.get("impacts")
    if impacts is not None:
        units = set(Unit.objects.filter(pk__in=[i["unit_id"] for i in impacts]).values_list("pk", flat=True))
        seen = set()
        for index, impact in enumerate(impacts):
            if impact["unit_id"] not in units:
                raise InputError(f"impacts.{index}.unit_id", f"unknown unit {impact['unit_id']}")
            key = (impact["unit_id"], (impact.get("job_role") or "").lower())
            if key in seen:
                raise InputError(f"impacts.{index}", "the same unit and job role appear twice")
            seen.add(key)
    programme.save()
    if sponsors is not None:
        programme.sponsors.set(sponsors)
    if "benefits" in nested:
        programme.benefits.all().delete()
        StakeholderBenefit.objects.bulk_create(
            StakeholderBenefit(programme=programme, **b) for b in nested["benefits"]
        )
    if "milestones" in nested:
        programme.milestones.all().delete()
        Milestone.objects.bulk_create(Milestone(programme=programme, **m) for m in nested["milestones"])
    if impacts is not None:
        programme.impacts.all().delete()
        for impact in impacts:
            role_name = impact.pop("job_role", None)
            role = JobRole.objects.get_or_create(name=role_name)[0] if role_name else None
            Impact.objects.create(programme=programme, job_role=role, **impact)
    return programme
