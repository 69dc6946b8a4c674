"""Order placement that can never oversell.

Oscar's ``OrderCreator`` reads stock without a lock and then allocates with an unconditional
increment, so two buyers of the last unit can both get it. Ours allocates with one conditional
UPDATE per line (``num_in_stock - num_allocated >= quantity``) inside Oscar's placement
transaction: if any line cannot be allocated, ``UnableToPlaceOrder`` rolls the whole order back
and nothing stays allocated.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from oscar.apps.order import utils
from oscar.apps.partner.receivers import update_stock_alerts
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
        # Oscar's own allocate sends post_save so that its low-stock alert is raised; here that
        # alert is raised directly, after commit (the stock row is not held locked meanwhile).
        # The other post_save receivers (back-in-stock alerts, the product's cooperative) are
        # for stock edits, which only raise stock; an allocation only lowers what is free.
        transaction.on_commit(lambda: raise_low_stock_alert(stockrecord_id))
    return allocated


def raise_low_stock_alert(stockrecord_id):
    record = StockRecord.objects.filter(pk=stockrecord_id).first()
    if record is not None and record.is_below_threshold:
        update_stock_alerts(StockRecord, instance=record, created=False)


# The rows every buyer of a flash sale needs (the stock record, the live quota) are locked from
# their UPDATE until the transaction commits; the others wait. Their conditional updates are
# therefore the placement's last statements: everything else (order, lines, discounts, the
# order_placed receivers) is written first, so the locks are held only for the commit.
_hot_updates: ContextVar[list | None] = ContextVar("hot_updates", default=None)


def last_in_placement(update):
    """Run ``update`` at the end of the order placement under way (at once if there is none).
    It raises ``UnableToPlaceOrder`` when it cannot be done, which undoes the whole order."""
    pending = _hot_updates.get()
    if pending is None:
        update()
    else:
        pending.append(update)


@contextmanager
def placement(savepoint=True):
    """The transaction an order is placed in: the updates passed to ``last_in_placement`` inside
    it run at its end, in the order asked (quotas, then stock by record id). ``savepoint=False``
    where the caller's own transaction ends right after (and is undone by any error)."""
    pending = []
    token = _hot_updates.set(pending)
    try:
        with transaction.atomic(savepoint=savepoint):
            yield
            _hot_updates.set(None)
            for update in pending:
                update()
    finally:
        _hot_updates.reset(token)


class OrderCreator(utils.OrderCreator):
    def place_order(self, *args, **kwargs):
        with placement():
            order = super().place_order(*args, **kwargs)
        return order

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
        allocate_or_refuse(line.stockrecord_id, line.quantity, line.product.get_title())


def allocate_or_refuse(stockrecord_id, quantity, title):
    """Allocate the units last in the placement under way, or refuse the whole order."""

    def allocate_or_raise():
        if not allocate(stockrecord_id, quantity):
            raise UnableToPlaceOrder(
                _("Sorry, “%(title)s” has sold out: only %(left)d left. Nothing was ordered.")
                % {"title": title, "left": _free_units(stockrecord_id)}
            )

    last_in_placement(allocate_or_raise)


def _free_units(stockrecord_id) -> int:
    record = StockRecord.objects.get(pk=stockrecord_id)
    return max((record.num_in_stock or 0) - (record.num_allocated or 0), 0)
