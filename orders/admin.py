from django.contrib import admin
from oscar.apps.order.admin import *  # noqa: F403
from oscar.core.loading import get_model


@admin.register(get_model("order", "AfterSalesRequest"))
class AfterSalesRequestAdmin(admin.ModelAdmin):
    """Buyers' after-sales requests; each one's refund is decided on the dashboard's order page."""

    list_display = ("order", "line", "reason", "status", "created", "decided")
    list_filter = ("status", "reason")
    search_fields = ("order__number", "description")
    raw_id_fields = ("order", "line", "user")
    readonly_fields = ("refund_id", "created")
