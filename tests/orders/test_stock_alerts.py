"""Orders allocate stock with a conditional update; Oscar's low-stock alert is still raised, after
the order's commit."""

import pytest
from oscar.core.loading import get_model

from tests.factories import make_order, make_product

pytestmark = pytest.mark.django_db

StockAlert = get_model("partner", "StockAlert")


def test_an_order_that_takes_stock_below_the_threshold_raises_the_alert(
    cooperative, django_capture_on_commit_callbacks
):
    product = make_product(cooperative, num_in_stock=6)
    record = product.stockrecords.get()
    record.low_stock_threshold = 5
    record.save()

    with django_capture_on_commit_callbacks(execute=True):
        make_order([(product, 1)])
    assert not StockAlert.objects.exists()  # 5 free: not below 5

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        make_order([(product, 1)])
        assert not StockAlert.objects.exists()  # not inside the order's transaction
    assert callbacks
    alert = StockAlert.objects.get()
    assert alert.stockrecord == record and alert.status == StockAlert.OPEN
