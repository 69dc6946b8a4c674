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

    def configure_permissions(self):
        DashboardPermission = get_class("dashboard.permissions", "DashboardPermission")
        # Managers see their own cooperatives' member households; importing is for staff.
        self.permissions_map = {
            "household-list": (["is_staff"], DashboardPermission.partner_dashboard_access),
            "fulfilment": (["is_staff"], DashboardPermission.partner_dashboard_access),
            "packing-list": (["is_staff"], DashboardPermission.partner_dashboard_access),
            "shipping-labels": (["is_staff"], DashboardPermission.partner_dashboard_access),
            "shipping-import": (["is_staff"], DashboardPermission.partner_dashboard_access),
            "cooperative-profile": (["is_staff"], DashboardPermission.partner_dashboard_access),
            "cooperative-sales": (["is_staff"], DashboardPermission.partner_dashboard_access),
        }

    def ready(self):
        self.configure_permissions()
        self.list_view = get_class("dashboard.cooperatives.views", "CooperativeListView")
        self.create_view = get_class("dashboard.cooperatives.views", "CooperativeCreateView")
        self.update_view = get_class("dashboard.cooperatives.views", "CooperativeUpdateView")
        self.household_list_view = get_class("dashboard.cooperatives.views", "HouseholdListView")
        self.household_import_view = get_class(
            "dashboard.cooperatives.views", "HouseholdImportView"
        )
        self.fulfilment_view = get_class("dashboard.cooperatives.fulfilment", "FulfilmentView")
        self.profile_view = get_class("dashboard.cooperatives.profile", "ProfileView")
        self.sales_view = get_class("dashboard.cooperatives.sales", "SalesView")
        self.certification_review_view = get_class(
            "dashboard.cooperatives.profile", "CertificationReviewView"
        )
        self.certification_document_view = get_class(
            "dashboard.cooperatives.profile", "CertificationDocumentView"
        )
        self.packing_list_view = get_class("dashboard.cooperatives.fulfilment", "PackingListView")
        self.labels_view = get_class("dashboard.cooperatives.fulfilment", "LabelsView")
        self.shipping_import_view = get_class(
            "dashboard.cooperatives.fulfilment", "ShippingImportView"
        )
        self.household_import_job_view = get_class(
            "dashboard.cooperatives.views", "HouseholdImportJobView"
        )

    def get_urls(self):
        urls = [
            path("", self.list_view.as_view(), name="cooperative-list"),
            path("create/", self.create_view.as_view(), name="cooperative-create"),
            path("<int:pk>/", self.update_view.as_view(), name="cooperative-update"),
            path("households/", self.household_list_view.as_view(), name="household-list"),
            path("fulfilment/", self.fulfilment_view.as_view(), name="fulfilment"),
            path("profile/", self.profile_view.as_view(), name="cooperative-profile"),
            path("sales/", self.sales_view.as_view(), name="cooperative-sales"),
            path(
                "certifications/",
                self.certification_review_view.as_view(),
                name="certification-review",
            ),
            path(
                "certifications/<int:pk>/document/",
                self.certification_document_view.as_view(),
                name="certification-document",
            ),
            path("fulfilment/packing/", self.packing_list_view.as_view(), name="packing-list"),
            path("fulfilment/labels/", self.labels_view.as_view(), name="shipping-labels"),
            path(
                "fulfilment/import/",
                self.shipping_import_view.as_view(),
                name="shipping-import",
            ),
            path(
                "households/import/",
                self.household_import_view.as_view(),
                name="household-import",
            ),
            path(
                "households/import/<int:pk>/",
                self.household_import_job_view.as_view(),
                name="household-import-job",
            ),
        ]
        return self.post_process_urls(urls)
