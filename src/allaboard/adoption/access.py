"""Who may see and change adoption data. Pages and API ask these functions.

- Leaders (admins, change leads, sponsors, team leaders) see aggregate adoption; team leaders only for the
  units they lead and below. Aggregates of fewer people than the anonymity minimum are not shown.
- Figures about one person (their use, their adopter category) are for the person, the leaders of their
  unit and the units above it, and change leads.
- Admins and change leads send usage data (API, file), record direction decisions and triage defects.
- Everybody may report a defect, anonymously if they choose.
"""

from django.core.exceptions import PermissionDenied

from allaboard.org.access import ORG_WIDE_ROLES, has_role, role_of, visible_units
from allaboard.org.models import Person, Role, Unit

MANAGERS = (Role.ADMIN, Role.CHANGE_LEAD)
READERS = (Role.ADMIN, Role.CHANGE_LEAD, Role.SPONSOR, Role.TEAM_LEADER)


def require(allowed: bool, why: str = "You do not have permission for this.") -> None:
    if not allowed:
        raise PermissionDenied(why)


def can_manage(user) -> bool:
    return has_role(user, *MANAGERS)


def require_manager(user) -> None:
    require(can_manage(user), "Only admins and change leads manage adoption data.")


def can_read(user) -> bool:
    return has_role(user, *READERS)


def require_reader(user) -> None:
    require(can_read(user), "Adoption figures are for leaders; see your own under My tool use.")


def is_org_wide(user) -> bool:
    return role_of(user) in ORG_WIDE_ROLES


def unit_ids_for(user) -> set[int] | None:
    """Units whose aggregates the user may see: None for every unit (organisation-wide roles)."""
    require_reader(user)
    if is_org_wide(user):
        return None
    return set(visible_units(user).values_list("pk", flat=True))


def require_unit(user, unit: Unit) -> None:
    ids = unit_ids_for(user)
    require(ids is None or unit.pk in ids, "That team is outside what you can see.")


def can_see_person(user, person: Person) -> bool:
    if role_of(user) is None:
        return False
    if user.person_id == person.pk or has_role(user, Role.CHANGE_LEAD):
        return True
    return leads_unit(user, person.unit)


def require_person(user, person: Person) -> None:
    require(
        can_see_person(user, person),
        "Figures about one person are for them, their leaders and change leads.",
    )


def leads_unit(user, unit: Unit) -> bool:
    """True when the user leads the unit or a unit above it."""
    if not getattr(user, "person_id", None):
        return False
    chain = [int(part) for part in unit.path.split(".") if part]
    return Unit.objects.filter(pk__in=chain, leader_id=user.person_id).exists()


def can_see_people_of(user, unit: Unit) -> bool:
    """May the user list the people of this unit one by one?"""
    return has_role(user, Role.CHANGE_LEAD) or leads_unit(user, unit)
