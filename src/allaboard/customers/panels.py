"""Home-page cards: customer figures for leaders, an agent's own compliments for agents."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string

from allaboard.org.models import Role

from . import access, services
from .models import Feedback

LEADERS = {Role.ADMIN, Role.CHANGE_LEAD, Role.SPONSOR, Role.TEAM_LEADER}


def customers_panel(request, role):
    if role not in LEADERS:
        return None
    try:
        scope = access.scope_for(request.user)
    except PermissionDenied:
        return None
    window = services.last_days(28)
    result = services.summary(window, scope.unit_ids)
    if not result.figures.volume and not result.previous.volume:
        return None
    return render_to_string(
        "customers/panel_customers.html", {"summary": result, "scope": scope}, request=request
    )


def my_feedback_panel(request, role):
    person_id = getattr(request.user, "person_id", None)
    if role not in (Role.EMPLOYEE, Role.TEAM_LEADER) or not person_id:
        return None
    window = services.last_days(90)
    if not Feedback.objects.filter(person_id=person_id, date__gte=window.start).exists():
        return None
    praise = services.compliments(window.start, person_ids=[person_id], limit=3)
    total = len(services.compliments(window.start, person_ids=[person_id]))
    return render_to_string(
        "customers/panel_mine.html",
        {
            "compliments": praise,
            "total": total,
            "since": window.start,
            "days": (window.end - window.start + timedelta(days=1)).days,
        },
        request=request,
    )
