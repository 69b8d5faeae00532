"""Who may do what in capability. Pages and API ask these functions, so the rules live in one place.

- Training catalogue: everyone reads it; admins and change leads manage courses, sessions, attendance and
  imports. xAPI statements come from an integrator's admin token.
- Training metrics: org-wide roles see the whole organisation; a team leader sees their own teams.
- Individual training records (enrolments): admins and change leads, who run training, see everyone's; a
  team leader sees their own people's; everyone else, sponsors included, only their own. A sponsor reads
  training through the metrics, which hide small groups.
- Coaching conversations are personal data: only a team leader whose teams include the person reads or
  writes them. Change leads, sponsors and admins see coverage counts per team, never the notes. An agent
  sees their own agreed actions and nothing else.
- Decision rights: everyone reads the rights; admins and change leads define them; anyone uses a right
  held by their job role and may ask for an exception; a team leader over the requester decides it.
- Commitments: leaders (not employees) see everyone's commitments; a leader logs actions on their own.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from allaboard.org import access as org_access
from allaboard.org.models import Person, Role

from .models import CoachingConversation, Commitment, ExceptionRequest

MANAGERS = {Role.ADMIN, Role.CHANGE_LEAD}
LEADERS = {Role.ADMIN, Role.CHANGE_LEAD, Role.SPONSOR, Role.TEAM_LEADER}


def require(condition: bool, message: str = "You do not have permission for this.") -> None:
    if not condition:
        raise PermissionDenied(message)


def can_manage_training(user) -> bool:
    return org_access.has_role(user, *MANAGERS)


def can_ingest_xapi(user) -> bool:
    return org_access.has_role(user, Role.ADMIN)


def can_see_metrics(user) -> bool:
    return org_access.has_role(user, *LEADERS)


def has_org_wide_view(user) -> bool:
    return org_access.has_role(user, *org_access.ORG_WIDE_ROLES)


def metric_units(user):
    """Units whose people count in the user's training metrics."""
    return org_access.visible_units(user)


def training_record_people(user) -> QuerySet[Person]:
    """The people whose individual enrolments this user may read."""
    if can_manage_training(user):
        return Person.objects.all()
    if org_access.has_role(user, Role.TEAM_LEADER):
        return org_access.visible_people(user)
    if getattr(user, "person_id", None):
        return Person.objects.filter(pk=user.person_id)
    return Person.objects.none()


# --- coaching ---------------------------------------------------------------------------------------------


def can_coach(user) -> bool:
    return org_access.has_role(user, Role.TEAM_LEADER) and bool(user.person_id)


def coachable_people(user) -> QuerySet[Person]:
    """The people a team leader may coach: those in their teams, not themselves."""
    if not can_coach(user):
        return Person.objects.none()
    return org_access.visible_people(user).exclude(pk=user.person_id)


def visible_conversations(user) -> QuerySet[CoachingConversation]:
    if not can_coach(user):
        return CoachingConversation.objects.none()
    return CoachingConversation.objects.filter(person__in=coachable_people(user))


def can_see_coverage(user) -> bool:
    return org_access.has_role(user, *LEADERS)


# --- decision autonomy ------------------------------------------------------------------------------------


def can_manage_rights(user) -> bool:
    return org_access.has_role(user, *MANAGERS)


def decidable_exceptions(user) -> QuerySet[ExceptionRequest]:
    """Exception requests this user may approve or decline."""
    if not can_coach(user):
        return ExceptionRequest.objects.none()
    return ExceptionRequest.objects.filter(person__in=coachable_people(user))


def can_see_decision_report(user) -> bool:
    return org_access.has_role(user, *LEADERS)


# --- leading by example -----------------------------------------------------------------------------------


def can_see_commitments(user) -> bool:
    return org_access.has_role(user, *LEADERS)


def can_commit(user) -> bool:
    return org_access.has_role(user, *LEADERS) and bool(user.person_id)


def owns_commitment(user, commitment: Commitment) -> bool:
    return bool(user.person_id) and commitment.leader_id == user.person_id
