"""Shipping's vocabulary: the carriers, their tracking numbers' shapes, the lines still to ship.

Shipping itself (a parcel, its statuses, the email) is a step of the order's lifecycle:
``orders.services.ship``.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import statuses

# Carriers and the shape of their tracking numbers, where one is published and stable.
CARRIERS = {
    "SF": (gettext_lazy("SF Express 顺丰"), re.compile(r"^SF\d{12,13}$", re.ASCII)),
    "JD": (gettext_lazy("JD Logistics 京东物流"), re.compile(r"^JD[A-Z0-9]{13,15}$", re.ASCII)),
    "EMS": (gettext_lazy("EMS"), re.compile(r"^(\d{13}|[A-Z]{2}\d{9}CN)$", re.ASCII)),
    "ZTO": (gettext_lazy("ZTO 中通"), re.compile(r"^\d{12}(\d{2})?$", re.ASCII)),
    "YTO": (gettext_lazy("YTO 圆通"), re.compile(r"^YT\d{13}$", re.ASCII)),
    "YUNDA": (gettext_lazy("Yunda 韵达"), re.compile(r"^\d{13}(\d{2})?$", re.ASCII)),
    "STO": (gettext_lazy("STO 申通"), re.compile(r"^\d{12,13}$", re.ASCII)),
    "OTHER": (gettext_lazy("Other"), re.compile(r"^[A-Za-z0-9-]{6,40}$", re.ASCII)),
}
CARRIER_CHOICES = [(code, label) for code, (label, _pattern) in CARRIERS.items()]


def normalise_tracking(carrier: str, number: str) -> str:
    """Upper-case, spaces removed, checked against the carrier's format; ValidationError if not."""
    if carrier not in CARRIERS:
        raise ValidationError(_("Choose a carrier."))
    # Full-width digits and letters (common from Chinese input methods) become ASCII first.
    cleaned = re.sub(r"\s+", "", unicodedata.normalize("NFKC", number or "")).upper()
    label, pattern = CARRIERS[carrier]
    if not pattern.match(cleaned):
        raise ValidationError(
            _("“%(number)s” is not a %(carrier)s tracking number.")
            % {"number": number, "carrier": label}
        )
    return cleaned


def unshipped_lines(order):
    """Lines still to ship: paid, not refunded, not yet in a parcel."""
    return order.lines.exclude(status__in=(statuses.REFUNDED, statuses.SHIPPED)).exclude(
        parcels__isnull=False
    )
