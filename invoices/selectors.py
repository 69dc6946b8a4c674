"""Reads for the invoice pages: the request standing for an order (its own, or its batch's) and
its invoices, as a buyer sees them."""

from .models import Invoice, InvoiceRequest


def request_for_order(order):
    """The invoice request covering ``order`` (on the order, or on its batch), or None."""
    if order.batch_id:
        return InvoiceRequest.objects.filter(batch_id=order.batch_id).first()
    return InvoiceRequest.objects.filter(order_id=order.pk).first()


def invoices_of(request):
    """Its invoices, the cooperatives' first, then the platform's; the replaced before their
    replacements."""
    return list(
        Invoice.objects.filter(request=request)
        .select_related("partner", "partner__cooperative")
        .order_by("partner_id", "created", "pk")
    )


def manager_queue(user, *, status="todo", query=""):
    """A manager's invoices (``Invoice.for_manager``): to do (待开票 and 待红冲) the longest
    waiting first, or one status, or all; ``query`` an order number or batch reference."""
    invoices = (
        Invoice.objects.for_manager(user)
        .select_related("request", "request__order", "request__batch", "partner__cooperative")
        .order_by("queued_at", "pk")
    )
    if status == "todo":
        invoices = invoices.to_do()
    elif status in Invoice.Status.values:
        invoices = invoices.filter(status=status)
    if status not in ("todo", Invoice.Status.PENDING, Invoice.Status.RED_PENDING):
        invoices = invoices.order_by("-updated", "-pk")
    query = query.strip()
    if query:
        from django.db.models import Q

        invoices = invoices.filter(
            Q(request__order__number=query)
            | Q(request__batch__reference=query)
            | Q(request__batch__orders__number=query)
        ).distinct()
    return invoices
