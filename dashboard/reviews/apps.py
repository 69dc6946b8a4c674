"""Oscar's reviews dashboard, forked: a cooperative manager moderates the reviews of their
cooperative's products (and only those); staff moderate every review, and only staff delete."""

import oscar.apps.dashboard.reviews.apps as apps
from oscar.core.loading import get_class


class ReviewsDashboardConfig(apps.ReviewsDashboardConfig):
    name = "dashboard.reviews"

    def configure_permissions(self):
        super().configure_permissions()
        DashboardPermission = get_class("dashboard.permissions", "DashboardPermission")
        for url_name in ("reviews-list", "reviews-update"):
            self.permissions_map[url_name] = (
                self.permissions_map[url_name],
                DashboardPermission.partner_dashboard_access,
            )
        # reviews-delete: staff only (Oscar's default permission): a manager approves or rejects.
