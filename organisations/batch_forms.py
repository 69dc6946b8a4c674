"""The new purchase batch's form: the gift (a small formset of product and quantity per
recipient), the purpose and the recipients sheet."""

from django import forms
from django.utils.translation import gettext_lazy as _

from . import batches


class GiftForm(forms.Form):
    product = forms.ModelChoiceField(
        queryset=batches.gift_products(), required=False, label=_("Product")
    )
    quantity = forms.IntegerField(
        min_value=1, max_value=batches.MAX_QUANTITY, initial=1, required=False,
        label=_("Quantity per recipient"),
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = batches.gift_products()
        self.fields["product"].empty_label = _("Choose a product…")
        self.fields["product"].label_from_instance = _product_label
        self.fields["quantity"].widget.attrs.update({"inputmode": "numeric", "class": "gift-qty"})

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("product") and not cleaned.get("quantity"):
            self.add_error("quantity", _("How many does each recipient get?"))
        return cleaned


def _product_label(product) -> str:
    record = product.stockrecords.all()[0] if product.stockrecords.all() else None
    if record is None:
        return product.get_title()
    return f"{product.get_title()} · ¥{record.price}"


class BaseGiftFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        gifts = self.gifts()
        if not gifts:
            raise forms.ValidationError(_("Choose at least one product."))
        products = [gift.product.pk for gift in gifts]
        if len(products) != len(set(products)):
            raise forms.ValidationError(_("A product is chosen twice: give it once."))

    def gifts(self) -> list:
        return [
            batches.Gift(form.cleaned_data["product"], form.cleaned_data["quantity"])
            for form in self.forms
            if form.cleaned_data.get("product")
        ]


GiftFormSet = forms.formset_factory(
    GiftForm, formset=BaseGiftFormSet, extra=3, max_num=10, validate_max=True
)


class BatchForm(forms.Form):
    title = forms.CharField(
        label=_("Purpose"), max_length=100, required=False,
        help_text=_("For example: 2027 Spring Festival gifts for members"),
    )  # fmt: skip
    sheet = forms.FileField(
        label=_("Recipients sheet (CSV or XLSX)"),
        help_text=_(
            "Columns 收货人, 手机号, 省, 市, 区/县, 详细地址 (or one column 地址 with the whole "
            "address). Download the sample below."
        ),
    )
    repeats_ok = forms.BooleanField(
        label=_("Send to the repeated rows too"), required=False,
        help_text=_("Tick when the sheet repeats a recipient on purpose (two gifts)."),
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sheet"].widget.attrs["accept"] = ".csv,.xlsx"
