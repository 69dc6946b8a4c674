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


# Any carrier's number, whatever its shape: letters, digits and dashes, 6 to 40 of them. Outside
# this a number is refused; inside it but not the carrier's published shape, it is a warning the
# manager may confirm (carriers change their formats).
PLAUSIBLE_TRACKING = re.compile(r"^[A-Z0-9-]{6,40}$", re.ASCII)

# A carrier as a courier's sheet or a manager may write it: its code, its label, or a common name.
CARRIER_NAMES = {
    "SF": ("顺丰", "顺丰速运", "顺丰快递", "SF EXPRESS"),
    "JD": ("京东", "京东物流", "京东快递"),
    "EMS": ("中国邮政", "邮政", "邮政EMS", "邮政快递", "中国邮政速递物流"),
    "ZTO": ("中通", "中通快递"),
    "YTO": ("圆通", "圆通速递", "圆通快递"),
    "YUNDA": ("韵达", "韵达快递", "韵达速递"),
    "STO": ("申通", "申通快递"),
    "OTHER": ("其他", "其它"),
}


def clean_tracking(number: str) -> str:
    """Full-width digits and letters (common from Chinese input methods) as ASCII, spaces
    removed, upper-cased."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", number or "")).upper()


def carrier_code(value: str) -> str | None:
    """The carrier's code for a code, label or Chinese name (``"顺丰"``, ``"sf"``), or None."""
    cleaned = re.sub(r"\s+", "", unicodedata.normalize("NFKC", value or "")).upper()
    if not cleaned:
        return None
    if cleaned in CARRIERS:
        return cleaned
    for code, (label, _pattern) in CARRIERS.items():
        names = {re.sub(r"\s+", "", str(label)).upper(), *CARRIER_NAMES.get(code, ())}
        if cleaned in {re.sub(r"\s+", "", n).upper() for n in names}:
            return code
    return None


def check_tracking(carrier: str, number: str) -> tuple[str, str | None]:
    """The cleaned number and a warning (None when it has the carrier's shape). A
    ValidationError when the carrier is unknown or the number is no carrier's at all."""
    if carrier not in CARRIERS:
        raise ValidationError(_("Choose a carrier."))
    cleaned = clean_tracking(number)
    if not cleaned:
        raise ValidationError(_("Enter the tracking number."))
    if not PLAUSIBLE_TRACKING.match(cleaned):
        raise ValidationError(
            _("“%(number)s” is not a tracking number (6 to 40 letters, digits or dashes).")
            % {"number": (number or "")[:40]}
        )
    label, pattern = CARRIERS[carrier]
    if pattern.match(cleaned):
        return cleaned, None
    return cleaned, _("“%(number)s” does not look like a %(carrier)s tracking number.") % {
        "number": cleaned,
        "carrier": label,
    }


def normalise_tracking(carrier: str, number: str, *, unusual_ok: bool = False) -> str:
    """Upper-case, spaces removed, checked against the carrier's format; ValidationError if not
    (with ``unusual_ok``, a number of another shape passes: the manager confirmed it)."""
    cleaned, warning = check_tracking(carrier, number)
    if warning and not unusual_ok:
        raise ValidationError(
            _("“%(number)s” is not a %(carrier)s tracking number.")
            % {"number": number, "carrier": CARRIERS[carrier][0]}
        )
    return cleaned


def unshipped_lines(order):
    """Lines still to ship: paid, not refunded, not yet in a parcel."""
    return order.lines.exclude(status__in=(statuses.REFUNDED, statuses.SHIPPED)).exclude(
        parcels__isnull=False
    )


# --- What holds a shipment back or asks for a second look ----------------------------------------


def held_note(units: int) -> str:
    """The mark on an order whose units to ship are in an open refund (仅退款) case."""
    return _(
        "In after-sales: the buyer asked for a refund of %(n)d units; deal with the case first."
    ) % {"n": units}


def held_refusal(number: str, units: int) -> str:
    """Why an order with units in an open refund case is not shipped."""
    return _(
        "Order %(number)s is in after-sales: the buyer asked for a refund of %(n)d units; "
        "deal with the case first."
    ) % {"number": number, "n": units}


def reused_warning(tracking: str, parcels, *, order_id=None, partner_ids=None) -> str | None:
    """A warning when ``tracking`` is already on a parcel (``parcels``: rows of
    ``selectors.parcels_with_tracking_numbers``); the other order is named only when it is one
    of the user's (``partner_ids``; None: staff), so nobody learns another cooperative's."""
    if not parcels:
        return None
    for parcel in parcels:
        if partner_ids is None or parcel["partner_id"] in partner_ids:
            if parcel["order_id"] == order_id:
                return _(
                    "Tracking number %(tracking)s is already on a parcel of this order: check it."
                ) % {"tracking": tracking}
            return _(
                "Tracking number %(tracking)s is already on order %(order)s's parcel: check it."
            ) % {"tracking": tracking, "order": parcel["order__number"]}
    return _("Tracking number %(tracking)s is already on another order's parcel: check it.") % {
        "tracking": tracking
    }
