"""Home-page card: adoption of the tools in the leader's scope, and stalled teams."""

from django.template.loader import render_to_string

from . import access, services


def adoption_panel(request, role):
    if not access.can_read(request.user):
        return None
    rows = services.overview_rows(request.user, services.today())
    if not rows:
        return None
    return render_to_string("adoption/panel.html", {"rows": rows}, request=request)
