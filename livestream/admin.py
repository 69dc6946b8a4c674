from django.contrib import admin
from django.db import models

from cooperatives.uploads import PictureField

from .models import Host, LiveSession, SessionProduct

# The cover is re-encoded here too, as on the host's form.
PICTURES = {models.ImageField: {"form_class": PictureField}}


@admin.register(Host)
class HostAdmin(admin.ModelAdmin):
    list_display = ["user"]
    filter_horizontal = ["cooperatives"]
    raw_id_fields = ["user"]


class SessionProductInline(admin.TabularInline):
    model = SessionProduct
    extra = 0
    raw_id_fields = ["product"]
    readonly_fields = ["quota_used"]


@admin.register(LiveSession)
class LiveSessionAdmin(admin.ModelAdmin):
    formfield_overrides = PICTURES
    list_display = ["title", "host", "cooperative", "status", "scheduled_start"]
    list_filter = ["status"]
    inlines = [SessionProductInline]
    raw_id_fields = ["host"]
