"""Express placement: one product, the buyer's saved address, one request (the live "buy now").

Oscar's checkout takes five pages (address, method, payment details, preview, place); a buyer
watching a livestream who has bought before has already answered all of them. Two ways to place
such an order, both in one short transaction that holds no network call (the PaymentIntent is
made after commit by the caller, ``orders.payments.intents.payable_intent``; the order email
goes through Celery on commit):

- ``place_express_order``: from a basket of its own, through the pieces Oscar's checkout uses
  (offers, the default shipping method, ``OrderPlacementMixin.place_order`` and so our
  conditional ``OrderCreator``). It prices anything Oscar can price; about 65 queries.
- ``place_single_line_order``: the flash-sale path, about 15 queries. Oscar's own order creator
  steps write the rows (``SingleLineOrderCreator``), from a basket line held in memory whose
  price the caller worked out already (the stock record's price, less at most one offer's
  discount), with free shipping, numbered from a basket row like Oscar's; what Oscar's
  ``place_order`` would read back from the database to learn this is skipped. It is only for
  when nothing else could change the price: the
  caller checks that no other offer is running (``only_offer_running``), the store's shipping
  is free (``shipping_is_free``) and the price carries no tax (a discount is then the same with
  tax and without); otherwise it uses ``place_express_order``. A test places the same order
  both ways and compares every row.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Min, Q
from django.utils import timezone
from oscar.apps.checkout.mixins import OrderPlacementMixin
from oscar.apps.offer.results import BasketDiscount
from oscar.apps.order.signals import order_placed
from oscar.core import prices
from oscar.core.loading import get_class, get_model

from orders import services
from orders.services import with_confirmation
from orders.utils import OrderCreator

Applicator = get_class("offer.applicator", "Applicator")
UnableToPlaceOrder = get_class("order.exceptions", "UnableToPlaceOrder")
Basket = get_model("basket", "Basket")
BasketLine = get_model("basket", "Line")
OrderNumberGenerator = get_class("order.utils", "OrderNumberGenerator")
OrderTotalCalculator = get_class("checkout.calculators", "OrderTotalCalculator")
Repository = get_class("shipping.repository", "Repository")
ShippingAddress = get_model("order", "ShippingAddress")
UserAddress = get_model("address", "UserAddress")
Order = get_model("order", "Order")
ConditionalOffer = get_model("offer", "ConditionalOffer")
Free = get_class("shipping.methods", "Free")
NoShippingRequired = get_class("shipping.methods", "NoShippingRequired")


def saved_address(user):
    """The signed-in buyer's default shipping address, or None (then: the normal checkout)."""
    if not user.is_authenticated:
        return None
    return (
        UserAddress.objects.filter(user=user)
        .select_related("country")
        .order_by("-is_default_for_shipping", "-num_orders_as_shipping_address", "-pk")
        .first()
    )


class _Placement(OrderPlacementMixin):
    """Oscar's placement steps, without a checkout view around them."""

    def __init__(self, request, address_id):
        self.request = request
        self.address_id = address_id

    def place_order(self, *args, **kwargs):
        with with_confirmation():  # the buyer's "order placed" email, after commit
            return super().place_order(*args, **kwargs)

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
    return order


# --- The flash-sale path ---------------------------------------------------------------------


@dataclass
class Discount:
    """One offer's discount on the single unit: ``amount`` off (tax-exclusive, as Oscar's benefits
    record it; the price carries no tax). ``claim(order)`` is the offer's deferred benefit
    (Oscar's ``apply_deferred_benefit``), run inside the placement; it returns the discount's
    message."""

    offer: object
    amount: Decimal
    claim: object


def shipping_is_free() -> bool:
    """The store ships with Oscar's default repository, free (what the single-line path charges)."""
    return [method.code for method in Repository().methods] == [Free.code]


def only_offer_running(offer=None, cannot_apply=None, *, key=None) -> bool:
    """No running site offer but ``offer`` could apply (``cannot_apply``: a queryset of offers
    the caller knows cannot, e.g. other sessions' live prices on other products): Oscar's offers
    would price the line with ``offer`` alone. One query.

    With ``key`` (what ``cannot_apply`` depends on, such as the product) the answer is kept in
    the cache, as every tap of a flash sale asks the same: until an offer or a live session is
    edited (the page cache's version, ``shop.pagecache``), an offer starts or ends by its dates
    (``_next_offer_change``), or ``OFFER_ANSWER_SECONDS`` pass."""
    if key is None:
        return _only_offer_running(offer, cannot_apply)
    version = cache.get(settings.PAGE_CACHE_VERSION_KEY) or 1
    cache_key = f"express:only-offer:{version}:{offer.pk if offer else 0}:{key}"
    answer = cache.get(cache_key)
    if answer is None:
        now = timezone.now()
        answer = _only_offer_running(offer, cannot_apply)
        until = _next_offer_change(now)
        seconds = OFFER_ANSWER_SECONDS
        if until is not None:
            seconds = min(seconds, int((until - now).total_seconds()))
        if seconds > 0:
            cache.set(cache_key, answer, seconds)
    return answer


OFFER_ANSWER_SECONDS = 60


