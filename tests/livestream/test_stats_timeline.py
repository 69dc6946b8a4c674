"""The live stats' chart of sales per 10 minutes (Beijing time) books a sale when its order was
PAID (the "paid" payment event, as impact.sales.booked does), so it adds up to the stats' GMV;
an order still waiting for payment is not in it. Its query count does not grow with orders."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from livestream import selectors, services
from livestream.models import LineAttribution
from orders import services as orders
from tests.factories import make_order

from .conftest import new_session

pytestmark = pytest.mark.django_db

BEIJING = ZoneInfo("Asia/Shanghai")


def at(hour, minute):
    return datetime(2026, 12, 7, hour, minute, tzinfo=BEIJING)


@pytest.fixture
def session(host_user, cooperative, carrots):
    with time_machine.travel(at(19, 55), tick=False):
        session = new_session(host_user, cooperative)
        services.add_item(session, carrots, live_price=Decimal("19.90"), quota=500)
        return services.go_live(session)


def order_in(session, product, quantity, *, placed, paid=None):
    """An order of the session placed at ``placed`` and, if ``paid``, paid then."""
    with time_machine.travel(placed, tick=False):
        order = make_order([(product, quantity)])
    for line in order.lines.all():
        LineAttribution.objects.create(line=line, session=session)
    if paid is not None:
        assert orders.mark_paid(
            order,
            amount=order.total_incl_tax,
            reference=f"test-{order.number}",
            source=("test", "Test"),
            at=paid,
        )
    return order


def test_an_order_is_charted_when_paid_not_when_placed(session, carrots):
    order_in(session, carrots, 2, placed=at(20, 8), paid=at(20, 12))  # placed 20:00, paid 20:10
    order_in(session, carrots, 1, placed=at(20, 5))  # waiting for payment: not a sale

    stats = selectors.session_stats(session)

    assert stats["timeline"] == [{"time": "20:10", "gmv": "39.80"}]
    assert stats["gmv"] == "39.80" and stats["units"] == 2
    charted = sum(Decimal(row["gmv"]) for row in stats["timeline"])
    assert charted == Decimal(stats["gmv"])  # the chart agrees with 已售's GMV


def test_the_chart_costs_the_same_queries_for_one_order_or_many(session, carrots):
    order_in(session, carrots, 1, placed=at(20, 1), paid=at(20, 2))
    with CaptureQueriesContext(connection) as one:
        selectors.session_stats(session)
    for minute in range(3, 40, 6):
        order_in(session, carrots, 1, placed=at(20, minute), paid=at(20, minute + 4))
    with CaptureQueriesContext(connection) as many:
        stats = selectors.session_stats(session)
    assert len(many) == len(one)
    assert [row["time"] for row in stats["timeline"]] == [
        "20:00",
        "20:10",
        "20:20",
        "20:30",
        "20:40",
    ]
