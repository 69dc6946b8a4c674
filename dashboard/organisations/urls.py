from django.urls import path

from . import views

urlpatterns = [
    path("", views.OrganisationListView.as_view(), name="organisation-list"),
    path("<int:pk>/", views.OrganisationDetailView.as_view(), name="organisation-detail"),
    path("<int:pk>/licence/", views.LicenceView.as_view(), name="organisation-licence"),
]
