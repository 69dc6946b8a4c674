from django.urls import path
from django.utils.translation import gettext_lazy as _
from oscar.core.application import OscarDashboardConfig
from oscar.core.loading import get_class


class InvoicesDashboardConfig(OscarDashboardConfig):
    """Invoices in the dashboard (issue 26): each cooperative's queue of invoices to issue and
    red invoices to make; staff see every one and issue the platform's own."""

    label = "invoices_dashboard"
    name = "dashboard.invoices"
    verbose_name = _("Invoices dashboard")

    default_permissions = ["is_staff"]

    def configure_permissions(self):
        DashboardPermission = get_class("dashboard.permissions", "DashboardPermission")
        # Managers reach their own cooperatives' invoices (the querysets keep them to those).
        self.permissions_map = {
            name: (["is_staff"], DashboardPermission.partner_dashboard_access)
            for name in ("invoice-list", "invoice-detail", "invoice-file", "invoice-red-file")
        }

    def ready(self):
        self.configure_permissions()
        self.list_view = get_class("dashboard.invoices.views", "InvoiceListView")
        self.detail_view = get_class("dashboard.invoices.views", "InvoiceDetailView")
        self.file_view = get_class("dashboard.invoices.views", "InvoiceFileView")

    def get_urls(self):
        urls = [
            path("", self.list_view.as_view(), name="invoice-list"),
            path("<int:pk>/", self.detail_view.as_view(), name="invoice-detail"),
            path("<int:pk>/file/", self.file_view.as_view(), name="invoice-file"),
            path("<int:pk>/red-file/", self.file_view.as_view(red=True), name="invoice-red-file"),
        ]
        return self.post_process_urls(urls)
