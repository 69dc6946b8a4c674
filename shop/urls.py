from django.apps import apps
from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from catalog.views import CatalogueView
from orders import views as order_views

from . import two_factor, views

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("accounts/two-factor/", two_factor.setup, name="two-factor-setup"),
    path("accounts/two-factor/verify/", two_factor.verify, name="two-factor-verify"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("cooperatives/", include("cooperatives.urls")),
    path("impact/", include("impact.urls")),
    path("payments/", include("orders.payments.urls")),
    path("live/", include("livestream.urls")),
    path("track/", include("orders.urls")),
    # Ahead of Oscar's own: its order-line URL had no page for GET (orders/views.py).
    path(
        "accounts/orders/<str:order_number>/<int:line_id>/",
        order_views.order_line,
        name="customer-order-line",
    ),
    # Search is served from the database like the catalogue (Haystack's SimpleEngine is not
    # used); this shadows Oscar's /search/ so its templates' {% url 'search:search' %} land here.
    path("search/", CatalogueView.as_view(), name="product-search"),
    path("", include(apps.get_app_config("oscar").urls[0])),
]

if settings.PROMETHEUS_METRICS:
    urlpatterns.insert(0, path("metrics", views.metrics, name="metrics"))

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
