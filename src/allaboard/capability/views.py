"""Capability pages: thin views that check permission, call a service and render."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from allaboard.errors import InputError
from allaboard.org.models import JobRole, Person
from allaboard.tabular import FileProblem, read_table

from . import access, insights, lms, services
from .access import require
from .models import (
    ADDRESSABLE,
    AgreedAction,
    Cadence,
    Commitment,
    Course,
    DecisionRight,
    Delivery,
    Enrolment,
    EnrolmentStatus,
    ExceptionRequest,
    ExceptionStatus,
    LmsUpload,
    Session,
)


def _int(value, default: int, low: int, high: int) -> int:
    try:
        return min(high, max(low, int(value)))
    except (TypeError, ValueError):
        return default


# --- dashboard ----------------------------------------------------------------------------------------------


@login_required
def dashboard(request):
    """The two seed-002 metrics, change agility, trained vs not-yet-trained, and links to the rest."""
    require(access.can_see_metrics(request.user))
    cut = request.GET.get("by", "organisation")
    if cut not in services.CUTS:
        cut = "organisation"
    today = services.today()
    people = services.people_in_scope(request.user)
    days = services.dashboard_days(today, _int(request.GET.get("months"), 24, 3, 120))
    series = services.reportable_trained_series(people, days, cut)
    years = [today.year - 2, today.year - 1, today.year]
    agility = insights.agility_by_unit(request.user)
    context = {
        "cut": cut,
        "cuts": services.CUTS,
        "series": series,
        "cut_label": services.CUTS[cut],
        "rows": _latest_rows(series),
        "chart": insights.chart_data(series),
        "years": services.training_days_report(people, years, today),
        "hours_per_day": services.hours_per_day(),
        "agility": agility,
        "agility_rows": [(row, agility.difference(row)) for row in agility.rows] if agility else [],
        "by_training": insights.knowledge_ability_by_training(request.user),
        "org_wide": access.has_org_wide_view(request.user),
    }
    return render(request, "capability/dashboard.html", context)


def _latest_rows(series) -> list[dict]:
    """Per group: the latest % trained and the one twelve points (a year of month ends) before it."""
    rows = []
    for group in series.groups:
        percent = group.percent
        rows.append(
            {
                "label": group.label,
                "latest": percent[-1] if percent else None,
                "year_ago": percent[-13] if len(percent) >= 13 else None,
                "trained_now": group.trained[-1] if group.trained else 0,
                "hidden_now": bool(group.hidden and group.hidden[-1]),
                "active_now": group.active[-1] if group.active else 0,
            }
        )
    return rows


# --- catalogue ----------------------------------------------------------------------------------------------


@login_required
def course_list(request):
    courses = (
        Course.objects.all()
        if access.can_manage_training(request.user)
        else Course.objects.filter(active=True)
    )
    return render(
        request,
        "capability/courses.html",
        {"courses": courses, "can_manage": access.can_manage_training(request.user)},
    )


@login_required
def course_detail(request, pk: int):
    course = get_object_or_404(Course, pk=pk)
    can_manage = access.can_manage_training(request.user)
    if not course.active and not can_manage:
        raise Http404
    return render(
        request,
        "capability/course.html",
        {"course": course, "sessions": course.sessions.all(), "can_manage": can_manage},
    )


def _course_data(post) -> dict:
    return {
        "name": post.get("name"),
        "description": post.get("description", ""),
        "formal_change_management": "formal_change_management" in post,
        "delivery": post.get("delivery"),
        "provider": post.get("provider", ""),
        "duration_hours": post.get("duration_hours"),
        "xapi_activity_id": post.get("xapi_activity_id", ""),
        "lms_code": post.get("lms_code", ""),
        "addresses": post.getlist("addresses"),
        "active": "active" in post,
    }


@login_required
@require_http_methods(["GET", "POST"])
def course_edit(request, pk: int | None = None):
    require(access.can_manage_training(request.user), "Only admins and change leads manage the catalogue.")
    course = get_object_or_404(Course, pk=pk) if pk else None
    errors, values = {}, _course_data(request.POST) if request.method == "POST" else None
    if request.method == "POST":
        try:
            course = services.save_course(request.user, values, course)
        except InputError as exc:
            errors[exc.field] = exc.reason
        else:
            messages.success(request, f"Saved {course.name}.")
            return redirect(course)
    return render(
        request,
        "capability/course_edit.html",
        {
            "course": course,
            "values": values,
            "errors": errors,
            "deliveries": Delivery.choices,
            "addressable": ADDRESSABLE,
        },
        status=400 if errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_new(request, course_pk: int):
    require(access.can_manage_training(request.user), "Only admins and change leads schedule sessions.")
    course = get_object_or_404(Course, pk=course_pk)
    errors = {}
    if request.method == "POST":
        try:
            session = services.save_session(request.user, {**request.POST.dict(), "course": course})
        except InputError as exc:
            errors[exc.field] = exc.reason
        else:
            messages.success(request, "Session scheduled.")
            return redirect(session)
    return render(
        request,
        "capability/session_new.html",
        {"course": course, "errors": errors, "values": request.POST},
        status=400 if errors else 200,
    )


@login_required
def session_detail(request, pk: int):
    require(access.can_manage_training(request.user), "Only admins and change leads manage sessions.")
    session = get_object_or_404(Session.objects.select_related("course"), pk=pk)
    enrolments = session.enrolments.select_related("person", "person__unit")
    return render(
        request,
        "capability/session.html",
        {
            "session": session,
            "enrolments": enrolments,
            "statuses": EnrolmentStatus.choices,
            "scale": range(1, 6),
        },
    )


@login_required
@require_POST
def session_enrol(request, pk: int):
    require(access.can_manage_training(request.user), "Only admins and change leads enrol people.")
    session = get_object_or_404(Session, pk=pk)
    key = (request.POST.get("person") or "").strip()
    person = (
        Person.objects.filter(employee_id=key).first() or Person.objects.filter(email__iexact=key).first()
    )
    try:
        if person is None:
            raise InputError("person", f"no person with employee id or email {key!r}")
        services.enrol(request.user, session, person)
    except InputError as exc:
        messages.error(request, f"Not enrolled: {exc.reason}.")
    else:
        messages.success(request, f"Enrolled {person}.")
    return redirect(session)


@login_required
@require_POST
def enrolment_outcome(request, pk: int):
    require(access.can_manage_training(request.user), "Only admins and change leads record attendance.")
    enrolment = get_object_or_404(Enrolment.objects.select_related("course", "session"), pk=pk)
    try:
        services.record_outcome(request.user, enrolment, request.POST.dict())
    except InputError as exc:
        messages.error(request, f"Not saved: {exc.field} {exc.reason}.")
    else:
        messages.success(request, f"Saved {enrolment.person}'s outcome.")
    return redirect(enrolment.session or enrolment.course)


@login_required
def my_training(request):
    """Everyone's own training record and their own agreed coaching actions."""
    person = request.user.person
    enrolments = person.enrolments.select_related("course", "session") if person else []
    return render(
        request,
        "capability/mine.html",
        {
            "person": person,
            "enrolments": enrolments,
            "actions": services.my_actions(person) if person else [],
            "today": services.today(),
        },
    )


