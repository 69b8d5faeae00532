"""Who may see and change customer feedback. Pages and API ask these functions.

- Admins, change leads and sponsors see every team-level figure (teams, sites, partners, channels, themes,
  change impact, linkage); team leaders see the units they lead and everything below them.
- Customer feedback is about customers, so the employee anonymity threshold does not apply to customer
  scores; figures on few answers are shown greyed as not reliable instead (conf.min_sample()).
- Figures about one agent are performance information: only the agent, the leaders of the agent's team and
  of the units above it, and change leads see them. Admins and sponsors do not, unless they lead the agent.
- Linkage (team readiness against customer outcomes) compares many teams' employee measures, so it is for
  organisation-wide roles only.
- Admins and change leads import feedback (pages and API).
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied

from allaboard.org.access import ORG_WIDE_ROLES, has_role, role_of, visible_units
from allaboard.org.models import Person, Role, Unit

IMPORTERS = (Role.ADMIN, Role.CHANGE_LEAD)
READERS = (Role.ADMIN, Role.CHANGE_LEAD, Role.SPONSOR, Role.TEAM_LEADER)
AGENT_READERS = (Role.CHANGE_LEAD,)


@dataclass(frozen=True)
class Scope:
    """What a page shows: `unit` (None: the whole organisation) and the ids of the units it covers
    (None: every unit, no filter needed)."""

    unit: Unit | None
    unit_ids: list[int] | None

    @property
    def whole_organisation(self) -> bool:
        return self.unit_ids is None


def can_import(user) -> bool:
    return has_role(user, *IMPORTERS)


def require_importer(user) -> None:
    if not can_import(user):
        raise PermissionDenied("Only admins and change leads import customer feedback.")


def can_read(user) -> bool:
    return has_role(user, *READERS)


def require_reader(user) -> None:
    if not can_read(user):
        raise PermissionDenied("Customer figures are for leaders; see your own under My customer feedback.")


def can_see_linkage(user) -> bool:
    return role_of(user) in ORG_WIDE_ROLES


def require_linkage(user) -> None:
    if not can_see_linkage(user):
        raise PermissionDenied(
            "The readiness and customer linkage compares all teams; it is for change leads."
        )


def scope_for(user, unit_id: int | None = None) -> Scope:
    """The scope a reader asked for, checked: a unit and everything below it, or everything they may see."""
    require_reader(user)
    org_wide = role_of(user) in ORG_WIDE_ROLES
    if unit_id is None:
        if org_wide:
            return Scope(None, None)
        units = list(visible_units(user).values_list("pk", flat=True))
        if not units:
            raise PermissionDenied("You lead no team.")
        roots = Unit.objects.filter(leader_id=user.person_id).order_by("depth", "path")
        return Scope(roots.first() if len(roots) == 1 else None, units)
    unit = visible_units(user).filter(pk=unit_id).first()
    if unit is None:
        raise PermissionDenied("That unit is outside what you can see.")
    return Scope(unit, list(unit.subtree().values_list("pk", flat=True)))


def leads_person(user, person: Person) -> bool:
    """True when the user leads the person's unit or a unit above it."""
    if not getattr(user, "person_id", None):
        return False
    chain = [int(part) for part in person.unit.path.split(".") if part]
    return Unit.objects.filter(pk__in=chain, leader_id=user.person_id).exists()


def can_see_agent(user, person: Person) -> bool:
    if role_of(user) is None:
        return False
    if user.person_id == person.pk or has_role(user, *AGENT_READERS):
        return True
    return leads_person(user, person)


def require_agent(user, person: Person) -> None:
    if not can_see_agent(user, person):
        raise PermissionDenied("Figures about one agent are for the agent, their leaders and change leads.")


def can_see_agents_of(user, unit: Unit) -> bool:
    """May the user list the agents of this unit with their figures?"""
    if has_role(user, *AGENT_READERS):
        return True
    if not getattr(user, "person_id", None):
        return False
    chain = [int(part) for part in unit.path.split(".") if part]
    return Unit.objects.filter(pk__in=chain, leader_id=user.person_id).exists()


def agent_unit_ids(user) -> set[int] | None:
    """Units whose agents the user may list: None for all (change leads), else the subtrees they lead."""
    if has_role(user, *AGENT_READERS):
        return None
    if not getattr(user, "person_id", None):
        return set()
    paths = list(Unit.objects.filter(leader_id=user.person_id).values_list("path", flat=True))
    if not paths:
        return set()
    from functools import reduce
    from operator import or_

    from django.db.models import Q

    return set(
        Unit.objects.filter(reduce(or_, (Q(path__startswith=p) for p in paths))).values_list("pk", flat=True)
    )


def visible_units_for_filter(user):
    """Units a reader may narrow the pages to: everything for organisation-wide roles, else their scope."""
    if role_of(user) in ORG_WIDE_ROLES:
        return Unit.objects.order_by("path")
    return visible_units(user).order_by("path")
