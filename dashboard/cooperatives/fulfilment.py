"""The cooperative's fulfilment workspace: paid lines to ship (filter, CSV/XLSX for the courier)
and the day's packing list with address labels (HTML to print, or PDF). A manager sees only
their cooperatives' lines; staff choose a cooperative."""

from datetime import date

from django import forms
from django.contrib import messages
from django.core.validators import FileExtensionValidator
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View
from oscar.core.loading import get_model

from cooperatives.models import Cooperative
from impact.models import RecipientDataAccess
from orders import packing
from orders.fulfilment import CARRIER_CHOICES, CARRIERS, held_note
from orders.selectors import lines_to_ship, units_held_by_refund_cases
from orders.services import refunded_units
from sheets.writer import Column, Sheet

from . import shipping

Order = get_model("order", "Order")

COLUMNS = [
    "订单号",
    Column("下单时间", "datetime"),
    "商品",
    "规格",
    "货号",
    Column("数量", "count"),
    "收货人",
    "手机号",
    "收货地址",
]


CHOOSE_COOPERATIVE = gettext_lazy(
    "Choose one cooperative in the filter before shipping: each cooperative's parcel "
    "needs its own tracking number."
)


# The shipped lines' sheet also says how each went.
SHIPPED_COLUMNS = [*COLUMNS, "承运商", "运单号"]


