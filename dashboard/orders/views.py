"""Orders dashboard views: lines scoped to the user's cooperative, refunds requested and made."""

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, OuterRef, Subquery, Sum
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from oscar.apps.dashboard.orders import views
from oscar.apps.payment.exceptions import PaymentError
from oscar.core.loading import get_model

from dashboard.cooperatives import shipping
from dashboard.cooperatives.fulfilment import shipping_partner_ids
from orders import aftersales, fulfilment, statuses
from orders import services as lifecycle
from orders.payments import refunds
from orders.payments.models import Refund
from orders.selectors import parcels_with_tracking_numbers, units_held_by_refund_cases
from sheets.writer import Sheet

Line = get_model("order", "Line")
Order = get_model("order", "Order")

ShippingAddressUpdateView = views.ShippingAddressUpdateView


def queryset_orders_for_user(user):
    """Oscar's order queryset (with its related rows), scoped by ``Order.objects.for_manager``
    instead of Oscar's "a line of one of the user's partners" (which includes unpaid carts)."""
    return (
        Order.objects.for_manager(user)
        .select_related(
            "billing_address",
            "billing_address__country",
            "shipping_address",
            "shipping_address__country",
            "user",
        )
        .prefetch_related("lines", "status_changes")
    )


def get_order_for_user_or_404(user, number):
    return get_object_or_404(queryset_orders_for_user(user), number=number)


# Statuses only the store's own processes set: 已付款 comes from Stripe's webhook, 已退款 from a
# refund, 部分发货/已发货 from shipping parcels, 已完成 from the buyer or the completion sweep.
MONEY_STATUSES = (
    statuses.PAID,
    statuses.REFUNDED,
    statuses.PARTLY_SHIPPED,
    statuses.SHIPPED,
    statuses.COMPLETED,
)


def refuse_status(user, new_status) -> str | None:
    """Why ``user`` may not set ``new_status`` by hand, or None. 已付款 comes only from Stripe's
    webhook and 已退款 from a refund; only staff change statuses at all."""
    if not user.is_staff:
        return _("Only staff change order statuses.")
    if new_status in MONEY_STATUSES:
        return _("This status follows payment, shipping and refunds; it is not set by hand.")
    return None


class OrderStatsView(views.OrderStatsView):
    """Oscar's statistics over what the user may see: for a cooperative manager, the paid orders
    with their lines and the revenue of those lines only (not other cooperatives' lines of a
    shared order, which Oscar's whole-order totals include)."""

    def get_stats(self, filters):
        user = self.request.user
        if user.is_staff:
            return super().get_stats(filters)
        orders = queryset_orders_for_user(user).filter(**filters)
        lines = Line.objects.for_manager(user).filter(order__in=orders)
        return {
            "total_orders": orders.count(),
            "total_lines": lines.count(),
            "total_revenue": lines.aggregate(s=Sum("line_price_incl_tax"))["s"] or Decimal("0.00"),
            "order_status_breakdown": orders.order_by("status")
            .values("status")
            .annotate(freq=Count("id")),
        }


def with_own_share(orders, user):
    """Annotate ``own_total`` and ``own_items``: what the user's cooperatives sell in each order
    (a shared order's total and item count include other cooperatives' lines)."""
    own_lines = Line.objects.for_manager(user).filter(order=OuterRef("pk")).values("order")
    return orders.annotate(
        own_total=Subquery(own_lines.annotate(t=Sum("line_price_incl_tax")).values("t")),
        own_items=Subquery(own_lines.annotate(n=Sum("quantity")).values("n")),
    )


class OrderListView(views.OrderListView):
    """Oscar's order list; a cooperative manager sees paid orders with their own share of each
    (amount and items, on the page and in the CSV), never the whole order's total."""

    def dispatch(self, request, *args, **kwargs):
        # Oscar's dispatch sets only this, from its own queryset_orders_for_user
        self.base_queryset = queryset_orders_for_user(request.user).order_by("-date_placed")
        return super(views.OrderListView, self).dispatch(request, *args, **kwargs)

    def get_queryset(self):
        queryset = super().get_queryset()  # Oscar's search and sorting, over base_queryset
        if not self.request.user.is_staff:
            queryset = with_own_share(queryset, self.request.user)
        return queryset

    def get_row_values(self, order):
        row = super().get_row_values(order)
        if not self.request.user.is_staff:
            row["value"], row["num_items"] = order.own_total, order.own_items
        return row

    def change_order_status(self, request, order):
        refusal = refuse_status(request.user, request.POST.get("new_status", "").strip())
        if refusal:
            messages.error(request, refusal)
            return None
        return super().change_order_status(request, order)

    def download_selected_orders(self, request, orders):
        """Oscar's CSV (same columns and values), written by the store's one exporter: a 收货人
        or e-mail typed as ``=HYPERLINK(...)`` reaches the file as text, not as a formula."""
        sheet = Sheet(_("Orders"), self.CSV_COLUMNS.values())
        sheet.extend(
            [values.get(column, "") for column in self.CSV_COLUMNS]
            for values in map(self.get_row_values, orders)
        )
        return sheet.as_response("csv", self.get_download_filename(request))


