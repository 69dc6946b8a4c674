from django.urls import path

from . import views

app_name = "impact"

urlpatterns = [
    path("", views.ImpactView.as_view(), name="index"),
    path("export.xlsx", views.ImpactExportView.as_view(), {"fmt": "xlsx"}, name="export-xlsx"),
    path("export.csv", views.ImpactExportView.as_view(), {"fmt": "csv"}, name="export-csv"),
    path("cooperatives/<slug:slug>/", views.CooperativeImpactView.as_view(), name="cooperative"),
    path("households/<int:pk>/", views.HouseholdImpactView.as_view(), name="household"),
]
