"""Oscar's checkout on one page (确认订单), with payment after placement.

Oscar asks in five steps: who you are, the address, the shipping method, payment details, then a
preview with "place order". A shopper on a phone expects one page, as in every Chinese store: the
address (a saved one or a new one), the shipping method when there is a choice, a guest's email,
the items and totals, and "提交订单". That page is ``IndexView`` (``checkout:index``, where the
basket's checkout button goes); Oscar's step URLs lead back to it (``StepView``).

The order is placed as 待付款 with its stock allocated (``orders.utils.OrderCreator``), then the
buyer pays on ``payments:pay`` with Stripe.js; the webhook makes it 已付款. Placement is idempotent:
the form carries a one-time token saved on the order, so a double click or a retried POST lands on
the order already placed.
"""

import uuid

from django.db import IntegrityError, transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import generic
from oscar.apps.checkout import signals, views
from oscar.core.loading import get_class, get_model

from orders.checkout.forms import NEW_ADDRESS, CheckoutForm, ShippingAddressForm
from orders.models import remember_buyer
from orders.services import with_confirmation

Order = get_model("order", "Order")
UserAddress = get_model("address", "UserAddress")
Repository = get_class("shipping.repository", "Repository")
BasketAddView = get_class("basket.views", "BasketAddView")

TOKEN_FIELD = "submission_token"


