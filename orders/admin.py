from django.contrib import admin
from oscar.apps.order.admin import *  # noqa: F403
from oscar.core.loading import get_model


class AfterSalesLineInline(admin.TabularInline):
    model = get_model("order", "AfterSalesLine")
    raw_id_fields = ("line",)
    extra = 0


class AfterSalesEventInline(admin.TabularInline):
    model = get_model("order", "AfterSalesEvent")
    raw_id_fields = ("by",)
    extra = 0


@admin.register(get_model("order", "AfterSalesRequest"))
class AfterSalesRequestAdmin(admin.ModelAdmin):
    """Buyers' after-sales cases; decided on the dashboard's after-sales queue."""

    list_display = ("order", "kind", "reason", "status", "created", "escalated", "decided")
    list_filter = ("status", "kind", "reason")
    search_fields = ("order__number", "description")
    raw_id_fields = ("order", "partner", "user", "decided_by")
    readonly_fields = ("refund_id",)
    inlines = [AfterSalesLineInline, AfterSalesEventInline]
