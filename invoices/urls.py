"""发票: what buyers ask for and what cooperatives issue (built by issue 26)."""

from django.urls import path

from . import views

app_name = "invoices"

urlpatterns = [
    path("order/<str:number>/ask/", views.AskView.as_view(), name="ask-order"),
    path("batch/<str:reference>/ask/", views.AskView.as_view(), name="ask-batch"),
    path("<int:pk>/", views.RequestDetailView.as_view(), name="request-detail"),
    path("file/<int:pk>/", views.InvoiceFileView.as_view(), name="file"),
    path("file/<int:pk>/red/", views.InvoiceFileView.as_view(red=True), name="red-file"),
]
