"""The buyer's orders: tracking (the timeline, confirming receipt, a guest's order look-up), the
account's order list with its tabs, cancelling an unpaid order, after-sales requests (and a
return's parcel), and the order-line URL's GET."""

import hmac

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from oscar.core.loading import get_class, get_model

from cooperatives.uploads import PicturesField
from orders.address.chinese import normalise_mainland_mobile
from orders.fulfilment import CARRIER_CHOICES
from orders.models import remember_buyer
from orders.storage import serve

from . import aftersales, services, statuses
from .selectors import order_timeline
from .signals import unpaid_order_cancelling

Order = get_model("order", "Order")
Line = get_model("order", "Line")
AfterSalesRequest = get_model("order", "AfterSalesRequest")

# Look-ups per client address in ten minutes: enough for typos, too few to walk order numbers.
LOOKUP_ATTEMPTS = 10
LOOKUP_WINDOW_SECONDS = 600


class LookupForm(forms.Form):
    number = forms.CharField(label=gettext_lazy("Order number"), max_length=128)
    contact = forms.CharField(
        label=gettext_lazy("Email or mobile number used for the order"), max_length=254
    )

    def __init__(self, *args, client_key="", **kwargs):
        super().__init__(*args, **kwargs)
        self.client_key = client_key

    def clean(self):
        data = super().clean()
        attempts_key = f"order-lookup:{self.client_key}"
        cache.add(attempts_key, 0, LOOKUP_WINDOW_SECONDS)
        try:
            attempts = cache.incr(attempts_key)  # atomic: parallel guesses each count
        except ValueError:
            # The cache cannot count (Redis unreachable: shop/cache.py). A look-up is a guess
            # at an order's number and contact, like a password: refused rather than let
            # through unthrottled, for the minute or so an outage lasts.
            raise forms.ValidationError(
                _("Order look-up is unavailable for a moment; please try again in a minute.")
            ) from None
        if attempts > LOOKUP_ATTEMPTS:
            raise forms.ValidationError(_("Too many attempts; please try again in ten minutes."))
        number, contact = data.get("number", "").strip(), data.get("contact", "").strip()
        order = (
            Order.objects.filter(number=number).select_related("shipping_address", "user").first()
        )
        if order is None or not _matches(order, contact):
            # One message for both: the form must not tell which orders exist.
            raise forms.ValidationError(_("No order matches that number and contact."))
        data["order"] = order
        return data


def _matches(order, contact: str) -> bool:
    email = (order.guest_email or (order.user.email if order.user_id else "")).lower()
    if "@" in contact:
        return bool(email) and hmac.compare_digest(contact.lower(), email)
    try:
        phone = normalise_mainland_mobile(contact)
    except ValidationError:
        return False
    address = order.shipping_address
    return bool(phone and address and str(address.phone_number).endswith(phone[-11:]))


class LookupView(View):
    template_name = "orders/lookup.html"

    def get(self, request):
        return render(request, self.template_name, {"form": LookupForm()})

    def post(self, request):
        # The client's address behind the proxies (shop.security.ClientAddressMiddleware):
        # REMOTE_ADDR would be nginx's, one bucket for every visitor.
        client = getattr(request, "client_ip", None) or request.META.get("REMOTE_ADDR", "")
        form = LookupForm(request.POST, client_key=client)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form})
        order = form.cleaned_data["order"]
        remember_buyer(request, order)
        return redirect("tracking:order", number=order.number)


class TrackView(View):
    def get(self, request, number):
        order = get_object_or_404(Order.objects.for_buyer(request), number=number)
        return render(
            request,
            "orders/track.html",
            {
                "order": order,
                "timeline": order_timeline(order),
                "can_confirm": order.status == statuses.SHIPPED,
            },
        )


