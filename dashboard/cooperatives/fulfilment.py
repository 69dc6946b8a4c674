"""The cooperative's fulfilment workspace: paid lines to ship (filter, CSV/XLSX for the courier)
and the day's packing list with address labels (HTML to print, or PDF). A manager sees only
their cooperatives' lines; staff choose a cooperative."""

from datetime import date

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import View

from cooperatives.models import Cooperative
from orders import packing
from orders.selectors import lines_to_ship
from orders.services import refunded_units
from sheets.writer import Sheet

COLUMNS = ["订单号", "下单时间", "商品", "规格", "货号", "数量", "收货人", "手机号", "收货地址"]


class FilterForm(forms.Form):
    cooperative = forms.ModelChoiceField(
        queryset=Cooperative.objects.none(), required=False, label=_("Cooperative")
    )
    shipped = forms.TypedChoiceField(
        choices=[("0", _("To ship")), ("1", _("Shipped"))],
        coerce=lambda v: v == "1",
        required=False,
        empty_value=False,
        label=_("Status"),
    )
    date_from = forms.DateField(
        required=False, label=_("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label=_("To"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        cooperatives = Cooperative.objects.for_manager(user)
        self.fields["cooperative"].queryset = cooperatives.order_by("name")
        self.cooperatives = cooperatives


def scoped_lines(request, **overrides):
    form = FilterForm(request.GET or None, user=request.user)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    data = {**data, **overrides}
    cooperatives = form.cooperatives
    if data.get("cooperative"):
        cooperatives = cooperatives.filter(pk=data["cooperative"].pk)
    partner_ids = list(cooperatives.values_list("partner_id", flat=True))
    lines = lines_to_ship(
        partner_ids,
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
        shipped=bool(data.get("shipped")),
    )
    return form, lines, cooperatives


def row(line, refunded=None):
    address = line.order.shipping_address
    units = line.quantity - (refunded or {}).get(line.pk, 0)
    return [
        line.order.number,
        timezone.localtime(line.order.date_placed).strftime("%Y-%m-%d %H:%M"),
        line.title,
        line.product.specification if line.product_id else "",
        line.partner_sku,
        units,
        address.first_name if address else "",
        address.phone_number.as_national if address and address.phone_number else "",
        " ".join(f for f in address.active_address_fields() if f != address.salutation)
        if address
        else "",
    ]


class FulfilmentView(View):
    def get(self, request):
        form, lines, _cooperatives = scoped_lines(request)
        export = request.GET.get("export")
        if export in ("csv", "xlsx"):
            # Streamed from the database (a long list is not held as model instances).
            refunded = refunded_units(lines.values("pk"))
            sheet = Sheet("待发货", COLUMNS)
            sheet.extend(row(line, refunded) for line in lines.iterator(chunk_size=1000))
            return sheet.as_response(export, "fahuo")
        return render(
            request,
            "oscar/dashboard/cooperatives/fulfilment.html",
            {
                "form": form,
                "lines": lines[:500],
                "count": lines.count(),
                "query": request.GET.urlencode(),
            },
        )


class PackingListView(View):
    """One cooperative, one day (``?day=YYYY-MM-DD``, default today): HTML, or ``?format=pdf``."""

    def get(self, request):
        try:
            day = date.fromisoformat(request.GET.get("day", ""))
        except ValueError:
            day = timezone.localdate()
        form, lines, cooperatives = scoped_lines(request, date_from=day, date_to=day, shipped=False)
        cooperative = (
            form.cleaned_data.get("cooperative") if form.is_bound and form.is_valid() else None
        )
        cooperative = cooperative or cooperatives.order_by("name").first()
        if cooperative is not None:
            lines = lines.filter(partner_id=cooperative.partner_id)
        lines = list(lines)
        refunded = refunded_units([line.pk for line in lines])
        for line in lines:
            line.quantity -= refunded.get(line.pk, 0)  # what is left to pack (display only)
        lines = [line for line in lines if line.quantity > 0]
        if request.GET.get("format") == "pdf":
            pdf = packing.packing_list_pdf(cooperative.name if cooperative else "", day, lines)
            response = HttpResponse(pdf, content_type="application/pdf")
            response["Content-Disposition"] = f'inline; filename="packing-{day}.pdf"'
            return response
        return render(
            request,
            "oscar/dashboard/cooperatives/packing_list.html",
            {
                "cooperative": cooperative,
                "day": day,
                "orders": packing.group_by_order(lines),
                "form": form,
                "query": request.GET.urlencode(),
            },
        )
