"""Number formatting for the playbook's before-and-after tables."""

from django import template

register = template.Library()


@register.filter
def measure(value, is_share) -> str:
    """0.41 -> "41%" for shares; 3.25 -> "3.2" for scores; "" for None."""
    if value is None:
        return ""
    return f"{value:.0%}" if is_share else f"{value:.1f}"


@register.filter
def change(value, is_share) -> str:
    """A signed change: +12 points for shares, +0.4 for scores."""
    if value is None:
        return ""
    return f"{value * 100:+.0f} points" if is_share else f"{value:+.1f}"


@register.filter
def percent(value) -> str:
    return "" if value is None else f"{value:.0%}"
