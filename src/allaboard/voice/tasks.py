"""Worker jobs for voice: the daily upkeep, once a day at ALLABOARD_VOICE_DAILY_HOUR.

The worker plans the first run when it starts (VoiceConfig.plan_recurring, called by `allaboard worker`);
each run then queues the next one. A run claims its day first (DailyRun), so a duplicate queued by a
restarted worker, or taken by a second worker, does nothing and plans nothing: the chain stays single.
"""

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks import task

from . import services
from .models import DailyRun


def daily_hour() -> int:
    return min(23, max(0, int(getattr(settings, "ALLABOARD_VOICE_DAILY_HOUR", 6))))


def run_time(day: date) -> datetime:
    """When the upkeep of `day` is due: ALLABOARD_VOICE_DAILY_HOUR o'clock there (ALLABOARD_TIME_ZONE)."""
    return timezone.make_aware(datetime.combine(day, time(daily_hour())))


def next_run(now: datetime | None = None) -> tuple[date, datetime]:
    """The next day whose upkeep has not run, and when to run it: today at the hour (now, when the hour has
    passed and today has not run: a worker that was down catches up once), else tomorrow at the hour."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    if DailyRun.objects.filter(day=day).exists():
        day += timedelta(days=1)
    return day, max(now, run_time(day))


def plan(now: datetime | None = None) -> date | None:
    """Queue the next daily run. Returns its day, or None with a task backend that cannot wait until a given
    time (the tests' immediate backend, where a self-queuing task would run forever)."""
    if not daily.get_backend().supports_defer:
        return None
    day, when = next_run(now)
    daily.using(run_after=when).enqueue(day.isoformat())
    return day


@task()
def daily(day: str) -> dict:
    """Run the upkeep of `day` once, after queuing the next run (so a failing step never ends the chain)."""
    on = date.fromisoformat(day)
    try:
        with transaction.atomic():
            run = DailyRun.objects.create(day=on, ran_at=timezone.now())
    except IntegrityError:
        return {"skipped": day}  # another run did this day and planned the next
    plan()
    summary = services.run_daily(on)
    DailyRun.objects.filter(pk=run.pk).update(summary=summary)
    return summary
