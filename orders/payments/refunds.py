"""Payments, Stripe's side: refunds, asked for by a manager or staff, made by staff through
Stripe, then recorded by the order's lifecycle (``orders.services.refund``)."""

import logging
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from oscar.apps.payment.exceptions import PaymentError
from oscar.core.loading import get_model

from orders import services as lifecycle
from orders import statuses

from . import client
from .models import PaymentIntentRecord, Refund, RefundLine

logger = logging.getLogger(__name__)

Order = get_model("order", "Order")
Source = get_model("payment", "Source")
FEN = Decimal("0.01")


class RefundError(Exception):
    """A refund that cannot be made as asked; the message is for the person who asked."""


# --- Refunds -----------------------------------------------------------------------------------
#
# A refund is a row first (committed, so its idempotency key ``refund-<pk>`` survives anything),
# then one Stripe call made outside any transaction by whoever moves it from REQUESTED to
# PROCESSING, then a short transaction that records it: payment event, ledger reversal, stock,
# statuses. Views that make refunds are not wrapped in the request's transaction.

# The payment ``load_demo`` records for its orders (``shop/management/commands/load_demo.py``
# ``pay``): no money moved, so a refund of it moves none either (see ``make_refund``).
DEMO_SOURCE_TYPE = "demo"

# Refunds that hold units of a line (asked for, being made, or made).
HOLDING = (Refund.Status.REQUESTED, Refund.Status.PROCESSING, Refund.Status.REFUNDED)


@dataclass(frozen=True)
class RefundableLine:
    line: object
    refunded_quantity: int
    refunded_amount: Decimal

    @property
    def quantity(self):
        return self.line.quantity - self.refunded_quantity


def refundable_lines(order, statuses_=HOLDING) -> list[RefundableLine]:
    done = {
        row["line"]: row
        for row in RefundLine.objects.filter(line__order=order, refund__status__in=statuses_)
        .values("line")
        .annotate(units=Sum("quantity"), amount=Sum("amount"))
    }
    return [
        RefundableLine(
            line,
            done.get(line.pk, {}).get("units") or 0,
            done.get(line.pk, {}).get("amount") or Decimal("0.00"),
        )
        for line in order.lines.order_by("pk")
    ]


def line_refund_amount(item: RefundableLine, quantity: int) -> Decimal:
    """What the buyer paid for ``quantity`` more units of a line (after discounts), to the fen;
    the last units take whatever is left, so the parts add up to exactly what was paid."""
    net = Decimal(item.line.line_price_incl_tax)
    if quantity == item.quantity:
        return net - item.refunded_amount
    return (net * quantity / item.line.quantity).quantize(FEN, rounding=ROUND_HALF_UP)


