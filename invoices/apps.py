from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InvoicesConfig(AppConfig):
    name = "invoices"
    verbose_name = _("Invoices")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from orders.signals import order_refunded

        from .receivers import on_order_refunded

        order_refunded.connect(on_order_refunded, dispatch_uid="invoices.order_refunded")