def back_to(request, default):
    """Where the buyer came from: the form's ``next`` (a path of this site only), else
    ``default`` (a URL)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


class ConfirmReceiptView(View):
    def post(self, request, number):
        order = get_object_or_404(Order.objects.for_buyer(request), number=number)
        back = back_to(request, reverse("tracking:order", args=[order.number]))
        if not services.complete(order, by_buyer=True):
            messages.error(
                request,
                _("Order %(number)s is %(status)s: there is no parcel to confirm.")
                % {"number": order.number, "status": order.status},
            )
            return redirect(back)
        messages.success(request, _("Thank you! The order is complete."))
        return redirect(back)


class CancelView(View):
    """The buyer cancels an order waiting for payment (the order list, the order's page, the
    payment page post here): its payments are stopped first (``unpaid_order_cancelling``), then
    ``services.cancel_unpaid`` releases its stock and live-price quota. Refused, with nothing
    changed, from any other status."""

    def post(self, request, number):
        order = get_object_or_404(Order.objects.for_buyer(request), number=number)
        back = back_to(request, reverse("tracking:order", args=[order.number]))
        if order.batch_id:  # paid and cancelled only as a whole, with its purchase batch
            messages.error(
                request,
                _(
                    "Order %(number)s is part of purchase batch %(reference)s: it can only be "
                    "cancelled with the batch."
                )
                % {"number": order.number, "reference": order.batch.reference},
            )
            return redirect(back)
        if order.status != statuses.PENDING_PAYMENT:
            messages.error(
                request,
                _("Order %(number)s is %(status)s and can no longer be cancelled.")
                % {"number": order.number, "status": order.status},
            )
            return redirect(back)
        answers = unpaid_order_cancelling.send(sender=Order, order=order)
        stopped = all(answer is not False for _receiver, answer in answers)
        if not stopped or not services.cancel_unpaid(order, note=_("Cancelled by the buyer.")):
            messages.error(
                request,
                _(
                    "Order %(number)s could not be cancelled: its payment may be going through. "
                    "Please refresh in a minute."
                )
                % {"number": order.number},
            )
            return redirect(back)
        messages.success(
            request,
            _("Order %(number)s has been cancelled; its items are back on sale.")
            % {"number": order.number},
        )
        return redirect(back)


_oscar_order_line = login_required(get_class("customer.views", "OrderLineView").as_view())


@login_required
def order_line(request, order_number, line_id):
    """Oscar's ``customer:order-line`` acts on POST only (buy a line again) and has no page: a
    GET raised TemplateDoesNotExist. A GET of one's own line now opens the order; anyone
    else's is 404, as Oscar's POST is."""
    if request.method == "POST":
        return _oscar_order_line(request, order_number=order_number, line_id=line_id)
    order = get_object_or_404(Order, user=request.user, number=order_number)
    get_object_or_404(order.lines, pk=line_id)
    return redirect("customer:order", order_number=order.number)


# --- The account's order list: tabs ---------------------------------------------------------------

# (key, label, filter): ?tab=<key> on /accounts/orders/.
TABS = [
    ("all", gettext_lazy("All"), None),
    ("unpaid", gettext_lazy("To pay"), Q(status=statuses.PENDING_PAYMENT)),
    ("to_ship", gettext_lazy("To ship"), Q(status__in=(statuses.PAID, statuses.PARTLY_SHIPPED))),
    ("to_receive", gettext_lazy("To receive"), Q(status=statuses.SHIPPED)),
    ("completed", gettext_lazy("Completed"), Q(status=statuses.COMPLETED)),
    (
        "after_sales",
        gettext_lazy("After-sales"),
        Q(status=statuses.REFUNDED) | Q(after_sales_requests__isnull=False),
    ),
]
EMPTY = {
    "all": gettext_lazy("No orders yet"),
    "unpaid": gettext_lazy("No orders to pay"),
    "to_ship": gettext_lazy("No orders waiting to ship"),
    "to_receive": gettext_lazy("No orders to receive"),
    "completed": gettext_lazy("No completed orders"),
    "after_sales": gettext_lazy("No after-sales orders"),
}


class OrderListView(get_class("customer.views", "OrderHistoryView")):
    """Oscar's order history as the buyer's order list: tabs by status (``?tab=``), each order a
    card with its actions (``order_tags.buyer_actions``)."""

    template_name = "oscar/customer/order/order_list.html"

    def get(self, request, *args, **kwargs):
        keys = [key for key, _label, _rule in TABS]
        self.tab = request.GET.get("tab") if request.GET.get("tab") in keys else "all"
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        orders = super().get_queryset()  # the user's own (Oscar's rule), searched
        rule = {key: rule for key, _label, rule in TABS}[self.tab]
        if rule is not None:
            orders = orders.filter(pk__in=Order.objects.filter(rule).values("pk"))
        return orders.order_by("-date_placed", "-pk").prefetch_related(
            "lines__product__images", "after_sales_requests__lines", "parcels", "status_changes"
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        counted = ("unpaid", "to_ship", "to_receive")  # the tabs that wait for someone
        counts = Order.objects.filter(user=self.request.user).aggregate(
            **{key: Count("pk", filter=rule) for key, _label, rule in TABS if key in counted}
        )
        ctx["tabs"] = [
            {"key": key, "label": label, "count": counts.get(key, 0), "active": key == self.tab}
            for key, label, _rule in TABS
        ]
        ctx["tab"] = self.tab
        ctx["empty_message"] = EMPTY[self.tab]
        return ctx


# --- After-sales ----------------------------------------------------------------------------------


class AfterSalesPhotosField(PicturesField):
    """Up to ``aftersales.MAX_PHOTOS`` pictures of a case, each re-encoded
    (``cooperatives.uploads``); a refused one is named by its file."""

    max_count = aftersales.MAX_PHOTOS

    def too_many(self, count) -> str:
        return _("At most %(max)d photos (you chose %(n)d).") % {
            "max": aftersales.MAX_PHOTOS,
            "n": count,
        }

    def error_for(self, upload, error) -> ValidationError:
        return ValidationError(
            _("“%(name)s”: %(error)s")
            % {"name": getattr(upload, "name", ""), "error": " ".join(error.messages)}
        )


class AfterSalesForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("What do you want?"),
        choices=AfterSalesRequest.Kind.choices,
        widget=forms.RadioSelect,
        initial=AfterSalesRequest.Kind.REFUND,
    )
    reason = forms.ChoiceField(
        label=gettext_lazy("Reason"),
        choices=[("", gettext_lazy("Choose a reason")), *AfterSalesRequest.Reason.choices],
        widget=forms.Select(attrs={"class": "form-control"}),
    )
    description = forms.CharField(
        label=gettext_lazy("Describe the problem"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
        help_text=gettext_lazy("What happened? The cooperative reads this before deciding."),
    )
    photos = AfterSalesPhotosField(label=gettext_lazy("Photos"))

    def __init__(self, *args, order, **kwargs):
        super().__init__(*args, **kwargs)
        self.order = order
        self.available = aftersales.available_units(order)
        self.shipped = aftersales.shipped_line_ids(order)
        self.line_rows = []
        for line in order.lines.order_by("pk"):
            left = self.available.get(line.pk, 0)
            name = f"qty_{line.pk}"
            self.fields[name] = forms.IntegerField(
                label=line.title,
                min_value=0,
                max_value=left,
                initial=0,
                required=False,
                disabled=not left,
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "max": left}),
            )
            self.line_rows.append(
                {
                    "line": line,
                    "left": left,
                    "shipped": line.pk in self.shipped,
                    "field": self[name],
                }
            )
        self.fields["photos"].help_text = _(
            "Up to %(max)d photos (JPEG, PNG or WebP); location and camera details are removed."
        ) % {"max": aftersales.MAX_PHOTOS}

    def clean(self):
        data = super().clean()
        lines = {line.pk: line for line in self.order.lines.all()}
        data["quantities"] = {
            lines[int(name[4:])]: data[name]
            for name in self.fields
            if name.startswith("qty_") and data.get(name)
        }
        if not self.errors and not data["quantities"]:
            raise ValidationError(_("Choose at least one item and how many."))
        if data.get("kind") == AfterSalesRequest.Kind.RETURN:
            for line in data["quantities"]:
                if line.pk not in self.shipped:
                    self.add_error(
                        f"qty_{line.pk}",
                        _("Not shipped yet: ask for a refund instead of a return."),
                    )
        return data


class AfterSalesView(View):
    """申请售后: the buyer of a paid order asks the cooperative for a refund (仅退款) or a return
    (退货退款) of some units, with a reason, a description and photos (``orders.aftersales``)."""

    template_name = "orders/after_sales.html"

    def dispatch(self, request, number):
        self.order = get_object_or_404(Order.objects.for_buyer(request), number=number)
        self.back = back_to(request, self._default_back())
        return super().dispatch(request, number)

    def _default_back(self):
        if self.request.user.is_authenticated and self.order.user_id == self.request.user.pk:
            return reverse("customer:order", args=[self.order.number])
        return reverse("tracking:order", args=[self.order.number])

    def _refused(self):
        if self.order.status not in aftersales.ALLOWED_STATUSES:
            return _(
                "Order %(number)s is %(status)s: after-sales requests are for paid orders."
            ) % {"number": self.order.number, "status": self.order.status}
        if aftersales.window_closed(self.order):
            return aftersales.window_closed_message(self.order)
        if not aftersales.can_request(self.order):
            return _(
                "Everything in order %(number)s is already refunded or in an after-sales request."
            ) % {"number": self.order.number}
        return None

    def _render(self, form):
        return render(
            self.request,
            self.template_name,
            {"order": self.order, "form": form, "next": self.back},
        )

    def get(self, request, number):
        refused = self._refused()
        if refused:
            messages.error(request, refused)
            return redirect(self.back)
        return self._render(AfterSalesForm(order=self.order))

    def post(self, request, number):
        refused = self._refused()
        if refused:
            messages.error(request, refused)
            return redirect(self.back)
        form = AfterSalesForm(request.POST, request.FILES, order=self.order)
        if not form.is_valid():
            return self._render(form)
        data = form.cleaned_data
        try:
            aftersales.request(
                self.order,
                kind=data["kind"],
                quantities=data["quantities"],
                reason=data["reason"],
                description=data["description"],
                photos=data["photos"],
                user=request.user,
            )
        except aftersales.AfterSalesRefused as error:
            form.add_error(None, str(error))
            return self._render(form)
        messages.success(
            request,
            _(
                "Your after-sales request for order %(number)s has been sent; the cooperative "
                "replies within %(hours)d hours."
            )
            % {"number": self.order.number, "hours": settings.AFTER_SALES_DECISION_HOURS},
        )
        return redirect(self.back)


class ReturnParcelForm(forms.Form):
    carrier = forms.ChoiceField(
        label=gettext_lazy("Carrier"),
        choices=[("", gettext_lazy("Choose a carrier")), *CARRIER_CHOICES],
    )
    tracking_number = forms.CharField(label=gettext_lazy("Tracking number"), max_length=40)


class ReturnParcelView(View):
    """退货: the buyer of an agreed return enters the parcel's carrier and tracking number."""

    template_name = "orders/after_sales_return.html"

    def dispatch(self, request, number, pk):
        self.order = get_object_or_404(Order.objects.for_buyer(request), number=number)
        self.case = get_object_or_404(
            AfterSalesRequest.objects.filter(order=self.order).prefetch_related("lines__line"),
            pk=pk,
        )
        self.back = back_to(request, reverse("tracking:order", args=[self.order.number]))
        if self.case.status != AfterSalesRequest.Status.AWAITING_RETURN:
            messages.error(request, _("This request is not waiting for a parcel."))
            return redirect(self.back)
        return super().dispatch(request, number, pk)

    def _render(self, form):
        return render(
            self.request,
            self.template_name,
            {"order": self.order, "case": self.case, "form": form, "next": self.back},
        )

    def get(self, request, number, pk):
        return self._render(ReturnParcelForm())

    def post(self, request, number, pk):
        form = ReturnParcelForm(request.POST)
        if not form.is_valid():
            return self._render(form)
        try:
            aftersales.return_shipped(
                self.case,
                carrier=form.cleaned_data["carrier"],
                tracking_number=form.cleaned_data["tracking_number"],
                user=request.user,
            )
        except aftersales.AfterSalesRefused as error:
            form.add_error("tracking_number", str(error))
            return self._render(form)
        messages.success(
            request, _("Thank you! The cooperative refunds you once the parcel arrives.")
        )
        return redirect(self.back)


class AfterSalesPhotoView(View):
    """An after-sales photo (private storage, ``orders.storage``) for those who may see its case:
    the order's buyer (signed in, or the guest whose browser placed or looked up the order), the
    case's cooperative managers, staff; anyone else gets 404."""

    def get(self, request, pk):
        photo = get_object_or_404(
            get_model("order", "AfterSalesPhoto").objects.select_related("request"), pk=pk
        )
        case = photo.request
        AfterSalesRequest = get_model("order", "AfterSalesRequest")
        if not (
            Order.objects.for_buyer(request).filter(pk=case.order_id).exists()
            or AfterSalesRequest.objects.for_manager(request.user).filter(pk=case.pk).exists()
        ):
            raise Http404
        return serve(photo.image)
