"""消费帮扶证明 (/certificates/): a person's own, an organisation's (members only), and the
public verification page the PDF's QR code opens."""

from django.urls import path

from . import certificate_views as views

app_name = "certificates"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("pdf/", views.mine_pdf, name="mine-pdf"),
    path("organisation/<int:pk>/<int:year>/", views.organisation, name="organisation"),
    path(
        "organisation/<int:pk>/<int:year>/pdf/",
        views.organisation_pdf,
        name="organisation-pdf",
    ),
    path("verify/<str:token>/", views.verify, name="verify"),
]
