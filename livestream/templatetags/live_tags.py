"""Template tags other apps' templates use to show livestreams (no app imports livestream)."""

from django import template

from ..selectors import sessions_featuring

register = template.Library()


@register.inclusion_tag("livestream/partials/product_sessions.html")
def live_sessions_for(product):
    return {"sessions": sessions_featuring(product)}
