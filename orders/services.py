"""The order's lifecycle, one function per step:

    place ──▶ 待付款 ──mark_paid──▶ 已付款 ──ship──▶ 部分发货 / 已发货 ──complete──▶ 已完成
                 │                    │                                              │
           cancel_unpaid          refund (any paid status, in parts) ──▶ 已退款 ◀────┘
                 ▼
               已取消

Each step is one transaction, with the order's row locked, that changes together everything the
step changes: the order's and its lines' statuses, the stock (``orders.stock``), the benefit
ledger (``cooperatives.ledger``, called directly) and Oscar's payment and shipping records; its
email is queued to go after the commit. What happens when an order is paid is ``mark_paid``.

Payments (``orders.payments``) knows Stripe and calls these; nothing here knows how the money
came or went. Live sessions (``livestream``) follow along through Oscar's signals: the order
placed (``order_placed``: attribution) and its status changed (``order_status_changed``: a
cancelled or refunded order gives its live-price units back), both sent inside these steps'
transactions.
"""

import logging
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from cooperatives import ledger

from . import districts, signals, statuses, stock
from .emails import after_order_placed, send_order_email
from .fulfilment import CARRIERS, held_refusal, normalise_tracking, unshipped_lines
from .selectors import units_held_by_refund_cases

logger = logging.getLogger(__name__)

Order = get_model("order", "Order")
Line = get_model("order", "Line")
PaymentEvent = get_model("order", "PaymentEvent")
PaymentEventType = get_model("order", "PaymentEventType")
PaymentEventQuantity = get_model("order", "PaymentEventQuantity")
ShippingEvent = get_model("order", "ShippingEvent")
ShippingEventType = get_model("order", "ShippingEventType")
ShippingEventQuantity = get_model("order", "ShippingEventQuantity")
Parcel = get_model("order", "Parcel")
Source = get_model("payment", "Source")
SourceType = get_model("payment", "SourceType")


# --- Place ---------------------------------------------------------------------------------------

_confirmation: ContextVar[bool] = ContextVar("confirmation", default=False)


@contextmanager
def with_confirmation():
    """Orders placed inside this (a buyer's checkout or buy now, not the demo's history) get the
    "order placed" email."""
    token = _confirmation.set(True)
    try:
        yield
    finally:
        _confirmation.reset(token)


def place(write: Callable[[], object], *, savepoint=True):
    """Place an order: ``write()`` writes it (Oscar's ``OrderCreator``, ``orders.utils``) inside
    the placement transaction, whose stock and quota updates run last (``stock.placement``);
    anything it raises (``UnableToPlaceOrder``: sold out) leaves nothing written. After the
    commit one task records Oscar's purchase counters and sends the "order placed" email when
    the buyer placed it (``with_confirmation``). The order is 待付款 with its stock allocated."""
    with stock.placement(savepoint=savepoint):
        order = write()
    after_order_placed.delay_on_commit(order.pk, confirmation=_confirmation.get())
    return order


# --- Pay ------------------------------------------------------------------------------------------


def _locked(order):
    return Order.objects.select_for_update().get(pk=order.pk)


def mark_paid(order, *, amount, reference, source, label="", at=None) -> bool:
    """待付款 → 已付款, once. In one transaction: the payment is recorded the Oscar way (a
    ``Source`` of type ``source`` (code, name), a "paid" ``PaymentEvent`` for every line), the
    order and its lines become 已付款, and the households' shares of the sale are posted to the
    benefit ledger; the "paid" email goes after the commit.

    False, with nothing changed, when the order is no longer waiting for payment (paid already,
    or cancelled: the caller gives such money back) or this payment is recorded already.

    ``at``: when the money came (now unless told: the demo's history); the payment event and the
    ledger entries are dated then, so the month's household income follows the month's sales."""
    with transaction.atomic():
        order = _locked(order)
        if order.status != statuses.PENDING_PAYMENT:
            return False
        if order.sources.filter(reference=reference).exists():
            return False
        code, name = source
        source_type, _created = SourceType.objects.get_or_create(code=code, defaults={"name": name})
        Source.objects.create(
            order=order,
            source_type=source_type,
            currency=order.currency,
            amount_allocated=amount,
            amount_debited=amount,
            reference=reference,
            label=label[:128],
        )
        event = PaymentEvent.objects.create(
            order=order, amount=amount, reference=reference, event_type=_event_type("paid")
        )
        at = _dated(event, at)
        lines = list(order.lines.all())
        PaymentEventQuantity.objects.bulk_create(
            PaymentEventQuantity(event=event, line=line, quantity=line.quantity) for line in lines
        )
        order.buyer_district = districts.buyer_district(order)
        order.set_status(statuses.PAID)  # saved with it; the lines follow (…STATUS_CASCADE)
        # The impact rollups (a receiver) before the ledger: the households' monthly totals are
        # the rows every payment of a big sale waits for, so they are locked last
        # (docs/performance.md, "Pay path").
        signals.order_paid.send(sender=Order, order=order, at=at)
        ledger.post_sale_shares(order, at=at)
        _queue_email(order, "ORDER_PAID")
    return True


