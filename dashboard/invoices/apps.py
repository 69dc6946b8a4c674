from django.utils.translation import gettext_lazy as _
from oscar.core.application import OscarDashboardConfig


class InvoicesDashboardConfig(OscarDashboardConfig):
    """Invoices in the dashboard (issue 26)."""

    label = "invoices_dashboard"
    name = "dashboard.invoices"
    verbose_name = _("Invoices dashboard")

    default_permissions = ["is_staff"]

    def get_urls(self):
        from .urls import urlpatterns

        return self.post_process_urls(urlpatterns)
