"""Customer pages: overview with trends, themes, change impact, linkage, agents, and the import with mapping."""

import secrets
from datetime import date, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from allaboard.errors import InputError
from allaboard.org import audit
from allaboard.org.models import Person, Unit
from allaboard.programmes.models import Programme, Status
from allaboard.tabular import FileProblem, read_table

from . import access, conf, imports, services
from . import stats as S
from .models import Channel, FeedbackSource, ImportBatch, Upload

WINDOWS = [(7, "7 days"), (28, "28 days"), (90, "90 days"), (182, "6 months"), (365, "12 months")]
PREVIEW_ROWS = 10
TREND_CHARTS = [("nps", "NPS", "", ""), ("csat", "CSAT (% satisfied)", "", 100), ("ces", "CES (1-7)", 1, 7)]


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _date(value) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _window(request, default_days: int = 28) -> services.Window:
    start, end = _date(request.GET.get("start")), _date(request.GET.get("end"))
    if start and end and start <= end:
        return services.Window(start, end)
    days = _int(request.GET.get("days"))
    return services.last_days(days if days in dict(WINDOWS) else default_days)


def _scope(request):
    return access.scope_for(request.user, _int(request.GET.get("unit")))


def _chart_series(points: list[services.Point]) -> dict:
    """The trend as plain lists for Chart.js: per measure, estimates, bounds, n and reliability."""
    series = {"labels": [p.label for p in points], "volume": [p.figures.volume for p in points]}
    for measure in S.MEASURES:
        figures = [p.figures.get(measure) for p in points]
        series[measure] = {
            "estimate": [f.estimate for f in figures],
            "low": [f.low for f in figures],
            "high": [f.high for f in figures],
            "n": [f.n for f in figures],
            "reliable": [f.reliable for f in figures],
        }
    return series


@login_required
def overview(request):
    scope = _scope(request)
    window = _window(request)
    channel = request.GET.get("channel") or None
    channel = channel if channel in Channel.values else None
    by = request.GET.get("by") if request.GET.get("by") in services.GROUPINGS else "team"
    period = request.GET.get("period") if request.GET.get("period") in services.PERIODS else "month"
    trend_window = services.Window(window.end - timedelta(days=364 if period == "month" else 181), window.end)
    points = services.trend(period, trend_window, scope.unit_ids, channel)
    rows = services.breakdown(by, window, scope.unit_ids, channel)
    units = access.visible_units_for_filter(request.user)
    return render(
        request,
        "customers/overview.html",
        {
            "scope": scope,
            "window": window,
            "summary": services.summary(window, scope.unit_ids, channel),
            "rows": rows,
            "by": by,
            "groupings": services.GROUPINGS,
            "period": period,
            "points": points,
            "series": _chart_series(points),
            "trend_charts": TREND_CHARTS,
            "channel": channel,
            "channels": Channel.choices,
            "windows": WINDOWS,
            "days": _int(request.GET.get("days")) or 28,
            "units": units,
            "min_sample": conf.min_sample(),
            "can_import": access.can_import(request.user),
            "can_see_linkage": access.can_see_linkage(request.user),
            "agent_units": _agent_units(request.user, rows) if by == "team" else set(),
        },
    )


def _agent_units(user, rows) -> set[int]:
    allowed = access.agent_unit_ids(user)
    return {r.unit_id for r in rows if r.unit_id and (allowed is None or r.unit_id in allowed)}


@login_required
def unit_agents(request, pk: int):
    unit = get_object_or_404(Unit, pk=pk)
    if not access.can_see_agents_of(request.user, unit):
        raise PermissionDenied("Figures about agents are for their leaders and change leads.")
    window = _window(request, default_days=90)
    return render(
        request,
        "customers/agents.html",
        {
            "unit": unit,
            "window": window,
            "agents": services.agents_of(unit, window),
            "windows": WINDOWS,
            "min_sample": conf.min_sample(),
        },
    )


