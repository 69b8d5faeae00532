"""Small template helpers for the results pages."""

from django import template

register = template.Library()


@register.filter
def get(mapping, key):
    """mapping[key], or None."""
    return (mapping or {}).get(key)


@register.filter
def heat_class(value) -> str:
    """The heatmap colour band of a 1-5 mean (the number is always printed too)."""
    if value is None:
        return ""
    for limit, name in ((2.5, "h1"), (3.0, "h2"), (3.5, "h3"), (4.0, "h4")):
        if value < limit:
            return name
    return "h5"


@register.filter
def percent(value) -> str:
    return "" if value is None else f"{100 * value:.0f}%"
