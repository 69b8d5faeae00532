"""Who may do what in voice. Pages and the API ask these functions, so the rules live in one place.

- everyone logged in with a person: submit, discuss and vote on ideas, give kudos, answer consultations put
  to their team, report a post;
- admins and change leads: answer ideas (the status pipeline), merge duplicates, turn ideas into actions or
  experiments, run consultations, publish wins, manage champions and settings;
- team leaders also run experiments for their own teams and see recognition coverage of their teams;
- sponsors read everything leaders read;
- admins hide reported posts.
"""

from django.db.models import QuerySet

from allaboard.org.access import has_role, role_of, visible_units
from allaboard.org.models import Role, Unit

LEADER_ROLES = (Role.ADMIN, Role.CHANGE_LEAD, Role.SPONSOR, Role.TEAM_LEADER)


def can_manage(user) -> bool:
    """Answer ideas, merge, run consultations, publish wins, manage champions and settings."""
    return has_role(user, Role.ADMIN, Role.CHANGE_LEAD)


def can_run_experiments(user) -> bool:
    return has_role(user, Role.ADMIN, Role.CHANGE_LEAD, Role.TEAM_LEADER)


def is_leader(user) -> bool:
    return role_of(user) in LEADER_ROLES


def can_moderate(user) -> bool:
    return has_role(user, Role.ADMIN)


def can_export(user) -> bool:
    return has_role(user, Role.ADMIN, Role.CHANGE_LEAD)


def coverage_units(user) -> QuerySet[Unit]:
    """Teams whose recognition coverage the user may see: a team leader's own teams, everyone's for
    org-wide roles."""
    if not is_leader(user):
        return Unit.objects.none()
    return visible_units(user).filter(kind="team")


def experiment_units(user) -> QuerySet[Unit]:
    if has_role(user, Role.ADMIN, Role.CHANGE_LEAD):
        return Unit.objects.all()
    if has_role(user, Role.TEAM_LEADER):
        return visible_units(user)
    return Unit.objects.none()
