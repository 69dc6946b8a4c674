"""Oscar's checkout, with payment after placement.

The order is placed as 待付款 with its stock allocated (``orders.utils.OrderCreator``), then the
buyer pays on ``payments:pay`` with Stripe.js; the webhook makes it 已付款. Placement is idempotent:
the preview form carries a one-time token saved on the order, so a double click or a retried POST
lands on the order already placed.
"""

import uuid

from django.db import IntegrityError, transaction
from django.http import HttpResponseRedirect
from django.urls import reverse, reverse_lazy
from oscar.apps.checkout import exceptions, views
from oscar.core.loading import get_class, get_model

from orders.payments.views import allow_payment
from orders.utils import with_confirmation

Order = get_model("order", "Order")
Repository = get_class("shipping.repository", "Repository")

TOKEN_FIELD = "submission_token"


def parse_token(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


class IndexView(views.IndexView):
    """Oscar's first checkout step, whose "returning customer" option signs in: the form gets the
    request, so that login is throttled like every other (django-axes needs the request)."""

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}


class ShippingAddressView(views.ShippingAddressView):
    """Oscar's address step. When there is no shipping method to choose (one fits the basket and
    the address), it is chosen here and the buyer goes straight to the preview: Oscar's
    shipping-method, payment-method and payment-details steps would each only redirect to the
    next (payment comes after placement), three requests that load the basket and apply offers
    for nothing. With a choice to make, the buyer goes on to choose, as in Oscar."""

    def get_success_url(self):
        basket = self.request.basket
        if basket.is_shipping_required() and self.checkout_session.is_shipping_address_set():
            methods = Repository().get_shipping_methods(
                basket=basket,
                user=self.request.user,
                shipping_addr=self.get_shipping_address(basket),
                request=self.request,
            )
            if len(methods) == 1:
                self.checkout_session.use_shipping_method(methods[0].code)
                return reverse("checkout:preview")
        return super().get_success_url()


class ShippingMethodView(views.ShippingMethodView):
    """Oscar's, going on to the preview: its payment-method and payment-details steps only
    redirect here (``PaymentDetailsView``), and the preview checks every step's conditions."""

    success_url = reverse_lazy("checkout:preview")


class PaymentDetailsView(views.PaymentDetailsView):
    def get_skip_conditions(self, request):
        if not self.preview:
            return ["skip_payment_details"]  # payment comes after placement, on payments:pay
        return super().get_skip_conditions(request)

    def skip_payment_details(self, request):
        raise exceptions.PassedSkipCondition(url=reverse("checkout:preview"))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["submission_token"] = uuid.uuid4()
        return ctx

    def dispatch(self, request, *args, **kwargs):
        # Before Oscar's preconditions: a repeat of a submission that already placed its order
        # (the basket is gone by then) goes to that order's payment page.
        if request.method == "POST":
            placed = self._already_placed(request)
            if placed is not None:
                return placed
        return super().dispatch(request, *args, **kwargs)

    def _already_placed(self, request):
        token = parse_token(request.POST.get(TOKEN_FIELD))
        if token is None or request.POST.get("action") != "place_order":
            return None
        order = Order.objects.filter(submission_token=token).first()
        if order is None:
            return None
        if order.user_id and order.user_id != getattr(request.user, "pk", None):
            return None
        allow_payment(request, order)
        return HttpResponseRedirect(reverse("payments:pay", kwargs={"number": order.number}))

    def build_submission(self, **kwargs):
        submission = super().build_submission(**kwargs)
        token = parse_token(self.request.POST.get(TOKEN_FIELD))
        if token is not None:
            submission.setdefault("order_kwargs", {})[TOKEN_FIELD] = token
        return submission

    def handle_order_placement(self, order_number, user, basket, *args, **kwargs):
        try:
            return super().handle_order_placement(order_number, user, basket, *args, **kwargs)
        except (IntegrityError, ValueError):
            # A copy of this submission placed the order first (same basket, so same number):
            # send this one to it too, leaving the basket submitted. Any other failure (one
            # that broke the request's transaction) goes to Oscar's error handling.
            if transaction.get_connection().needs_rollback:
                raise
            order = Order.objects.filter(number=order_number).first()
            if order is None or (order.user_id and order.user_id != getattr(user, "pk", None)):
                raise
            allow_payment(self.request, order)
            return HttpResponseRedirect(reverse("payments:pay", kwargs={"number": order.number}))

    def handle_successful_order(self, order):
        allow_payment(self.request, order)
        return super().handle_successful_order(order)

    def get_success_url(self):
        order = Order.objects.get(pk=self.request.session["checkout_order_id"])
        return reverse("payments:pay", kwargs={"number": order.number})

    def place_order(self, *args, **kwargs):
        with with_confirmation():  # the buyer's "order placed" email, after commit
            return super().place_order(*args, **kwargs)

    def send_order_placed_email(self, order):
        """Sent after commit by the task every placed order queues (``orders.receivers``)."""
