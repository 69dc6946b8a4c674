from django.urls import path
from django.utils.translation import gettext_lazy as _
from oscar.core.application import OscarDashboardConfig
from oscar.core.loading import get_class


class SearchDashboardConfig(OscarDashboardConfig):
    """Product search in the dashboard: the synonym table and the weekly report of what shoppers
    searched for (and found nothing for). Staff only: a cooperative manager's words are their
    products' titles, not the store's vocabulary."""

    label = "search_dashboard"
    name = "dashboard.search"
    verbose_name = _("Search dashboard")

    default_permissions = ["is_staff"]

    def ready(self):
        self.synonym_list_view = get_class("dashboard.search.views", "SynonymListView")
        self.synonym_create_view = get_class("dashboard.search.views", "SynonymCreateView")
        self.synonym_update_view = get_class("dashboard.search.views", "SynonymUpdateView")
        self.synonym_delete_view = get_class("dashboard.search.views", "SynonymDeleteView")
        self.report_view = get_class("dashboard.search.views", "SearchReportView")
        self.report_download_view = get_class("dashboard.search.views", "SearchReportDownloadView")

    def get_urls(self):
        urls = [
            path("synonyms/", self.synonym_list_view.as_view(), name="search-synonym-list"),
            path(
                "synonyms/create/",
                self.synonym_create_view.as_view(),
                name="search-synonym-create",
            ),
            path(
                "synonyms/<int:pk>/",
                self.synonym_update_view.as_view(),
                name="search-synonym-update",
            ),
            path(
                "synonyms/<int:pk>/delete/",
                self.synonym_delete_view.as_view(),
                name="search-synonym-delete",
            ),
            path("queries/", self.report_view.as_view(), name="search-report"),
            path(
                "queries/download/",
                self.report_download_view.as_view(),
                name="search-report-download",
            ),
        ]
        return self.post_process_urls(urls)
