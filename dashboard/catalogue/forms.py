"""Oscar's product form, with origin, specification and certification.

Cooperative managers edit what they know (specification, season, storage, origin county). The
cooperative is not on the form: it follows the stock record's partner. The poverty-alleviation
certification is set by staff only, and needs both its number and its expiry date.

Every picture uploaded here (product images, image attributes, category images) is re-encoded
by ``cooperatives.uploads.PictureField``, as the cooperative's own pictures are: Oscar's
``ImageField`` would store the uploader's bytes, and only Pillow's own check stands between a
decompression bomb and the thumbnailer.

Rich text a manager writes (the description, rich-text attributes; staff's category description
too) is cleaned by ``catalog.richtext.clean_html`` before it is saved: the storefront prints it.
"""

from django import forms
from django.utils.translation import gettext as _
from oscar.apps.dashboard.catalogue.forms import CategoryForm as OscarCategoryForm
from oscar.apps.dashboard.catalogue.forms import ProductForm as OscarProductForm
from oscar.apps.dashboard.catalogue.forms import ProductImageForm as OscarProductImageForm
from oscar.apps.dashboard.catalogue.forms import StockRecordForm as OscarStockRecordForm
from oscar.forms.widgets import ImageInput as OscarImageInput

from catalog.richtext import clean_html
from cooperatives.uploads import PictureField

STAFF_ONLY_FIELDS = ("certification_number", "certification_valid_until")


def _attr_picture_field(attribute):
    return PictureField(label=attribute.name, required=attribute.required)


class RichTextField(forms.CharField):
    """Oscar's rich-text attribute field, its HTML cleaned to the storefront's allow-list."""

    def clean(self, value):
        return clean_html(super().clean(value))


def _attr_richtext_field(attribute):
    return RichTextField(label=attribute.name, widget=forms.Textarea(), required=attribute.required)


class ProductForm(OscarProductForm):
    FIELD_FACTORIES = {
        **OscarProductForm.FIELD_FACTORIES,
        "image": _attr_picture_field,
        "richtext": _attr_richtext_field,
    }

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

    def clean_description(self):
        return clean_html(self.cleaned_data.get("description"))


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


class ImageInput(OscarImageInput):
    """Oscar's picture input without the inline ``onload``/``onerror`` handlers that the
    Content-Security-Policy blocks (static/jingmeng/js/dashboard-oscar.js does their work)."""

    template_name = "jingmeng/widgets/image_input.html"


class ProductImageForm(OscarProductImageForm):
    """Oscar's product image form (its formset loads this class), the picture re-encoded."""

    class Meta(OscarProductImageForm.Meta):
        field_classes = {"original": PictureField}
        widgets = {**OscarProductImageForm.Meta.widgets, "original": ImageInput()}


class CategoryForm(OscarCategoryForm):
    class Meta(OscarCategoryForm.Meta):
        field_classes = {"image": PictureField}

    def clean_description(self):
        return clean_html(self.cleaned_data.get("description"))
