"""Background work: classify comments in batches, retrain the organisation's model after corrections."""

from django_tasks import task

from . import labels as L


@task()
def classify_comments(first_id: int, last_id: int) -> int:
    """Classify the not-yet-classified comments with ids in [first_id, last_id]."""
    from .services import classify_stored

    return classify_stored(first_id, last_id)


@task()
def reclassify_comments(kind: str, first_id: int, last_id: int) -> int:
    """Classify again (with the current model) the machine-tagged comments of `kind` with ids in the range."""
    from .models import Comment
    from .services import classify_stored

    ids = Comment.objects.filter(kind=kind, pk__gte=first_id, pk__lte=last_id, human_labelled=False)
    if not ids.exists():
        return 0
    return classify_stored(first_id, last_id, only_new=False)


@task()
def retrain_model(kind: str) -> str:
    """Retrain on the corpus plus the organisation's corrections; then re-read the comments with it."""
    from .models import Comment
    from .services import BATCH, retrain

    if kind not in L.KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    state = retrain(kind)
    ids = list(
        Comment.objects.filter(kind=kind, human_labelled=False, classified_at__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        reclassify_comments.enqueue(kind, chunk[0], chunk[-1])
    return state.model_key
