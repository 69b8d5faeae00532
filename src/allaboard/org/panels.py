"""Home-page panels from the organisation app."""

from django.template.loader import render_to_string

from . import access
from .models import AuditEntry, Person, Role, Unit


def admin_panel(request, role):
    if role != Role.ADMIN:
        return None
    return render_to_string(
        "org/panel_admin.html",
        {
            "people": Person.objects.count(),
            "units": Unit.objects.count(),
            "recent": AuditEntry.objects.select_related("actor")[:5],
        },
        request=request,
    )


def my_teams_panel(request, role):
    if role != Role.TEAM_LEADER:
        return None
    return render_to_string(
        "org/panel_my_teams.html",
        {
            "teams": access.led_units(request.user),
            "people": access.visible_people(request.user).count(),
        },
        request=request,
    )


def my_profile_panel(request, role):
    if role != Role.EMPLOYEE or not request.user.person_id:
        return None
    return render_to_string("org/panel_profile.html", {"person": request.user.person}, request=request)
