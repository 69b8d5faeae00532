"""Home-page panels: "did it help?", "you said, we did", my actions, overdue actions, open recommendations."""

from django.template.loader import render_to_string

from allaboard.org.models import Role

from . import access, services
from .models import Recommendation, RecommendationStatus


def helped_panel(request, role):
    """One-click "did it help?" for actions in the person's team that started a month ago."""
    actions = list(services.helped_questions_for(request.user)[:3])
    if not actions:
        return None
    return render_to_string("playbook/panel_helped.html", {"actions": actions}, request=request)


def you_said_we_did_panel(request, role):
    if role not in (Role.EMPLOYEE, Role.TEAM_LEADER):
        return None
    updates = list(services.updates_for(request.user)[:3])
    if not updates:
        return None
    return render_to_string("playbook/panel_updates.html", {"updates": updates}, request=request)


def my_actions_panel(request, role):
    if not request.user.person_id:
        return None
    actions = list(
        access.visible_actions(request.user)
        .open()
        .filter(owner_id=request.user.person_id)
        .select_related("programme")
        .order_by("due")[:5]
    )
    if not actions:
        return None
    return render_to_string(
        "playbook/panel_my_actions.html", {"actions": actions, "today": services.today()}, request=request
    )


def overdue_panel(request, role):
    """Change leads and sponsors see every overdue action; team leaders those for their teams."""
    if role not in (Role.ADMIN, Role.CHANGE_LEAD, Role.SPONSOR, Role.TEAM_LEADER):
        return None
    overdue = services.overdue_actions(request.user)
    count = overdue.count()
    if role == Role.TEAM_LEADER and not count:
        return None
    return render_to_string(
        "playbook/panel_overdue.html",
        {"actions": list(overdue[:5]), "count": count, "today": services.today()},
        request=request,
    )


def recommendations_panel(request, role):
    if role not in (Role.ADMIN, Role.CHANGE_LEAD):
        return None
    open_recs = Recommendation.objects.filter(status=RecommendationStatus.OPEN, current=True)
    by_play = services.count_by_play(open_recs)
    return render_to_string(
        "playbook/panel_recommendations.html",
        {"count": sum(n for *_, n in by_play), "by_play": by_play[:5]},
        request=request,
    )
