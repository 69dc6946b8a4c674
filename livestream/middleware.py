"""Remember the live session a shopper arrived from (``?live=<id>`` on any page)."""

from .models import LiveSession
from .services import remember_session


class LiveAttributionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        value = request.GET.get("live", "")
        if value.isascii() and value.isdigit() and hasattr(request, "session"):
            exists = LiveSession.objects.filter(pk=int(value)).exclude(
                status=LiveSession.Status.CANCELLED
            )
            if exists.exists():
                remember_session(request, int(value))
        return self.get_response(request)
