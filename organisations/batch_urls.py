"""/organisations/: purchase batches (采购单), namespace ``organisations``."""

from django.urls import path

from . import batch_views

urlpatterns = [
    path("<int:pk>/batches/", batch_views.batch_list, name="batch-list"),
    path("<int:pk>/batches/new/", batch_views.batch_new, name="batch-new"),
    path("batches/sample.xlsx", batch_views.batch_template, name="batch-template"),
    path("batches/<str:reference>/", batch_views.batch_detail, name="batch-detail"),
]
