"""Oscar's product form, with origin, specification and certification.

Cooperative managers edit what they know (specification, season, storage, origin county). The
cooperative is not on the form: it follows the stock record's partner. The poverty-alleviation
certification is set by staff only, and needs both its number and its expiry date.
"""

from oscar.apps.dashboard.catalogue.forms import ProductForm as OscarProductForm

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
