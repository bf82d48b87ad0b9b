"""Class hours (课时) from integer minutes: the one rule, exact, rounded once for display."""
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings


def class_hours(minutes: int) -> Decimal:
    """Minutes as 课时 (settings.CLASS_HOUR_MINUTES each), two decimals, rounded half up."""
    return (Decimal(minutes) / Decimal(settings.CLASS_HOUR_MINUTES)).quantize(Decimal("0.01"), ROUND_HALF_UP)
