from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import InvoiceRequest
from .services import Details, check_details
from .validators import normalise_tax_number, validate_tax_number


class InvoiceRequestForm(forms.Form):
    """The buyer's details, phone first: one column, the 专票 details last."""

    kind = forms.ChoiceField(
        label=_("Invoice type"),
        choices=InvoiceRequest.Kind.choices,
        widget=forms.RadioSelect,
        initial=InvoiceRequest.Kind.ORDINARY,
    )
    title_type = forms.ChoiceField(
        label=_("Title type"),
        choices=InvoiceRequest.TitleType.choices,
        widget=forms.RadioSelect,
        initial=InvoiceRequest.TitleType.ORGANISATION,
    )
    title = forms.CharField(label=_("Invoice title (抬头)"), max_length=100)
    tax_number = forms.CharField(
        label=_("Taxpayer number (税号)"),
        max_length=24,
        required=False,
        help_text=_("The 18-character unified social credit code; not needed for an individual."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
    )
    email = forms.EmailField(
        label=_("Email to receive the invoice"),
        widget=forms.EmailInput(attrs={"inputmode": "email"}),
    )
    address = forms.CharField(label=_("Registered address"), max_length=200, required=False)
    phone = forms.CharField(
        label=_("Registered telephone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    bank_name = forms.CharField(label=_("Bank"), max_length=100, required=False)
    bank_account = forms.CharField(
        label=_("Bank account"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )

    SPECIAL_FIELDS = ("address", "phone", "bank_name", "bank_account")

    def clean_tax_number(self):
        number = normalise_tax_number(self.cleaned_data.get("tax_number", ""))
        validate_tax_number(number)
        return number

    def clean_bank_account(self):
        account = self.cleaned_data.get("bank_account", "").replace(" ", "")
        if account and not (account.isascii() and account.isdigit()):
            raise ValidationError(_("A bank account number is digits only."))
        return account

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        for field, message in check_details(self.details()).items():
            self.add_error(field, message)
        return data

    def details(self) -> Details:
        data = self.cleaned_data
        return Details(**{name: data.get(name, "") or "" for name in Details.__dataclass_fields__})

    def special_fields(self):
        return [self[name] for name in self.SPECIAL_FIELDS]

    def main_fields(self):
        return [self[name] for name in self.fields if name not in self.SPECIAL_FIELDS]


def initial_for(user, organisation=None) -> dict:
    """Prefilled from the organisation (its name and credit code) or the buyer."""
    if organisation is not None:
        return {
            "title_type": InvoiceRequest.TitleType.ORGANISATION,
            "title": organisation.name,
            "tax_number": organisation.credit_code,
            "email": organisation.contact_email or user.email,
            "phone": organisation.contact_phone,
        }
    return {"title_type": InvoiceRequest.TitleType.PERSON, "email": user.email}


class IssueForm(forms.Form):
    """The seller's invoice (or red invoice): number, code, date, file."""

    number = forms.CharField(
        label=_("Invoice number (发票号码)"),
        max_length=24,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("20 digits for a 数电票; 8 digits for an older electronic invoice."),
    )
    code = forms.CharField(
        label=_("Invoice code (发票代码)"),
        max_length=14,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("Only with an 8-digit number: the 10 or 12 digits printed beside it."),
    )
    issued_on = forms.DateField(
        label=_("Date of issue"), widget=forms.DateInput(attrs={"type": "date"})
    )
    file = forms.FileField(
        label=_("Invoice file (PDF or OFD)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.ofd,application/pdf"}),
    )
