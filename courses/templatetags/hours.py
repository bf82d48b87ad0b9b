"""Display filters for exact class hours."""
from django import template

from courses.training.compliance import hours_text

register = template.Library()


@register.filter
def centi_hours(value) -> str:
    """Hundredths of a 课时 as "1.5"."""
    return hours_text(int(value or 0))
