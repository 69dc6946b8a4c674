"""Site-wide views: the home page, liveness (/healthz) and readiness (/readyz)."""

import ipaddress

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpResponseForbidden, JsonResponse
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


def _check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _check_cache():
    """Redis, behind the cache (sessions, page cache): asked itself, past the breaker that
    turns an outage into an empty cache for the pages (shop/cache.py), then a write read back."""
    if not settings.REDIS_URL:
        return "skipped: no REDIS_URL (local memory cache)"
    cache.ping()
    cache.set("readyz", "1", 5)
    if cache.get("readyz") != "1":
        raise RuntimeError("cache did not return what was written")
    return "ok"


def _check_celery():
    """The broker answers and at least one worker replies to a ping."""
    from shop.celery import app

    if app.conf.task_always_eager:
        return "skipped: no broker (tasks run in-process)"
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    replies = app.control.ping(timeout=settings.READYZ_CELERY_PING_SECONDS, limit=1)
    if not replies:
        raise RuntimeError("no Celery worker answered")
    return "ok"


def _from_monitoring_network(request) -> bool:
    """The direct peer (not X-Forwarded-For: nginx answers 404 for these paths itself)."""
    peer = ipaddress.ip_address(request.META.get("REMOTE_ADDR", "0.0.0.0"))  # noqa: S104
    return any(peer in ipaddress.ip_network(net) for net in settings.MONITORING_NETWORKS)


@never_cache
@transaction.non_atomic_requests
def readyz(request):
    """Readiness for deployments and monitoring: database, Redis and Celery all reachable.

    200 when every check passes (or is skipped because the service is not configured), else 503;
    the body names each check's outcome (exception class only: no connection strings).
    """
    if not _from_monitoring_network(request):
        return HttpResponseForbidden("readiness is for the monitoring network only")
    checks = {"database": _check_database, "cache": _check_cache, "celery": _check_celery}
    results, ok = {}, True
    for name, check in checks.items():
        try:
            results[name] = check()
        except Exception as exc:  # any failure of a dependency means "not ready"
            results[name] = f"error: {exc.__class__.__name__}"
            ok = False
    failing = [name for name, result in results.items() if result.startswith("error")]
    return JsonResponse(
        {"status": "ok" if ok else "error", "failing": failing, **results},
        status=200 if ok else 503,
    )


@never_cache
@transaction.non_atomic_requests
def metrics(request):
    """Prometheus metrics (django-prometheus), when PROMETHEUS_METRICS is on: only for scrapers
    on the networks in MONITORING_NETWORKS (the direct peer: nginx does not proxy /metrics)."""
    from django_prometheus.exports import ExportToDjangoView

    if not _from_monitoring_network(request):
        return HttpResponseForbidden("metrics are for the monitoring network only")
    return ExportToDjangoView(request)
