from django.urls import path

from . import views

urlpatterns = [
    path("", views.TransferListView.as_view(), name="transfer-list"),
    path("import/", views.StatementImportView.as_view(), name="transfer-import"),
    path("lines/<int:pk>/", views.LineView.as_view(), name="transfer-line"),
]
