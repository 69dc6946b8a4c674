from django.utils.translation import gettext_lazy as _
from oscar.core.application import OscarDashboardConfig


class OrganisationsDashboardConfig(OscarDashboardConfig):
    """Organisation buyers in the dashboard (issue 26)."""

    label = "organisations_dashboard"
    name = "dashboard.organisations"
    verbose_name = _("Organisation buyers dashboard")

    default_permissions = ["is_staff"]

    def get_urls(self):
        from .urls import urlpatterns

        return self.post_process_urls(urlpatterns)
