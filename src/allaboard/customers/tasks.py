"""Background work: hand an import's customer comments to comment insight for themes and sentiment."""

from django_tasks import task


@task()
def submit_comments_of_batch(batch_id: int) -> int:
    """Submit the comments of one import batch (kind "customer", source "customers.feedback")."""
    from .services import submit_batch_comments

    return submit_batch_comments(batch_id)
