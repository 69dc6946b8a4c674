"""/organisations/: an organisation buyer's own pages (views.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.MineView.as_view(), name="mine"),
    path("apply/", views.ApplyView.as_view(), name="apply"),
    path("<int:pk>/", views.HomeView.as_view(), name="detail"),
    path("<int:pk>/members/", views.MembersView.as_view(), name="members"),
    path("<int:pk>/orders/", views.OrdersView.as_view(), name="orders"),
    path("<int:pk>/reserved-share/", views.ReservedShareView.as_view(), name="reserved-share"),
    path(
        "<int:pk>/reserved-share.xlsx",
        views.ReservedShareExportView.as_view(),
        name="reserved-share-xlsx",
    ),
    path("<int:pk>/licence/", views.LicenceView.as_view(), name="licence"),
]
