"""Payments' side of after-sales (``orders.aftersales``): a case agreed (a refund) or received
(a return) is refunded through the same path as every refund: ``refunds.request_refund`` then
``refunds.make_refund`` (Stripe, stock back, the households' shares reversed, the refund email).
Called outside any transaction by the dashboard view that agreed or received the case."""

from django.utils.translation import gettext as _
from oscar.apps.payment.exceptions import PaymentError

from orders import aftersales

from . import refunds
from .models import Refund


def refund_case(case, *, user) -> Refund:
    """Refund a REFUNDING case's units; a failure is on the case's timeline and raised as
    ``AfterSalesRefused`` (the case stays REFUNDING: staff retry from the queue)."""
    case.refresh_from_db()
    if case.status != case.Status.REFUNDING:
        raise aftersales.AfterSalesRefused(_("This request is not waiting for its refund."))
    refund = Refund.objects.filter(pk=case.refund_id).first() if case.refund_id else None
    try:
        if refund is None or refund.status in (Refund.Status.FAILED, Refund.Status.REJECTED):
            wanted = {part.line: part.quantity for part in case.lines.select_related("line")}
            reason = f"售后（{case.get_kind_display()}）：{case.get_reason_display()}"[:255]
            refund = refunds.request_refund(case.order, wanted, user=user, reason=reason)
            aftersales.refund_started(case, refund.pk)
        refund = refunds.make_refund(
            refund, user=user, retry=refund.status == Refund.Status.PROCESSING
        )
    except (refunds.RefundError, PaymentError) as error:
        aftersales.refund_failed(case, error=error, user=user)
        raise aftersales.AfterSalesRefused(
            _("The refund could not be made: %(error)s") % {"error": error}
        ) from error
    return refund
