"""Payments plugs into the order's own signals (``orders.signals``)."""

from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils.translation import gettext as _

from orders import aftersales
from orders.signals import after_sales_requested, unpaid_order_cancelling

from . import refunds
from .intents import stop_payments
from .models import Refund


@receiver(unpaid_order_cancelling, dispatch_uid="payments.stop_payments_of_cancelled_order")
def stop_payments_of_cancelled_order(sender, order, **kwargs):
    """A buyer cancels an unpaid order: its intents are cancelled first (False refuses)."""
    return stop_payments(order.pk)


@receiver(after_sales_requested, dispatch_uid="payments.after_sales_within_refundable")
def after_sales_within_refundable(sender, request, **kwargs):
    """A buyer's after-sales case may not ask about units a refund already holds (one asked for
    by a manager or staff, being made, or made): refused, and nothing of the case is kept."""
    left = {item.line.pk: item.quantity for item in refunds.refundable_lines(request.order)}
    for part in request.lines.select_related("line"):
        if part.quantity > left.get(part.line_id, 0):
            raise aftersales.AfterSalesRefused(
                _("Everything you asked about is already being refunded or has been refunded.")
            )


@receiver(post_save, sender=Refund, dispatch_uid="payments.after_sales_follows_its_refund")
def after_sales_follows_its_refund(sender, instance, **kwargs):
    """An after-sales case's refund made: the case is refunded (its timeline and notices)."""
    if instance.status == Refund.Status.REFUNDED:
        aftersales.refund_decided(instance.pk, refunded=True)
