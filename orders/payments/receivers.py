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


@receiver(after_sales_requested, dispatch_uid="payments.refund_request_for_after_sales")
def refund_request_for_after_sales(sender, request, **kwargs):
    """A buyer's after-sales request becomes a refund request of what is left of its line (or
    of the whole order), for staff to make or reject on the dashboard. Returns its id."""
    wanted = {
        item.line: item.quantity
        for item in refunds.refundable_lines(request.order)
        if request.line_id is None or item.line.pk == request.line_id
    }
    if not any(wanted.values()):
        raise aftersales.AfterSalesRefused(
            _("Everything you asked about is already being refunded or has been refunded.")
        )
    reason = f"售后：{request.get_reason_display()}"[:255]
    try:
        refund = refunds.request_refund(request.order, wanted, user=request.user, reason=reason)
    except refunds.RefundError as error:
        raise aftersales.AfterSalesRefused(str(error)) from error
    return refund.pk


@receiver(post_save, sender=Refund, dispatch_uid="payments.after_sales_follows_its_refund")
def after_sales_follows_its_refund(sender, instance, **kwargs):
    if instance.status == Refund.Status.REFUNDED:
        aftersales.refund_decided(instance.pk, refunded=True)
