"""Order placement that can never oversell.

Oscar's ``OrderCreator`` reads stock without a lock and then allocates with an unconditional
increment, so two buyers of the last unit can both get it. Ours allocates with one conditional
UPDATE per line (``num_in_stock - num_allocated >= quantity``) inside Oscar's placement
transaction: if any line cannot be allocated, ``UnableToPlaceOrder`` rolls the whole order back
and nothing stays allocated.
"""

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from oscar.apps.order import utils
from oscar.core.loading import get_class, get_model

UnableToPlaceOrder = get_class("order.exceptions", "UnableToPlaceOrder")
StockRecord = get_model("partner", "StockRecord")
ConditionalOffer = get_model("offer", "ConditionalOffer")

OrderNumberGenerator = utils.OrderNumberGenerator
OrderDispatcher = utils.OrderDispatcher


def allocate(stockrecord_id: int, quantity: int) -> bool:
    """Allocate ``quantity`` units if (and only if) that many are free; True when it did."""
    free = Coalesce(F("num_in_stock"), 0) - Coalesce(F("num_allocated"), 0)
    allocated = bool(
        StockRecord.objects.filter(pk=stockrecord_id)
        .alias(free=free)
        .filter(free__gte=quantity)
        .update(num_allocated=Coalesce(F("num_allocated"), 0) + quantity)
    )
    if allocated:
        # As Oscar's own allocate does: post_save, so that its low-stock alerts are raised; after
        # commit, so the stock row is not held locked while they are.
        transaction.on_commit(lambda: _stock_changed(stockrecord_id))
    return allocated


def _stock_changed(stockrecord_id):
    record = StockRecord.objects.filter(pk=stockrecord_id).first()
    if record is not None:
        record.post_save_signal()


class OrderCreator(utils.OrderCreator):
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
            transaction.on_commit(count)
        if discount.get("voucher"):
            discount["voucher"].record_discount(discount)

    def update_stock_records(self, line):
        if not line.product.get_product_class().track_stock:
            return
        if not allocate(line.stockrecord_id, line.quantity):
            raise UnableToPlaceOrder(
                _("Sorry, “%(title)s” has sold out: only %(left)d left. Nothing was ordered.")
                % {"title": line.product.get_title(), "left": _free_units(line.stockrecord_id)}
            )


def _free_units(stockrecord_id) -> int:
    record = StockRecord.objects.get(pk=stockrecord_id)
    return max((record.num_in_stock or 0) - (record.num_allocated or 0), 0)
