from django.contrib import admin
from django.db import models

from .models import Cooperative, County
from .uploads import PictureField

# Pictures are re-encoded here too, as on the dashboard (see uploads.py).
PICTURES = {models.ImageField: {"form_class": PictureField}}


@admin.register(County)
class CountyAdmin(admin.ModelAdmin):
    list_display = ("name", "league", "beijing_district", "region_code")
    list_filter = ("league", "beijing_district")
    search_fields = ("name",)


@admin.register(Cooperative)
class CooperativeAdmin(admin.ModelAdmin):
    formfield_overrides = PICTURES
    list_display = ("name", "county", "credit_code", "benefit_share", "is_active")
    list_filter = ("is_active", "county__league", "county")
    search_fields = ("name", "credit_code")
    readonly_fields = ("partner",)
