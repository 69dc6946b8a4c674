"""Template tags other apps' templates use to show livestreams (no app imports livestream)."""

from django import template

from ..models import LiveSession
from ..selectors import public_sessions, sessions_featuring

register = template.Library()


@register.inclusion_tag("livestream/partials/product_sessions.html")
def live_sessions_for(product):
    return {"sessions": sessions_featuring(product)}


@register.inclusion_tag("livestream/partials/live_now_banner.html")
def live_now_banner():
    return {"sessions": list(public_sessions().filter(status=LiveSession.Status.LIVE)[:3])}