@login_required
def agent(request, pk: int):
    person = get_object_or_404(Person.objects.select_related("unit"), pk=pk)
    access.require_agent(request.user, person)
    return _agent_page(request, person)


@login_required
def mine(request):
    person = request.user.person
    if person is None:
        return render(request, "customers/agent.html", {"person": None})
    return _agent_page(request, person)


def _agent_page(request, person: Person):
    window = _window(request, default_days=90)
    result = services.agent_figures(person, window)
    return render(
        request,
        "customers/agent.html",
        {
            "person": person,
            "result": result,
            "series": _chart_series(result.trend),
            "trend_charts": TREND_CHARTS,
            "window": window,
            "windows": WINDOWS,
            "is_self": request.user.person_id == person.pk,
            "min_sample": conf.min_sample(),
        },
    )


@login_required
def themes(request):
    scope = _scope(request)
    month = request.GET.get("month") or None
    if month and len(month) != 7:
        month = None
    today = timezone.localdate()
    return render(
        request,
        "customers/themes.html",
        {
            "scope": scope,
            "summary": services.theme_summary(scope.unit_ids, month),
            "growth": services.theme_growth(today, scope.unit_ids),
            "compliments": services.compliments(
                today - timedelta(days=90), unit_ids=scope.unit_ids, limit=30
            ),
            "month": month,
            "months": list(reversed(services.months_back(today, 12))),
            "units": access.visible_units_for_filter(request.user),
            "min_sample": conf.min_sample(),
        },
    )


@login_required
def impact(request):
    scope = _scope(request)
    programmes = Programme.objects.exclude(status=Status.CANCELLED).order_by("name")
    programme = programmes.filter(pk=_int(request.GET.get("programme"))).first() or (
        programmes.filter(status=Status.RUNNING).first() or programmes.first()
    )
    days = _int(request.GET.get("days"))
    days = days if days and 1 <= days <= 366 else conf.impact_window_days()
    results = services.programme_impact(programme, unit_ids=scope.unit_ids, days=days) if programme else []
    return render(
        request,
        "customers/impact.html",
        {
            "scope": scope,
            "programmes": programmes,
            "programme": programme,
            "days": days,
            "results": results,
            "measures": S.MEASURES,
            "titles": S.MEASURE_TITLES,
            "units": access.visible_units_for_filter(request.user),
            "min_sample": conf.min_sample(),
        },
    )


@login_required
def linkage(request):
    access.require_linkage(request.user)
    programmes = Programme.objects.exclude(status=Status.CANCELLED).order_by("name")
    programme = programmes.filter(pk=_int(request.GET.get("programme"))).first() or (
        programmes.filter(status=Status.RUNNING).first() or programmes.first()
    )
    measures = services.linkage_measures()
    measure = request.GET.get("measure")
    if measure not in dict(measures):
        measure = measures[0][0]
    outcome = request.GET.get("outcome") if request.GET.get("outcome") in S.MEASURES else "nps"
    days = _int(request.GET.get("days"))
    days = days if days in dict(WINDOWS) else 28
    wave_id = _int(request.GET.get("wave"))
    result, problem = None, None
    if programme:
        try:
            result = services.linkage(programme, measure, outcome, None, wave_id, days)
        except InputError as exc:
            problem = f"Choose another pulse: {exc.reason}."
    return render(
        request,
        "customers/linkage.html",
        {
            "programmes": programmes,
            "programme": programme,
            "waves": services.linkage_waves(programme) if programme else [],
            "wave": result.wave if result else None,
            "problem": problem,
            "measures": measures,
            "measure": measure,
            "outcome": outcome,
            "outcomes": S.MEASURE_TITLES,
            "windows": WINDOWS,
            "days": days,
            "result": result,
            "statement": services.linkage_statement(result) if result else "",
            "scatter": {
                "points": [{"x": p.x, "y": p.y, "label": p.label} for p in result.points] if result else [],
                "x_title": dict(measures).get(measure, ""),
                "y_title": S.MEASURE_TITLES[outcome],
            },
        },
        status=400 if problem else 200,
    )


