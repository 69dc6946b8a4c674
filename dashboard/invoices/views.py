"""The invoice queue of a cooperative's managers (staff: every seller's, the platform's own
too): what waits to be issued or reversed, the longest waiting first; each invoice's page shows
the buyer's details and takes the number, date and file."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View
from oscar.core.loading import get_model

from invoices import selectors, services
from invoices.forms import IssueForm
from invoices.models import Invoice
from invoices.views import InvoiceFileView as BuyerFileView

Line = get_model("order", "Line")

FILTERS = ("todo", *Invoice.Status.values, "all")


class InvoiceFileView(BuyerFileView):
    """The same checking download as the buyer's (the seller's managers and staff pass it)."""


class InvoiceListView(View):
    template_name = "dashboard/invoices/invoice_list.html"
    paginate_by = 30

    def get(self, request):
        status = request.GET.get("status", "todo")
        if status not in FILTERS:
            status = "todo"
        query = request.GET.get("q", "")[:40]
        invoices = selectors.manager_queue(request.user, status=status, query=query)
        counts = Invoice.objects.for_manager(request.user).aggregate(
            pending=Count("pk", filter=Q(status=Invoice.Status.PENDING)),
            red_pending=Count("pk", filter=Q(status=Invoice.Status.RED_PENDING)),
        )
        from django.core.paginator import Paginator

        page = Paginator(invoices, self.paginate_by).get_page(request.GET.get("page"))
        tabs = [
            ("todo", _("To do"), counts["pending"] + counts["red_pending"]),
            (Invoice.Status.PENDING, _("To be issued"), counts["pending"]),
            (Invoice.Status.RED_PENDING, _("Red invoice needed"), counts["red_pending"]),
            (Invoice.Status.ISSUED, _("Issued"), None),
            (Invoice.Status.RED_ISSUED, _("Reversed"), None),
            ("all", _("All"), None),
        ]
        return render(
            request,
            self.template_name,
            {
                "page_obj": page,
                "invoices": page.object_list,
                "status": status,
                "query": query,
                "tabs": tabs,
            },
        )


class InvoiceDetailView(View):
    template_name = "dashboard/invoices/invoice_detail.html"

    def invoice(self, request, pk):
        invoice = get_object_or_404(
            Invoice.objects.for_manager(request.user).select_related(
                "request", "request__order", "request__batch", "partner__cooperative", "replaces"
            ),
            pk=pk,
        )
        if invoice.partner_id is None and not request.user.is_staff:
            raise PermissionDenied
        return invoice

    def context(self, invoice, form=None):
        orders = invoice.request.orders()
        lines = Line.objects.filter(order__in=orders.values("pk")).select_related("order")
        if invoice.partner_id is not None:
            lines = lines.filter(partner_id=invoice.partner_id)
        else:
            lines = lines.none()
        return {
            "invoice": invoice,
            "invoice_request": invoice.request,
            "lines": lines[:200],
            "line_count": lines.count(),
            "shipping_orders": orders.count() if invoice.partner_id is None else 0,
            "form": form or IssueForm(),
            "red": invoice.status == Invoice.Status.RED_PENDING,
            "replacements": list(invoice.replaced_by.all()),
        }

    def get(self, request, pk):
        invoice = self.invoice(request, pk)
        return render(request, self.template_name, self.context(invoice))

    def post(self, request, pk):
        invoice = self.invoice(request, pk)
        form = IssueForm(request.POST, request.FILES)
        if form.is_valid():
            record = (
                services.record_red
                if invoice.status == Invoice.Status.RED_PENDING
                else services.record_issued
            )
            try:
                record(
                    invoice,
                    user=request.user,
                    code=form.cleaned_data["code"],
                    number=form.cleaned_data["number"],
                    issued_on=form.cleaned_data["issued_on"],
                    upload=form.cleaned_data["file"],
                )
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for field, errors in error.message_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, error.messages)
            else:
                messages.success(
                    request,
                    _("Red invoice recorded; the buyer is told.")
                    if invoice.status == Invoice.Status.RED_PENDING
                    else _("Invoice recorded; the buyer is told by email."),
                )
                return redirect("dashboard:invoice-detail", pk=invoice.pk)
        invoice.refresh_from_db()
        return render(request, self.template_name, self.context(invoice, form), status=400)
