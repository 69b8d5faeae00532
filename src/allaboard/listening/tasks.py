"""Worker jobs for listening: move waves on (open, remind, close and publish, schedule the next)."""

from django_tasks import task


@task()
def advance_waves() -> dict:
    """Open what is due, send reminders due today, close and publish what has ended."""
    from . import services

    return services.advance()


@task()
def publish_wave(wave_id: int) -> dict:
    """Roll up and decide visibility for a closed wave (again): idempotent."""
    from .models import Wave
    from .publication import publish

    return publish(Wave.objects.get(pk=wave_id))
