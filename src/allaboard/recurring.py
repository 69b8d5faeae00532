"""Recurring background work: when a worker starts, each app plans its repeating tasks.

An app whose AppConfig defines `plan_recurring()` queues its next run there (with django-tasks' run_after);
the task then queues the run after it. Planning again (a restarted worker, a second worker) must be harmless:
the task itself makes sure each run happens once (see voice/tasks.py for an example).
"""

import logging

from django.apps import apps

log = logging.getLogger(__name__)


def plan_all() -> list[str]:
    """Call every installed app's plan_recurring(). Returns the labels of the apps that planned. One app's
    failure (say, its migrations are not applied yet) is logged and never stops the worker from starting."""
    planned = []
    for config in apps.get_app_configs():
        hook = getattr(config, "plan_recurring", None)
        if not callable(hook):
            continue
        try:
            hook()
        except Exception:  # the worker must start and run the other apps' tasks regardless
            log.exception("%s: could not plan its recurring tasks", config.label)
            continue
        planned.append(config.label)
    return planned
