"""What a product page needs to bound the quantity a buyer picks."""

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def quantity_limit(session) -> int:
    """The most a buyer can put in the basket at once: the units in stock (when stock is tracked)
    and Oscar's per-basket threshold, whichever is lower. Oscar's basket form refuses more
    on the server; this only bounds the stepper."""
    threshold = getattr(settings, "OSCAR_MAX_BASKET_QUANTITY_THRESHOLD", None) or 10_000
    available = getattr(session.availability, "num_available", None)
    if available is None:
        return threshold
    return max(0, min(available, threshold))