def _dated(event, at):
    """The moment a payment event records: ``at`` when given (its ``date_created`` is
    auto_now_add, so it is moved there), else when it was made."""
    if at is None:
        return event.date_created
    PaymentEvent.objects.filter(pk=event.pk).update(date_created=at)
    event.date_created = at
    return at


def _event_type(code):
    names = {"paid": "已支付", "refunded": "已退款"}
    return PaymentEventType.objects.get_or_create(code=code, defaults={"name": names[code]})[0]


# --- Cancel --------------------------------------------------------------------------------------


def cancel_unpaid(order, *, note: str) -> bool:
    """待付款 → 已取消, once: every line's stock allocation is released (and, through
    ``order_status_changed``, any live-price units go back to their quota). The caller has made
    sure no payment can still arrive (payments: the intents are cancelled). False when the order
    is not waiting for payment any more. ``note``: why, for the order's history."""
    with transaction.atomic():
        order = _locked(order)
        if order.status != statuses.PENDING_PAYMENT:
            return False
        order.set_status(statuses.CANCELLED)
        for line in order.lines.all():
            stock.release(line)
        order.notes.create(message=note, note_type="System")
    return True


# --- Ship and complete ---------------------------------------------------------------------------


def _shipped_event_type():
    return ShippingEventType.objects.get_or_create(code="shipped", defaults={"name": "已发货"})[0]


def ship(
    order, lines, *, carrier, tracking_number, user, partner_ids=None, unusual_ok=False
) -> "Parcel":
    """Some lines of a paid order go out in one parcel: Oscar's shipping event "已发货" with the
    line quantities (less what was refunded), the lines 已发货, a ``Parcel`` with the carrier and
    tracking number; the order 部分发货 while other (unrefunded) lines wait, 已发货 when none
    does; the "shipped" email after commit.

    ``partner_ids`` (a manager's partners) limits which lines may be shipped: a line of another
    cooperative is refused, as is a line already shipped or refunded. A ``ValidationError`` with
    nothing changed for anything wrong (the tracking number's format included, unless
    ``unusual_ok``: the manager confirmed a number of another shape)."""
    number = normalise_tracking(carrier, tracking_number, unusual_ok=unusual_ok)
    with transaction.atomic():
        order = _locked(order)
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
        held = units_held_by_refund_cases([line.pk for line in allowed])
        if any(held.values()):
            # The buyer asked for a refund of units not yet sent: the case is decided first.
            raise ValidationError(held_refusal(order.number, sum(held.values())))
        label = CARRIERS[carrier][0]
        event = ShippingEvent.objects.create(
            order=order, event_type=_shipped_event_type(), notes=f"{label} {number}"
        )
        refunded = refunded_units([line.pk for line in allowed])
        ShippingEventQuantity.objects.bulk_create(
            ShippingEventQuantity(
                event=event, line=line, quantity=line.quantity - refunded.get(line.pk, 0)
            )
            for line in allowed
        )
        Line.objects.filter(pk__in=[line.pk for line in allowed]).update(status=statuses.SHIPPED)
        parcel = Parcel.objects.create(
            order=order,
            event=event,
            partner_id=cooperatives.pop(),
            carrier=carrier,
            tracking_number=number,
            shipped_by=user,
        )
        parcel.lines.set(allowed)
        _sync_shipping_status(order)
        _queue_email(order, "ORDER_SHIPPED", parcel_id=parcel.pk)
    return parcel


