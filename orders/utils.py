"""Order placement that can never oversell.

Oscar's ``OrderCreator`` reads stock without a lock and then allocates with an unconditional
increment, so two buyers of the last unit can both get it. Ours allocates with one conditional
UPDATE per line (``num_in_stock - num_allocated >= quantity``) inside Oscar's placement
transaction: if any line cannot be allocated, ``UnableToPlaceOrder`` rolls the whole order back
and nothing stays allocated.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.db import connection, transaction
from django.db.models import F
from django.utils.translation import gettext as _
from oscar.apps.order import utils
from oscar.core.loading import get_class, get_model

UnableToPlaceOrder = get_class("order.exceptions", "UnableToPlaceOrder")
StockRecord = get_model("partner", "StockRecord")
StockAlert = get_model("partner", "StockAlert")
ConditionalOffer = get_model("offer", "ConditionalOffer")

OrderNumberGenerator = utils.OrderNumberGenerator
OrderDispatcher = utils.OrderDispatcher


def allocate(stockrecord_id: int, quantity: int) -> bool:
    """Allocate ``quantity`` units if (and only if) that many are free; True when it did."""
    table = connection.ops.quote_name(StockRecord._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET num_allocated = COALESCE(num_allocated, 0) + %s"  # noqa: S608
            " WHERE id = %s AND COALESCE(num_in_stock, 0) - COALESCE(num_allocated, 0) >= %s"
            " RETURNING num_in_stock, num_allocated, low_stock_threshold",
            [quantity, stockrecord_id, quantity],
        )
        row = cursor.fetchone()
    if row is None:
        return False
    in_stock, allocated, threshold = row
    if threshold is not None and (in_stock or 0) - (allocated or 0) < threshold:
        # Oscar's own allocate saves the record, and its post_save receiver raises the low-stock
        # alert; here the alert is raised directly, after commit (the stock row is not held
        # locked meanwhile), and only when this allocation left the stock below its threshold.
        # The other post_save receivers (back-in-stock alerts, the product's cooperative) are
        # for stock edits, which only raise stock; an allocation only lowers what is free.
        # ``robust``: the order is committed by then; a failed alert is logged, not the buyer's.
        transaction.on_commit(lambda: sync_stock_alert(stockrecord_id), robust=True)
    return True


def sync_stock_alert(stockrecord_id):
    """Oscar's ``update_stock_alerts`` (one open alert while the record is below its threshold,
    closed once it is not), made safe for concurrent buyers. Oscar runs it inside each order's
    transaction, serialised by the stock row's lock; allocations here leave that row at once and
    raise the alert after commit, so two buyers' alerts would race: two open alerts, after which
    Oscar's ``StockAlert.objects.get`` failed every later sale of the product (the flash-sale
    bench's sell-out found it). When the alerts are already as they should be (the common case
    in a sale's tail: one open alert) nothing is locked; otherwise check and change are
    serialised per record by a transaction-level advisory lock on PostgreSQL, and alerts already
    duplicated are closed but one. (On SQLite, the demo's database, a concurrent writer gets
    "database is locked", which the after-commit caller logs.)"""
    fields = ("num_in_stock", "num_allocated", "low_stock_threshold")
    records = StockRecord.objects.filter(pk=stockrecord_id).only("pk", *fields)
    alerts = StockAlert.objects.filter(stockrecord_id=stockrecord_id, status=StockAlert.OPEN)
    record = records.first()
    if record is None or alerts.count() == (1 if record.is_below_threshold else 0):
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_ALERT_LOCK, record.pk])
            record = records.get()
        open_alerts = list(alerts.order_by("pk"))
        if record.is_below_threshold:
            if not open_alerts:
                StockAlert.objects.create(
                    stockrecord_id=record.pk, threshold=record.low_stock_threshold
                )
            duplicates = open_alerts[1:]
        else:
            duplicates = open_alerts
        for alert in duplicates:
            alert.close()


_ALERT_LOCK = 7001  # advisory-lock namespace of stock alerts (the second key is the record's id)


def update_stock_alerts(sender, instance, created, **kwargs):
    """Replaces Oscar's receiver of the same name (``orders.receivers``)."""
    if created or kwargs.get("raw", False):
        return
    sync_stock_alert(instance.pk)


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


_confirmation: ContextVar[bool] = ContextVar("confirmation", default=False)


@contextmanager
def with_confirmation():
    """Orders placed inside this (a buyer's checkout or buy now, not the demo's history) get the
    "order placed" email, sent by the one task queued for each placed order
    (``orders.tasks.after_order_placed``)."""
    token = _confirmation.set(True)
    try:
        yield
    finally:
        _confirmation.reset(token)


def confirmation_wanted() -> bool:
    return _confirmation.get()


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
            transaction.on_commit(count, robust=True)  # logged if it fails: the order stands
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
