"""A buyer cancelling an unpaid order bought at a live price gives its units back to the quota."""

import pytest
from django.urls import reverse
from oscar.core.loading import get_model

from orders import statuses
from tests.factories import make_order

pytestmark = pytest.mark.django_db
StockRecord = get_model("partner", "StockRecord")


def test_the_buyer_cancels_a_live_order_and_its_quota_and_stock_return(
    client, live, carrots, consumer
):
    client.force_login(consumer)
    order = make_order([(carrots, 2)], user=consumer)
    item = live.items.get()
    assert item.quota_used == 2
    assert StockRecord.objects.get(product=carrots).num_allocated == 2

    client.post(reverse("tracking:cancel", args=[order.number]))

    order.refresh_from_db()
    item.refresh_from_db()
    assert order.status == statuses.CANCELLED
    assert item.quota_used == 0 and item.units_left == 30
    assert StockRecord.objects.get(product=carrots).num_allocated == 0


def test_a_refused_cancel_keeps_the_quota(client, live, carrots, consumer):
    client.force_login(consumer)
    order = make_order([(carrots, 2)], user=consumer, status=statuses.PAID)
    client.post(reverse("tracking:cancel", args=[order.number]))
    assert live.items.get().quota_used == 2
    order.refresh_from_db()
    assert order.status == statuses.PAID
