"""Oscar's product form, with origin, specification and certification.

Cooperative managers edit what they know (specification, season, storage, origin county). The
cooperative is not on the form: it follows the stock record's partner. The poverty-alleviation
certification is set by staff only, and needs both its number and its expiry date.
"""

from django import forms
from django.utils.translation import gettext as _
from oscar.apps.dashboard.catalogue.forms import ProductForm as OscarProductForm
from oscar.apps.dashboard.catalogue.forms import StockRecordForm as OscarStockRecordForm

STAFF_ONLY_FIELDS = ("certification_number", "certification_valid_until")


class ProductForm(OscarProductForm):
    class Meta(OscarProductForm.Meta):
        fields = [
            *OscarProductForm.Meta.fields,
            "specification",
            "harvest_season",
            "storage",
            "origin_county",
            *STAFF_ONLY_FIELDS,
        ]
        widgets = {
            **OscarProductForm.Meta.widgets,
        }

    def __init__(self, product_class, *args, user=None, **kwargs):
        super().__init__(product_class, *args, **kwargs)
        if user is None or not user.is_staff:
            for name in STAFF_ONLY_FIELDS:
                self.fields.pop(name, None)


class StockRecordForm(OscarStockRecordForm):
    """Stock may not go below what placed orders hold (the database refuses it too)."""

    def clean_num_in_stock(self):
        value = self.cleaned_data.get("num_in_stock")
        allocated = (self.instance.num_allocated or 0) if self.instance.pk else 0
        if value is not None and value < allocated:
            raise forms.ValidationError(
                _("%(n)d units are held by placed orders; stock cannot be lower.")
                % {"n": allocated}
            )
        return value
