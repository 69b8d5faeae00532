"""The adoption app's settings. Each reads settings.<NAME>, then the environment variable of the same name,
then the default; docs/adoption.md lists them."""

import os

from django.conf import settings

DEFAULTS = {
    # "Active" means used in the last this many days.
    "ALLABOARD_ADOPTION_ACTIVE_DAYS": 30,
    # Stall rule: active share below target and growing less than this many points a week ...
    "ALLABOARD_ADOPTION_STALL_POINTS": 2,
    # ... for this many consecutive weeks.
    "ALLABOARD_ADOPTION_STALL_WEEKS": 2,
    # Usage events one API request may carry.
    "ALLABOARD_ADOPTION_API_MAX_EVENTS": 10_000,
}


def _value(name: str) -> float:
    value = getattr(settings, name, None)
    if value is None:
        raw = os.environ.get(name, "")
        value = float(raw) if raw.strip() else DEFAULTS[name]
    return float(value)


def active_days() -> int:
    return max(1, int(_value("ALLABOARD_ADOPTION_ACTIVE_DAYS")))


def stall_points() -> float:
    return max(0.0, _value("ALLABOARD_ADOPTION_STALL_POINTS"))


def stall_weeks() -> int:
    return max(1, int(_value("ALLABOARD_ADOPTION_STALL_WEEKS")))


def api_max_events() -> int:
    return max(1, int(_value("ALLABOARD_ADOPTION_API_MAX_EVENTS")))