class FilterForm(forms.Form):
    cooperative = forms.ModelChoiceField(
        queryset=Cooperative.objects.none(), required=False, label=gettext_lazy("Cooperative")
    )
    shipped = forms.TypedChoiceField(
        choices=[("0", gettext_lazy("To ship")), ("1", gettext_lazy("Shipped"))],
        coerce=lambda v: v == "1",
        required=False,
        empty_value=False,
        label=gettext_lazy("Status"),
    )
    date_from = forms.DateField(
        required=False, label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label=gettext_lazy("To"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        cooperatives = Cooperative.objects.for_manager(user)
        self.fields["cooperative"].queryset = cooperatives.order_by("name")
        self.cooperatives = cooperatives
        if cooperatives.count() <= 1:  # nothing to choose: no select
            del self.fields["cooperative"]


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


def row(line, refunded=None, *, shipped=False):
    address = line.order.shipping_address
    units = line.quantity - (refunded or {}).get(line.pk, 0)
    placed = timezone.localtime(line.order.date_placed).replace(second=0, microsecond=0)
    parcels = list(line.parcels.all()) if shipped else []
    return [
        line.order.number,
        placed,
        line.title,
        line.product.specification if line.product_id else "",
        line.partner_sku,
        units,
        address.first_name if address else "",
        address.phone_number.as_national if address and address.phone_number else "",
        " ".join(f for f in address.active_address_fields() if f != address.salutation)
        if address
        else "",
    ] + (
        [
            "、".join(str(parcel.carrier_label) for parcel in parcels),
            "、".join(parcel.tracking_number for parcel in parcels),
        ]
        if shipped
        else []
    )


def shipping_partner_ids(user):
    """The partners whose lines ``user`` may ship: a manager's cooperatives' (staff: all)."""
    return list(Cooperative.objects.for_manager(user).values_list("partner_id", flat=True))


@method_decorator(transaction.non_atomic_requests, name="dispatch")
class FulfilmentView(View):
    """The orders to ship as cards (phone) or rows: recipient, full number and address (logged),
    a tracking number each; POST ships the selected ones with one carrier (all or none)."""

    template_name = "oscar/dashboard/cooperatives/fulfilment.html"

    def get(self, request):
        form, lines, _cooperatives = scoped_lines(request)
        export = request.GET.get("export")
        if export in ("csv", "xlsx"):
            # Streamed from the database (a long list is not held as model instances).
            refunded = refunded_units(lines.values("pk"))
            scope = "、".join(_cooperatives.order_by("name").values_list("name", flat=True))
            period = (
                (form.cleaned_data.get("date_from"), form.cleaned_data.get("date_to"))
                if (form.is_bound and form.is_valid())
                else (None, None)
            )
            # XLSX: title rows above the header (what, whose, which days, when made), a 合计 row
            shipped = form.is_bound and form.is_valid() and form.cleaned_data.get("shipped")
            sheet = Sheet(
                "已发货" if shipped else "待发货",
                SHIPPED_COLUMNS if shipped else COLUMNS,
                scope=scope,
                period=period,
            )
            if shipped:
                lines = lines.prefetch_related("parcels")
            sheet.extend(
                row(line, refunded, shipped=shipped) for line in lines.iterator(chunk_size=1000)
            )
            shipping.log_recipients(
                request.user,
                Order.objects.filter(pk__in=lines.values("order_id")).exclude(
                    shipping_address=None
                ),
                page="fulfilment-export",
                action=RecipientDataAccess.Action.EXPORT,
            )
            return sheet.as_response(export, "fahuo")
        return self.render(request, form, lines)

    def post(self, request):
        form, lines, _cooperatives = scoped_lines(request)
        selected = [n.strip() for n in request.POST.getlist("order") if n.strip()][:500]
        carrier = request.POST.get("carrier", "")
        confirmed = bool(request.POST.get("confirm"))
        entries = [
            shipping.Entry(
                number=n, carrier=carrier, tracking=request.POST.get(f"tracking-{n}", "")
            )
            for n in selected
        ]
        problem = None
        # One cooperative at a time: each cooperative's parcel gets its own tracking number.
        partner_ids = list(_cooperatives.values_list("partner_id", flat=True))
        if not entries:
            problem = _("Choose the orders to ship.")
        elif not carrier:
            problem = _("Choose a carrier.")
        elif len(partner_ids) > 1:
            problem = CHOOSE_COOPERATIVE
        else:
            shipping.check(entries, request.user, partner_ids)
            if any(e.error for e in entries):
                problem = _("Nothing was shipped: correct the orders marked below.")
            elif any(e.warning for e in entries) and not confirmed:
                problem = None  # the warnings below, and a confirmation
            elif shipping.ship(entries, request.user, partner_ids):
                messages.success(
                    request,
                    ngettext(
                        "Shipped %(count)d order with %(carrier)s.",
                        "Shipped %(count)d orders with %(carrier)s.",
                        len(entries),
                    )
                    % {"count": len(entries), "carrier": CARRIERS[entries[0].carrier_code][0]},
                )
                return redirect(request.get_full_path())
            else:
                problem = _("Nothing was shipped: correct the orders marked below.")
        return self.render(request, form, lines, entries=entries, problem=problem, posted=True)

    def render(self, request, form, lines, *, entries=(), problem=None, posted=False):
        shipped = bool(form.is_bound and form.is_valid() and form.cleaned_data.get("shipped"))
        cooperative = (
            form.cleaned_data.get("cooperative") if form.is_bound and form.is_valid() else None
        )
        if shipped:
            lines = lines.prefetch_related("parcels")
        orders = shipping.group_by_order(lines[:500])
        by_number = {entry.number: entry for entry in entries}
        for group in orders:
            entry = by_number.get(group.number)
            group.selected = entry is not None
            group.tracking = request.POST.get(f"tracking-{group.number}", "") if posted else ""
            group.error = entry.error if entry else None
            group.warning = entry.warning if entry else None
        unlisted = [e for e in entries if e.number not in {g.number for g in orders}]
        shipping.log_recipients(request.user, [g.order for g in orders], page="fulfilment")
        warnings = [e for e in entries if e.warning and not e.error]
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "orders": orders,
                "shipped": shipped,
                "count": lines.count(),
                "query": request.GET.urlencode(),
                "carriers": CARRIER_CHOICES,
                "carrier": request.POST.get("carrier", "") if posted else "",
                "problem": problem,
                "unlisted": [e for e in unlisted if e.error],
                "needs_confirmation": bool(warnings) and not any(e.error for e in entries),
                "warning_count": len(warnings),
                # Staff (or a manager of several cooperatives) ship one cooperative at a time.
                "needs_cooperative": cooperative is None and form.cooperatives.count() > 1,
                "choose_cooperative": CHOOSE_COOPERATIVE,
            },
        )


class PackingListView(View):
    """One cooperative, everything still to pack up to a day (``?day=YYYY-MM-DD``, default
    today): that day's orders and the backlog before it. HTML, or ``?format=pdf``."""

    def get(self, request):
        try:
            day = date.fromisoformat(request.GET.get("day", ""))
        except ValueError:
            day = timezone.localdate()
        form, lines, cooperatives = scoped_lines(
            request, date_from=None, date_to=day, shipped=False
        )
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
        held = units_held_by_refund_cases([line.pk for line in lines])
        for line in lines:
            line.held = min(held.get(line.pk, 0), line.quantity)
        orders = packing.group_by_order(lines)
        for group in orders:
            group["held"] = sum(line.held for line in group["lines"])
            group["held_note"] = held_note(group["held"]) if group["held"] else ""
        backlog = sum(
            1 for group in orders if timezone.localtime(group["order"].date_placed).date() < day
        )
        pdf = request.GET.get("format") == "pdf"
        shipping.log_recipients(
            request.user,
            [group["order"] for group in orders],
            page="packing-list-pdf" if pdf else "packing-list",
            action=RecipientDataAccess.Action.EXPORT if pdf else RecipientDataAccess.Action.VIEW,
        )
        if pdf:
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
                "orders": orders,
                "backlog": backlog,
                "form": form,
                "query": request.GET.urlencode(),
            },
        )


