"""Worker jobs for the playbook. `daily` runs once a day (see docs/playbook.md for scheduling)."""

from datetime import date

from django_tasks import task

from allaboard.programmes.models import Programme

from . import services


@task()
def daily(on: str | None = None) -> dict:
    """Remind owners of actions due soon or overdue, and ask teams whether month-old actions helped."""
    day = date.fromisoformat(on) if on else None
    return {"reminders": services.remind_owners(day), "helped_opened": services.open_helped_checks(day)}


@task()
def refresh_recommendations(programme_id: int | None = None) -> dict:
    """Recompute recommendations for one programme, or every running one (after a pulse closes)."""
    programmes = (
        Programme.objects.filter(pk=programme_id)
        if programme_id
        else Programme.objects.filter(status="running")
    )
    out = {}
    for programme in programmes:
        result = services.refresh_recommendations(programme)
        out[programme.pk] = {"new": result.new, "still": result.still, "retired": result.retired}
    return out
