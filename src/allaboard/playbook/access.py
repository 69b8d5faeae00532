"""Who may see and change what in the playbook. Pages and the API both ask these functions.

- admins and change leads manage everything: plays, rules, recommendations, actions, updates;
- sponsors read everything and see what is overdue;
- team leaders see recommendations, actions and updates for their teams, and manage those;
- an action's owner may move its status along;
- employees see the "you said, we did" updates for their teams and answer "did it help?".
"""

from django.db.models import Q, QuerySet

from allaboard.org.access import ORG_WIDE_ROLES, has_role, role_of, visible_units
from allaboard.org.models import Role, Unit

from .models import Action, Recommendation, YouSaidWeDid

MANAGERS = (Role.ADMIN, Role.CHANGE_LEAD)
READERS = (Role.ADMIN, Role.CHANGE_LEAD, Role.SPONSOR, Role.TEAM_LEADER)


def can_manage_all(user) -> bool:
    """Edit plays and rules, refresh and dismiss recommendations, manage any action or update."""
    return has_role(user, *MANAGERS)


def can_read_playbook(user) -> bool:
    return has_role(user, *READERS)


def can_plan(user) -> bool:
    """Create actions and updates (team leaders: for their own teams only)."""
    return has_role(user, Role.ADMIN, Role.CHANGE_LEAD, Role.TEAM_LEADER)


def plannable_units(user) -> QuerySet[Unit]:
    """Units the user may name as the teams of an action or update."""
    if can_manage_all(user):
        return Unit.objects.all()
    if has_role(user, Role.TEAM_LEADER):
        return visible_units(user)
    return Unit.objects.none()


def within_scope(user, units) -> bool:
    """Every unit given is one the user may plan for."""
    ids = {u.pk if isinstance(u, Unit) else int(u) for u in units}
    return bool(ids) and plannable_units(user).filter(pk__in=ids).count() == len(ids)


def visible_recommendations(user) -> QuerySet[Recommendation]:
    role = role_of(user)
    if role in ORG_WIDE_ROLES:
        return Recommendation.objects.all()
    if role == Role.TEAM_LEADER:
        return Recommendation.objects.filter(unit__in=visible_units(user))
    return Recommendation.objects.none()


def visible_actions(user) -> QuerySet[Action]:
    """Org-wide roles see every action; team leaders those touching their teams; anyone their own."""
    role = role_of(user)
    if role in ORG_WIDE_ROLES:
        return Action.objects.all()
    own = Q(owner_id=user.person_id) if getattr(user, "person_id", None) else Q(pk__in=[])
    if role == Role.TEAM_LEADER:
        touching = Action.objects.filter(teams__in=visible_units(user)).values("pk")
        return Action.objects.filter(Q(pk__in=touching) | own)
    if role == Role.EMPLOYEE:
        return Action.objects.filter(own)
    return Action.objects.none()


def can_edit_action(user, action: Action) -> bool:
    """Change everything about the action: managers, or a team leader when all its teams are theirs."""
    if can_manage_all(user):
        return True
    return has_role(user, Role.TEAM_LEADER) and within_scope(user, action.teams.all())


def can_move_action(user, action: Action) -> bool:
    """Change the status: whoever may edit it, and its owner."""
    if can_edit_action(user, action):
        return True
    return bool(getattr(user, "person_id", None)) and action.owner_id == user.person_id


def units_concerning(user) -> list[int]:
    """Ids of the units whose updates concern the user: their own unit, every unit above it, and for team
    leaders the units they lead and everything above them."""
    units = []
    if getattr(user, "person_id", None):
        units.append(user.person.unit)
    if has_role(user, Role.TEAM_LEADER):
        units.extend(visible_units(user))
    ids: set[int] = set()
    for unit in units:
        ids.update(int(part) for part in unit.path.split(".") if part)
    return sorted(ids)


def visible_updates(user) -> QuerySet[YouSaidWeDid]:
    """Org-wide roles see every update, drafts too; team leaders theirs and drafts for their teams; everyone
    else the published updates for their own team and the units above it."""
    role = role_of(user)
    if role is None:
        return YouSaidWeDid.objects.none()
    if role in ORG_WIDE_ROLES:
        return YouSaidWeDid.objects.all()
    published = YouSaidWeDid.objects.filter(published_on__isnull=False, units__in=units_concerning(user))
    if role == Role.TEAM_LEADER:
        drafts = YouSaidWeDid.objects.filter(units__in=visible_units(user))
        return YouSaidWeDid.objects.filter(Q(pk__in=published.values("pk")) | Q(pk__in=drafts.values("pk")))
    return YouSaidWeDid.objects.filter(pk__in=published.values("pk"))


def can_edit_update(user, update: YouSaidWeDid) -> bool:
    if can_manage_all(user):
        return True
    return has_role(user, Role.TEAM_LEADER) and within_scope(user, update.units.all())
