"""Live prices as Oscar offers.

Each session with live prices owns one site offer (``services.sync_offer``) whose range is the
session's products, whose window is the session's live window, and whose condition and benefit are
these proxy classes. The benefit prices each unit at its live price while the flash quota and the
customer's limit allow, and remembers how many units it priced (``claims``). When the order is
placed, Oscar calls ``apply_deferred`` inside the placement transaction: the units are claimed
there with conditional updates, so concurrent buyers never get more live-price units than the
quota; if a claim fails the whole order rolls back with a clear message.
"""

from decimal import Decimal
from functools import partial

from django.db.models import F
from django.utils.translation import gettext as _
from oscar.apps.offer import benefits, conditions
from oscar.apps.offer.results import BasketDiscount
from oscar.core.loading import get_class

from orders import stock

from .models import CustomerQuota, LiveSession, QuotaClaim, SessionProduct

UnableToPlaceOrder = get_class("order.exceptions", "UnableToPlaceOrder")


class LiveDiscount(BasketDiscount):
    def __init__(self, amount, claims):
        super().__init__(amount)
        self.claims = claims  # {SessionProduct pk: units priced at the live price}


def customer_key(user=None, email=None) -> str | None:
    if user is not None and getattr(user, "is_authenticated", False):
        return f"user:{user.pk}"
    if email:
        return f"email:{email.strip().lower()}"
    return None


def _session_of(offer):
    """The offer's session, looked up once per offer object (condition and benefit both ask,
    on every pricing of a basket)."""

    if not hasattr(offer, "_live_session"):
        offer._live_session = LiveSession.objects.filter(offer=offer).first()
    return offer._live_session


def _live_items(offer):
    """The session's live-priced items by product id, once per offer object. They are exactly
    the offer range's products (``services.sync_offer`` keeps the range so), so membership is
    read from here rather than by Oscar's range queries (six per basket line)."""
    if not hasattr(offer, "_live_items"):
        session = _session_of(offer)
        offer._live_items = (
            {i.product_id: i for i in session.items.filter(live_price__isnull=False)}
            if session
            else {}
        )
    return offer._live_items


class LiveCondition(conditions.CountCondition):
    """Basket holds a product of the session, and the session is live now."""

    class Meta:
        app_label = "livestream"
        proxy = True

    @property
    def name(self):
        return _("Live session price")

    @property
    def description(self):
        return self.name

    def is_satisfied(self, offer, basket):
        session = _session_of(offer)
        if not (session and session.is_live_at()):
            return False
        self._live_product_ids = set(_live_items(offer))
        return super().is_satisfied(offer, basket)

    def can_apply_condition(self, line):
        product_ids = getattr(self, "_live_product_ids", None)
        if product_ids is None:
            return super().can_apply_condition(line)
        return (
            bool(line.stockrecord_id)
            and line.product_id in product_ids
            and line.product.is_discountable
        )


def _claim_quota(item, units):

    within = F("quota") if item.quota is not None else None
    if not stock.take(SessionProduct.objects.filter(pk=item.pk), "quota_used", units, up_to=within):
        raise UnableToPlaceOrder(
            _(
                "The live price of “%(title)s” has sold out. Nothing was ordered; "
                "your basket now shows the normal price."
            )
            % {"title": item.product.get_title()}
        )


class LivePriceBenefit(benefits.Benefit):
    class Meta:
        app_label = "livestream"
        proxy = True

    @property
    def name(self):
        return _("Live price")

    @property
    def description(self):
        return self.name

    def apply(self, basket, condition, offer, **kwargs):

        session = _session_of(offer)
        if session is None or not session.is_live_at():
            return LiveDiscount(Decimal("0.00"), {})
        items = _live_items(offer)
        customer = customer_key(basket.owner)
        already = {}
        if customer:
            already = dict(
                CustomerQuota.objects.filter(
                    item__in=items.values(), customer=customer
                ).values_list("item_id", "units")
            )
        claims = {}
        total = Decimal("0.00")
        for line in basket.all_lines():
            item = items.get(line.product_id)
            if item is None or not line.stockrecord_id:
                continue
            if item.per_customer_limit is not None and customer is None:
                continue  # limited live prices are for signed-in buyers (a limit needs a who)
            price = line.unit_effective_price
            if price is None or item.live_price >= price:
                continue
            units = line.quantity_without_offer_discount(offer)
            if item.quota is not None:
                units = min(units, item.units_left - claims.get(item.pk, 0))
            if item.per_customer_limit is not None:
                units = min(
                    units,
                    item.per_customer_limit - already.get(item.pk, 0) - claims.get(item.pk, 0),
                )
            if units <= 0:
                continue
            discount = (price - item.live_price) * units
            benefits.apply_discount(line, discount, units, offer)
            claims[item.pk] = claims.get(item.pk, 0) + units
            total += discount
        return LiveDiscount(total, claims)

    def apply_deferred(self, basket, order, application):

        claims = getattr(application["result"], "claims", {})
        customer = customer_key(order.user) or f"order:{order.number}"
        session = _session_of(application["offer"])
        if claims and (session is None or not session.is_live_at()):
            raise UnableToPlaceOrder(
                _("The live session has ended, and its prices with it. Nothing was ordered.")
            )
        for item_pk, units in sorted(claims.items()):
            item = SessionProduct.objects.select_related("product").get(pk=item_pk)
            claim_units(order, item, units, customer)
        return _("Live price")


def claim_units(order, item, units, customer):
    """Claim ``units`` of ``item``'s live price for ``order`` (inside its placement): the quota
    (counted last, see ``orders.stock``), the customer's limit, and the claim that gives them back
    if the order is cancelled. Raises ``UnableToPlaceOrder`` when either has run out."""

    # Every claim is counted; the count is bounded where there is a quota or a limit.
    # The item's row is every live buyer's: counted last (orders.stock.last_in_placement).
    stock.last_in_placement(partial(_claim_quota, item, units))
    row, _created = CustomerQuota.objects.get_or_create(item=item, customer=customer)
    if not stock.take(
        CustomerQuota.objects.filter(pk=row.pk), "units", units, up_to=item.per_customer_limit
    ):
        raise UnableToPlaceOrder(
            _(
                "At most %(limit)d of “%(title)s” per customer at the live price. "
                "Nothing was ordered."
            )
            % {"limit": item.per_customer_limit, "title": item.product.get_title()}
        )
    QuotaClaim.objects.create(order=order, item=item, customer=customer, units=units)
