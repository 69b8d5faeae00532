"""Playbook pages: the library of plays, recommendations with their evidence, action plans, "did it help?"
and "you said, we did". Thin: permission, a service call, a template."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from allaboard.errors import InputError
from allaboard.org.models import Person
from allaboard.programmes.models import Programme

from . import access, effects, services
from .forms import ActionForm, DismissForm, PlayForm, RuleForm, StatusForm, UpdateForm
from .models import Action, ActionStatus, Play, Recommendation, RecommendationStatus, Rule, YouSaidWeDid


def _require(condition: bool, message: str = "") -> None:
    if not condition:
        raise PermissionDenied(message)


def _form_error(form, error: InputError) -> None:
    """Show a service's InputError beside its field (or at the top when the form has no such field)."""
    form.add_error(error.field if error.field in form.fields else None, error.reason)


def _programme(request) -> Programme | None:
    """The programme picked in ?programme=, else the first running one."""
    programmes = Programme.objects.exclude(status__in=["cancelled", "draft"])
    pk = request.GET.get("programme") or request.POST.get("programme")
    if pk and str(pk).isdigit():
        return get_object_or_404(Programme, pk=pk)
    return programmes.filter(status="running").first() or programmes.first()


# ---- plays and rules -------------------------------------------------------------------------------------


@login_required
def play_list(request):
    _require(access.can_read_playbook(request.user), "The playbook is for leaders.")
    manager = access.can_manage_all(request.user)
    return render(
        request,
        "playbook/plays.html",
        {
            "plays": Play.objects.prefetch_related("rules").order_by("-active", "-built_in", "id"),
            "can_manage": manager,
            "untriggerable": services.untriggerable_plays() if manager else [],
        },
    )


