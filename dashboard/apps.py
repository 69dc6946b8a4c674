from django.apps import apps as django_apps
from django.urls import include, path
from oscar.apps.dashboard import apps


class DashboardConfig(apps.DashboardConfig):
    """Oscar's dashboard, forked to add the project's own dashboard sections."""

    name = "dashboard"

    def ready(self):
        super().ready()
        self.cooperatives_app = django_apps.get_app_config("cooperatives_dashboard")
        self.search_app = django_apps.get_app_config("search_dashboard")
        self.organisations_app = django_apps.get_app_config("organisations_dashboard")
        self.transfers_app = django_apps.get_app_config("transfers_dashboard")
        self.invoices_app = django_apps.get_app_config("invoices_dashboard")

    def get_urls(self):
        urls = [
            path("cooperatives/", include(self.cooperatives_app.urls[0])),
            path("search/", include(self.search_app.urls[0])),
            path("organisations/", include(self.organisations_app.urls[0])),
            path("transfers/", include(self.transfers_app.urls[0])),
            path("invoices/", include(self.invoices_app.urls[0])),
        ]
        return super().get_urls() + self.post_process_urls(urls)