def parse_token(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


class PaymentDetailsView(views.PaymentDetailsView):
    """Oscar's placement (``submit``), made idempotent and followed by the payment page. Its
    own pages are not used: ``IndexView`` below is the checkout."""

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
        # only for whoever placed it: a token alone, however learnt, leads nobody else to it
        order = Order.objects.for_buyer(request).filter(submission_token=token).first()
        if order is None:
            return None
        remember_buyer(request, order)
        return HttpResponseRedirect(reverse("payments:pay", kwargs={"number": order.number}))

    def build_submission(self, **kwargs):
        submission = super().build_submission(**kwargs)
        token = parse_token(self.request.POST.get(TOKEN_FIELD))
        if token is not None:
            submission.setdefault("order_kwargs", {})[TOKEN_FIELD] = token
        organisation_id = getattr(self, "organisation_id", None)
        if organisation_id is not None:  # bought for an organisation (IndexView.post)
            submission.setdefault("order_kwargs", {})["organisation_id"] = organisation_id
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
            remember_buyer(self.request, order)
            return HttpResponseRedirect(reverse("payments:pay", kwargs={"number": order.number}))

    def handle_successful_order(self, order):
        remember_buyer(self.request, order)
        return super().handle_successful_order(order)

    def get_success_url(self):
        order = Order.objects.get(pk=self.request.session["checkout_order_id"])
        return reverse("payments:pay", kwargs={"number": order.number})

    def place_order(self, *args, **kwargs):
        with with_confirmation():  # the buyer's "order placed" email, after commit
            return super().place_order(*args, **kwargs)

    def send_order_placed_email(self, order):
        """Sent after commit by the task every placed order queues (``orders.receivers``)."""


class IndexView(PaymentDetailsView):
    """The checkout on one page. GET shows it; POST checks every answer, keeps them in Oscar's
    checkout session (so the page is filled in again if placement fails) and places the order
    through Oscar's ``submit``. Anything wrong re-shows the page with what was typed and the
    errors, nothing placed."""

    template_name = template_name_preview = "oscar/checkout/one_page.html"
    preview = True
    pre_conditions = ["check_basket_is_not_empty", "check_basket_is_valid"]

    def get_pre_conditions(self, request):
        return self.pre_conditions

    def get_skip_conditions(self, request):
        return []

    def get(self, request, *args, **kwargs):
        signals.start_checkout.send_robust(sender=self, request=request)
        return self.render_preview(request)

    def post(self, request, *args, **kwargs):
        form, address_form = self.forms = self.build_forms(request.POST)
        if parse_token(request.POST.get(TOKEN_FIELD)) is None:
            # Without its one-time token a repeat could not be told from a new order.
            return self.render_preview(request, error=EXPIRED)
        valid = form.is_valid()
        if valid and request.basket.is_shipping_required() and form.wants_new_address:
            valid = address_form.is_valid()
        if not valid:
            return self.render_preview(request)
        self.remember(form, address_form)
        method = self.method_for_address(form)
        if method is None:
            form.add_error(None, _("We cannot deliver to this address with that shipping method."))
            return self.render_preview(request)
        self.checkout_session.use_shipping_method(method.code)
        self.organisation_id = form.chosen_organisation_id() if "buy_for" in form.fields else None
        self.answers_stored = True
        return self.handle_place_order_submission(request)

    def remember(self, form, address_form):
        """The answers, in Oscar's checkout session, where its placement reads them."""
        session = self.checkout_session
        email = form.cleaned_data.get("email")
        if "email" in form.fields:
            # A guest's email is optional: "" (not None, the order's column) when left out,
            # and an earlier answer left out this time is forgotten.
            session.set_guest_email(email or "")
        if email:
            signals.start_checkout.send_robust(sender=self, request=self.request, email=email)
        if "buy_for" in form.fields:
            session._set("organisation", "buy_for", form.cleaned_data["buy_for"])
        if self.request.basket.is_shipping_required():
            session.reset_shipping_data()
            saved = form.chosen_address()
            if saved is not None:
                session.ship_to_user_address(saved)
            else:
                fields = address_form.instance.__dict__.items()
                session.ship_to_new_address({k: v for k, v in fields if not k.startswith("_")})
        self.__dict__.pop("_methods", None)  # the methods for the address now chosen

    def method_for_address(self, form):
        """The method the buyer chose (or the only one), if it reaches the address chosen."""
        methods = {method.code: method for method in self.shipping_methods()}
        code = form.cleaned_data.get("method_code") or next(iter(methods), None)
        return methods.get(code)

    # --- the page's forms and figures --------------------------------------------------------

    def saved_addresses(self):
        """The signed-in buyer's own addresses (the queryset is theirs only), default first."""
        if not self.request.user.is_authenticated or not self.request.basket.is_shipping_required():
            return []
        if not hasattr(self, "_saved_addresses"):
            self._saved_addresses = list(
                UserAddress.objects.filter(
                    user=self.request.user, country__is_shipping_country=True
                ).order_by("-is_default_for_shipping", "-num_orders_as_shipping_address", "-pk")
            )
        return self._saved_addresses

    def buyer_organisations(self):
        """The approved organisations the signed-in buyer buys for (issue 26): through their
        memberships (this app knows organisations by FK only), in one query; none for a guest."""
        user = self.request.user
        if not user.is_authenticated:
            return []
        if not hasattr(self, "_organisations"):
            memberships = user.organisation_memberships.filter(organisation__status="approved")
            self._organisations = [
                m.organisation
                for m in memberships.select_related("organisation").order_by("organisation__name")
            ]
        return self._organisations

    def shipping_methods(self):
        """The methods for the address in the checkout session (before an answer: any)."""
        if not hasattr(self, "_methods"):
            basket = self.request.basket
            self._methods = Repository().get_shipping_methods(
                basket=basket,
                user=self.request.user,
                shipping_addr=self.get_shipping_address(basket),
                request=self.request,
            )
        return self._methods

    def build_forms(self, data=None):
        session = self.checkout_session
        basket = self.request.basket
        addresses = self.saved_addresses()
        initial = {}
        if session.get_guest_email():
            initial["email"] = session.get_guest_email()
        if session.shipping_user_address_id() in {a.pk for a in addresses}:
            initial["address"] = str(session.shipping_user_address_id())
        elif addresses and session.new_shipping_address_fields():
            initial["address"] = NEW_ADDRESS
        if session.shipping_method_code(basket):
            initial["method_code"] = session.shipping_method_code(basket)
        organisations = self.buyer_organisations()
        buy_for = session._get("organisation", "buy_for")
        if buy_for and buy_for in {str(o.pk) for o in organisations}:
            initial["buy_for"] = buy_for
        form = CheckoutForm(
            data,
            initial=initial,
            guest=not self.request.user.is_authenticated,
            addresses=addresses,
            methods=self.shipping_methods(),
            organisations=organisations,
        )
        fields = dict(session.new_shipping_address_fields() or {})
        fields.pop("country_id", None)
        address_form = ShippingAddressForm(data, initial=fields)
        if addresses:  # a saved address is chosen by default: the new one's fields may be empty
            address_form.use_required_attribute = False
        return form, address_form

    def get_shipping_method(self, basket, shipping_address=None, **kwargs):
        """At placement, the method stored by ``post``. On the page, the one ticked (what the
        buyer posted, else what was stored, else the first offered): its totals are shown."""
        method = super().get_shipping_method(basket, shipping_address, **kwargs)
        if getattr(self, "answers_stored", False):
            return method
        methods = {m.code: m for m in self.shipping_methods()}
        form = getattr(self, "forms", (None,))[0]
        ticked = form["method_code"].value() if form and "method_code" in form.fields else None
        return methods.get(ticked) or method or next(iter(methods.values()), None)

    def get_context_data(self, **kwargs):
        if not hasattr(self, "forms"):
            self.forms = self.build_forms()
        ctx = super().get_context_data(**kwargs)
        ctx["form"], ctx["address_form"] = self.forms
        ctx["new_address_value"] = NEW_ADDRESS  # the choice that unfolds the address form
        basket = self.request.basket
        ctx["shipping_choices"] = [
            (method, charge, self.get_order_totals(basket, shipping_charge=charge))
            for method in self.shipping_methods()
            for charge in [method.calculate(basket)]
        ]
        return ctx


EXPIRED = _("This page had expired, so nothing was ordered. Please check it and submit again.")


class StepView(generic.RedirectView):
    """Oscar's separate checkout steps (address, method, payment details, preview): all on the
    one page now, so a link or bookmark to one of them leads there."""

    pattern_name = "checkout:index"
    preview = False  # Oscar's URLs pass it to the preview step

    def post(self, request, *args, **kwargs):
        return self.get(request, *args, **kwargs)


class BuyNowView(BasketAddView):
    """立即购买: the product page's second button sends its form here (``formaction``). The
    product is added as "加入购物车" adds it (Oscar's form and checks, and its basket-addition
    signal, which the live attribution hears), then the buyer goes straight to the one-page
    checkout, which lists the whole basket. No "added to your basket" message is made: the
    checkout page shows the basket. A refused form goes back with Oscar's message, as it would."""

    def form_valid(self, form):
        self.line, self.line_created = self.request.basket.add_product(
            form.product, form.cleaned_data["quantity"], form.cleaned_options()
        )
        self.add_signal.send(
            sender=self, product=form.product, user=self.request.user, request=self.request
        )
        return HttpResponseRedirect(reverse("checkout:index"))
