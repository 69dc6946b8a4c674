"""Oscar's order utilities (this fork's ``order.utils``, which Oscar loads with ``get_class``):
the order creator, made so that it can never oversell.

Oscar's ``OrderCreator`` reads stock without a lock and then allocates with an unconditional
increment, so two buyers of the last unit can both get it. Ours places through the lifecycle's
``orders.services.place`` and allocates with one conditional UPDATE per line
(``orders.stock.allocate_or_refuse``) at the end of the placement's transaction: if any line
cannot be allocated, ``UnableToPlaceOrder`` rolls the whole order back and nothing stays
allocated.
"""

from django.db import transaction
from django.db.models import F
from oscar.apps.order import utils
from oscar.core.loading import get_model

from . import services, stock

ConditionalOffer = get_model("offer", "ConditionalOffer")
OrderDiscount = get_model("order", "OrderDiscount")

OrderNumberGenerator = utils.OrderNumberGenerator
OrderDispatcher = utils.OrderDispatcher


class OrderCreator(utils.OrderCreator):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._order_discounts = {}  # (order, offer) ids: discounts written by this creator

    def place_order(self, *args, **kwargs):
        base = super()
        return services.place(lambda: base.place_order(*args, **kwargs))

    def record_discount(self, discount):
        """Oscar saves the whole offer (read, add, write: a lost update under load, and a hot row
        locked until commit). Here: one atomic increment, after commit unless the offer has a
        global cap that the next order must see."""
        offer = discount["offer"]
        counters = {
            "num_applications": F("num_applications") + discount["freq"],
            "total_discount": F("total_discount") + discount["discount"],
            "num_orders": F("num_orders") + 1,
        }

        def count():
            ConditionalOffer.objects.filter(pk=offer.pk).update(**counters)

        if offer.max_global_applications:
            count()
        else:
            transaction.on_commit(count, robust=True)  # logged if it fails: the order stands
        if discount.get("voucher"):
            discount["voucher"].record_discount(discount)

    def create_discount_model(self, order, discount):
        """Oscar's, with the offer's name given: saved with the offer's id alone, Oscar's
        ``OrderDiscount`` loads the offer again to copy its name. The discount is remembered for
        the lines' discounts (``create_line_discount_models``)."""
        result, voucher = discount["result"], discount.get("voucher")
        order_discount = OrderDiscount(
            order=order,
            message=discount["message"] or "",
            offer_id=discount["offer"].id,
            offer_name=discount["offer"].name,
            frequency=discount["freq"],
            amount=discount["discount"],
        )
        if result.affects_shipping:
            order_discount.category = OrderDiscount.SHIPPING
        elif result.affects_post_order:
            order_discount.category = OrderDiscount.DEFERRED
        if voucher:
            order_discount.voucher_id, order_discount.voucher_code = voucher.id, voucher.code
        order_discount.save()
        self._order_discounts[(order.pk, order_discount.offer_id)] = order_discount

    def create_line_discount_models(self, order, order_line, basket_line):
        """Oscar's, with each offer's order discount from ``create_discount_model`` instead of
        one query per discounted line to find it again."""
        for discount in basket_line.discounts:
            if not discount.offer:
                continue
            order_discount = self._order_discounts.get((order.pk, discount.offer.id))
            if order_discount is None:  # made elsewhere (a caller of Oscar's own steps)
                order_discount = order.discounts.filter(offer_id=discount.offer.id).first()
            if order_discount:
                order_line.discounts.create(
                    order_discount=order_discount,
                    is_incl_tax=discount.incl_tax,
                    amount=discount.amount,
                )

    def update_stock_records(self, line):
        if not line.product.get_product_class().track_stock:
            return
        stock.allocate_or_refuse(line.stockrecord_id, line.quantity, line.product.get_title())
