from django.utils.translation import gettext_lazy as _
from oscar.core.application import OscarDashboardConfig


class TransfersDashboardConfig(OscarDashboardConfig):
    """Bank transfers in the dashboard (issue 26)."""

    label = "transfers_dashboard"
    name = "dashboard.transfers"
    verbose_name = _("Bank transfers dashboard")

    default_permissions = ["is_staff"]

    def get_urls(self):
        from .urls import urlpatterns

        return self.post_process_urls(urlpatterns)
