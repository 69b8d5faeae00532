"""Who may see what. Pages and the API both ask these functions, so the rules live in one place.

- admin, change lead and sponsor see the whole organisation;
- a team leader sees the units they lead and everything below them;
- an employee sees their own profile.
"""

from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet

from .models import Person, Role, Unit, User

ORG_WIDE_ROLES = {Role.ADMIN, Role.CHANGE_LEAD, Role.SPONSOR}


def role_of(user) -> str | None:
    """The user's role, with Django superusers treated as admins; None for anonymous visitors."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Role.ADMIN if user.is_superuser else user.role


def has_role(user, *roles: str) -> bool:
    return role_of(user) in roles


def led_units(user: User) -> QuerySet[Unit]:
    """The units a team leader leads directly (their scope roots)."""
    if not user.person_id:
        return Unit.objects.none()
    return Unit.objects.filter(leader_id=user.person_id)


def visible_units(user) -> QuerySet[Unit]:
    """Units whose people and results the user may see."""
    role = role_of(user)
    if role in ORG_WIDE_ROLES:
        return Unit.objects.all()
    if role == Role.TEAM_LEADER:
        roots = list(led_units(user).values_list("path", flat=True))
        if not roots:
            return Unit.objects.none()
        return Unit.objects.filter(reduce(or_, (Q(path__startswith=path) for path in roots)))
    return Unit.objects.none()


def visible_people(user) -> QuerySet[Person]:
    """People the user may look up. Employees see only themselves."""
    role = role_of(user)
    if role in ORG_WIDE_ROLES:
        return Person.objects.all()
    if role == Role.TEAM_LEADER:
        return Person.objects.filter(unit__in=visible_units(user))
    if role == Role.EMPLOYEE and user.person_id:
        return Person.objects.filter(pk=user.person_id)
    return Person.objects.none()


def can_see_unit(user, unit: Unit) -> bool:
    return visible_units(user).filter(pk=unit.pk).exists()


def can_see_person(user, person: Person) -> bool:
    return visible_people(user).filter(pk=person.pk).exists()


def can_manage_org(user) -> bool:
    """Import people, edit units and read the audit log."""
    return has_role(user, Role.ADMIN)
