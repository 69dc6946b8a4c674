from django.urls import path

from . import views

app_name = "tracking"

urlpatterns = [
    path("", views.LookupView.as_view(), name="lookup"),
    path(
        "after-sales/photos/<int:pk>/",
        views.AfterSalesPhotoView.as_view(),
        name="after-sales-photo",
    ),
    path("<str:number>/", views.TrackView.as_view(), name="order"),
    path("<str:number>/received/", views.ConfirmReceiptView.as_view(), name="received"),
    path("<str:number>/cancel/", views.CancelView.as_view(), name="cancel"),
    path("<str:number>/after-sales/", views.AfterSalesView.as_view(), name="after-sales"),
    path(
        "<str:number>/after-sales/<int:pk>/return/",
        views.ReturnParcelView.as_view(),
        name="after-sales-return",
    ),
]
