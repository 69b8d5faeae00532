"""Adoption pages: thin views that check permission, call a service and render."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from allaboard.anonymity import min_group_size
from allaboard.errors import InputError
from allaboard.org.models import Person, Unit
from allaboard.tabular import FileProblem, read_table

from . import access, ingest, services
from . import stats as S
from .models import DecisionKind, Defect, DefectStatus, Tool, Upload, UsageBatch

PREVIEW_ROWS = 10


@login_required
def overview(request):
    rows = services.overview_rows(request.user, services.today())
    return render(request, "adoption/overview.html", {"rows": rows, "k": min_group_size()})


@login_required
def tool(request, pk: int):
    unit_ids = access.unit_ids_for(request.user)
    tool = get_object_or_404(Tool, pk=pk)
    on = services.today()
    rows = services.team_rows(tool, on, unit_ids)
    people = [p for ids in services.team_people([r.unit.pk for r in rows], on).values() for p in ids]
    links = [services.trained_link(tool, people, on)]
    if access.is_org_wide(request.user):
        links += [services.readiness_link(tool, rows), services.customer_link(rows, on)]
    return render(
        request,
        "adoption/tool.html",
        {
            "tool": tool,
            "rows": rows,
            "links": links,
            "k": min_group_size(),
            "behaviours": tool.behaviours.all(),
        },
    )


def _team(request, pk: int, unit_pk: int):
    unit = get_object_or_404(Unit, pk=unit_pk)
    access.require_unit(request.user, unit)
    tool = get_object_or_404(Tool, pk=pk)
    wave = next((w for t, w in services.wave_teams(tool) if t.pk == unit.pk), None)
    if wave is None:
        raise Http404("That team is not part of this rollout.")
    return tool, unit, wave


@login_required
def team(request, pk: int, unit_pk: int):
    tool, unit, wave = _team(request, pk, unit_pk)
    on = services.today()
    ids = services.team_people([unit.pk], on).get(unit.pk, [])
    context = {"tool": tool, "unit": unit, "wave": wave, "k": min_group_size(), "people_count": len(ids)}
    if len(ids) >= min_group_size():
        curve = services.team_curve(tool, ids, wave.go_live, on)
        context |= {
            "measures": services.measures(tool, ids, on),
            "curve": curve,
            "categories": [
                (S.CATEGORY_TITLES[c], n, S.ROGERS_SHARES.get(c)) for c, n in curve.categories.items()
            ],
            "chart": {
                "labels": [f"W{w}" for w in curve.weeks],
                "actual": curve.actual,
                "expected": curve.expected,
                "fitted": curve.fitted,
                "target": curve.target,
            },
            "stall": services.stall_check(tool, unit, wave, ids, on),
            "evidence": services.evidence(tool, unit, ids, on),
            "effects": [services.decision_effect(d, ids, on) for d in tool.decisions.filter(unit=unit)],
        }
    context["alert"] = tool.alerts.filter(unit=unit).first()
    context["can_decide"] = access.can_manage(request.user)
    context["decision_kinds"] = DecisionKind.choices
    if access.can_see_people_of(request.user, unit) and ids:
        uses = services.uses_of(tool, ids, on)
        people = list(Person.objects.filter(pk__in=ids).order_by("family_name", "given_name"))
        weeks = services.weeks_to_first_use(uses, [p.pk for p in people], wave.go_live)
        placed = S.place_adopters([None if w is None else w * 7 for w in weeks])
        context["people"] = [
            (p, uses.get(p.pk), S.CATEGORY_TITLES[c]) for p, c in zip(people, placed, strict=True)
        ]
    return render(request, "adoption/team.html", context)


@login_required
@require_POST
def decide(request, pk: int, unit_pk: int):
    access.require_manager(request.user)
    tool, unit, _ = _team(request, pk, unit_pk)
    try:
        services.record_decision(
            request.user, tool, unit, request.POST.get("kind", ""), request.POST.get("reason", "")
        )
    except InputError as exc:
        messages.error(request, f"Not recorded: {exc.field} {exc.reason}.")
    else:
        messages.success(request, "Decision recorded; its effect on adoption will show here.")
    return redirect("adoption:team", pk=tool.pk, unit_pk=unit.pk)


@login_required
def person(request, pk: int, person_pk: int):
    who = get_object_or_404(Person, pk=person_pk)
    access.require_person(request.user, who)
    tool = get_object_or_404(Tool, pk=pk)
    return render(
        request,
        "adoption/person.html",
        {"tool": tool, "who": who, "mine": services.my_use(tool, who, services.today())},
    )


@login_required
def mine(request):
    me = getattr(request.user, "person", None)
    on = services.today()
    tools = [(t, services.my_use(t, me, on)) for t in Tool.objects.all()] if me else []
    return render(request, "adoption/mine.html", {"tools": tools})


@login_required
@require_http_methods(["GET", "POST"])
def defects(request):
    receipt = ""
    if request.method == "POST":
        tool = Tool.objects.filter(pk=request.POST.get("tool") or 0).first()
        me = getattr(request.user, "person", None)
        try:
            if tool is None:
                raise InputError("tool", "choose the tool")
            _, receipt = services.report_defect(
                me,
                tool,
                request.POST.get("title", ""),
                request.POST.get("description", ""),
                anonymous=request.POST.get("anonymous") == "1",
            )
        except InputError as exc:
            messages.error(request, f"Not reported: {exc.field} {exc.reason}.")
        else:
            messages.success(request, "Thank you: the defect is reported.")
    return render(
        request,
        "adoption/defects.html",
        {
            "defects": Defect.objects.select_related("tool").prefetch_related("units")[:200],
            "tools": Tool.objects.all(),
            "receipt": receipt,
            "can_triage": access.can_manage(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def defect(request, pk: int):
    access.require_manager(request.user)
    item = get_object_or_404(Defect, pk=pk)
    if request.method == "POST":
        try:
            services.update_defect(
                item,
                request.POST.get("status", ""),
                request.POST.get("answer", ""),
                request.POST.get("workaround"),
            )
        except InputError as exc:
            messages.error(request, f"Not saved: {exc.field} {exc.reason}.")
        else:
            messages.success(request, "Saved; a named reporter hears back in their news feed.")
            return redirect("adoption:defects")
    return render(request, "adoption/defect.html", {"defect": item, "statuses": DefectStatus.choices})


@login_required
@require_http_methods(["GET", "POST"])
def receipt(request):
    found = services.defect_for_receipt(request.POST.get("receipt", "")) if request.method == "POST" else None
    return render(request, "adoption/receipt.html", {"found": found, "asked": request.method == "POST"})


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request):
    """Step 1: choose the tool and upload its usage export."""
    access.require_manager(request.user)
    problem = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        tool = Tool.objects.filter(pk=request.POST.get("tool") or 0).first()
        if upload is None or tool is None:
            problem = "Choose the tool and a CSV or XLSX file."
        else:
            data = upload.read(settings.ALLABOARD_IMPORT_MAX_BYTES + 1)
            try:
                read_table(data, upload.name)
            except FileProblem as exc:
                problem = str(exc)
            else:
                Upload.objects.filter(at__lt=timezone.now() - timedelta(days=1)).delete()
                pending = Upload.objects.create(
                    token=secrets.token_urlsafe(32),
                    by=request.user,
                    tool=tool,
                    filename=upload.name[:255],
                    data=data,
                )
                return redirect("adoption:import_map", token=pending.token)
    return render(
        request,
        "adoption/import.html",
        {
            "problem": problem,
            "tools": Tool.objects.all(),
            "batches": UsageBatch.objects.select_related("by")[:20],
        },
        status=400 if problem else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_map(request, token: str):
    """Step 2: the first rows and a mapping guessed from the headers; confirm to import."""
    access.require_manager(request.user)
    pending = Upload.objects.filter(token=token).select_related("tool").first()
    if pending is None:
        raise Http404("This upload has expired; upload the file again.")
    try:
        table = read_table(bytes(pending.data), pending.filename)
    except FileProblem as exc:
        pending.delete()
        messages.error(request, str(exc))
        return redirect("adoption:import")
    mapping = ingest.guess_mapping(table.header)
    report = None
    if request.method == "POST":
        mapping = {
            f: request.POST.get(f"map_{f}") for f, *_ in ingest.FILE_FIELDS if request.POST.get(f"map_{f}")
        }
        report = ingest.import_table(
            table, mapping, tool=pending.tool, actor=request.user, filename=pending.filename
        )
        if report.ok:
            pending.delete()
            messages.success(request, f"{pending.filename}: {report.summary()}")
            return redirect("adoption:import")
    return render(
        request,
        "adoption/import_map.html",
        {
            "upload": pending,
            "header": table.header,
            "rows": table.rows[:PREVIEW_ROWS],
            "total_rows": len(table.rows),
            "fields": ingest.FILE_FIELDS,
            "mapping": mapping,
            "report": report,
        },
        status=400 if report is not None and not report.ok else 200,
    )
