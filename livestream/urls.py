from django.urls import path

from . import views

app_name = "livestream"

urlpatterns = [
    path("", views.LiveListView.as_view(), name="list"),
    path("<int:pk>/", views.LiveDetailView.as_view(), name="detail"),
    path("<int:pk>/state.json", views.state, name="state"),
    path("<int:pk>/buy/<int:item_pk>/", views.BuyNowView.as_view(), name="buy-now"),
    path("<int:pk>/remind/", views.RemindView.as_view(), name="remind"),
    path("<int:pk>/stats", views.StatsView.as_view(), name="stats"),
    path("<int:pk>/stats.json", views.StatsJsonView.as_view(), name="stats-json"),
    path("host/", views.HostSessionListView.as_view(), name="host-list"),
    path("host/new/", views.HostSessionFormView.as_view(), name="host-create"),
    path("host/<int:pk>/", views.HostSessionView.as_view(), name="host-session"),
    path("host/<int:pk>/edit/", views.HostSessionFormView.as_view(), name="host-edit"),
]
