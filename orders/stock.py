"""Stock: every change to what a stock record holds or has promised, in one place.

A stock record counts ``num_in_stock`` (on the shelf) and ``num_allocated`` (promised to orders
not yet completed); what can still be sold is the difference. An order's life moves units
through four steps, each one conditional UPDATE on the record's row, so that concurrent buyers
can never oversell and nothing goes below zero:

- ``allocate`` (placing): promised to the order, only while that many are free;
- ``release`` (an unpaid order cancelled, an unshipped unit refunded): the promise given back;
- ``consume`` (an order completed): what went out leaves the shelf, and its promise with it;
- ``put_back`` (a shipped unit refunded): back on the shelf.

On PostgreSQL a CHECK constraint (order migration 0024) also refuses more promised than on the
shelf from any other writer.

The same pattern bounds other counters a flash sale's buyers race for (a live price's quota, a
buyer's limit: ``livestream.offers``): ``take`` adds units only while the bound allows, and
``give_back`` returns them.

The rows every buyer of a flash sale needs (the stock record, the live quota) stay locked from
their UPDATE until the transaction commits, and the others wait. So inside an order's placement
(``placement``) these updates are the last statements (``last_in_placement``): everything else
(order, lines, discounts) is written first and the locks are held for the commit alone.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.db import connection, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils.translation import gettext as _
from oscar.core.loading import get_class, get_model

UnableToPlaceOrder = get_class("order.exceptions", "UnableToPlaceOrder")
StockRecord = get_model("partner", "StockRecord")
StockAlert = get_model("partner", "StockAlert")
Line = get_model("order", "Line")


# --- Placing: allocate, last --------------------------------------------------------------------

_hot_updates: ContextVar[list | None] = ContextVar("hot_updates", default=None)


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


def last_in_placement(update):
    """Run ``update`` at the end of the order placement under way (at once if there is none).
    It raises ``UnableToPlaceOrder`` when it cannot be done, which undoes the whole order."""
    pending = _hot_updates.get()
    if pending is None:
        update()
    else:
        pending.append(update)


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
        # ``robust``: the order is committed by then; a failed alert is logged, not the buyer's.
        transaction.on_commit(lambda: sync_stock_alert(stockrecord_id), robust=True)
    return True


def allocate_or_refuse(stockrecord_id: int, quantity: int, title: str) -> None:
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


# --- After placing: release, consume, put back ----------------------------------------------


def release(line, quantity: int | None = None) -> None:
    """Give back ``quantity`` (default: all) of what ``line`` holds allocated: the order was
    cancelled unpaid, or units not yet shipped were refunded. Oscar's own line and record steps
    (``cancel_allocation``: conditional, never below zero, the line marked when all is given
    back), which also keep the low-stock alert in step."""
    held = line.num_allocated or 0
    quantity = held if quantity is None else min(quantity, held)
    if line.stockrecord_id and quantity and not line.allocation_cancelled:
        line.cancel_allocation(quantity)


def consume(line) -> None:
    """What went out (the order is complete) leaves the shelf, and its allocation with it;
    never below zero (a manager may already have lowered the stock by hand)."""
    quantity = line.num_allocated or 0
    if not line.stockrecord_id or not quantity or line.allocation_cancelled:
        return
    Line.objects.filter(pk=line.pk).update(num_allocated=0)
    StockRecord.objects.filter(pk=line.stockrecord_id).update(
        num_in_stock=Greatest(F("num_in_stock") - quantity, 0),
        num_allocated=Greatest(F("num_allocated") - quantity, 0),
    )


def put_back(line, quantity: int) -> None:
    """Refunded units of ``line``: those not shipped are released, shipped ones go back on the
    shelf."""
    if not line.stockrecord_id:
        return
    unshipped = min(quantity, line.num_allocated or 0)
    release(line, unshipped)
    if quantity - unshipped:
        StockRecord.objects.filter(pk=line.stockrecord_id).update(
            num_in_stock=F("num_in_stock") + (quantity - unshipped)
        )


# --- Other bounded counters ---------------------------------------------------------------------


def take(rows, field: str, units: int, *, up_to=None) -> bool:
    """Add ``units`` to ``field`` of ``rows`` (a queryset of one row) only while it stays within
    ``up_to`` (a number or an F() of the row; None: unbounded); True when it did."""
    if up_to is not None:
        rows = rows.filter(**{f"{field}__lte": up_to - units})
    return bool(rows.update(**{field: F(field) + units}))


def give_back(rows, field: str, units: int) -> None:
    """Take ``units`` back off ``field`` of ``rows`` (what ``take`` added)."""
    rows.update(**{field: F(field) - units})


# --- Low-stock alerts -----------------------------------------------------------------------------


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
