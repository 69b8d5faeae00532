"""The customers app's settings. Each reads settings.<NAME>, then the environment variable of the same
name, then the default; docs/customers.md lists them."""

import os

from django.conf import settings

DEFAULTS = {
    # Fewer answers than this and a figure is shown greyed, with its n, as not reliable.
    "ALLABOARD_CUSTOMERS_MIN_SAMPLE": 30,
    # Days before and after a milestone that the change-impact view compares.
    "ALLABOARD_CUSTOMERS_IMPACT_WINDOW_DAYS": 28,
    # Records one API request may carry.
    "ALLABOARD_CUSTOMERS_API_MAX_RECORDS": 10_000,
}


def _value(name: str) -> int:
    value = getattr(settings, name, None)
    if value is None:
        raw = os.environ.get(name, "")
        value = int(raw) if raw.strip() else DEFAULTS[name]
    return int(value)


def min_sample() -> int:
    """Answers a figure needs before it is shown as reliable (at least 1)."""
    return max(1, _value("ALLABOARD_CUSTOMERS_MIN_SAMPLE"))


def impact_window_days() -> int:
    return max(1, _value("ALLABOARD_CUSTOMERS_IMPACT_WINDOW_DAYS"))


def api_max_records() -> int:
    return max(1, _value("ALLABOARD_CUSTOMERS_API_MAX_RECORDS"))
