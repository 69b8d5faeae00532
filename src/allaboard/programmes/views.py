"""Programme pages: list, detail (the rationale in plain words), create/edit, and "what changes for me"."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from allaboard.org import audit

from . import access, services
from .forms import BenefitFormSet, ImpactFormSet, MilestoneFormSet, ProgrammeForm
from .models import Programme


@login_required
def programme_list(request):
    programmes = access.visible_programmes(request.user).prefetch_related("sponsors", "impacts", "milestones")
    return render(
        request,
        "programmes/list.html",
        {"programmes": programmes, "can_edit": access.can_edit_programmes(request.user)},
    )


@login_required
def programme_detail(request, pk: int):
    programme = get_object_or_404(access.visible_programmes(request.user), pk=pk)
    return render(
        request,
        "programmes/detail.html",
        {
            "programme": programme,
            "impacts": programme.impacts.select_related("unit", "job_role"),
            "can_edit": access.can_edit_programmes(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def programme_edit(request, pk: int | None = None):
    if not access.can_edit_programmes(request.user):
        raise PermissionDenied("Only change leads and admins can create or edit programmes.")
    programme = get_object_or_404(Programme, pk=pk) if pk else Programme()
    before = services.programme_snapshot(programme)
    form = ProgrammeForm(request.POST or None, instance=programme)
    formsets = {
        "benefits": BenefitFormSet(request.POST or None, instance=programme, prefix="benefits"),
        "impacts": ImpactFormSet(request.POST or None, instance=programme, prefix="impacts"),
        "milestones": MilestoneFormSet(request.POST or None, instance=programme, prefix="milestones"),
    }
    if request.method == "POST" and form.is_valid() and all(f.is_valid() for f in formsets.values()):
        with transaction.atomic():
            programme = form.save()
            for formset in formsets.values():
                formset.instance = programme
                formset.save()
            after = services.programme_snapshot(programme)
            audit.record(request.user, "update" if pk else "create", programme, audit.diff(before, after))
        messages.success(request, f"Saved {programme.name}.")
        return redirect(programme)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "programmes/edit.html",
        {"form": form, "formsets": formsets, "programme": programme},
        status=status,
    )


@login_required
def what_changes_for_me(request):
    """An employee's view: for each live programme touching their team, what changes for them and why."""
    person = request.user.person
    changes = services.changes_for_person(person) if person else []
    return render(request, "programmes/mine.html", {"changes": changes, "person": person})
