"""Oscar's orders dashboard, forked: a cooperative manager sees only their cooperative's lines of
an order and can ask for a refund of them; only staff refund (through Stripe)."""

import oscar.apps.dashboard.orders.apps as apps
from django.urls import path
from oscar.core.loading import get_class


class OrdersDashboardConfig(apps.OrdersDashboardConfig):
    name = "dashboard.orders"

    def configure_permissions(self):
        super().configure_permissions()
        DashboardPermission = get_class("dashboard.permissions", "DashboardPermission")
        self.permissions_map["order-ship"] = (
            DashboardPermission.get("order", "change_order"),
            DashboardPermission.partner_dashboard_access,
        )
        self.permissions_map["order-refund-request"] = (
            DashboardPermission.get("order", "change_order"),
            DashboardPermission.partner_dashboard_access,
        )
        # After-sales (dashboard/orders/aftersales.py): each case scoped to its cooperative.
        for name in ("order-after-sales", "order-after-sales-action"):
            self.permissions_map[name] = (
                DashboardPermission.get("order", "change_order"),
                DashboardPermission.partner_dashboard_access,
            )
        # order-refund-decide: staff only (the default permission). So is editing the shipping
        # address: it belongs to the whole order, not to one cooperative's lines.
        self.permissions_map.pop("order-shipping-address", None)

    def ready(self):
        super().ready()
        self.refund_request_view = get_class("dashboard.orders.views", "RefundRequestView")
        self.refund_decide_view = get_class("dashboard.orders.views", "RefundDecisionView")
        self.ship_view = get_class("dashboard.orders.views", "ShipView")
        self.after_sales_view = get_class("dashboard.orders.aftersales", "AfterSalesQueueView")
        self.after_sales_action_view = get_class(
            "dashboard.orders.aftersales", "AfterSalesActionView"
        )

    def get_urls(self):
        # Before Oscar's "<number>/" (an order's page), which would take "after-sales/".
        urls = self.post_process_urls(
            [
                path("after-sales/", self.after_sales_view.as_view(), name="order-after-sales"),
                path(
                    "after-sales/<int:pk>/",
                    self.after_sales_action_view.as_view(),
                    name="order-after-sales-action",
                ),
            ]
        )
        urls += super().get_urls()
        urls += self.post_process_urls(
            [
                path("<str:number>/ship/", self.ship_view.as_view(), name="order-ship"),
                path(
                    "<str:number>/refunds/",
                    self.refund_request_view.as_view(),
                    name="order-refund-request",
                ),
                path(
                    "<str:number>/refunds/<int:pk>/",
                    self.refund_decide_view.as_view(),
                    name="order-refund-decide",
                ),
            ]
        )
        return urls
