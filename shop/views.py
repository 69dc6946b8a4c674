"""Site-wide views: the home page and the health check."""

from django.db import connection, transaction
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from catalog import selectors as catalog_selectors
from cooperatives import selectors as cooperative_selectors


class HomeView(TemplateView):
    """Featured cooperatives and certified products (扶贫产品)."""

    template_name = "shop/home.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["cooperatives"] = cooperative_selectors.featured_cooperatives(limit=6)
        ctx["certified_products"] = catalog_selectors.certified_products(limit=8)
        return ctx


@never_cache
@transaction.non_atomic_requests
def healthz(request):
    """Liveness with a database round trip: 200 {"status": "ok"} or 503."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any database failure means "not healthy"
        return JsonResponse({"status": "error", "database": exc.__class__.__name__}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
