"""/organisations/: an organisation's own pages (views.py) and its purchase batches (batches)."""

from django.urls import include, path

app_name = "organisations"

urlpatterns = [
    path("", include("organisations.page_urls")),
    path("", include("organisations.batch_urls")),
]
