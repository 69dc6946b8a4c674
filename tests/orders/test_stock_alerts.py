"""Orders allocate stock with a conditional update; Oscar's low-stock alert is still raised, after
the order's commit."""

import pytest
from oscar.core.loading import get_model

from tests.factories import make_order, make_product

pytestmark = pytest.mark.django_db

StockAlert = get_model("partner", "StockAlert")


def _with_threshold(product, threshold):
    record = product.stockrecords.get()
    record.low_stock_threshold = threshold
    record.save()
    return record


def test_an_order_that_takes_stock_below_the_threshold_raises_the_alert(
    cooperative, django_capture_on_commit_callbacks
):
    product = make_product(cooperative, num_in_stock=6)
    record = _with_threshold(product, 5)

    with django_capture_on_commit_callbacks(execute=True):
        make_order([(product, 1)])
    assert not StockAlert.objects.exists()  # 5 free: not below 5

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        make_order([(product, 1)])
        assert not StockAlert.objects.exists()  # not inside the order's transaction
    assert callbacks
    alert = StockAlert.objects.get()
    assert alert.stockrecord == record and alert.status == StockAlert.OPEN


def _below_threshold(product, free=3, threshold=5):
    record = product.stockrecords.get()
    record.num_in_stock, record.num_allocated, record.low_stock_threshold = free, 0, threshold
    record.save()
    return record


def test_alerts_left_duplicated_by_a_race_do_not_break_sales_and_close_together(
    cooperative, django_capture_on_commit_callbacks
):
    """Two open alerts for one record (what concurrent buyers could leave before the alert was
    serialised) made Oscar's receiver fail every later sale and stock edit of the product."""
    product = make_product(cooperative, num_in_stock=10)
    record = _below_threshold(product)
    assert StockAlert.objects.filter(status=StockAlert.OPEN).count() == 1  # the edit raised one
    StockAlert.objects.create(stockrecord=record, threshold=5)  # the race's second

    with django_capture_on_commit_callbacks(execute=True):
        make_order([(product, 1)])  # still below: one alert stays open, the copy is closed
    assert StockAlert.objects.filter(status=StockAlert.OPEN).count() == 1
    StockAlert.objects.create(stockrecord=record, threshold=5)

    record.num_in_stock = 50  # restocked: every open alert closes
    record.save()
    assert not StockAlert.objects.filter(status=StockAlert.OPEN).exists()
    assert StockAlert.objects.filter(status=StockAlert.CLOSED).count() == 3


def test_an_allocation_that_leaves_enough_stock_does_not_look_at_alerts(
    cooperative, django_capture_on_commit_callbacks, monkeypatch
):
    """The stock left is known from the allocation itself: no alert query unless it is low."""
    from orders import stock

    looked = []
    monkeypatch.setattr(stock, "sync_stock_alert", looked.append)
    product = make_product(cooperative, num_in_stock=100)
    record = _with_threshold(product, 5)
    looked.clear()  # the stock edit's own check (post_save)
    with django_capture_on_commit_callbacks(execute=True):
        make_order([(product, 1)])
    assert looked == []
    record.refresh_from_db()
    record.num_in_stock = 6  # 5 free: an order of 2 leaves 3, below 5
    record.num_allocated = 1
    record.save()
    looked.clear()
    with django_capture_on_commit_callbacks(execute=True):
        make_order([(product, 2)])
    assert looked == [record.pk]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_buyers_alerts_for_one_record_are_serialised(cooperative):
    """While one buyer's alert check holds the record's alert lock, another's waits for it, then
    finds the alert open: one alert, not two."""
    import threading
    import time

    from django.db import connection, connections, transaction

    from orders.stock import _ALERT_LOCK, sync_stock_alert
    from tests.conftest import require_service

    require_service(connection.vendor == "postgresql", "needs PostgreSQL (set DATABASE_URL)")
    product = make_product(cooperative, num_in_stock=10)
    record = product.stockrecords.get()
    StockRecord = get_model("partner", "StockRecord")
    StockRecord.objects.filter(pk=record.pk).update(num_in_stock=3, low_stock_threshold=5)
    errors = []

    def waiting_for_alert_lock(pk) -> bool:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                " AND classid = %s AND objid = %s",
                [_ALERT_LOCK, pk],
            )
            return cursor.fetchone()[0] > 0

    def other_buyer():
        try:
            sync_stock_alert(record.pk)
        except Exception as error:  # noqa: BLE001 (reported by the test)
            errors.append(error)
        finally:
            connections.close_all()

    with transaction.atomic():  # the first buyer, inside its alert check
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_ALERT_LOCK, record.pk])
        thread = threading.Thread(target=other_buyer)
        thread.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not waiting_for_alert_lock(record.pk):
            time.sleep(0.05)
        assert waiting_for_alert_lock(record.pk)  # the other buyer waits for this one
        assert thread.is_alive()
        assert not StockAlert.objects.exists()
        StockAlert.objects.create(stockrecord=record, threshold=5)
    thread.join(timeout=30)
    assert not errors
    assert StockAlert.objects.filter(status=StockAlert.OPEN).count() == 1


def test_an_open_alert_already_in_place_is_left_without_locking(
    cooperative, django_assert_num_queries
):
    """In a sale's tail every order leaves the stock low: while the one alert is open, checking
    it is two reads, and no lock that buyers would queue on."""
    from orders.stock import sync_stock_alert

    product = make_product(cooperative, num_in_stock=10)
    record = _below_threshold(product)  # the stock edit opened the alert
    with django_assert_num_queries(2):
        sync_stock_alert(record.pk)
    assert StockAlert.objects.filter(status=StockAlert.OPEN).count() == 1
