from django import template

from smartgov import numbers

from ..models import ScoreRun

register = template.Library()


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def pct_class(value):
    """"pct-0" … "pct-100": the class that gives a bar its length (static/css/site.css), rounded and clamped, so
    that no template needs an inline style attribute (which the Content-Security-Policy refuses)."""
    try:
        percent = round(float(value))
    except (TypeError, ValueError):
        percent = 0
    return f"pct-{min(max(percent, 0), 100)}"


@register.filter
def human_number(value):
    """A number as people read it: grouped thousands, no exponent (smartgov.numbers.human_number)."""
    return numbers.human_number(value)


@register.filter
def run_stage(stage):
    """A score run's stage code in words, in the active language (the code itself if unknown)."""
    try:
        return ScoreRun.Stage(stage).label
    except ValueError:
        return stage