def lines_for_user(order, user):
    """Staff see every line; a partner user only the lines their partners sell."""
    return order.lines.for_manager(user).select_related("partner", "stockrecord")


def refunds_for_user(order, user):
    refunds = order.refunds.prefetch_related("lines__line").select_related("requested_by")
    if user.is_staff:
        return refunds
    return refunds.filter(lines__line__in=lines_for_user(order, user)).distinct()


class OrderDetailView(views.OrderDetailView):
    def get_object(self, queryset=None):
        return get_order_for_user_or_404(self.request.user, self.kwargs["number"])

    @property
    def order_actions(self):
        if self.request.user.is_staff:
            return views.OrderDetailView.order_actions
        return ("save_note",)

    @property
    def line_actions(self):
        return views.OrderDetailView.line_actions if self.request.user.is_staff else ()

    def get_order_lines(self):
        return lines_for_user(self.object, self.request.user)

    def get_order_status_form(self):
        form = super().get_order_status_form()
        field = form.fields["new_status"]
        field.choices = [c for c in field.choices if c[0] not in MONEY_STATUSES]
        return form

    def change_order_status(self, request, order):
        refusal = refuse_status(request.user, request.POST.get("new_status", "").strip())
        if refusal:
            return self.reload_page(error=refusal)
        return super().change_order_status(request, order)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        visible = {line.pk for line in ctx["lines"]}
        ctx["refundable"] = [
            item for item in refunds.refundable_lines(self.object) if item.line.pk in visible
        ]
        ctx["refunds"] = refunds_for_user(self.object, user)
        ctx["can_refund"] = user.is_staff
        ctx["lines_total"] = sum(line.line_price_incl_tax for line in ctx["lines"])
        ctx["visible_line_ids"] = visible
        ctx["to_ship"] = [
            line
            for line in fulfilment.unshipped_lines(self.object).filter(pk__in=visible)
            if self.object.status in (statuses.PAID, statuses.PARTLY_SHIPPED)
        ]
        ctx["carriers"] = fulfilment.CARRIER_CHOICES
        ctx["ship_form"] = self.request.session.pop(ship_form_key(self.object), None) or {
            "lines": [line.pk for line in ctx["to_ship"]]
        }
        # The recipient in full on the first screen (the user has lines in this order): logged.
        ctx["recipient"] = self.object.shipping_address if visible else None
        if ctx["recipient"] is not None:
            shipping.log_recipients(user, [self.object], page="order")
        ctx["parcels"] = (
            self.object.parcels.filter(lines__in=ctx["lines"]).distinct().prefetch_related("lines")
        )
        if not user.is_staff:  # system notes can speak of other cooperatives' lines
            ctx["own_notes"] = self.object.notes.filter(user=user)
        return ctx


class LineDetailView(views.LineDetailView):
    def get_object(self, queryset=None):
        order = get_order_for_user_or_404(self.request.user, self.kwargs["number"])
        try:
            return lines_for_user(order, self.request.user).get(pk=self.kwargs["line_id"])
        except Line.DoesNotExist as error:
            raise Http404 from error


@method_decorator(transaction.non_atomic_requests, name="dispatch")
class RefundRequestView(View):
    """POST ``refund_qty_<line id>`` (and a reason): a manager's request, or a staff refund."""

    def post(self, request, number):
        order = get_order_for_user_or_404(request.user, number)
        back = reverse("dashboard:order-detail", kwargs={"number": order.number}) + "#refunds"
        lines = {line.pk: line for line in lines_for_user(order, request.user)}
        quantities = {}
        for key, value in request.POST.items():
            if not key.startswith("refund_qty_") or value in ("", "0"):
                continue
            line = lines.get(_int(key.removeprefix("refund_qty_")))
            quantity = _int(value)
            if line is None or quantity is None or quantity < 0:
                messages.error(request, _("Enter a whole number of units for each line."))
                return HttpResponseRedirect(back)
            quantities[line] = quantity
        reason = request.POST.get("reason", "").strip()[:255]
        try:
            refund = refunds.request_refund(order, quantities, user=request.user, reason=reason)
            if request.user.is_staff and request.POST.get("refund_now"):
                refunds.make_refund(refund, user=request.user)
                messages.success(request, _("Refunded ¥%(amount)s.") % {"amount": refund.amount})
            else:
                messages.success(
                    request,
                    _("Refund of ¥%(amount)s requested; staff will review it.")
                    % {"amount": refund.amount},
                )
        except refunds.RefundError as error:
            messages.error(request, str(error))
        except PaymentError as error:
            messages.error(request, _("Stripe refused the refund: %(error)s") % {"error": error})
        return HttpResponseRedirect(back)


