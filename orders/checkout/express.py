"""Express placement: one product, the buyer's saved address, one request (the live "buy now").

Oscar's checkout takes five pages (address, method, payment details, preview, place); a buyer
watching a livestream who has bought before has already answered all of them. Two ways to place
such an order, both in one short transaction that holds no network call (the PaymentIntent is
made after commit by the caller, ``orders.payments.services.payable_intent``; the order email
goes through Celery on commit):

- ``place_express_order``: from a basket of its own, through the pieces Oscar's checkout uses
  (offers, the default shipping method, ``OrderPlacementMixin.place_order`` and so our
  conditional ``OrderCreator``). It prices anything Oscar can price; about 65 queries.
- ``place_single_line_order``: the flash-sale path, about 15 queries. It writes the rows Oscar's
  ``OrderCreator`` writes for a one-line order (order, shipping address, line, line price, and
  the offer's order and line discounts), numbered from a basket row like Oscar's, but with the
  price already worked out by the caller (the stock record's price, less at most one offer's
  discount) and free shipping. It is only for when nothing else could change the price: the
  caller checks that no other offer is running (``only_offer_running``), the store's shipping
  is free (``shipping_is_free``) and the price carries no tax (a discount is then the same with
  tax and without); otherwise it uses ``place_express_order``. A test places the same order
  both ways and compares every row.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.sites.models import Site
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Min, Q
from django.utils import timezone
from oscar.apps.checkout.mixins import OrderPlacementMixin
from oscar.apps.order.signals import order_placed
from oscar.core.loading import get_class, get_model

from orders.utils import OrderCreator, allocate_or_refuse, placement, with_confirmation

Applicator = get_class("offer.applicator", "Applicator")
UnableToPlaceOrder = get_class("order.exceptions", "UnableToPlaceOrder")
Basket = get_model("basket", "Basket")
OrderNumberGenerator = get_class("order.utils", "OrderNumberGenerator")
OrderTotalCalculator = get_class("checkout.calculators", "OrderTotalCalculator")
Repository = get_class("shipping.repository", "Repository")
ShippingAddress = get_model("order", "ShippingAddress")
UserAddress = get_model("address", "UserAddress")
Order = get_model("order", "Order")
Line = get_model("order", "Line")
OrderDiscount = get_model("order", "OrderDiscount")
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
    price, record = info.price, info.stockrecord
    off = discount.amount if discount else Decimal("0.00")
    unit_excl, unit_incl = price.excl_tax, price.incl_tax
    paid_excl, paid_incl = unit_excl - off, unit_incl - off  # one unit, free shipping
    method = Free() if product.get_product_class().requires_shipping else NoShippingRequired()
    # No savepoint: the caller's transaction commits right after, so the stock and quota rows,
    # updated last, are held for the commit alone; any error undoes the caller's transaction.
    with placement(savepoint=False):
        basket = Basket.objects.create(
            owner=user, status=Basket.SUBMITTED, date_submitted=timezone.now()
        )
        shipping_address = ShippingAddress()
        address.populate_alternative_model(shipping_address)
        shipping_address.save()
        _Placement(request, address.pk).update_address_book(user, address)
        order = Order.objects.create(
            basket=basket,
            number=OrderNumberGenerator().order_number(basket),
            site=Site.objects.get_current(request),
            user=user,
            currency=price.currency,
            total_incl_tax=paid_incl,
            total_excl_tax=paid_excl,
            shipping_incl_tax=Decimal("0.00"),
            shipping_excl_tax=Decimal("0.00"),
            shipping_method=method.name,
            shipping_code=method.code,
            shipping_address=shipping_address,
            status=settings.OSCAR_INITIAL_ORDER_STATUS,
            **({"submission_token": token} if token else {}),
        )
        order_discount = None
        if discount:
            message = discount.claim(order)
            order_discount = OrderDiscount.objects.create(
                order=order,
                offer_id=discount.offer.pk,
                offer_name=discount.offer.name,
                frequency=1,
                amount=off,
                message=message or "",
            )
            OrderCreator().record_discount(
                {"offer": discount.offer, "freq": 1, "discount": off, "voucher": None}
            )
        partner = record.partner
        line = Line.objects.create(
            order=order,
            partner=partner,
            partner_name=partner.name,
            partner_sku=record.partner_sku,
            stockrecord=record,
            product=product,
            title=product.get_title(),
            upc=product.upc,
            quantity=1,
            line_price_excl_tax=paid_excl,
            line_price_incl_tax=paid_incl,
            line_price_before_discounts_excl_tax=unit_excl,
            line_price_before_discounts_incl_tax=unit_incl,
            unit_price_incl_tax=unit_incl,
            unit_price_excl_tax=unit_excl,
            tax_code=price.tax_code,
            num_allocated=1,
            status=settings.OSCAR_INITIAL_LINE_STATUS,
        )
        line.prices.create(
            order=order,
            quantity=1,
            price_incl_tax=paid_incl,
            price_excl_tax=paid_excl,
            tax_code=price.tax_code,
        )
        if order_discount is not None:
            line.discounts.create(order_discount=order_discount, is_incl_tax=False, amount=off)
        if before_allocation is not None:
            before_allocation(order, line)
        with with_confirmation():
            order_placed.send(sender=OrderCreator, order=order, user=user)
        if product.get_product_class().track_stock:
            allocate_or_refuse(record.pk, 1, product.get_title())
    return order
