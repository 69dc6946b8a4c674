"""Chinese address forms: 收货人, 手机号, 省/市/区, 详细地址, optional postcode; China only."""

from django import forms
from django.core import validators
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from oscar.apps.address.forms import UserAddressForm as OscarUserAddressForm
from oscar.core.loading import get_model
from phonenumber_field.phonenumber import PhoneNumber

from .chinese import normalise_mainland_mobile

Country = get_model("address", "Country")

# Mainland provincial-level divisions the store delivers to.
PROVINCES = [
    "北京市", "天津市", "河北省", "山西省", "内蒙古自治区", "辽宁省", "吉林省", "黑龙江省",
    "上海市", "江苏省", "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省",
    "湖北省", "湖南省", "广东省", "广西壮族自治区", "海南省", "重庆市", "四川省", "贵州省",
    "云南省", "西藏自治区", "陕西省", "甘肃省", "青海省", "宁夏回族自治区", "新疆维吾尔自治区",
]  # fmt: skip


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
        "line4": (_("City"), _("e.g. 北京市")),
        "line3": (_("District / county"), _("e.g. 朝阳区")),
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
        self.fields["state"] = forms.ChoiceField(
            choices=[("", "—")] + [(p, p) for p in PROVINCES], required=True
        )
        if not self.initial.get("state") and not getattr(self.instance, "state", ""):
            self.initial["state"] = "北京市"
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
