"""Who may do what in communications. Pages and the API ask these functions."""

from django.core.exceptions import PermissionDenied

from allaboard.org.access import has_role, visible_units
from allaboard.org.models import Role

from .models import Delivery, Message

LEADER_ROLES = (Role.ADMIN, Role.CHANGE_LEAD, Role.SPONSOR, Role.TEAM_LEADER)


def is_leader(user) -> bool:
    """Leaders write messages, read reach and answer questions."""
    return has_role(user, *LEADER_ROLES)


def runs_comms(user) -> bool:
    """Admins and change leads run communications for the whole organisation: channels, deliveries,
    essential messages, the standard sequence, moderating questions."""
    return has_role(user, Role.ADMIN, Role.CHANGE_LEAD)


def require_leader(user) -> None:
    if not is_leader(user):
        raise PermissionDenied("Only leaders can do this.")


def require_runs_comms(user) -> None:
    if not runs_comms(user):
        raise PermissionDenied("Only change leads and admins can do this.")


def can_edit_message(user, message: Message) -> bool:
    return runs_comms(user) or (is_leader(user) and message.author_id == user.pk)


def require_edit(user, message: Message) -> None:
    if not can_edit_message(user, message):
        raise PermissionDenied("Only the author, a change lead or an admin can change this message.")


def audience_scope(user):
    """Units a leader may address: everything for org-wide roles, their own teams for team leaders."""
    return visible_units(user)


def is_recipient(user, message: Message) -> bool:
    return (
        bool(user.person_id)
        and Delivery.objects.filter(
            person_id=user.person_id,
            source_type__model="message",
            source_type__app_label="comms",
            source_id=str(message.pk),
        ).exists()
    )
