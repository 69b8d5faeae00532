"""Home-page cards: the idea box promise for everyone, overdue ideas for change leads."""

from django.template.loader import render_to_string

from . import access, services


def ideas_panel(request, role):
    rate = services.on_time_rate()
    recent = list(services.visible_ideas(request.user).exclude(status="merged")[:3])
    return render_to_string("voice/panel_ideas.html", {"rate": rate, "recent": recent}, request=request)


def overdue_panel(request, role):
    if not access.can_manage(request.user):
        return None
    overdue = list(services.overdue_ideas()[:5])
    if not overdue:
        return None
    return render_to_string("voice/panel_overdue.html", {"overdue": overdue}, request=request)
