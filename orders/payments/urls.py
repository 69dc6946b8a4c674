from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("stripe/webhook/", views.stripe_webhook, name="stripe-webhook"),
    path(
        "batch/<str:reference>/transfer/", views.TransferBatchView.as_view(), name="transfer-batch"
    ),
    path("<str:number>/transfer/", views.TransferOrderView.as_view(), name="transfer-order"),
    path("<str:number>/", views.PayView.as_view(), name="pay"),
    path("<str:number>/confirm/", views.ConfirmView.as_view(), name="confirm"),
    path("<str:number>/done/", views.DoneView.as_view(), name="done"),
    path("<str:number>/status/", views.StatusView.as_view(), name="status"),
    path("<str:number>/summary/", views.SummaryView.as_view(), name="summary"),
    path("<str:number>/address/", views.AddressView.as_view(), name="address"),
]