class LabelsView(View):
    """Address labels to print (one per order: recipient, number, address, order number,
    items) for the orders chosen on the fulfilment list (``order``, GET or POST)."""

    def get(self, request):
        return self.labels(request, request.GET.getlist("order"))

    def post(self, request):
        return self.labels(request, request.POST.getlist("order"))

    def labels(self, request, numbers):
        partner_ids = shipping_partner_ids(request.user)
        lines = lines_to_ship(partner_ids, shipped=False).filter(order__number__in=numbers[:500])
        orders = shipping.group_by_order(lines)
        shipping.log_recipients(
            request.user,
            [group.order for group in orders],
            page="labels",
            action=RecipientDataAccess.Action.PRINT,
        )
        return render(
            request,
            "oscar/dashboard/cooperatives/labels.html",
            {"orders": orders, "asked": len(numbers)},
        )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Courier's sheet (CSV or XLSX)"),
        validators=[FileExtensionValidator(["csv", "xlsx"])],
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > shipping.SHEET_LIMITS.max_bytes:
            raise forms.ValidationError(_("The file is larger than 2 MB."))
        return upload


@method_decorator(transaction.non_atomic_requests, name="dispatch")
class ShippingImportView(View):
    """A courier's returned sheet (order number, carrier, tracking number) ships its orders all
    or nothing: any bad row and nothing ships, each bad row listed with its line and reason;
    numbers of another shape than their carrier's are listed to confirm (the rows ride along
    in the confirmation form, so the file is not sent twice)."""

    template_name = "oscar/dashboard/cooperatives/shipping_import.html"

    def get(self, request):
        return render(request, self.template_name, self.context(request, form=ImportForm()))

    @staticmethod
    def scope(request):
        """The cooperatives whose lines the sheet ships: the user's, or the one chosen on the
        list (``?cooperative=``, carried by the list's link): staff ship one at a time."""
        _form, _lines, cooperatives = scoped_lines(request)
        return cooperatives

    def context(self, request, **ctx):
        cooperatives = self.scope(request)
        return {"scope": cooperatives if cooperatives.count() == 1 else None, **ctx}

    def post(self, request):
        form = ImportForm()
        if request.POST.get("confirm"):
            entries = [
                shipping.Entry(number=n, carrier=c, tracking=t, row=int(r) if r.isdigit() else None)
                for r, n, c, t in zip(
                    request.POST.getlist("row_line"),
                    request.POST.getlist("row_order"),
                    request.POST.getlist("row_carrier"),
                    request.POST.getlist("row_tracking"),
                    strict=False,
                )
            ][: shipping.SHEET_LIMITS.max_rows]
        else:
            form = ImportForm(request.POST, request.FILES)
            if not form.is_valid():
                return render(request, self.template_name, self.context(request, form=form))
            upload = form.cleaned_data["file"]
            try:
                entries = shipping.read_courier_sheet(upload.read(), upload.name)
            except shipping.SheetRefused as error:
                form.add_error("file", str(error))
                return render(request, self.template_name, self.context(request, form=form))
        ctx = self.context(request, form=form, entries=entries)
        if not entries:
            form.add_error(None, _("The sheet has no rows."))
            return render(request, self.template_name, ctx)
        partner_ids = list(self.scope(request).values_list("partner_id", flat=True))
        shipping.check(entries, request.user, partner_ids)
        errors = [e for e in entries if e.error]
        warnings = [e for e in entries if e.warning]
        if not errors and (not warnings or request.POST.get("confirm")):
            if shipping.ship(entries, request.user, partner_ids):
                messages.success(
                    request,
                    ngettext(
                        "Shipped %(count)d order from the sheet.",
                        "Shipped %(count)d orders from the sheet.",
                        len(entries),
                    )
                    % {"count": len(entries)},
                )
                return redirect("dashboard:fulfilment")
            errors = [e for e in entries if e.error]
        ctx.update(errors=errors, warnings=warnings if not errors else [])
        return render(request, self.template_name, ctx)
