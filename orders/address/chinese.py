"""Chinese addresses on Oscar's address models.

Oscar's address fields are used as: 收货人 = ``first_name``, 省 = ``state``, 市 = ``line4`` (Oscar's
"city"), 区/县 = ``line3``, 详细地址 = ``line1`` (street, building, room), ``line2`` unused,
postcode optional, country China. Displayed in Chinese order: largest unit first, no commas.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Mainland mobile numbers: 11 digits starting 13-19, optionally written with +86 / 0086.
MAINLAND_MOBILE_RE = re.compile(r"^(?:\+?86|0086)?(1[3-9]\d{9})$")


def normalise_mainland_mobile(value: str) -> str:
    """Return the 11-digit mainland mobile number in ``value`` or raise ValidationError."""
    digits = re.sub(r"[\s\-()]", "", str(value or ""))
    match = MAINLAND_MOBILE_RE.match(digits)
    if not match:
        raise ValidationError(
            _("Enter a mainland China mobile number: 11 digits starting with 13–19."),
            code="invalid_mobile",
        )
    return match.group(1)


class ChineseAddressMixin:
    """Display and summarise an Oscar address the Chinese way: 省 市 区 详细地址."""

    region_fields = ("state", "line4", "line3")  # 省 市 区
    detail_fields = ("line1", "line2", "postcode")

    def active_address_fields(self):
        """Recipient, 省 市 区 (北京市 北京市 → 北京市), detail, postcode."""
        region = []
        for value in self.get_address_field_values(self.region_fields):
            if value not in region:
                region.append(value)
        return [
            *self.get_address_field_values(["salutation"]),
            *region,
            *self.get_address_field_values(self.detail_fields),
        ]

    @property
    def summary(self):
        return " ".join(self.active_address_fields())

    @property
    def region_and_detail(self) -> str:
        """The address without the recipient: 省 市 区 详细地址 postcode."""
        return " ".join(
            self.active_address_fields()[len(self.get_address_field_values(["salutation"])) :]
        )

    @property
    def masked_mobile(self) -> str:
        """139****5678, as printed on a parcel's label."""
        try:
            digits = normalise_mainland_mobile(getattr(self, "phone_number", None) or "")
        except ValidationError:
            return ""
        return digits[:3] + "****" + digits[-4:]