def _only_offer_running(offer, cannot_apply) -> bool:
    others = ConditionalOffer.active.filter(offer_type=ConditionalOffer.SITE)
    if offer is not None:
        others = others.exclude(pk=offer.pk)
    if cannot_apply is not None:
        others = others.exclude(pk__in=cannot_apply.values("pk"))
    return not others.exists()


def _next_offer_change(now):
    """When the next open site offer starts or ends by its dates (None: none will)."""
    changes = ConditionalOffer.objects.filter(
        offer_type=ConditionalOffer.SITE, status=ConditionalOffer.OPEN
    ).aggregate(
        start=Min("start_datetime", filter=Q(start_datetime__gt=now)),
        end=Min("end_datetime", filter=Q(end_datetime__gt=now)),
    )
    times = [when for when in changes.values() if when is not None]
    return min(times) if times else None


class SingleLineOrderCreator(OrderCreator):
    """Oscar's order creator for one unit of one product whose price is worked out already.

    Oscar's ``place_order`` reads the basket from the database (its lines, its vouchers, its
    offer applications) to learn what the caller already knows here. This places from a basket
    line held in memory instead, through Oscar's own steps for every row it writes
    (``create_order_model``, ``create_discount_model``, ``record_discount``,
    ``create_line_models`` with its prices and discounts, ``update_stock_records``), so the rows
    stay Oscar's rows through its upgrades; a test places the same order both ways and compares
    them. Left out: what a line held in memory cannot have (options, as line attributes: a
    buy-now has none; ``create_line_attributes`` would query an unsaved line) and the voucher
    checks (a buy-now's basket holds none)."""

    def place_single_line(self, request, basket, line, *, shipping_address, method, discount,
                          number, before_allocation=None, extra=None):  # fmt: skip
        """Write the order (inside ``orders.services.place``) and return it."""
        user = request.user
        price = line.purchase_info.price
        charge = prices.Price(price.currency, excl_tax=ZERO, incl_tax=ZERO)
        total = prices.Price(
            price.currency,
            excl_tax=line.line_price_excl_tax_incl_discounts,
            incl_tax=line.line_price_incl_tax_incl_discounts,
        )
        order = self.create_order_model(
            user, basket, shipping_address, method, charge, None, total, number,
            settings.OSCAR_INITIAL_ORDER_STATUS, request, **(extra or {}),
        )  # fmt: skip
        if discount is not None:
            application = {
                "offer": discount.offer,
                "result": BasketDiscount(discount.amount),
                "freq": 1,
                "discount": discount.amount,
                "voucher": None,
                "message": discount.claim(order),
            }
            self.create_discount_model(order, application)
            self.record_discount(application)
        order_line = self.create_line_models(order, line)
        if before_allocation is not None:
            before_allocation(order, order_line)
        order_placed.send(sender=OrderCreator, order=order, user=user)  # live attribution
        self.update_stock_records(line)  # last: the stock row is locked from here to the commit
        return order

    def create_line_attributes(self, order, order_line, basket_line):
        if basket_line.pk is not None:
            super().create_line_attributes(order, order_line, basket_line)


ZERO = Decimal("0.00")


def place_single_line_order(
    request, product, address, *, token=None, discount=None, before_allocation=None, info=None
):
    """One unit of ``product`` to the saved ``address``, priced at the strategy's price less
    ``discount``; returns the order. ``before_allocation(order, line)`` writes what the caller
    adds to the order (inside the placement, before the stock row is locked). Raises Oscar's
    ``UnableToPlaceOrder`` (e.g. sold out) with nothing written; it must be called inside the
    caller's ``transaction.atomic()``, which commits once it returns. ``info``: the product's
    purchase info from ``request.strategy``, if the caller has it already."""
    user = request.user
    info = info or request.strategy.fetch_for_product(product)
    allowed, reason = info.availability.is_purchase_permitted(1)
    if not allowed:
        raise UnableToPlaceOrder(reason)
    method = Free() if product.get_product_class().requires_shipping else NoShippingRequired()

    def write():
        basket = Basket.objects.create(
            owner=user, status=Basket.SUBMITTED, date_submitted=timezone.now()
        )
        basket.strategy = request.strategy
        line = BasketLine(basket=basket, product=product, stockrecord=info.stockrecord, quantity=1)
        line._info = info  # priced by the strategy already
        if discount is not None:
            line.discount(discount.amount, 1, incl_tax=False, offer=discount.offer)
        shipping_address = ShippingAddress()
        address.populate_alternative_model(shipping_address)
        shipping_address.save()
        _Placement(request, address.pk).update_address_book(user, address)
        return SingleLineOrderCreator().place_single_line(
            request,
            basket,
            line,
            shipping_address=shipping_address,
            method=method,
            discount=discount,
            number=OrderNumberGenerator().order_number(basket),
            before_allocation=before_allocation,
            extra={"submission_token": token} if token else None,
        )

    # No savepoint: the caller's transaction commits right after, so the stock and quota rows,
    # updated last, are held for the commit alone; any error undoes the caller's transaction.
    with with_confirmation():  # the buyer's "order placed" email, after commit
        return services.place(write, savepoint=False)
