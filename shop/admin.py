"""The admin's view of sign-in by mobile number: which account a number signs in to (staff link
a number to an existing account here, e.g. their own, or move it). The codes are not shown:
only their hashes are kept, and they are good for minutes."""

from django import forms
from django.contrib import admin

from .models import PhoneAccount
from .phone_codes import normalise


class PhoneAccountForm(forms.ModelForm):
    class Meta:
        model = PhoneAccount
        fields = ["user", "number"]

    def clean_number(self):
        return normalise(self.cleaned_data["number"])  # +86 and the 11 digits, like sign-in's


@admin.register(PhoneAccount)
class PhoneAccountAdmin(admin.ModelAdmin):
    form = PhoneAccountForm
    list_display = ["masked", "user", "verified"]
    search_fields = ["number", "user__email", "user__username"]
    raw_id_fields = ["user"]
    readonly_fields = ["verified"]

    @admin.display(description="手机号")
    def masked(self, account):
        return account.masked
