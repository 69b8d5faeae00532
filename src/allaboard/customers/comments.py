"""Grouped counts of comments and their labels, read from comment insight's tables.

textinsight.services answers one group per call (label_summary, label_trend) and computes quotes each time;
the customers pages need the same counts for many months or many teams at once, so these two read-only
queries group them in the database. Everything else (submitting, summaries, quotes) goes through
textinsight.services.
"""

from datetime import date

from django.db.models import Count, Q

from allaboard.textinsight.models import Comment, Dimension, Tag


def _comments(
    *,
    source: str,
    kind: str,
    unit_ids=None,
    since: date | None = None,
    until: date | None = None,
    programme_id: int | None = None,
    wave_key: str | None = None,
):
    qs = Comment.objects.filter(kind=kind, source=source, classified_at__isnull=False)
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=list(unit_ids))
    if since is not None:
        qs = qs.filter(created_on__gte=since)
    if until is not None:
        qs = qs.filter(created_on__lte=until)
    if wave_key is not None:
        qs = qs.filter(wave_key=wave_key)
    if programme_id is not None:
        qs = qs.filter(Q(programme_id=programme_id) | Q(programme_id__isnull=True))
    return qs


def counts_by(group: str, **filters) -> tuple[dict, dict]:
    """({group value: classified comments}, {(group value, label): comments with the label}).

    `group` is "wave_key" or "unit_id"; filters as in _comments."""
    comments = _comments(**filters)
    totals = {row[group]: row["n"] for row in comments.values(group).annotate(n=Count("id")).order_by()}
    labels = {
        (row[f"comment__{group}"], row["label"]): row["n"]
        for row in Tag.objects.filter(comment__in=comments, dimension=Dimension.TOPIC)
        .values(f"comment__{group}", "label")
        .annotate(n=Count("comment_id", distinct=True))
        .order_by()
    }
    return totals, labels
