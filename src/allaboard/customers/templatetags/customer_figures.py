"""Showing customer figures the same way on every page: estimate, 95% interval, n, greyed when unreliable."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()


def fmt(measure: str, value: float | None, signed: bool = False) -> str:
    if value is None:
        return "–"
    if measure == "ces":
        text = f"{value:+.2f}" if signed else f"{value:.2f}"
    elif measure == "csat":
        text = f"{value:+.0f}" if signed else f"{value:.0f}%"
    else:
        text = f"{value:+.0f}" if signed else f"{value:.0f}"
    return text.replace("-", "−")


@register.simple_tag
def figure(f, show_interval: bool = True):
    """A figure in a table cell or card: "42 (35 to 49) n=310", greyed with a note when n is small."""
    if f is None or f.estimate is None:
        return mark_safe('<span class="muted" title="No answers">–</span>')
    interval = ""
    if show_interval and f.low is not None and f.high is not None:
        interval = format_html(
            ' <span class="ci" title="95% confidence interval">({} to {})</span>',
            fmt(f.measure, f.low).rstrip("%"),
            fmt(f.measure, f.high),
        )
    if f.reliable:
        return format_html(
            '<span class="fig">{}</span>{} <span class="n">n={}</span>',
            fmt(f.measure, f.estimate),
            interval,
            f.n,
        )
    return format_html(
        '<span class="fig unreliable" title="Fewer answers than the minimum sample: not reliable">{}</span>{} '
        '<span class="n unreliable">n={}, too few to rely on</span>',
        fmt(f.measure, f.estimate),
        interval,
        f.n,
    )


@register.simple_tag
def change(d, measure: str):
    """A difference with its interval; marked when the interval excludes zero."""
    if d is None:
        return mark_safe('<span class="muted">–</span>')
    unit = " pts" if measure in ("nps", "csat") else ""
    interval = ""
    if d.low is not None and d.high is not None:
        interval = format_html(
            ' <span class="ci">({} to {})</span>', fmt(measure, d.low, True), fmt(measure, d.high, True)
        )
    marker = ""
    if d.larger_than_noise:
        marker = format_html(
            ' <span class="badge {}">beyond chance</span>', "good" if d.estimate > 0 else "bad"
        )
    return format_html("{}{}{}{}", fmt(measure, d.estimate, True), unit, interval, marker)


@register.filter
def pct(value) -> str:
    try:
        return f"{100 * float(value):.0f}%"
    except (TypeError, ValueError):
        return "–"


@register.filter
def get_item(obj, key):
    """obj[key] for dicts, obj.get(key) for Figures."""
    if obj is None:
        return None
    return obj.get(key)
