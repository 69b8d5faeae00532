"""API for the organisation: units, people, imports and the audit log, with the same rules as the pages."""

from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404
from ninja import File, Form, Router, Schema
from ninja import Status as Reply
from ninja.files import UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate

from allaboard.errors import InputError

from . import access, imports
from .models import AuditEntry

router = Router(tags=["organisation"])


class UnitOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    leader_id: int | None
    depth: int


class PersonOut(Schema):
    id: int
    employee_id: str | None
    email: str | None
    given_name: str
    family_name: str
    unit_id: int
    job_role: str | None
    manager_id: int | None
    channel: str
    language: str
    start_date: date | None
    end_date: date | None

    @staticmethod
    def resolve_job_role(obj) -> str | None:
        return obj.job_role.name if obj.job_role_id else None


class MeOut(Schema):
    username: str
    role: str
    person: PersonOut | None


class ImportErrorOut(Schema):
    line: int
    column: str
    reason: str


class ImportReportOut(Schema):
    ok: bool
    kind: str
    rows: int
    created: int
    updated: int
    unchanged: int
    dry_run: bool
    summary: str
    errors: list[ImportErrorOut]


class AuditOut(Schema):
    at: datetime
    actor_name: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    changes: dict


@router.get("/me", response=MeOut, summary="Who am I")
def me(request):
    return {
        "username": request.user.get_username(),
        "role": access.role_of(request.user),
        "person": request.user.person,
    }


@router.get("/units", response=list[UnitOut], summary="Units you may see")
@paginate(LimitOffsetPagination)
def list_units(request, kind: str | None = None):
    units = access.visible_units(request.user)
    return units.filter(kind=kind) if kind else units


@router.get("/units/{unit_id}", response=UnitOut)
def get_unit(request, unit_id: int):
    return get_object_or_404(access.visible_units(request.user), pk=unit_id)


@router.get("/people", response=list[PersonOut], summary="People you may see")
@paginate(LimitOffsetPagination)
def list_people(request, unit_id: int | None = None, q: str | None = None):
    people = access.visible_people(request.user).select_related("job_role")
    if unit_id is not None:
        unit = get_object_or_404(access.visible_units(request.user), pk=unit_id)
        people = people.filter(unit__in=unit.subtree())
    if q:
        people = people.filter(
            Q(given_name__icontains=q) | Q(family_name__icontains=q) | Q(email__icontains=q)
        )
    return people


@router.get("/people/{person_id}", response=PersonOut)
def get_person(request, person_id: int):
    return get_object_or_404(access.visible_people(request.user).select_related("job_role"), pk=person_id)


@router.post(
    "/imports/{kind}",
    response={200: ImportReportOut, 400: ImportReportOut},
    summary="Import people or units from CSV/XLSX (admin)",
)
def run_import(request, kind: str, file: UploadedFile | None = File(None), dry_run: bool = Form(False)):
    # The file is optional in the signature so that the role is checked before the upload is looked at.
    if not access.can_manage_org(request.user):
        raise PermissionDenied("Only admins can import.")
    if file is None:
        raise InputError("file", "upload a CSV or XLSX file in the 'file' field")
    if kind not in imports.IMPORTERS:
        report = imports.ImportReport.failed(
            f"unknown import kind {kind!r}; use one of {', '.join(imports.IMPORTERS)}"
        )
        return Reply(400, report.as_dict())
    report = imports.run_import(kind, file, file.name or "upload", actor=request.user, dry_run=dry_run)
    return Reply(200 if report.ok else 400, report.as_dict())


@router.get("/audit", response=list[AuditOut], summary="Audit log (admin)")
@paginate(LimitOffsetPagination)
def audit_log(request):
    if not access.can_manage_org(request.user):
        raise PermissionDenied("Only admins can read the audit log.")
    return AuditEntry.objects.all()