# --- imports ------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def lms_import(request):
    """Step 1: upload an LMS export. It is kept only until the columns are mapped."""
    require(access.can_manage_training(request.user), "Only admins and change leads import training records.")
    problem = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            problem = "Choose a CSV or XLSX file to upload."
        else:
            data = upload.read()
            try:
                read_table(data, upload.name)
            except FileProblem as exc:
                problem = str(exc)
            else:
                LmsUpload.objects.filter(uploaded_by=request.user).delete()  # one pending upload each
                saved = LmsUpload.objects.create(
                    filename=upload.name[:255], data=data, uploaded_by=request.user
                )
                return redirect("capability:import_map", pk=saved.pk)
    return render(
        request,
        "capability/import.html",
        {"problem": problem, "fields": lms.FIELDS},
        status=400 if problem else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def lms_import_map(request, pk: int):
    """Step 2: say which column holds what; check (dry run) or import. A bad file changes nothing."""
    require(access.can_manage_training(request.user), "Only admins and change leads import training records.")
    upload = get_object_or_404(LmsUpload, pk=pk)
    data = bytes(upload.data)
    table = read_table(data, upload.filename)  # it was readable when uploaded
    mapping = lms.guess_mapping(table.header)
    report = None
    if request.method == "POST":
        mapping = {target: request.POST.get(f"map_{target}", "") for target in lms.FIELDS}
        dry_run = "check" in request.POST
        report, _ = lms.run(data, upload.filename, mapping, actor=request.user, dry_run=dry_run)
        if report.ok and not dry_run:
            upload.delete()
            messages.success(request, report.summary())
            return redirect("capability:dashboard")
    return render(
        request,
        "capability/import_map.html",
        {
            "upload": upload,
            "header": table.header,
            "preview": table.rows[:5],
            "fields": lms.FIELDS,
            "mapping": mapping,
            "report": report,
        },
        status=400 if report is not None and not report.ok else 200,
    )


# --- coaching -----------------------------------------------------------------------------------------------


@login_required
def coaching(request):
    """A team leader's coaching list: who is due a conversation, overdue follow-ups, recent conversations."""
    require(access.can_coach(request.user), "Coaching conversations are for team leaders.")
    days = _int(request.GET.get("days"), services.DEFAULT_COACHING_DAYS, 1, 365)
    conversations = access.visible_conversations(request.user).select_related("person")
    return render(
        request,
        "capability/coaching.html",
        {
            "days": days,
            "due": services.coaching_due(access.coachable_people(request.user), days=days),
            "overdue": services.overdue_follow_ups(conversations),
            "recent": conversations[:20],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def conversation_new(request):
    require(access.can_coach(request.user), "Coaching conversations are for team leaders.")
    people = access.coachable_people(request.user).active_on(services.today())
    errors = {}
    if request.method == "POST":
        person = people.filter(pk=request.POST.get("person")).first()
        actions = [
            {"text": t, "due_on": d}
            for t, d in zip(
                request.POST.getlist("action_text"), request.POST.getlist("action_due"), strict=False
            )
        ]
        try:
            if person is None:
                raise InputError("person", "choose one of your people")
            conversation = services.record_conversation(
                request.user, person, {**request.POST.dict(), "actions": actions}
            )
        except InputError as exc:
            errors[exc.field] = exc.reason
        else:
            messages.success(request, f"Saved the conversation with {person}.")
            return redirect(conversation)
    return render(
        request,
        "capability/conversation_new.html",
        {
            "people": people,
            "errors": errors,
            "values": request.POST,
            "today": services.today(),
            "action_rows": range(3),
        },
        status=400 if errors else 200,
    )


@login_required
def conversation_detail(request, pk: int):
    conversation = get_object_or_404(
        access.visible_conversations(request.user).select_related("person", "coach"), pk=pk
    )
    return render(
        request,
        "capability/conversation.html",
        {"conversation": conversation, "actions": conversation.actions.all(), "today": services.today()},
    )


@login_required
@require_POST
def conversation_follow_up(request, pk: int):
    conversation = get_object_or_404(access.visible_conversations(request.user), pk=pk)
    services.mark_followed_up(request.user, conversation)
    messages.success(request, "Follow-up recorded.")
    return redirect(conversation)


@login_required
@require_POST
def action_done(request, pk: int):
    """The agent (their own action) or their team leader marks an agreed action done, or reopens it."""
    action = get_object_or_404(AgreedAction.objects.select_related("conversation"), pk=pk)
    own = request.user.person_id and action.conversation.person_id == request.user.person_id
    leads = access.visible_conversations(request.user).filter(pk=action.conversation_id).exists()
    if not (own or leads):
        raise Http404
    services.set_action_done(request.user, action, done=request.POST.get("done", "1") == "1")
    if leads:
        return redirect(action.conversation)
    return redirect("capability:mine")


@login_required
def coaching_coverage(request):
    require(access.can_see_coverage(request.user))
    days = _int(request.GET.get("days"), services.DEFAULT_COACHING_DAYS, 1, 365)
    report = services.coaching_coverage(access.metric_units(request.user), days=days)
    return render(request, "capability/coverage.html", {"report": report, "rows": report.rows, "days": days})


# --- decision autonomy ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def decisions(request):
    """My decision rights, logging a use, asking for an exception; leaders decide; managers define rights."""
    person = request.user.person
    errors = {}
    if request.method == "POST":
        form = request.POST.get("form")
        try:
            if form == "use":
                services.log_use(request.user, request.POST.dict())
                messages.success(request, "Decision logged. Thank you for owning it.")
            elif form == "exception":
                services.request_exception(request.user, request.POST.dict())
                messages.success(request, "Exception requested: your team leader will decide.")
            elif form == "right":
                require(
                    access.can_manage_rights(request.user),
                    "Only admins and change leads define decision rights.",
                )
                services.save_right(request.user, request.POST.dict())
                messages.success(request, "Decision right saved.")
            else:
                raise InputError("form", "unknown form")
        except InputError as exc:
            errors = {"form": form, exc.field: exc.reason}
        else:
            return redirect("capability:decisions")
    context = {
        "my_rights": services.rights_for(person),
        "my_requests": ExceptionRequest.objects.filter(person=person).select_related("right")
        if person
        else [],
        "my_uses": person.decision_uses.select_related("right")[:10] if person else [],
        "to_decide": access.decidable_exceptions(request.user)
        .filter(status=ExceptionStatus.PENDING)
        .select_related("person", "right"),
        "all_rights": DecisionRight.objects.select_related("job_role"),
        "can_manage": access.can_manage_rights(request.user),
        "can_report": access.can_see_decision_report(request.user),
        "roles": JobRole.objects.all(),
        "errors": errors,
        "values": request.POST,
        "today": services.today(),
    }
    return render(request, "capability/decisions.html", context, status=400 if errors else 200)


@login_required
@require_POST
def exception_decide(request, pk: int):
    exception = get_object_or_404(access.decidable_exceptions(request.user), pk=pk)
    try:
        services.decide_exception(
            request.user,
            exception,
            approve=request.POST.get("decision") == "approve",
            reason=request.POST.get("reason", ""),
        )
    except InputError as exc:
        messages.error(request, f"Not decided: {exc.field} {exc.reason}.")
    else:
        messages.success(request, f"{exception.get_status_display()}: {exception.person}'s request.")
    return redirect("capability:decisions")


@login_required
def decision_report(request):
    require(access.can_see_decision_report(request.user))
    days = _int(request.GET.get("days"), 90, 7, 730)
    today = services.today()
    rows = services.decision_report(
        access.metric_units(request.user), since=today - timedelta(days=days), until=today
    )
    return render(request, "capability/decision_report.html", {"rows": rows, "days": days})


# --- leading by example -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def commitments(request):
    require(access.can_see_commitments(request.user))
    errors = {}
    if request.method == "POST":
        require(
            access.can_commit(request.user),
            "Your login is not linked to a person, so it cannot make commitments.",
        )
        try:
            services.save_commitment(request.user, request.POST.dict())
        except InputError as exc:
            errors[exc.field] = exc.reason
        else:
            messages.success(request, "Commitment made. Log each time you do it, so people can see it.")
            return redirect("capability:commitments")
    records = services.commitment_records(Commitment.objects.all())
    scores = insights.leadership_by_leader({r.commitment.leader for r in records})
    rows = [(r, scores.get(r.commitment.leader_id)) for r in records]
    return render(
        request,
        "capability/commitments.html",
        {
            "rows": rows,
            "mine": [row for row in rows if row[0].commitment.leader_id == request.user.person_id],
            "can_commit": access.can_commit(request.user),
            "cadences": Cadence.choices,
            "errors": errors,
            "values": request.POST,
            "today": services.today(),
        },
        status=400 if errors else 200,
    )


@login_required
@require_POST
def commitment_action(request, pk: int):
    commitment = get_object_or_404(Commitment, pk=pk)
    if not access.owns_commitment(request.user, commitment):
        raise Http404
    try:
        services.log_visible_action(request.user, commitment, request.POST.dict())
    except InputError as exc:
        messages.error(request, f"Not logged: {exc.field} {exc.reason}.")
    else:
        messages.success(request, "Logged.")
    return redirect(reverse("capability:commitments") + f"#commitment-{commitment.pk}")