def _sync_shipping_status(order):
    """部分发货 while a paid order's unrefunded lines wait, 已发货 once none does (locked)."""
    if order.status not in (statuses.PAID, statuses.PARTLY_SHIPPED):
        return
    if not order.parcels.exists():
        return
    new_status = statuses.PARTLY_SHIPPED if unshipped_lines(order).exists() else statuses.SHIPPED
    if order.status != new_status:
        order.set_status(new_status)


def complete(order, *, by_buyer=False) -> bool:
    """已发货 → 已完成, by the buyer or by time: every line that went out leaves the shelf
    (``stock.consume``). False when the order is not (or no longer) 已发货."""
    with transaction.atomic():
        order = _locked(order)
        if order.status != statuses.SHIPPED:
            return False
        for line in order.lines.all():
            if line.status != statuses.REFUNDED:
                stock.consume(line)
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
            done += complete(order)
        except Exception:  # one bad order must not hold up the others
            logger.exception("Could not complete order %s", order.number)
    return done


# --- Refund --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RefundedPart:
    """Units of one line given back, and what the buyer paid for them."""

    line: object
    quantity: int
    amount: Decimal


def refund(
    order, parts: list[RefundedPart], *, amount, reference, user=None, note="", at=None
) -> object:
    """Money given back (already, by whoever took it) for ``parts`` of a paid order, recorded in
    the caller's transaction: Oscar's "refunded" ``PaymentEvent`` with its line quantities, the
    households' shares of those parts reversed in the ledger, their units back in stock
    (``stock.put_back``), lines refunded in full 已退款, the order 已退款 once nothing is left
    (or 已发货 once what is left has all gone), a note, and the "refunded" email after commit.

    With no ``parts`` the whole of a payment the order could not take (it was closed) went back:
    only the event, the note and the email. Returns the payment event. ``at``: when the money
    went back (now unless told); the event and the ledger's reversals are dated then."""
    with transaction.atomic():
        order = _locked(order)
        event = PaymentEvent.objects.create(
            order=order, amount=amount, reference=reference, event_type=_event_type("refunded")
        )
        at = _dated(event, at)
        for part in parts:
            PaymentEventQuantity.objects.create(event=event, line=part.line, quantity=part.quantity)
            ledger.reverse_line_shares(part.line, part.amount, reference, at=at)
            stock.put_back(part.line, part.quantity)
        if parts:
            lines = list(order.lines.all())
            refunded = refunded_units([line.pk for line in lines])
            gone = [line.pk for line in lines if refunded.get(line.pk, 0) >= line.quantity]
            Line.objects.filter(pk__in=gone).exclude(status=statuses.REFUNDED).update(
                status=statuses.REFUNDED
            )
            if len(gone) == len(lines) and order.status != statuses.REFUNDED:
                order.set_status(statuses.REFUNDED)
            else:
                _sync_shipping_status(order)
        if note:
            order.notes.create(user=user, note_type="System", message=note)
        signals.order_refunded.send(sender=Order, order=order, event=event, parts=parts, at=at)
        _queue_email(order, "ORDER_REFUNDED", payment_event_id=event.pk)
    return event


def refunded_units(line_ids) -> dict:
    """{line id: units refunded so far} (Oscar's refunded payment events), so a partly refunded
    line ships, packs and counts the rest."""
    return dict(
        PaymentEventQuantity.objects.filter(
            line_id__in=line_ids, event__event_type__code="refunded"
        )
        .values("line_id")
        .annotate(units=Sum("quantity"))
        .values_list("line_id", "units")
    )


# --- Emails --------------------------------------------------------------------------------------


# A purchase batch's orders (one per gift recipient, all the member's) are paid and shipped by
# the hundred: the member gets one email for the batch (organisations.receivers), not one each.
BATCHED_NOTICES = ("ORDER_PAID", "ORDER_SHIPPED")


def _queue_email(order, code, **extra):
    if order.batch_id and code in BATCHED_NOTICES:
        return
    send_order_email.delay_on_commit(order.pk, code, extra)
