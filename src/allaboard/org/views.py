"""Browse the organisation (within what the user may see), import people, read the audit log."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from . import access, imports
from .models import AuditEntry, Person


def _require(condition: bool, message: str = "You do not have permission to see this page.") -> None:
    if not condition:
        raise PermissionDenied(message)


@login_required
def units(request):
    """The organisation tree the user may see."""
    visible = access.visible_units(request.user)
    _require(visible.exists() or access.has_role(request.user, *access.ORG_WIDE_ROLES))
    today = timezone.localdate()
    employed = Q(members__start_date__isnull=True) | Q(members__start_date__lte=today)
    employed &= Q(members__end_date__isnull=True) | Q(members__end_date__gte=today)
    rows = list(
        visible.annotate(people=Count("members", filter=employed)).select_related("leader").order_by("path")
    )
    visible_ids = {u.pk for u in rows}
    children: dict[int | None, list] = {}
    for unit in rows:
        parent = unit.parent_id if unit.parent_id in visible_ids else None
        children.setdefault(parent, []).append(unit)
    # Headcount of each unit and everything below it: children come after their parent in path order.
    by_pk = {u.pk: u for u in rows}
    for unit in rows:
        unit.headcount = unit.people
    for unit in reversed(rows):
        if unit.parent_id in by_pk:
            by_pk[unit.parent_id].headcount += unit.headcount
    return render(request, "org/units.html", {"tree": _nest(children, None), "count": len(rows)})


def _nest(children: dict, parent_id) -> list:
    return [{"unit": u, "children": _nest(children, u.pk)} for u in children.get(parent_id, [])]


@login_required
def unit_detail(request, pk: int):
    unit = get_object_or_404(access.visible_units(request.user), pk=pk)
    today = timezone.localdate()
    members = access.visible_people(request.user).filter(unit__in=unit.subtree())
    children = list(unit.children.all())
    for child in children:
        child.headcount = Person.objects.active_on(today).filter(unit__path__startswith=child.path).count()
    page = Paginator(members.select_related("unit", "job_role", "manager"), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "org/unit_detail.html",
        {
            "unit": unit,
            "ancestors": [a for a in unit.ancestors() if access.can_see_unit(request.user, a)],
            "children": children,
            "page": page,
            "member_count": members.active_on(today).count(),
        },
    )


@login_required
def people(request):
    visible = access.visible_people(request.user)
    query = (request.GET.get("q") or "").strip()
    if query:
        visible = visible.filter(
            Q(given_name__icontains=query)
            | Q(family_name__icontains=query)
            | Q(email__icontains=query)
            | Q(employee_id__iexact=query)
        )
    page = Paginator(visible.select_related("unit", "job_role", "manager"), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "org/people.html", {"page": page, "q": query})


@login_required
def person_detail(request, pk: int):
    person = get_object_or_404(access.visible_people(request.user).select_related("unit", "job_role"), pk=pk)
    reports = access.visible_people(request.user).filter(manager=person)
    return render(request, "org/person_detail.html", {"person": person, "reports": reports})


@login_required
@require_http_methods(["GET", "POST"])
def import_people(request):
    """Admins upload a people or units file; it is checked in full and applied only when every row is good."""
    _require(access.can_manage_org(request.user))
    report = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        kind = request.POST.get("kind", "people")
        dry_run = "dry_run" in request.POST
        if upload is None:
            report = imports.ImportReport.failed("Choose a CSV or XLSX file to upload.")
        elif kind not in imports.IMPORTERS:
            report = imports.ImportReport.failed(f"Unknown import kind {kind!r}.")
        else:
            report = imports.run_import(kind, upload, upload.name, actor=request.user, dry_run=dry_run)
    return render(
        request,
        "org/import.html",
        {"report": report, "kinds": imports.IMPORTERS, "columns": imports.COLUMN_HELP},
        status=400 if report is not None and not report.ok else 200,
    )


@login_required
def audit_log(request):
    _require(access.can_manage_org(request.user))
    entries = AuditEntry.objects.select_related("actor")
    query = (request.GET.get("q") or "").strip()
    if query:
        entries = entries.filter(
            Q(actor_name__icontains=query)
            | Q(object_type__icontains=query)
            | Q(object_repr__icontains=query)
            | Q(action__icontains=query)
        )
    page = Paginator(entries, 100).get_page(request.GET.get("page"))
    return render(request, "org/audit.html", {"page": page, "q": query})
