"""The worker runs the daily upkeep at ALLABOARD_VOICE_DAILY_HOUR: planned when a worker starts, each run
queues the next, a duplicate run does nothing. Times are given, never waited for."""

import os
import sqlite3
import subprocess
import sys
from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from allaboard.recurring import plan_all
from allaboard.voice import tasks
from allaboard.voice.models import DailyRun

from .factories import IdeaFactory

DAY = date(2026, 11, 23)


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@pytest.fixture
def queue(settings):
    """A task backend that keeps what is queued (and when it may run) instead of running it."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}
    }
    settings.ALLABOARD_VOICE_DAILY_HOUR = 6
    from django_tasks import default_task_backend

    default_task_backend.clear()
    return default_task_backend


def _planned(queue):
    """The daily runs queued (other tasks, such as sending the day's emails, are left out)."""
    return [(r.task.name, r.args, r.task.run_after) for r in queue.results if r.task.name == "daily"]


def test_before_the_hour_the_run_waits_for_the_hour(db, queue):
    assert tasks.plan(_local(DAY, 5, 30)) == DAY
    assert _planned(queue) == [("daily", ["2026-11-23"], _local(DAY, 6))]


def test_after_the_hour_a_day_not_yet_run_runs_at_once(db, queue):
    now = _local(DAY, 9, 15)
    tasks.plan(now)
    assert _planned(queue) == [("daily", ["2026-11-23"], now)]


def test_after_todays_run_the_next_is_tomorrow_at_the_hour(db, queue):
    DailyRun.objects.create(day=DAY, ran_at=_local(DAY, 6))
    tasks.plan(_local(DAY, 9, 15))
    assert _planned(queue) == [("daily", ["2026-11-24"], _local(date(2026, 11, 24), 6))]


def test_the_hour_comes_from_the_setting(db, queue, settings):
    settings.ALLABOARD_VOICE_DAILY_HOUR = 22
    tasks.plan(_local(DAY, 9))
    assert _planned(queue)[0][2] == _local(DAY, 22)


def test_a_run_does_the_days_work_and_queues_the_next_one(org, queue):
    IdeaFactory(created_on=date(2020, 1, 1), answer_due=date(2020, 1, 15))  # long overdue
    today = timezone.localdate()
    summary = tasks.daily.call(today.isoformat())
    assert summary["overdue"] == 1
    assert DailyRun.objects.get(day=today).summary == summary
    [(name, args, run_after)] = _planned(queue)
    assert name == "daily" and args == [(today + timedelta(days=1)).isoformat()]
    assert timezone.localtime(run_after).hour == 6


def test_a_duplicate_run_of_the_same_day_does_nothing_and_queues_nothing(org, queue):
    today = timezone.localdate().isoformat()
    tasks.daily.call(today)
    queue.clear()
    assert tasks.daily.call(today) == {"skipped": today}
    assert _planned(queue) == [] and DailyRun.objects.count() == 1


def test_a_worker_starting_plans_the_daily_upkeep(db, queue):
    assert "voice" in plan_all()
    assert [name for name, _, _ in _planned(queue)] == ["daily"]


def test_a_backend_that_cannot_wait_plans_nothing(db, settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}
    }
    assert tasks.plan() is None  # a self-queuing task would otherwise run for ever
    assert not DailyRun.objects.exists()


def test_the_worker_command_leaves_the_daily_upkeep_waiting_in_the_database_queue(tmp_path):
    """`allaboard worker --batch` as an operator runs it, on its own SQLite database and the real queue."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env |= {"ALLABOARD_DATA_DIR": str(tmp_path), "EMAIL_URL": "locmem://"}
    cli = [sys.executable, "-m", "allaboard.cli"]
    for args in (["manage", "migrate", "--verbosity", "0"], ["worker", "--batch"]):
        done = subprocess.run([*cli, *args], env=env, capture_output=True, text=True, timeout=600)  # noqa: S603
        assert done.returncode == 0, done.stderr
    with sqlite3.connect(tmp_path / "allaboard.sqlite3") as db:
        waiting = db.execute(
            "SELECT args_kwargs FROM django_tasks_database_dbtaskresult "
            "WHERE task_path = 'allaboard.voice.tasks.daily' AND status = 'READY'"
        ).fetchall()
    # Before the hour today's run waits; after it, today's ran in the batch and tomorrow's waits: one either way.
    assert len(waiting) == 1