# ---- import ----------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request):
    """Step 1: upload a file (and name its source). It is read once to refuse unsafe files at once."""
    access.require_importer(request.user)
    problem = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        source_name = (request.POST.get("source") or "").strip()[:100]
        if upload is None:
            problem = "Choose a CSV or XLSX file to upload."
        else:
            data = upload.read(settings.ALLABOARD_IMPORT_MAX_BYTES + 1)  # never more than the limit in memory
            try:
                repeated = imports.header_problems(read_table(data, upload.name).header)
            except FileProblem as exc:
                problem = str(exc)
            else:
                problem = f"Nothing was uploaded: {repeated[0].reason}." if repeated else None
            if problem is None:
                Upload.objects.filter(at__lt=timezone.now() - timedelta(days=1)).delete()
                pending = Upload.objects.create(
                    token=secrets.token_urlsafe(32),
                    by=request.user,
                    filename=upload.name[:255],
                    data=data,
                    source=FeedbackSource.objects.filter(name=source_name).first(),
                    source_name=source_name,
                )
                return redirect("customers:import_preview", token=pending.token)
    return render(
        request,
        "customers/import.html",
        {
            "problem": problem,
            "sources": FeedbackSource.objects.all(),
            "batches": ImportBatch.objects.select_related("source", "by")[:20],
            "fields": imports.FIELDS,
        },
        status=400 if problem else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_preview(request, token: str):
    """Step 2: the first rows, a mapping guessed from the headers (or the source's saved one); confirm."""
    access.require_importer(request.user)
    pending = Upload.objects.filter(token=token).select_related("source").first()
    if pending is None:
        raise Http404("This upload has expired; upload the file again.")
    try:
        table = read_table(bytes(pending.data), pending.filename)
    except FileProblem as exc:
        pending.delete()
        messages.error(request, str(exc))
        return redirect("customers:import")
    saved = pending.source.mapping if pending.source else None
    mapping = imports.guess_mapping(table.header, saved)
    keep_extra = pending.source.keep_extra_columns if pending.source else True
    report = None
    if request.method == "POST":
        mapping = {
            f: request.POST.get(f"map_{f}") for f in imports.FIELD_NAMES if request.POST.get(f"map_{f}")
        }
        keep_extra = request.POST.get("keep_extra") == "1"
        dry_run = request.POST.get("dry_run") == "1"
        with transaction.atomic():
            source = _save_source(request, pending, mapping, keep_extra) if not dry_run else pending.source
            report = imports.import_table(
                table,
                mapping,
                source=source,
                filename=pending.filename,
                keep_extra=keep_extra,
                actor=request.user,
                dry_run=dry_run,
            )
            if not report.ok:
                transaction.set_rollback(True)
        if report.ok and not dry_run:
            pending.delete()
            messages.success(request, f"{pending.filename}: {report.summary()}")
            return redirect("customers:import")
    return render(
        request,
        "customers/import_preview.html",
        {
            "upload": pending,
            "header": table.header,
            "rows": [row[: len(table.header)] for row in table.rows[:PREVIEW_ROWS]],
            "total_rows": len(table.rows),
            "mapping": mapping,
            "fields": imports.FIELDS,
            "keep_extra": keep_extra,
            "report": report,
        },
        status=400 if report is not None and not report.ok else 200,
    )


def _save_source(request, pending: Upload, mapping: dict, keep_extra: bool) -> FeedbackSource | None:
    """Remember the mapping for the upload's source, so the next file from it is mapped already."""
    name = pending.source_name.strip()
    if not name:
        return None
    source, created = FeedbackSource.objects.get_or_create(name=name)
    before = {"mapping": source.mapping, "keep_extra_columns": source.keep_extra_columns}
    if created or before != {"mapping": mapping, "keep_extra_columns": keep_extra}:
        source.mapping, source.keep_extra_columns = mapping, keep_extra
        source.save()
        after = {"mapping": mapping, "keep_extra_columns": keep_extra}
        audit.record(request.user, "create" if created else "update", source, audit.diff(before, after))
    return source
