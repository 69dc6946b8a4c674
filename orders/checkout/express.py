"""Express placement: one product, the buyer's saved address, one request (the live "buy now").

Oscar's checkout takes five pages (address, method, payment details, preview, place); a buyer
watching a livestream who has bought before has already answered all of them. This places a
one-product order from a basket of its own, through the same pieces Oscar's checkout uses
(offers, the default shipping method, ``OrderPlacementMixin.place_order`` and so our conditional
``OrderCreator``), inside one short transaction that holds no network call: the PaymentIntent is
made after commit by the caller (``orders.payments.services.payable_intent``), the order email
goes through Celery on commit.
"""

from django.db import transaction
from django.db.models import F
from oscar.apps.checkout.mixins import OrderPlacementMixin
from oscar.core.loading import get_class, get_model

Applicator = get_class("offer.applicator", "Applicator")
Basket = get_model("basket", "Basket")
OrderNumberGenerator = get_class("order.utils", "OrderNumberGenerator")
OrderTotalCalculator = get_class("checkout.calculators", "OrderTotalCalculator")
Repository = get_class("shipping.repository", "Repository")
ShippingAddress = get_model("order", "ShippingAddress")
UserAddress = get_model("address", "UserAddress")


def saved_address(user):
    """The signed-in buyer's default shipping address, or None (then: the normal checkout)."""
    if not user.is_authenticated:
        return None
    return (
        UserAddress.objects.filter(user=user)
        .order_by("-is_default_for_shipping", "-num_orders_as_shipping_address", "-pk")
        .first()
    )


class _Placement(OrderPlacementMixin):
    """Oscar's placement steps, without a checkout view around them."""

    def __init__(self, request, address_id):
        self.request = request
        self.address_id = address_id

    def update_address_book(self, user, addr):
        """Oscar re-saves the address book entry (three queries, a write of every field); the
        address came from the book, so only its use is counted."""
        UserAddress.objects.filter(pk=self.address_id).update(
            num_orders_as_shipping_address=F("num_orders_as_shipping_address") + 1
        )


def one_product_basket(request, product):
    """A basket of its own for an express order: the buyer's open basket is left as it is. Made
    inside the placing transaction and submitted with the order, so no other request ever sees
    it open (Oscar would merge two open baskets of one owner)."""
    basket = Basket.objects.create(owner=request.user)
    basket.strategy = request.strategy
    line, _created = basket.add_product(product, 1)
    return basket, line


def place_express_order(request, basket, address, token=None):
    """Place the basket's order to ``address``; returns the order.

    Raises Oscar's ``UnableToPlaceOrder`` (e.g. sold out) with nothing written. The basket must
    already hold what is being bought; it is submitted with the order.
    """
    user = request.user
    with transaction.atomic():
        basket.reset_offer_applications()
        Applicator().apply(basket, user, request)
        shipping_address = ShippingAddress()
        address.populate_alternative_model(shipping_address)
        method = Repository().get_default_shipping_method(
            basket=basket, shipping_addr=shipping_address, user=user, request=request
        )
        charge = method.calculate(basket)
        total = OrderTotalCalculator(request).calculate(basket, charge)
        number = OrderNumberGenerator().order_number(basket)
        extra = {"submission_token": token} if token else {}
        order = _Placement(request, address.pk).place_order(
            order_number=number,
            user=user,
            basket=basket,
            shipping_address=shipping_address,
            shipping_method=method,
            shipping_charge=charge,
            order_total=total,
            **extra,
        )
        basket.submit()
        from orders.payments.tasks import send_order_email

        send_order_email.delay_on_commit(order.pk, "ORDER_PLACED", {})
    return order
