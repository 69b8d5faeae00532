"""Home-page panels from capability."""

from django.template.loader import render_to_string

from allaboard.org.models import Role

from . import access, services


def training_panel(request, role):
    if not access.can_see_metrics(request.user):
        return None
    today = services.today()
    series = services.reportable_trained_series(services.people_in_scope(request.user), [today])
    latest = series.groups[0] if series.groups else None
    return render_to_string(
        "capability/panel_training.html",
        {
            "trained": latest.trained[0] if latest else 0,
            "hidden": bool(latest and latest.hidden[0]),
            "active": latest.active[0] if latest else 0,
            "percent": latest.latest if latest else None,
        },
        request=request,
    )


def coaching_panel(request, role):
    if role != Role.TEAM_LEADER or not access.can_coach(request.user):
        return None
    due = services.coaching_due(access.coachable_people(request.user))
    overdue = services.overdue_follow_ups(access.visible_conversations(request.user)).count()
    return render_to_string(
        "capability/panel_coaching.html", {"due": len(due), "overdue": overdue}, request=request
    )


def my_actions_panel(request, role):
    if role != Role.EMPLOYEE or not request.user.person_id:
        return None
    actions = services.my_actions(request.user.person).filter(done_on__isnull=True)
    return render_to_string(
        "capability/panel_actions.html", {"actions": actions[:5], "today": services.today()}, request=request
    )
