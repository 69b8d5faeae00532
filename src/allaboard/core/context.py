"""Template context shared by every page: the navigation that fits the user's role."""

from django.urls import NoReverseMatch, reverse

from allaboard.org.access import role_of
from allaboard.org.models import Role

# (label, url name, roles that see it). Apps add their own entries through NAVIGATION in their apps.py.
CORE_NAVIGATION = [
    ("Home", "home", None),
    ("Organisation", "org:units", {Role.ADMIN, Role.CHANGE_LEAD, Role.SPONSOR, Role.TEAM_LEADER}),
    ("Programmes", "programmes:list", {Role.ADMIN, Role.CHANGE_LEAD, Role.SPONSOR, Role.TEAM_LEADER}),
    ("What changes for me", "programmes:mine", {Role.EMPLOYEE, Role.TEAM_LEADER}),
]


def navigation(request):
    from django.apps import apps

    role = role_of(request.user)
    if role is None:
        return {}
    entries = list(CORE_NAVIGATION)
    for config in apps.get_app_configs():
        entries.extend(getattr(config, "navigation", []))
    items = []
    for label, url_name, roles in entries:
        if roles is not None and role not in roles:
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        items.append(
            {
                "label": label,
                "url": url,
                "active": request.path == url or (url != "/" and request.path.startswith(url)),
            }
        )
    return {"nav_items": items, "user_role": role, "user_role_label": Role(role).label}
