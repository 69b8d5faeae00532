"""Who may see and change programmes."""

from allaboard.org.access import has_role, role_of
from allaboard.org.models import Role

from .models import Programme


def can_edit_programmes(user) -> bool:
    return has_role(user, Role.ADMIN, Role.CHANGE_LEAD)


def visible_programmes(user):
    """Leaders see every programme; employees see the live ones that touch their unit (via impacts_for_person)."""
    role = role_of(user)
    if role in (Role.ADMIN, Role.CHANGE_LEAD, Role.SPONSOR, Role.TEAM_LEADER):
        return Programme.objects.all()
    if role == Role.EMPLOYEE and user.person_id:
        from .services import impacts_for_person

        ids = impacts_for_person(user.person).values_list("programme_id", flat=True)
        return Programme.objects.filter(pk__in=ids)
    return Programme.objects.none()