@login_required
def play_detail(request, pk: int):
    _require(access.can_read_playbook(request.user), "The playbook is for leaders.")
    play = get_object_or_404(Play, pk=pk)
    return render(
        request,
        "playbook/play.html",
        {
            "play": play,
            "rules": play.rules.all(),
            "can_manage": access.can_manage_all(request.user),
            "actions": access.visible_actions(request.user).filter(play=play).select_related("owner")[:20],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def play_edit(request, pk: int | None = None):
    _require(access.can_manage_all(request.user), "Only admins and change leads can edit the playbook.")
    play = get_object_or_404(Play, pk=pk) if pk else Play()
    form = PlayForm(request.POST or None, instance=play)
    if request.method == "POST" and form.is_valid():
        try:
            play = services.save_play(
                request.user, Play.objects.get(pk=pk) if pk else Play(), form.cleaned_data
            )
        except InputError as error:
            _form_error(form, error)
        else:
            messages.success(request, f"Saved the play “{play.title}”.")
            return redirect(play)
    status = 400 if request.method == "POST" else 200
    return render(request, "playbook/play_edit.html", {"form": form, "play": play}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request, pk: int | None = None):
    _require(access.can_manage_all(request.user), "Only admins and change leads can edit the playbook.")
    rule = get_object_or_404(Rule, pk=pk) if pk else Rule()
    initial = {}
    if not pk and str(request.GET.get("play", "")).isdigit():
        initial["play"] = request.GET["play"]
    form = RuleForm(request.POST or None, instance=rule, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            rule = services.save_rule(
                request.user, Rule.objects.get(pk=pk) if pk else Rule(), form.cleaned_data
            )
        except InputError as error:
            _form_error(form, error)
        else:
            messages.success(request, f"Saved the rule “{rule.key}”.")
            return redirect(rule.play)
    status = 400 if request.method == "POST" else 200
    return render(request, "playbook/rule_edit.html", {"form": form, "rule": rule}, status=status)


# ---- recommendations -------------------------------------------------------------------------------------


@login_required
def recommendation_list(request):
    _require(access.can_read_playbook(request.user), "Recommendations are for leaders.")
    programme = _programme(request)
    recs = access.visible_recommendations(request.user).filter(programme=programme)
    recs = recs.select_related("play", "unit").order_by("status", "-current", "unit__path", "play_id")
    show = request.GET.get("show", "open")
    if show == "open":
        recs = recs.filter(status=RecommendationStatus.OPEN)
    by_play = services.count_by_play(recs)
    play = request.GET.get("play", "")
    if play:
        recs = recs.filter(play__slug=play)
    return render(
        request,
        "playbook/recommendations.html",
        {
            "programme": programme,
            "programmes": Programme.objects.exclude(status="cancelled"),
            "recommendations": recs,
            "by_play": by_play,
            "play": play,
            "show": show,
            "can_manage": access.can_manage_all(request.user),
            "can_plan": access.can_plan(request.user),
        },
    )


@login_required
@require_POST
def recommendation_refresh(request):
    _require(access.can_manage_all(request.user), "Only admins and change leads can refresh recommendations.")
    programme = _programme(request)
    if programme is None:
        messages.error(request, "There is no programme to recommend for yet.")
        return redirect("playbook:recommendations")
    result = services.refresh_recommendations(programme, actor=request.user)
    messages.success(
        request,
        f"Read {result.findings} findings: {result.new} new recommendations, {result.still} still standing, "
        f"{result.retired} no longer supported by the evidence.",
    )
    return redirect(f"{reverse('playbook:recommendations')}?programme={programme.pk}")


def _visible_recommendation(request, pk: int) -> Recommendation:
    return get_object_or_404(
        access.visible_recommendations(request.user).select_related("play", "unit", "programme"), pk=pk
    )


@login_required
def recommendation_detail(request, pk: int):
    return _recommendation_page(request, _visible_recommendation(request, pk), DismissForm())


def _recommendation_page(request, rec: Recommendation, dismiss_form: DismissForm, status: int = 200):
    return render(
        request,
        "playbook/recommendation.html",
        {
            "rec": rec,
            "actions": access.visible_actions(request.user)
            .filter(recommendation=rec)
            .select_related("owner"),
            "can_manage": access.can_manage_all(request.user),
            "can_plan": access.can_plan(request.user),
            "dismiss_form": dismiss_form,
        },
        status=status,
    )


@login_required
@require_POST
def recommendation_dismiss(request, pk: int):
    rec = _visible_recommendation(request, pk)
    form = DismissForm(request.POST)
    if form.is_valid():
        try:
            services.dismiss_recommendation(request.user, rec, form.cleaned_data["reason"])
        except InputError as error:
            _form_error(form, error)
        else:
            messages.success(request, "Dismissed; the reason is kept with it.")
            return redirect(rec)
    return _recommendation_page(request, rec, form, status=400)


@login_required
@require_POST
def recommendation_reopen(request, pk: int):
    rec = _visible_recommendation(request, pk)
    services.reopen_recommendation(request.user, rec)
    messages.success(request, "Reopened.")
    return redirect(rec)


# ---- actions ---------------------------------------------------------------------------------------------


@login_required
def action_list(request):
    actions = access.visible_actions(request.user).select_related("owner", "programme", "play")
    actions = actions.prefetch_related("teams")
    programme = None
    if str(request.GET.get("programme", "")).isdigit():
        programme = get_object_or_404(Programme, pk=request.GET["programme"])
        actions = actions.filter(programme=programme)
    show = request.GET.get("show", "open")
    if show == "open":
        actions = actions.open()
    elif show == "overdue":
        actions = actions.overdue(services.today())
    elif show in ActionStatus.values:
        actions = actions.filter(status=show)
    return render(
        request,
        "playbook/actions.html",
        {
            "actions": actions.order_by("due", "id"),
            "programme": programme,
            "programmes": Programme.objects.exclude(status="cancelled"),
            "show": show,
            "statuses": ActionStatus.choices,
            "today": services.today(),
            "can_plan": access.can_plan(request.user),
        },
    )


def _visible_action(request, pk: int) -> Action:
    return get_object_or_404(
        access.visible_actions(request.user).select_related("owner", "programme", "play", "recommendation"),
        pk=pk,
    )


@login_required
def action_detail(request, pk: int):
    action = _visible_action(request, pk)
    return _action_page(request, action, StatusForm(initial={"status": action.status}))


def _action_page(request, action: Action, status_form: StatusForm, status: int = 200):
    return render(
        request,
        "playbook/action.html",
        {
            "action": action,
            "teams": action.teams.all(),
            "finding": action.finding(),
            "today": services.today(),
            "can_edit": access.can_edit_action(request.user, action),
            "can_move": access.can_move_action(request.user, action),
            "status_form": status_form,
            "effect": effects.effect_of(action, request.user),
            "helped": services.helped_results(action),
            "updates": action.you_said_we_did.filter(published_on__isnull=False),
        },
        status=status,
    )


def _action_form(request, data=None, initial=None):
    return ActionForm(
        data,
        initial=initial,
        people=Person.objects.active_on(services.today()).order_by("family_name", "given_name"),
        units=access.plannable_units(request.user).order_by("path"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def action_new(request):
    _require(access.can_plan(request.user), "Only admins, change leads and team leaders plan actions.")
    rec = None
    if str(request.GET.get("recommendation", "")).isdigit():
        rec = _visible_recommendation(request, int(request.GET["recommendation"]))
    programme = rec.programme if rec else _programme(request)
    if programme is None:
        raise PermissionDenied("Create a programme first.")
    initial = {"due": services.today() + timedelta(days=14)}
    if rec is not None:
        initial |= {
            "title": rec.play.title + (f" — {rec.unit.name}" if rec.unit_id else ""),
            "play": rec.play_id,
            "teams": [rec.unit_id] if rec.unit_id else [],
            "description": "\n".join(rec.play.action_list()[:2]),
        }
    form = _action_form(request, request.POST or None, initial)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "measure_kind" or v}
        try:
            action = services.create_action(request.user, programme, data, recommendation=rec)
        except InputError as error:
            _form_error(form, error)
        else:
            messages.success(request, f"Planned “{action.title}”.")
            return redirect(action)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "playbook/action_edit.html",
        {"form": form, "action": None, "rec": rec, "programme": programme},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def action_edit(request, pk: int):
    action = _visible_action(request, pk)
    _require(access.can_edit_action(request.user, action), "You cannot change this action.")
    form = _action_form(request, request.POST or None, ActionForm.initial_for(action))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_action(request.user, action, form.cleaned_data)
        except InputError as error:
            _form_error(form, error)
        else:
            messages.success(request, "Saved.")
            return redirect(action)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "playbook/action_edit.html",
        {"form": form, "action": action, "rec": action.recommendation, "programme": action.programme},
        status=status,
    )


@login_required
@require_POST
def action_status(request, pk: int):
    action = _visible_action(request, pk)
    _require(access.can_move_action(request.user, action), "You cannot change this action.")
    form = StatusForm(request.POST)
    if not form.is_valid():
        return _action_page(request, action, form, status=400)
    services.update_action(request.user, action, {"status": form.cleaned_data["status"]})
    messages.success(request, f"Status: {action.get_status_display()}.")
    return redirect(action)


@login_required
@require_POST
def helped(request, pk: int):
    """One-click "did it help?" answer, from the home page (htmx swaps the card's content)."""
    action = get_object_or_404(Action, pk=pk)
    try:
        services.answer_helped(request.user, action, request.POST.get("answer", ""))
    except InputError as error:
        if request.headers.get("HX-Request"):
            return HttpResponse(f'<p role="status">{error.reason.capitalize()}.</p>', status=400)
        messages.error(request, error.reason.capitalize() + ".")
        return redirect("home")
    if request.headers.get("HX-Request"):
        return render(request, "playbook/_helped_thanks.html", {"action": action})
    messages.success(request, "Thank you: your answer is anonymous.")
    return _back(request, "home")


def _back(request, default: str):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(default)


# ---- you said, we did ------------------------------------------------------------------------------------


@login_required
def update_list(request):
    updates = access.visible_updates(request.user).select_related("programme", "action")
    updates = updates.prefetch_related("units").order_by("-published_on", "-id")
    if not access.can_plan(request.user) and not access.can_read_playbook(request.user):
        updates = updates.filter(published_on__isnull=False)
    return render(
        request,
        "playbook/updates.html",
        {"updates": updates, "can_plan": access.can_plan(request.user)},
    )


def _visible_update(request, pk: int) -> YouSaidWeDid:
    return get_object_or_404(
        access.visible_updates(request.user).select_related("programme", "action"), pk=pk
    )


@login_required
def update_detail(request, pk: int):
    update = _visible_update(request, pk)
    return render(
        request,
        "playbook/update.html",
        {
            "update": update,
            "units": update.units.all(),
            "can_edit": access.can_edit_update(request.user, update),
        },
    )


def _update_form(request, data=None, initial=None):
    return UpdateForm(
        data,
        initial=initial,
        units=access.plannable_units(request.user).order_by("path"),
        actions=access.visible_actions(request.user).order_by("-id"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def update_edit(request, pk: int | None = None):
    _require(access.can_plan(request.user), "Only admins, change leads and team leaders write updates.")
    update = _visible_update(request, pk) if pk else YouSaidWeDid()
    if pk:
        _require(access.can_edit_update(request.user, update), "You cannot change this update.")
        initial = {
            "programme": update.programme_id,
            "title": update.title,
            "you_said": update.you_said,
            "we_did": update.we_did,
            "units": list(update.units.values_list("pk", flat=True)),
            "action": update.action_id,
        }
    else:
        initial = _initial_from_action(request)
    form = _update_form(request, request.POST or None, initial)
    if request.method == "POST" and form.is_valid():
        try:
            update = services.save_update(request.user, update, form.cleaned_data)
        except InputError as error:
            _form_error(form, error)
        else:
            messages.success(
                request, "Saved. Publish it when it is ready." if not update.is_published else "Saved."
            )
            return redirect(update)
    status = 400 if request.method == "POST" else 200
    return render(request, "playbook/update_edit.html", {"form": form, "update": update}, status=status)


def _initial_from_action(request) -> dict:
    """A new update reporting an action starts from what the action answered and what was done."""
    if not str(request.GET.get("action", "")).isdigit():
        programme = _programme(request)
        return {"programme": programme.pk if programme else None}
    action = _visible_action(request, int(request.GET["action"]))
    return {
        "programme": action.programme_id,
        "title": action.title,
        "you_said": action.evidence_text,
        "we_did": action.description,
        "units": list(action.teams.values_list("pk", flat=True)),
        "action": action.pk,
    }


@login_required
@require_POST
def update_publish(request, pk: int):
    update = _visible_update(request, pk)
    _require(access.can_edit_update(request.user, update), "You cannot publish this update.")
    try:
        sent = services.publish_update(request.user, update)
    except InputError as error:
        messages.error(request, f"Not published: {error.reason}.")
    else:
        messages.success(request, f"Published to {sent} people's news feeds and home pages.")
    return redirect(update)
