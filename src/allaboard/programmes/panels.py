"""Home-page panels from the programmes app."""

from django.template.loader import render_to_string

from allaboard.org.models import Role

from . import access, services
from .models import Programme


def programmes_panel(request, role):
    if role in (Role.ADMIN, Role.CHANGE_LEAD):
        programmes, title = Programme.objects.exclude(status="cancelled"), "Change programmes"
    elif role == Role.SPONSOR and request.user.person_id:
        programmes, title = request.user.person.sponsored_programmes.all(), "Programmes you sponsor"
    else:
        return None
    programmes = programmes.prefetch_related("milestones")[:8]
    return render_to_string(
        "programmes/panel_programmes.html",
        {
            "programmes": programmes,
            "title": title,
            "can_edit": access.can_edit_programmes(request.user),
        },
        request=request,
    )


def what_changes_panel(request, role):
    if role not in (Role.EMPLOYEE, Role.TEAM_LEADER) or not request.user.person_id:
        return None
    impacts = services.impacts_for_person(request.user.person)[:4]
    return render_to_string("programmes/panel_mine.html", {"impacts": impacts}, request=request)
