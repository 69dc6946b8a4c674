"""Shipping and completion: a cooperative ships its lines of a paid order, the buyer (or time)
completes it.

Shipping is recorded the Oscar way (a ``ShippingEvent`` "已发货" with its line quantities, line
statuses) plus a ``Parcel`` with the carrier and tracking number. The order is 部分发货 while some
of its (unrefunded) lines wait, 已发货 when all have gone. Completion (已完成) consumes the stock
allocation: ``num_in_stock`` goes down by what was sold and the allocation is released.
"""

import logging
import re
import unicodedata
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from oscar.core.loading import get_model

from . import statuses

Order = get_model("order", "Order")
Line = get_model("order", "Line")
ShippingEvent = get_model("order", "ShippingEvent")
ShippingEventType = get_model("order", "ShippingEventType")
ShippingEventQuantity = get_model("order", "ShippingEventQuantity")
Parcel = get_model("order", "Parcel")
logger = logging.getLogger(__name__)

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


def shipped_event_type():
    return ShippingEventType.objects.get_or_create(code="shipped", defaults={"name": "已发货"})[0]


def unshipped_lines(order):
    """Lines still to ship: paid, not refunded, not yet in a parcel."""
    return order.lines.exclude(status__in=(statuses.REFUNDED, statuses.SHIPPED)).exclude(
        parcels__isnull=False
    )


def ship_lines(order, lines, *, carrier, tracking_number, user, partner_ids=None) -> "Parcel":
    """Ship some lines of a paid order in one parcel.

    ``partner_ids`` (a manager's partners) limits which lines may be shipped: a line of another
    cooperative is refused, as is a line already shipped or refunded. Nothing is changed on error.
    """
    number = normalise_tracking(carrier, tracking_number)
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.status not in (statuses.PAID, statuses.PARTLY_SHIPPED):
            raise ValidationError(_("Only a paid order can be shipped."))
        wanted = {line.pk for line in lines}
        if not wanted:
            raise ValidationError(_("Choose the lines in this parcel."))
        allowed = unshipped_lines(order).filter(pk__in=wanted)
        if partner_ids is not None:
            allowed = allowed.filter(partner_id__in=partner_ids)
        allowed = list(allowed)
        if len(allowed) != len(wanted):
            raise ValidationError(_("Some of those lines cannot be shipped by you (now)."))
        cooperatives = {line.partner_id for line in allowed}
        if len(cooperatives) != 1:
            raise ValidationError(_("A parcel holds one cooperative's lines."))
        label = CARRIERS[carrier][0]
        event = ShippingEvent.objects.create(
            order=order,
            event_type=shipped_event_type(),
            notes=f"{label} {number}",
        )
        refunded = refunded_units([line.pk for line in allowed])
        for line in allowed:
            ShippingEventQuantity.objects.create(
                event=event, line=line, quantity=line.quantity - refunded.get(line.pk, 0)
            )
            Line.objects.filter(pk=line.pk).update(status=statuses.SHIPPED)
        parcel = Parcel.objects.create(
            order=order,
            event=event,
            partner_id=cooperatives.pop(),
            carrier=carrier,
            tracking_number=number,
            shipped_by=user,
        )
        parcel.lines.set(allowed)
        waiting = unshipped_lines(order).exists()
        new_status = statuses.PARTLY_SHIPPED if waiting else statuses.SHIPPED
        if order.status != new_status:
            order.set_status(new_status)
        from orders.payments.tasks import send_order_email

        send_order_email.delay_on_commit(order.pk, "ORDER_SHIPPED", {"parcel_id": parcel.pk})
    return parcel


def refunded_units(line_ids) -> dict:
    """{line id: units refunded} (refunds made), so a partly refunded line ships the rest."""
    from django.db.models import Sum

    from orders.payments.models import Refund, RefundLine

    return dict(
        RefundLine.objects.filter(line_id__in=line_ids, refund__status=Refund.Status.REFUNDED)
        .values("line_id")
        .annotate(units=Sum("quantity"))
        .values_list("line_id", "units")
    )


def sync_shipping_status(order):
    """After a refund: an order whose every remaining line has gone is 已发货 (call it locked)."""
    if (
        order.status in (statuses.PAID, statuses.PARTLY_SHIPPED)
        and order.parcels.exists()
        and not unshipped_lines(order).exists()
    ):
        order.set_status(statuses.SHIPPED)


def _consume(line):
    """Take what went out from stock and release its allocation, never below zero (a manager
    may already have lowered the stock by hand)."""
    from django.db.models import F
    from django.db.models.functions import Greatest
    from oscar.core.loading import get_model as model

    quantity = line.num_allocated or 0
    if not quantity or line.allocation_cancelled:
        return
    Line.objects.filter(pk=line.pk).update(num_allocated=0)
    model("partner", "StockRecord").objects.filter(pk=line.stockrecord_id).update(
        num_in_stock=Greatest(F("num_in_stock") - quantity, 0),
        num_allocated=Greatest(F("num_allocated") - quantity, 0),
    )


def complete_order(order, *, by_buyer=False) -> bool:
    """已发货 → 已完成, consuming the stock allocation of every line that went out."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.status != statuses.SHIPPED:
            return False
        for line in order.lines.select_related("stockrecord"):
            if line.status == statuses.REFUNDED or not line.stockrecord_id:
                continue
            _consume(line)
        order.set_status(statuses.COMPLETED)
        order.notes.create(
            note_type="System",
            message=_("Completed: the buyer confirmed receipt.")
            if by_buyer
            else _("Completed automatically %(days)d days after shipping.")
            % {"days": settings.AUTO_COMPLETE_DAYS},
        )
    return True


def complete_shipped_orders(now=None) -> int:
    """Celery beat: orders shipped more than ``AUTO_COMPLETE_DAYS`` ago are completed."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.AUTO_COMPLETE_DAYS)
    done = 0
    orders = (
        Order.objects.filter(status=statuses.SHIPPED, parcels__isnull=False)
        .exclude(parcels__shipped_at__gt=cutoff)
        .distinct()
    )
    for order in orders:
        try:
            done += complete_order(order)
        except Exception:  # one bad order must not hold up the others
            logger.exception("Could not complete order %s", order.number)
    return done
