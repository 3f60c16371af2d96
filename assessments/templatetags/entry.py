from django import template

from assessments.checks import field_text as _field_text

register = template.Library()


@register.filter
def field_text(value):
    """A stored value as the entry field shows it, read back as the same number (assessments.checks.field_text)."""
    return _field_text(value)
