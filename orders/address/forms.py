"""Chinese address forms: 收货人, 手机号, 省/市/区, 详细地址, optional postcode; China only.

省, 市 and 区/县 are chosen from the national division list (``divisions.py``, vendored): the
server offers the 市 of the chosen 省 and the 区/县 of the chosen 市, and checks that they belong
together; the page's script (static/jingmeng/js/address.js) refills the lists as the buyer
chooses, so that without it the form still works (a wrong pair is refused, and shown again with
the right lists)."""

from django import forms
from django.conf import settings
from django.core import validators
from django.core.exceptions import ValidationError
from django.templatetags.static import static
from django.utils.translation import gettext_lazy as _
from oscar.apps.address.forms import UserAddressForm as OscarUserAddressForm
from oscar.core.loading import get_model
from phonenumber_field.phonenumber import PhoneNumber

from . import divisions
from .chinese import normalise_mainland_mobile

Country = get_model("address", "Country")

DEFAULT_PROVINCE = DEFAULT_CITY = "北京市"  # the store's buyers are mostly in Beijing
CITY_NOT_IN_PROVINCE = _("The chosen city is not in this province.")
DISTRICT_NOT_IN_CITY = _("The chosen district or county is not in this city.")
OUTSIDE_DELIVERY_AREA = _("Sorry, the store does not deliver to this province.")


class DivisionField(forms.ChoiceField):
    """A 省, 市 or 区/县 select. It offers the divisions under the one chosen above it, but takes
    any division of its level, so that a pair that does not belong together is refused by the
    form's ``clean`` with a message that says so (not "not one of the choices")."""

    def __init__(self, *, known, level, **kwargs):
        super().__init__(**kwargs)
        self.known = known
        self.widget.attrs["data-division"] = level

    def valid_value(self, value):
        return value in self.known()

    def offer(self, names):
        """The names the select lists; with one only (北京市's 市), it is preselected."""
        placeholder = [] if len(names) == 1 else [("", _("Choose…"))]
        self.choices = placeholder + [(name, name) for name in names]


class ChineseAddressFormMixin:
    """Turns one of Oscar's address forms into a Chinese one. Put it first in the bases."""

    field_order = [
        "first_name", "phone_number", "state", "line4", "line3", "line1", "postcode", "notes",
    ]  # fmt: skip
    unused_fields = ("title", "last_name", "line2", "country")
    labels = {
        "first_name": (_("Recipient"), _("Full name")),
        "phone_number": (_("Mobile phone"), _("11-digit mobile number")),
        "state": (_("Province"), ""),
        "line4": (_("City"), ""),
        "line3": (_("District / county"), ""),
        "line1": (_("Detailed address"), _("Street, building, unit, room")),
        "postcode": (_("Postcode (optional)"), _("6 digits")),
        "notes": (_("Delivery notes (optional)"), ""),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.unused_fields:
            self.fields.pop(name, None)
        if not getattr(self.instance, "country_id", None):
            # China is the one shipping country (a data migration creates it).
            self.instance.country = Country.objects.filter(is_shipping_country=True).first()
        self.add_division_fields()
        self.fields["phone_number"].required = True
        for name, (label, placeholder) in self.labels.items():
            if name in self.fields:
                self.fields[name].label = label
                if placeholder:
                    self.fields[name].widget.attrs["placeholder"] = placeholder
        self.fields["phone_number"].help_text = _("The courier calls or texts the recipient on it.")
        self.fields["phone_number"].widget.attrs.update(
            {"inputmode": "tel", "autocomplete": "tel-national"}
        )
        self.fields["postcode"].widget.attrs.update({"inputmode": "numeric", "maxlength": "6"})
        if "notes" in self.fields:
            self.fields["notes"].widget.attrs["rows"] = 2
            self.fields["notes"].help_text = ""
        self.order_fields(self.field_order)

    def add_division_fields(self):
        """省 (``state``), 市 (``line4``) and 区/县 (``line3``) as selects, each listing what is
        under the one chosen above it (what was posted, else the address's, else Beijing)."""
        self.fields["state"] = DivisionField(known=divisions.provinces, level="province")
        self.fields["line4"] = DivisionField(known=divisions.all_cities, level="city")
        self.fields["line3"] = DivisionField(known=divisions.all_districts, level="district")
        self.fields["state"].widget.attrs["data-divisions-url"] = static(divisions.STATIC_PATH)
        if not self.is_bound and not self.initial.get("state"):
            self.initial["state"] = DEFAULT_PROVINCE
            self.initial["line4"] = self.initial.get("line4") or DEFAULT_CITY
        province, city = self.chosen("state"), self.chosen("line4")
        self.fields["state"].offer(divisions.provinces())
        self.fields["line4"].offer(divisions.cities(province))
        self.fields["line3"].offer(divisions.districts(province, city))
        for name in ("state", "line4", "line3"):
            self.fields[name].widget.attrs["autocomplete"] = "off"

    def chosen(self, name) -> str:
        """The value of a field as posted, or as it starts (the address's, or the default)."""
        if self.is_bound:
            return (
                self.fields[name].widget.value_from_datadict(
                    self.data, self.files, self.add_prefix(name)
                )
                or ""
            )
        return self.initial.get(name) or ""

    def clean(self):
        """The 市 must be in the 省, and the 区/县 in the 市: else refused, nothing saved."""
        cleaned = super().clean()
        province, city = cleaned.get("state"), cleaned.get("line4")
        district = cleaned.get("line3")
        if province and province in settings.DELIVERY_EXCLUDED_PROVINCES:
            # The delivery area (shared with purchase batches' sheets): the mainland divisions
            # offered here, less the provinces the store does not deliver to.
            self.add_error(
                "state", ValidationError(OUTSIDE_DELIVERY_AREA, code="outside_delivery_area")
            )
        elif province and city and city not in divisions.cities(province):
            self.add_error(
                "line4", ValidationError(CITY_NOT_IN_PROVINCE, code="city_not_in_province")
            )
        elif province and city and district and district not in divisions.districts(province, city):
            self.add_error(
                "line3", ValidationError(DISTRICT_NOT_IN_CITY, code="district_not_in_city")
            )
        return cleaned

    def clean_phone_number_field(self, field_name):
        """Only mainland mobile numbers: the courier texts and calls the recipient."""
        number = self.cleaned_data.get(field_name)
        if number in validators.EMPTY_VALUES:
            return ""
        try:
            mobile = normalise_mainland_mobile(number)
        except ValidationError as error:
            self.add_error(field_name, error)
            return number
        return PhoneNumber.from_string(mobile, region="CN")

    def clean_postcode(self):
        postcode = (self.cleaned_data.get("postcode") or "").strip()
        if postcode and not (len(postcode) == 6 and postcode.isdigit()):
            raise ValidationError(_("A Chinese postcode has 6 digits."), code="invalid_postcode")
        return postcode


class UserAddressForm(ChineseAddressFormMixin, OscarUserAddressForm):
    """The address book's form (Oscar's, made Chinese)."""
