"""The personal-data access logs in Django's admin, for staff who audit them: read only (the
logs are append-only: nobody adds, changes or deletes a row here)."""

from django.contrib import admin

from .models import PersonalDataAccess, RecipientDataAccess


class ReadOnlyLogAdmin(admin.ModelAdmin):
    date_hierarchy = "created"
    list_filter = ("action",)
    list_select_related = ("user",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ReadOnlyLogAdmin):
    list_display = ("created", "user", "action", "household", "purpose")
    list_select_related = ("user", "household")
    search_fields = ("user__email", "purpose")


@admin.register(RecipientDataAccess)
class RecipientDataAccessAdmin(ReadOnlyLogAdmin):
    list_display = ("created", "user", "action", "page", "order_numbers")
    list_filter = ("action", "page")
    search_fields = ("user__email", "orders__number")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("orders")

    @admin.display(description="订单")
    def order_numbers(self, obj):
        return "、".join(str(order.number) for order in obj.orders.all())
