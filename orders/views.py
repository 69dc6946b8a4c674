"""Consumer order tracking: the timeline, confirming receipt, a guest's order look-up, and the
order-line URL's GET."""

import hmac

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from oscar.core.loading import get_class, get_model

from orders.address.chinese import normalise_mainland_mobile
from orders.models import remember_buyer

from . import services, statuses
from .selectors import order_timeline

Order = get_model("order", "Order")

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


class ConfirmReceiptView(View):
    def post(self, request, number):
        order = get_object_or_404(Order.objects.for_buyer(request), number=number)
        if not services.complete(order, by_buyer=True):
            raise Http404
        messages.success(request, _("Thank you! The order is complete."))
        return redirect("tracking:order", number=order.number)


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
