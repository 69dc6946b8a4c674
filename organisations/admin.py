"""Organisation buyers in Django's admin (for support; staff decide applications on the
dashboard, /dashboard/organisations/, where the licence is shown and the applicant emailed)."""

from django.contrib import admin

from .models import Member, Organisation, ReservedShare


class MemberInline(admin.TabularInline):
    model = Member
    fk_name = "organisation"
    raw_id_fields = ("user", "added_by")
    extra = 0


class ReservedShareInline(admin.TabularInline):
    model = ReservedShare
    raw_id_fields = ("set_by",)
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "district", "credit_code", "status", "created")
    list_filter = ("status", "kind", "district")
    search_fields = ("name", "credit_code")
    raw_id_fields = ("applied_by", "decided_by")
    # The licence is private: no link to it here (its storage has no URL); see the dashboard.
    exclude = ("licence",)
    readonly_fields = ("status", "decided_by", "decided_at", "rejection_reason")
    inlines = [MemberInline, ReservedShareInline]
