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


# Personal parts of the shared live room (``{% personal %}``): for the viewer alone.


@register.simple_tag(takes_context=True)
def hosts_session(context, session_id) -> bool:
    from ..selectors import sessions_for_host

    user = context["user"]
    if not user.is_authenticated:
        return False
    # A buyer (no host role, as the header's cached role links know): no query.
    roles = context.get("nav_roles")
    if roles is not None and not roles.host:
        return False
    return sessions_for_host(user).filter(pk=session_id).exists()


@register.simple_tag(takes_context=True)
def reminded_of(context, session_id) -> bool:
    from ..models import Reminder

    user = context["user"]
    return (
        user.is_authenticated and Reminder.objects.filter(session_id=session_id, user=user).exists()
    )
