"""Buyer pages: ask for invoices on an order or a batch, follow them, download each file."""

import mimetypes

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View
from oscar.core.loading import get_model

from orders.storage import serve
from organisations.models import PurchaseBatch

from . import selectors, services
from .forms import InvoiceRequestForm, initial_for
from .models import Invoice, InvoiceRequest

Order = get_model("order", "Order")


class AskView(LoginRequiredMixin, View):
    """申请开票 on a paid order (``number``) or a paid batch (``reference``) the buyer may see;
    anyone else gets 404."""

    template_name = "invoices/request_form.html"

    def subject(self, request, number=None, reference=None):
        if number is not None:
            order = Order.objects.filter(number=number).first()
            if order is None or not services.may_request_for_order(request.user, order):
                raise Http404
            return order, None
        batch = PurchaseBatch.objects.filter(reference=reference).first()
        if batch is None or not services.may_request_for_batch(request.user, batch):
            raise Http404
        return None, batch

    def context(self, order, batch, form):
        if order is not None:
            existing = selectors.request_for_order(order)
            refusal = services.refusal_for_order(order)
            orders = Order.objects.filter(pk=order.pk)
        else:
            existing = InvoiceRequest.objects.filter(batch=batch).first()
            refusal = services.refusal_for_batch(batch)
            orders = Order.objects.filter(batch=batch)
        amounts = {} if refusal else services.amounts_per_seller(orders)
        return {
            "order": order,
            "batch": batch,
            "form": form,
            "refusal": refusal,
            "existing": existing,
            "amounts": _named(amounts),
        }

    def get(self, request, **kwargs):
        order, batch = self.subject(request, **kwargs)
        if batch is not None:
            organisation = batch.organisation
        else:
            organisation = order.organisation if order.organisation_id else None
        form = InvoiceRequestForm(initial=initial_for(request.user, organisation))
        return render(request, self.template_name, self.context(order, batch, form))

    def post(self, request, **kwargs):
        order, batch = self.subject(request, **kwargs)
        form = InvoiceRequestForm(request.POST)
        if form.is_valid():
            try:
                made = services.request_invoices(
                    user=request.user, details=form.details(), order=order, batch=batch
                )
            except services.InvoiceRefused as refusal:
                form.add_error(None, str(refusal))
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            except PermissionDenied as error:
                raise Http404 from error
            else:
                messages.success(
                    request,
                    _(
                        "Your invoice request is sent to the sellers. "
                        "We email you when each is issued."
                    ),
                )
                return redirect("invoices:request-detail", pk=made.pk)
        return render(request, self.template_name, self.context(order, batch, form), status=400)


def _named(amounts: dict) -> list:
    Partner = get_model("partner", "Partner")
    partners = Partner.objects.in_bulk([pk for pk in amounts if pk is not None])
    rows = []
    for pk, amount in amounts.items():
        if pk is None:
            name = _("Jingmeng Market (platform)") + " · " + _("shipping")
        else:
            partner = partners[pk]
            cooperative = getattr(partner, "cooperative", None)
            name = cooperative.name if cooperative else partner.name
        rows.append({"name": name, "amount": amount, "platform": pk is None})
    rows.sort(key=lambda row: (row["platform"], row["name"]))
    return rows


class RequestDetailView(LoginRequiredMixin, View):
    """The buyer's request: what they asked for and each seller's invoice, its status and
    files."""

    def get(self, request, pk):
        invoice_request = get_object_or_404(
            InvoiceRequest.objects.for_buyer(request.user).select_related("order", "batch"), pk=pk
        )
        return render(
            request,
            "invoices/request_detail.html",
            {
                "invoice_request": invoice_request,
                "invoices": selectors.invoices_of(invoice_request),
            },
        )


class InvoiceFileView(LoginRequiredMixin, View):
    """An invoice's file (or its red invoice's), as a download, for the buyer (the request's
    ``for_buyer``), the seller's managers and staff; anyone else 404."""

    red = False

    def get(self, request, pk):
        user = request.user
        invoice = Invoice.objects.filter(
            Q(pk__in=Invoice.objects.for_buyer(user).values("pk"))
            | Q(pk__in=Invoice.objects.for_manager(user).values("pk")),
            pk=pk,
        ).first()
        if invoice is None:
            raise Http404
        stored = invoice.red_file if self.red else invoice.file
        if not stored:
            raise Http404
        extension = stored.name.rsplit(".", 1)[-1].lower()
        number = invoice.red_number if self.red else invoice.number
        filename = f"{'红字发票' if self.red else '发票'}-{number or invoice.pk}.{extension}"
        content_type = (
            "application/pdf" if extension == "pdf" else mimetypes.guess_type(filename)[0]
        ) or "application/ofd"
        return serve(
            stored, filename=filename, attachment=True, content_type=content_type, no_store=True
        )
