from django.urls import path
from django.utils.translation import gettext_lazy as _
from oscar.core.application import OscarDashboardConfig
from oscar.core.loading import get_class


class CooperativesDashboardConfig(OscarDashboardConfig):
    """Cooperatives in the dashboard: staff create them and edit their profile and benefit rule."""

    label = "cooperatives_dashboard"
    name = "dashboard.cooperatives"
    verbose_name = _("Cooperatives dashboard")

    default_permissions = ["is_staff"]

    def ready(self):
        self.list_view = get_class("dashboard.cooperatives.views", "CooperativeListView")
        self.create_view = get_class("dashboard.cooperatives.views", "CooperativeCreateView")
        self.update_view = get_class("dashboard.cooperatives.views", "CooperativeUpdateView")

    def get_urls(self):
        urls = [
            path("", self.list_view.as_view(), name="cooperative-list"),
            path("create/", self.create_view.as_view(), name="cooperative-create"),
            path("<int:pk>/", self.update_view.as_view(), name="cooperative-update"),
        ]
        return self.post_process_urls(urls)
