"""Minimum reporting group sizes (PRODUCT.md, privacy). Every figure about people passes through here."""

from django.conf import settings

ABSOLUTE_MINIMUM = 3


def min_group_size() -> int:
    """k: no score, distribution or export row for a cut with fewer respondents. Never below 3."""
    return max(ABSOLUTE_MINIMUM, int(settings.ALLABOARD_MIN_GROUP_SIZE))


def min_comment_group_size() -> int:
    """Comments need a larger group (default 10) and never a smaller one than k."""
    return max(min_group_size(), int(settings.ALLABOARD_MIN_COMMENT_GROUP_SIZE))


def is_reportable(respondents: int, k: int | None = None) -> bool:
    return respondents >= (k if k is not None else min_group_size())
