"""The store's URLs plus two views that fail on purpose, for tests/shop/test_error_pages.py."""

from django.core.exceptions import PermissionDenied
from django.urls import path

from shop.urls import urlpatterns as store_urlpatterns

DENIED_MESSAGE = "只有帮扶干部可以查看这个页面。"


def denied(request):
    raise PermissionDenied(DENIED_MESSAGE)


def denied_without_message(request):
    raise PermissionDenied


def broken(request):
    raise RuntimeError("a bug in a view")


urlpatterns = [
    path("test-errors/denied/", denied),
    path("test-errors/denied-plain/", denied_without_message),
    path("test-errors/broken/", broken),
    *store_urlpatterns,
]