@method_decorator(transaction.non_atomic_requests, name="dispatch")
class RefundDecisionView(View):
    """Staff only (the dashboard's default permission): make or reject a requested refund."""

    def post(self, request, number, pk):
        order = get_order_for_user_or_404(request.user, number)
        refund = get_object_or_404(Refund, pk=pk, order=order)
        back = reverse("dashboard:order-detail", kwargs={"number": order.number}) + "#refunds"
        if request.POST.get("decision") == "reject":
            updated = Refund.objects.filter(pk=refund.pk, status=Refund.Status.REQUESTED).update(
                status=Refund.Status.REJECTED, decided_by=request.user
            )
            if updated:
                aftersales.refund_decided(refund.pk, refunded=False)  # a buyer's 售后, if any
                messages.info(request, _("Refund request rejected."))
            return HttpResponseRedirect(back)
        try:
            refunds.make_refund(
                refund, user=request.user, retry=request.POST.get("decision") == "retry"
            )
            messages.success(request, _("Refunded ¥%(amount)s.") % {"amount": refund.amount})
        except refunds.RefundError as error:
            messages.error(request, str(error))
        except PaymentError as error:
            messages.error(request, _("Stripe refused the refund: %(error)s") % {"error": error})
        return HttpResponseRedirect(back)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@method_decorator(transaction.non_atomic_requests, name="dispatch")
class ShipView(View):
    """POST ``line`` (several), ``carrier``, ``tracking_number``: one parcel of the user's lines.
    A tracking number of another shape than the carrier's is a warning: the page comes back with
    everything typed and a 确认仍然发货 button (``confirm``); so it does on any error."""

    def post(self, request, number):
        order = get_order_for_user_or_404(request.user, number)
        back = reverse("dashboard:order-detail", kwargs={"number": order.number}) + "#shipping"
        ids = [int(v) for v in request.POST.getlist("line") if v.isascii() and v.isdigit()]
        lines = list(lines_for_user(order, request.user).filter(pk__in=ids))
        carrier = request.POST.get("carrier", "")
        typed = request.POST.get("tracking_number", "")
        form = {"carrier": carrier, "tracking_number": typed, "lines": set(ids)}
        if len(lines) != len(ids):
            form["error"] = _("Some of those lines cannot be shipped by you (now).")
            return self.again(request, order, form)
        held = units_held_by_refund_cases([line.pk for line in lines])
        if any(held.values()):
            form["error"] = fulfilment.held_refusal(order.number, sum(held.values()))
            return self.again(request, order, form)
        try:
            cleaned, warning = fulfilment.check_tracking(carrier, typed)
        except ValidationError as error:
            form["error"] = " ".join(error.messages)
            return self.again(request, order, form)
        reused = fulfilment.reused_warning(
            cleaned,
            parcels_with_tracking_numbers([cleaned]).get((carrier, cleaned)),
            order_id=order.pk,
            partner_ids=None if request.user.is_staff else shipping_partner_ids(request.user),
        )
        if reused:
            warning = f"{warning} {reused}" if warning else reused
        if warning and not request.POST.get("confirm"):
            form["warning"] = warning
            return self.again(request, order, form)
        partner_ids = (
            None
            if request.user.is_staff
            else list(lines_for_user(order, request.user).values_list("partner_id", flat=True))
        )
        try:
            parcel = lifecycle.ship(
                order,
                lines,
                carrier=carrier,
                tracking_number=cleaned,
                user=request.user,
                partner_ids=partner_ids,
                unusual_ok=bool(warning),
            )
        except ValidationError as error:
            form["error"] = " ".join(error.messages)
            return self.again(request, order, form)
        messages.success(
            request,
            _("Shipped with %(carrier)s, tracking number %(number)s.")
            % {"carrier": parcel.carrier_label, "number": parcel.tracking_number},
        )
        return HttpResponseRedirect(back)

    def again(self, request, order, form):
        """Back to the order page, whose shipping form shows what was sent (kept in the session
        for that one page view) with its error or warning; nothing was shipped."""
        request.session[ship_form_key(order)] = {**form, "lines": sorted(form["lines"])}
        return HttpResponseRedirect(
            reverse("dashboard:order-detail", kwargs={"number": order.number}) + "#ship-form"
        )


def ship_form_key(order):
    return f"dashboard:ship-form:{order.number}"
