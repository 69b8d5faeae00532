"""Voice pages. Thin: permission, a service call, a template. Services check everything again."""

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from allaboard.anonymity import min_comment_group_size
from allaboard.errors import InputError
from allaboard.org.models import Person, Unit
from allaboard.programmes.models import Programme

from . import access, services
from .models import (
    OPEN_STATUSES,
    Category,
    Champion,
    Consultation,
    Decision,
    Experiment,
    Idea,
    IdeaStatus,
    IdeaVote,
    MeasureType,
    ProposalKind,
    ReportTarget,
    ServiceValue,
    Win,
    WinMeasure,
)


def _require(condition: bool, message: str = "") -> None:
    if not condition:
        raise PermissionDenied(message)


def _programmes():
    return Programme.objects.exclude(status__in=["cancelled", "draft"]).order_by("name")


def _programme(request) -> Programme | None:
    pk = request.GET.get("programme") or request.POST.get("programme")
    if pk and str(pk).isdigit():
        return get_object_or_404(Programme, pk=pk)
    programmes = _programmes()
    return programmes.filter(status="running").first() or programmes.first()


def _teams():
    return Unit.objects.filter(kind="team").order_by("path")


# ---- ideas ------------------------------------------------------------------------------------------------


@login_required
def idea_list(request):
    programme = _programme(request)
    ideas = services.visible_ideas(request.user).exclude(status=IdeaStatus.MERGED)
    status = request.GET.get("status", "")
    if status in IdeaStatus.values:
        ideas = ideas.filter(status=status)
    if request.GET.get("overdue"):
        ideas = ideas.filter(pk__in=services.overdue_ideas())
    if programme:
        ideas = ideas.filter(programme=programme)
    from django.db.models import Count

    counts = services.status_counts(programme.pk if programme else None)
    ideas = ideas.annotate(n_votes=Count("votes")).order_by("-created_on", "-id")[:200]
    return render(
        request,
        "voice/ideas.html",
        {
            "ideas": ideas,
            "programme": programme,
            "programmes": _programmes(),
            "rate": services.on_time_rate(programme_id=programme.pk if programme else None),
            "promise": services.settings_for(programme) if programme else None,
            "statuses": [(value, label, counts[value]) for value, label in IdeaStatus.choices],
            "status": status,
            "overdue": list(services.overdue_ideas().filter(programme=programme)[:20])
            if programme and access.can_manage(request.user)
            else [],
            "can_manage": access.can_manage(request.user),
            "can_export": access.can_export(request.user),
            "today": services.today(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def idea_new(request):
    values = {"programme": "", "category": "", "title": "", "text": "", "anonymous": False}
    error = None
    if request.method == "POST":
        values = {
            "programme": request.POST.get("programme", ""),
            "category": request.POST.get("category", ""),
            "title": request.POST.get("title", ""),
            "text": request.POST.get("text", ""),
            "anonymous": request.POST.get("anonymous") == "on",
        }
        try:
            submitted = services.submit_idea(request.user, values)
        except InputError as exc:
            error = exc
        else:
            if submitted.key:
                return render(request, "voice/idea_key.html", {"idea": submitted.idea, "key": submitted.key})
            messages.success(request, "Thank you: your idea is in. You will hear about every step.")
            return redirect(submitted.idea)
    programme = _programme(request)
    return render(
        request,
        "voice/idea_new.html",
        {
            "values": values,
            "error": error,
            "programmes": _programmes(),
            "selected": values["programme"] or (programme.pk if programme else ""),
            "categories": Category.choices,
            "promise": services.settings_for(programme) if programme else None,
        },
        status=400 if error else 200,
    )


@login_required
def similar(request):
    """htmx: existing ideas like the one being typed."""
    text = f"{request.GET.get('title', '')} {request.GET.get('text', '')}"[:5000]
    programme = request.GET.get("programme")
    found = services.similar_ideas(text, programme_id=int(programme) if str(programme).isdigit() else None)
    return render(request, "voice/_similar.html", {"similar": found})


@login_required
def idea_detail(request, pk: int):
    idea = get_object_or_404(services.visible_ideas(request.user), pk=pk)
    person = request.user.person
    return render(
        request,
        "voice/idea.html",
        {
            "idea": idea,
            "votes": idea.votes.count(),
            "voted": bool(person and IdeaVote.objects.filter(idea=idea, person=person).exists()),
            "comments": idea.comments.filter(hidden=False).select_related("author"),
            "changes": idea.changes.all(),
            "can_manage": access.can_manage(request.user),
            "next_statuses": [(s, IdeaStatus(s).label) for s in idea.next_statuses()],
            "merge_targets": services.visible_ideas(request.user)
            .filter(programme=idea.programme, status__in=OPEN_STATUSES + [IdeaStatus.DONE])
            .exclude(pk=idea.pk)[:100]
            if access.can_manage(request.user)
            else [],
            "similar": services.similar_ideas(
                f"{idea.title} {idea.text}", programme_id=idea.programme_id, exclude_id=idea.pk
            ),
            "outcome": services.OUTCOME_TEXT.get(services.outcome_of(idea), ""),
            "people": Person.objects.active_on(services.today()).select_related("unit")[:500]
            if access.can_manage(request.user) and idea.status == IdeaStatus.ACCEPTED
            else [],
            "teams": _teams()
            if access.can_manage(request.user) and idea.status == IdeaStatus.ACCEPTED
            else [],
            "due_default": (services.today() + timedelta(days=30)).isoformat(),
            "overdue": idea.is_overdue(services.today()),
        },
    )


def _back(request, idea: Idea, error: InputError | None = None, ok: str = ""):
    if error is not None:
        messages.error(request, f"{error.field}: {error.reason}")
    elif ok:
        messages.success(request, ok)
    return redirect(idea)


@login_required
@require_POST
def idea_vote(request, pk: int):
    idea = get_object_or_404(services.visible_ideas(request.user), pk=pk)
    try:
        if request.POST.get("undo"):
            services.unvote(request.user, idea)
        else:
            services.vote(request.user, idea)
    except InputError as exc:
        return _back(request, idea, exc)
    return _back(request, idea)


@login_required
@require_POST
def idea_comment(request, pk: int):
    idea = get_object_or_404(services.visible_ideas(request.user), pk=pk)
    try:
        services.comment(
            request.user, idea, request.POST.get("text", ""), anonymous=request.POST.get("anonymous") == "on"
        )
    except InputError as exc:
        return _back(request, idea, exc)
    return _back(request, idea, ok="Comment added.")


@login_required
@require_POST
def idea_status(request, pk: int):
    _require(access.can_manage(request.user), "Only admins and change leads answer ideas.")
    idea = get_object_or_404(Idea, pk=pk)
    try:
        services.change_status(
            request.user, idea, request.POST.get("status", ""), request.POST.get("reason", "")
        )
    except InputError as exc:
        return _back(request, idea, exc)
    return _back(request, idea, ok="Status changed; the author and voters have been told.")


@login_required
@require_POST
def idea_merge(request, pk: int):
    _require(access.can_manage(request.user), "Only admins and change leads merge ideas.")
    idea = get_object_or_404(Idea, pk=pk)
    target_id = request.POST.get("target", "")
    target = Idea.objects.filter(pk=target_id).first() if target_id.isdigit() else None
    try:
        if target is None:
            raise InputError("target", "choose the idea to merge into")
        services.merge(request.user, idea, target, request.POST.get("reason", ""))
    except InputError as exc:
        return _back(request, idea, exc)
    return _back(request, target, ok="Merged; the votes moved over.")


@login_required
@require_POST
def idea_outcome(request, pk: int):
    """Turn an accepted idea into an action or an experiment."""
    _require(access.can_manage(request.user), "Only admins and change leads do this.")
    idea = get_object_or_404(Idea, pk=pk)
    try:
        if request.POST.get("kind") == "experiment":
            services.make_experiment(
                request.user,
                idea,
                {
                    "hypothesis": request.POST.get("hypothesis", ""),
                    "measure": request.POST.get("measure", ""),
                    "measure_type": request.POST.get("measure_type", MeasureType.PROPORTION),
                    "teams": request.POST.getlist("teams"),
                    "starts": request.POST.get("starts", ""),
                    "ends": request.POST.get("ends", ""),
                },
            )
        else:
            due = request.POST.get("due", "")
            try:
                due = date.fromisoformat(due)
            except ValueError:
                raise InputError("due", "must be a date like 2026-01-31") from None
            services.make_action(
                request.user,
                idea,
                {
                    "owner": request.POST.get("owner") or None,
                    "teams": request.POST.getlist("teams"),
                    "due": due,
                },
            )
    except InputError as exc:
        return _back(request, idea, exc)
    return _back(request, idea, ok="Done; the author and voters have been told.")


@login_required
@require_http_methods(["GET", "POST"])
def my_anonymous_idea(request):
    """The author of an anonymous idea opens it with their key: status, every reason, and the replies."""
    idea, error = None, ""
    if request.method == "POST":
        idea = services.ideas_for_key(request.POST.get("key", ""))
        if idea is None:
            error = "No idea matches this key. Check it and try again."
    return render(
        request,
        "voice/mine.html",
        {
            "idea": idea,
            "error": error,
            "changes": idea.changes.all() if idea else [],
            "comments": idea.comments.filter(hidden=False) if idea else [],
        },  # fmt: skip
        status=400 if error else 200,
    )


@login_required
def ideas_export(request):
    _require(access.can_export(request.user), "Only admins and change leads export ideas.")
    response = HttpResponse(services.export_ideas_csv(request.user), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="ideas.csv"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def idea_settings(request):
    _require(access.can_manage(request.user), "Only admins and change leads set the idea box rules.")
    programme = _programme(request)
    if programme is None:
        raise PermissionDenied("No programme yet.")
    error = None
    if request.method == "POST":
        try:
            services.save_settings(
                request.user,
                programme,
                {
                    "vote_threshold": request.POST.get("vote_threshold"),
                    "answer_days": request.POST.get("answer_days"),
                },
            )
        except InputError as exc:
            error = exc
        else:
            messages.success(request, "Saved.")
            return redirect(f"{request.path}?programme={programme.pk}")
    return render(
        request,
        "voice/settings.html",
        {"programme": programme, "current": services.settings_for(programme), "error": error},
        status=400 if error else 200,
    )


# ---- consultation -----------------------------------------------------------------------------------------


@login_required
def consultation_list(request):
    return render(
        request,
        "voice/consultations.html",
        {
            "consultations": services.visible_consultations(request.user).select_related("programme"),
            "can_manage": access.can_manage(request.user),
            "today": services.today(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def consultation_new(request):
    _require(access.can_manage(request.user), "Only admins and change leads run consultations.")
    error, values = None, {}
    if request.method == "POST":
        values = {
            "programme": request.POST.get("programme", ""),
            "title": request.POST.get("title", ""),
            "kind": request.POST.get("kind", ""),
            "proposal": request.POST.get("proposal", ""),
            "opens": request.POST.get("opens", ""),
            "closes": request.POST.get("closes", ""),
            "teams": request.POST.getlist("teams"),
        }
        try:
            consultation = services.create_consultation(request.user, values)
        except InputError as exc:
            error = exc
        else:
            messages.success(request, "The proposal is out; the teams have been told.")
            return redirect(consultation)
    return render(
        request,
        "voice/consultation_new.html",
        {
            "values": values,
            "error": error,
            "programmes": _programmes(),
            "kinds": ProposalKind.choices,
            "teams": _teams(),
            "today": services.today(),
        },  # fmt: skip
        status=400 if error else 200,
    )


@login_required
def consultation_detail(request, pk: int):
    consultation = get_object_or_404(services.visible_consultations(request.user), pk=pk)
    return render(
        request,
        "voice/consultation.html",
        {
            "c": consultation,
            "summary": services.rating_summary(consultation),
            "comments": services.visible_feedback_comments(consultation),
            "participants": services.participant_count(consultation),
            "comment_k": min_comment_group_size(),
            "can_take_part": services.can_take_part(request.user, consultation)
            and consultation.is_open(services.today()),
            "can_manage": access.can_manage(request.user),
            "teams": consultation.teams.all(),
        },
    )


@login_required
@require_POST
def consultation_feedback(request, pk: int):
    consultation = get_object_or_404(services.visible_consultations(request.user), pk=pk)
    try:
        services.give_feedback(
            request.user,
            consultation,
            {
                "rating": request.POST.get("rating"),
                "comment": request.POST.get("comment", ""),
                "anonymous": request.POST.get("named") != "on",
            },
        )
    except InputError as exc:
        messages.error(request, f"{exc.field}: {exc.reason}")
    else:
        messages.success(request, "Thank you for your feedback.")
    return redirect(consultation)


@login_required
@require_POST
def consultation_publish(request, pk: int):
    _require(access.can_manage(request.user), "Only admins and change leads publish the response.")
    consultation = get_object_or_404(Consultation, pk=pk)
    try:
        services.publish_response(request.user, consultation, request.POST.get("response", ""))
    except InputError as exc:
        messages.error(request, f"{exc.field}: {exc.reason}")
    else:
        messages.success(request, "Published; everyone it was put to has been told.")
    return redirect(consultation)


# ---- experiments ------------------------------------------------------------------------------------------

EXPERIMENT_FIELDS = ["programme", "title", "hypothesis", "measure", "measure_type", "starts", "ends",
                     "baseline_n", "baseline_value", "baseline_sd", "result_n", "result_value", "result_sd",
                     "learning", "decision"]  # fmt: skip


@login_required
def experiment_list(request):
    query = request.GET.get("q", "")[:200]
    decision = request.GET.get("decision", "")
    return render(
        request,
        "voice/experiments.html",
        {
            "learnings": services.search_learnings(
                query, decision=decision if decision in Decision.values else ""
            ),
            "running": Experiment.objects.filter(learning="").select_related("programme")[:50],
            "q": query,
            "decision": decision,
            "decisions": [c for c in Decision.choices if c[0]],
            "can_run": access.can_run_experiments(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def experiment_edit(request, pk: int | None = None):
    _require(
        access.can_run_experiments(request.user),
        "Only admins, change leads and team leaders run experiments.",
    )
    experiment = get_object_or_404(Experiment, pk=pk) if pk else Experiment()
    if pk:
        _require(
            access.experiment_units(request.user).filter(pk__in=experiment.teams.all()).exists(),
            "This experiment runs in other teams.",
        )
    error = None
    if request.method == "POST":
        data = {name: request.POST.get(name, "") for name in EXPERIMENT_FIELDS if name in request.POST}
        data["teams"] = request.POST.getlist("teams")
        try:
            experiment = services.save_experiment(request.user, experiment, data)
        except InputError as exc:
            error = exc
        else:
            messages.success(request, "Saved.")
            return redirect(experiment)
    return render(
        request,
        "voice/experiment_edit.html",
        {
            "e": experiment,
            "error": error,
            "programmes": _programmes(),
            "teams": access.experiment_units(request.user).filter(kind="team").order_by("path"),
            "chosen": set(experiment.teams.values_list("pk", flat=True)) if experiment.pk else set(),
            "measure_types": MeasureType.choices,
            "decisions": Decision.choices,
        },
        status=400 if error else 200,
    )


@login_required
def experiment_detail(request, pk: int):
    experiment = get_object_or_404(Experiment.objects.select_related("programme"), pk=pk)
    return render(
        request,
        "voice/experiment.html",
        {
            "e": experiment,
            "effect": services.experiment_effect(experiment),
            "teams": experiment.teams.all(),
            "can_edit": access.can_run_experiments(request.user)
            and access.experiment_units(request.user).filter(pk__in=experiment.teams.all()).exists(),
        },
    )


# ---- recognition ------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def kudos(request):
    error, values = None, {}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in ("person", "unit", "value", "message")}
        try:
            services.give_kudos(request.user, values)
        except InputError as exc:
            error = exc
        else:
            messages.success(request, "Kudos sent: it is on the team feed.")
            return redirect("voice:kudos")
    person = request.user.person
    scope = request.GET.get("scope", "team")
    unit = person.unit if person and scope == "team" else None
    colleagues = Person.objects.active_on(services.today()).select_related("unit")
    if person:
        colleagues = colleagues.exclude(pk=person.pk)
    return render(
        request,
        "voice/kudos.html",
        {
            "feed": services.kudos_feed(request.user, unit=unit),
            "scope": scope if person else "all",
            "values": ServiceValue.objects.filter(active=True),
            "colleagues": colleagues.order_by("unit__path", "given_name")[:2000],
            "teams": _teams(),
            "form": values,
            "error": error,
            "can_give": person is not None,
        },
        status=400 if error else 200,
    )


@login_required
def coverage(request):
    _require(access.is_leader(request.user), "Recognition coverage is for leaders.")
    return render(request, "voice/coverage.html", {"rows": services.recognition_coverage(request.user)})


# ---- wins -------------------------------------------------------------------------------------------------


@login_required
def win_list(request):
    wins = Win.objects.filter(published_on__isnull=False).select_related("programme", "unit")
    drafts = (
        Win.objects.filter(published_on__isnull=True)
        if access.can_manage(request.user)
        else Win.objects.none()
    )
    return render(
        request,
        "voice/wins.html",
        {"wins": wins, "drafts": drafts, "can_manage": access.can_manage(request.user)},
    )


@login_required
def win_detail(request, pk: int):
    wins = (
        Win.objects.all()
        if access.can_manage(request.user)
        else Win.objects.filter(published_on__isnull=False)
    )
    win = get_object_or_404(wins, pk=pk)
    return render(request, "voice/win.html", {"win": win, "can_manage": access.can_manage(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def win_new(request):
    _require(access.can_manage(request.user), "Only admins and change leads publish wins.")
    error, values = None, {}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in ("programme", "title", "story", "measure", "unit", "split",
                                                      "element", "before", "after", "evidence", "metric_label")}  # fmt: skip
        values["publish"] = request.POST.get("publish") == "on"
        try:
            win = services.create_win(request.user, values)
        except InputError as exc:
            error = exc
        else:
            messages.success(request, "Saved." + (" Published to the feed." if win.published_on else ""))
            return redirect(win)
    return render(
        request,
        "voice/win_new.html",
        {
            "values": values,
            "error": error,
            "programmes": _programmes(),
            "teams": _teams(),
            "measures": [m for m in WinMeasure.choices if m[0] != WinMeasure.MILESTONE],
        },  # fmt: skip
        status=400 if error else 200,
    )


@login_required
@require_POST
def win_publish(request, pk: int):
    _require(access.can_manage(request.user), "Only admins and change leads publish wins.")
    win = get_object_or_404(Win, pk=pk)
    try:
        services.publish_win(request.user, win)
    except InputError as exc:
        messages.error(request, f"{exc.field}: {exc.reason}")
    return redirect(win)


# ---- champions --------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def champions(request):
    _require(access.is_leader(request.user), "The champion network is for leaders.")
    programme = _programme(request)
    if request.method == "POST":
        _require(access.can_manage(request.user), "Only admins and change leads name champions.")
        try:
            if request.POST.get("remove"):
                champion = get_object_or_404(Champion, pk=request.POST["remove"], programme=programme)
                services.remove_champion(request.user, champion)
            else:
                services.add_champion(request.user, programme, request.POST.get("person"))
        except InputError as exc:
            messages.error(request, f"{exc.field}: {exc.reason}")
        return redirect(f"{request.path}?programme={programme.pk}")
    return render(
        request,
        "voice/champions.html",
        {
            "programme": programme,
            "programmes": _programmes(),
            "activity": services.champion_activity(programme) if programme else [],
            "gaps": services.champion_gaps(programme) if programme else [],
            "can_manage": access.can_manage(request.user),
            "people": Person.objects.active_on(services.today())
            .select_related("unit")
            .order_by("unit__path")[:2000]
            if access.can_manage(request.user)
            else [],
        },
    )


# ---- moderation -------------------------------------------------------------------------------------------


@login_required
@require_POST
def report(request):
    try:
        services.report(
            request.user,
            request.POST.get("target", ""),
            request.POST.get("target_id"),
            request.POST.get("reason", ""),
        )
    except InputError as exc:
        messages.error(request, f"{exc.field}: {exc.reason}")
    else:
        messages.success(request, "Thank you: an admin will look at it.")
    return redirect(
        request.POST.get("next") if str(request.POST.get("next", "")).startswith("/voice/") else "voice:ideas"
    )


@login_required
@require_http_methods(["GET", "POST"])
def moderation(request):
    _require(access.can_moderate(request.user), "Only admins moderate.")
    if request.method == "POST":
        try:
            services.hide(
                request.user,
                request.POST.get("target", ""),
                request.POST.get("target_id"),
                request.POST.get("reason", ""),
            )
        except InputError as exc:
            messages.error(request, f"{exc.field}: {exc.reason}")
        else:
            messages.success(request, "Hidden; the reason is in the audit log.")
        return redirect("voice:moderation")
    reports = list(services.open_reports().select_related("reporter"))
    for r in reports:
        r.post = services.TARGETS[r.target].objects.filter(pk=r.target_id).first()
        # Ideas and comments have text, kudos a message, consultation feedback a comment.
        r.words = next((getattr(r.post, f) for f in ("text", "message", "comment") if hasattr(r.post, f)), "")
    return render(request, "voice/moderation.html", {"reports": reports, "targets": ReportTarget.choices})
