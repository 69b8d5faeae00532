"""Home-page panels from listening."""

from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.utils import timezone

from allaboard.org.models import Role

from . import results
from .models import Invitation, Wave, WaveStatus


def surveys_panel(request, role):
    """Leaders: open waves with their participation, and the latest results."""
    if not results.can_read_results(request.user):
        return None
    open_waves = list(Wave.objects.filter(status=WaveStatus.OPEN).select_related("survey")[:5])
    rows = []
    for wave in open_waves:
        try:
            mine, _ = results.participation(request.user, wave)
        except PermissionDenied:  # a team leader who leads no team
            return None
        rows.append((wave, mine))
    latest = Wave.objects.filter(published=True).select_related("survey").order_by("-closes").first()
    return render_to_string(
        "listening/panel_surveys.html",
        {"rows": rows, "latest": latest, "can_manage": role in (Role.ADMIN, Role.CHANGE_LEAD)},
        request=request,
    )


def my_surveys_panel(request, role):
    """Anyone invited: the pulses open for them (they answer from the link in their email)."""
    person_id = getattr(request.user, "person_id", None)
    if not person_id:
        return None
    today = timezone.localdate()
    pending = list(
        Invitation.objects.filter(
            person_id=person_id, responded=False, wave__status=WaveStatus.OPEN, wave__closes__gte=today
        ).select_related("wave__survey")
    )
    if not pending:
        return None
    return render_to_string("listening/panel_mine.html", {"pending": pending}, request=request)
