from django.apps import apps
from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path

from catalog import views as catalogue_views
from orders import views as order_views
from orders.reviews import views as review_views

from . import favicon, phone_login, two_factor, views

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("favicon.ico", favicon.favicon, name="favicon"),
    path("accounts/two-factor/", two_factor.setup, name="two-factor-setup"),
    path("accounts/two-factor/verify/", two_factor.verify, name="two-factor-verify"),
    path("accounts/phone/code/", phone_login.send_code, name="phone-login-code"),
    path("accounts/phone/sign-in/", phone_login.sign_in, name="phone-login"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("cooperatives/", include("cooperatives.urls")),
    path("impact/", include("impact.urls")),
    path("payments/", include("orders.payments.urls")),
    path("organisations/", include("organisations.urls")),
    path("invoices/", include("invoices.urls")),
    path("certificates/", include("impact.certificate_urls")),
    path("live/", include("livestream.urls")),
    path("track/", include("orders.urls")),
    # Ahead of Oscar's own: the order list with its tabs (orders/views.py OrderListView).
    path(
        "accounts/orders/",
        login_required(order_views.OrderListView.as_view()),
        name="customer-order-list",
    ),
    # Ahead of Oscar's own: its order-line URL had no page for GET (orders/views.py).
    path(
        "accounts/orders/<str:order_number>/<int:line_id>/",
        order_views.order_line,
        name="customer-order-line",
    ),
    # Ahead of Oscar's own: only buyers whose order line shipped review, with photos, and a
    # review's page shows approved reviews only (orders/reviews); Oscar's templates'
    # {% url 'catalogue:reviews-add' %} and {% url 'catalogue:reviews-detail' %} land here.
    path(
        "catalogue/<slug:product_slug>_<int:product_pk>/reviews/add/",
        review_views.write_review,
        name="product-review-add",
    ),
    path(
        "catalogue/<slug:product_slug>_<int:product_pk>/reviews/<int:pk>/",
        review_views.ApprovedReviewDetail.as_view(),
        name="product-review-detail",
    ),
    # Search is served from the database like the catalogue (Haystack's SimpleEngine is not
    # used); this shadows Oscar's /search/ so its templates' {% url 'search:search' %} land here.
    path("search/", catalogue_views.SearchView.as_view(), name="product-search"),
    path("search/suggest/", catalogue_views.suggest, name="search-suggest"),
    path("", include(apps.get_app_config("oscar").urls[0])),
]

if settings.PROMETHEUS_METRICS:
    urlpatterns.insert(0, path("metrics", views.metrics, name="metrics"))

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