def request_refund(order, quantities: dict, *, user, reason="") -> Refund:
    """Record a refund request for ``{line: quantity}``; staff make it with ``make_refund``."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.status not in statuses.PAID_STATUSES:
            raise RefundError(_("Only a paid order can be refunded."))
        available = {r.line.pk: r for r in refundable_lines(order)}
        wanted = {line: qty for line, qty in quantities.items() if qty}
        if not wanted:
            raise RefundError(_("Choose at least one line and quantity to refund."))
        for line, qty in wanted.items():
            if line.order_id != order.pk:
                raise RefundError(_("That line is not part of this order."))
            if qty < 0 or qty > available[line.pk].quantity:
                raise RefundError(
                    _("At most %(n)d of “%(title)s” can still be refunded.")
                    % {"n": available[line.pk].quantity, "title": line.title}
                )
        refund = Refund.objects.create(order=order, amount=0, reason=reason, requested_by=user)
        parts = [
            RefundLine(
                refund=refund,
                line=line,
                quantity=qty,
                amount=line_refund_amount(available[line.pk], qty),
            )
            for line, qty in wanted.items()
        ]
        RefundLine.objects.bulk_create(parts)
        refund.amount = sum((p.amount for p in parts), Decimal("0.00"))
        refund.save(update_fields=["amount"])
    return refund


def make_refund(refund: Refund, *, user, retry=False) -> Refund:
    """Refund through Stripe, then reverse the ledger, return the stock and record it all.

    ``retry`` makes again a refund left PROCESSING (a crash between Stripe and our commit): the
    same idempotency key makes Stripe answer with the refund it already made."""
    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        if refund.status == Refund.Status.REFUNDED:
            return refund
        if refund.status == Refund.Status.PROCESSING and not retry:
            raise RefundError(_("This refund is being made; reload the page in a moment."))
        if refund.status not in (Refund.Status.REQUESTED, Refund.Status.PROCESSING):
            raise RefundError(_("This refund request has already been decided."))
        order = Order.objects.select_for_update().get(pk=refund.order_id)
        source = order.sources.filter(reference__startswith="pi_").first()
        demo_source = None
        if source is None:
            demo_source = demo_payment(order)
            if demo_source is None:
                raise RefundError(_("This order has no Stripe payment to refund."))
        if order.status not in statuses.PAID_STATUSES:
            raise RefundError(_("Only a paid order can be refunded."))
        if refund.status == Refund.Status.REQUESTED:
            # Shipping goes back with whatever empties the order: decided now, not when asked.
            others = refundable_lines(order, (Refund.Status.PROCESSING, Refund.Status.REFUNDED))
            mine = dict(refund.lines.values_list("line_id", "quantity"))
            if all(r.quantity - mine.get(r.line.pk, 0) == 0 for r in others) and not (
                Refund.objects.filter(order=order, shipping__gt=0).exclude(pk=refund.pk).exists()
            ):
                refund.shipping = order.shipping_incl_tax
                refund.amount += refund.shipping
            refund.status = Refund.Status.PROCESSING
            refund.decided_by = user
            refund.save()
    if demo_source is not None:
        return _make_demo_refund(refund, demo_source, user)
    try:
        stripe_refund = client.create_refund(
            intent_id=source.reference,
            amount=refund.amount,
            reference=refund.reference,
            order_number=order.number,
        )
    except PaymentError:
        Refund.objects.filter(pk=refund.pk, status=Refund.Status.PROCESSING).update(
            status=Refund.Status.FAILED, decided=timezone.now()
        )
        raise
    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        if refund.status == Refund.Status.REFUNDED:
            return refund
        order = Order.objects.select_for_update().get(pk=refund.order_id)
        _apply_refund(order, source, refund, stripe_refund["id"], user)
    return refund


def demo_payment(order):
    """The order's demo payment (``load_demo``'s, type ``DEMO_SOURCE_TYPE``) when it has no
    Stripe payment; None otherwise. An order paid through Stripe is always refunded by Stripe."""
    if order.sources.filter(reference__startswith="pi_").exists():
        return None
    return order.sources.filter(source_type__code=DEMO_SOURCE_TYPE).first()


def _make_demo_refund(refund, source, user):
    """Demo branch of ``make_refund``: the demo's payment moved no money, so Stripe is not called;
    the refund is recorded through the same lifecycle path (stock, ledger reversal, emails) with
    a ``stripe_refund_id`` that says it is the demo's (``demo-refund-<pk>``)."""
    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        if refund.status == Refund.Status.REFUNDED:
            return refund
        order = Order.objects.select_for_update().get(pk=refund.order_id)
        logger.info("Demo refund %s of order %s: no Stripe call", refund.pk, order.number)
        _apply_refund(order, source, refund, f"demo-refund-{refund.pk}", user)
    return refund


def _apply_refund(order, source, refund, stripe_refund_id, user):
    """Stripe gave the money back: the refund and the payment's source say so, and the order's
    lifecycle records what it means (``orders.services.refund``)."""
    refund.status = Refund.Status.REFUNDED
    refund.stripe_refund_id = stripe_refund_id
    refund.decided_by = user
    refund.decided = timezone.now()
    refund.save()
    Source.objects.filter(pk=source.pk).update(amount_refunded=F("amount_refunded") + refund.amount)
    lifecycle.refund(
        order,
        [
            lifecycle.RefundedPart(part.line, part.quantity, part.amount)
            for part in refund.lines.select_related("line", "line__stockrecord")
        ],
        amount=refund.amount,
        reference=stripe_refund_id,
        user=user,
        at=refund.decided,  # the ledger's reversal is dated with the refund (impact.sales)
        note=_("Refunded ¥%(amount)s (%(reference)s).")
        % {"amount": refund.amount, "reference": stripe_refund_id},
    )


def refund_unwanted_payment(order_pk: int, record_pk: int) -> Refund | None:
    """Refund in full a payment the order cannot take (cancelled order, or paid twice).

    The refund row is committed before Stripe is called, under a key made from the intent
    (``auto-<intent>``), so a retry after any failure refunds once."""
    record = PaymentIntentRecord.objects.get(pk=record_pk)
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_pk)
        refund, _created = Refund.objects.get_or_create(
            order=order,
            reason=f"auto:{record.intent_id}",
            defaults={"amount": record.amount, "automatic": True},
        )
    if refund.status == Refund.Status.REFUNDED:
        return refund
    stripe_refund = client.create_refund(
        intent_id=record.intent_id,
        amount=record.amount,
        reference=f"auto-{record.intent_id}",
        order_number=order.number,
    )
    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        if refund.status == Refund.Status.REFUNDED:
            return refund
        refund.status = Refund.Status.REFUNDED
        refund.stripe_refund_id = stripe_refund["id"]
        refund.decided = timezone.now()
        refund.save()
        lifecycle.refund(
            order,
            [],  # the whole payment, which the (closed) order never took
            amount=refund.amount,
            reference=stripe_refund["id"],
            note=_(
                "A payment of ¥%(amount)s (%(intent)s) arrived after the order was closed; "
                "it was refunded automatically (%(refund)s)."
            )
            % {"amount": refund.amount, "intent": record.intent_id, "refund": stripe_refund["id"]},
        )
    return refund
