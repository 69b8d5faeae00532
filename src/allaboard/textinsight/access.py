"""Who may see comments and their analysis.

- Change leads and admins read individual (redacted) comments, correct tags, and see model quality and
  emerging themes, organisation-wide.
- Sponsors and team leaders see summaries (shares per label, typical quotes) only: sponsors for the whole
  organisation, team leaders for the units they lead and below; never for a group with fewer comments than
  the comment threshold (anonymity.min_comment_group_size()).
"""

from django.core.exceptions import PermissionDenied

from allaboard.anonymity import min_comment_group_size
from allaboard.org.access import has_role, led_units, role_of, visible_units
from allaboard.org.models import Role, Unit

READERS = (Role.ADMIN, Role.CHANGE_LEAD)
SUMMARY_READERS = (Role.ADMIN, Role.CHANGE_LEAD, Role.SPONSOR, Role.TEAM_LEADER)


def can_read_comments(user) -> bool:
    return has_role(user, *READERS)


def require_reader(user) -> None:
    if not can_read_comments(user):
        raise PermissionDenied("Only change leads and admins read individual comments.")


def require_summary_reader(user) -> None:
    if not has_role(user, *SUMMARY_READERS):
        raise PermissionDenied("Comment summaries are for leaders.")


def summary_roots(user) -> list[Unit] | None:
    """The units whose summaries the user may see: None means the whole organisation."""
    if has_role(user, Role.ADMIN, Role.CHANGE_LEAD, Role.SPONSOR):
        return None
    if role_of(user) == Role.TEAM_LEADER:
        return list(led_units(user))
    return []


def unit_scope(user, unit_id: int | None) -> tuple[Unit | None, list[int] | None]:
    """(unit, ids of the unit and everything below it) for a requested unit, checked against what the user
    may see; (None, None) for the whole organisation, which only organisation-wide roles get."""
    if unit_id is None:
        roots = summary_roots(user)
        if roots is None:
            return None, None
        if not roots:
            raise PermissionDenied("You lead no team.")
        unit = roots[0]
    else:
        unit = visible_units(user).filter(pk=unit_id).first()
        if unit is None:
            raise PermissionDenied("That unit is outside what you can see.")
    return unit, list(unit.subtree().values_list("pk", flat=True))


def comment_threshold() -> int:
    return min_comment_group_size()
