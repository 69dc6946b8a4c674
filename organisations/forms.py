"""Forms of the organisation pages: the application, adding a member, a role, the year's target.
They check what a person typed; the rules are the services'."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cooperatives.uploads import PictureField
from cooperatives.validators import validate_uscc
from orders.address.chinese import normalise_mainland_mobile

from .models import Member, Organisation
from .services import APPLICATION_FIELDS


class ApplicationForm(forms.ModelForm):
    licence = PictureField(  # re-encoded here for the form's message, and by the service
        label=_("Business licence picture"),
        help_text=_("A photo or scan of the licence (JPEG, PNG or WebP). Only staff see it."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    class Meta:
        model = Organisation
        fields = list(APPLICATION_FIELDS)  # what the service takes (organisations.services)
        widgets = {
            "credit_code": forms.TextInput(
                attrs={"autocapitalize": "characters", "spellcheck": "false", "maxlength": 18}
            ),
            "contact_phone": forms.TextInput(
                attrs={"inputmode": "tel", "autocomplete": "tel", "maxlength": 20}
            ),
            "contact_email": forms.EmailInput(attrs={"autocomplete": "email"}),
        }

    def __init__(self, *args, licence_required=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["licence"].required = licence_required
        self.fields["contact_email"].required = True
        # The organisation's own district (the model's verbose name is the reports' word).
        self.fields["district"].label = _("District (Beijing)")
        self.fields["name"].label = _("Organisation name")
        self.fields["kind"].label = _("Organisation type")
        self.fields["credit_code"].label = _("Unified social credit code")
        self.fields["contact_name"].label = _("Contact person")
        self.fields["contact_phone"].label = _("Contact mobile")
        self.fields["contact_email"].label = _("Contact email")
        self.fields["credit_code"].help_text = _("18 characters, on the business licence.")
        self.fields["contact_email"].help_text = _("Staff's decision is sent here.")

    def clean_credit_code(self):
        code = (self.cleaned_data.get("credit_code") or "").strip().upper().replace(" ", "")
        validate_uscc(code)
        return code

    def clean_contact_phone(self):
        return normalise_mainland_mobile(self.cleaned_data.get("contact_phone") or "")

    def validate_unique(self):
        """Uniqueness is the service's (a rejected application may be sent again)."""


class MemberForm(forms.Form):
    contact = forms.CharField(
        label=_("Email or mobile number of their account"),
        max_length=254,
        widget=forms.TextInput(
            attrs={"class": "form-control", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=Member.Role.choices,
        initial=Member.Role.BUYER,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Member.Role.choices)


class TargetForm(forms.Form):
    target = forms.DecimalField(
        label=_("This year's target (¥)"),
        min_value=Decimal("0.01"),
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"class": "form-control", "inputmode": "decimal"}),
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for rejection"),
        max_length=200,
        error_messages={"required": _("Say why the application is rejected.")},
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("Say why the application is rejected."))
        return reason
