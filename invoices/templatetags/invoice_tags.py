from django import template

from invoices import selectors, services
from invoices.models import InvoiceRequest

register = template.Library()


@register.inclusion_tag("invoices/_card.html", takes_context=True)
def invoice_card(context, order=None, batch=None):
    """The invoices box of a buyer's order or batch page: each seller's invoice with its status
    and files once asked for, else the 申请开票 link when it may be asked for now."""
    user = context["request"].user
    if order is not None:
        invoice_request = selectors.request_for_order(order)
        may = services.may_request_for_order(user, order)
        refusal = services.refusal_for_order(order) if may else None
    elif batch is not None:
        invoice_request = InvoiceRequest.objects.filter(batch=batch).first()
        may = services.may_request_for_batch(user, batch)
        refusal = services.refusal_for_batch(batch) if may else None
    else:
        return {"show": False}
    if invoice_request is not None and not (
        InvoiceRequest.objects.for_buyer(user).filter(pk=invoice_request.pk).exists()
    ):
        invoice_request = None
    return {
        "show": invoice_request is not None or (may and refusal is None),
        "order": order,
        "batch": batch,
        "invoice_request": invoice_request,
        "invoices": selectors.invoices_of(invoice_request) if invoice_request else [],
        "via_batch": bool(order is not None and order.batch_id and invoice_request),
    }
