"""The pay path's SQL, pinned: how many queries ``orders.services.mark_paid`` runs for a
one-line order and for an order from two cooperatives, once the payment types exist (every
payment but the store's first). A change to the pay path (a new receiver of ``order_paid``, a
query more per line or per cooperative) changes these counts: look at what was added, and
re-run ``bench/pay_path.py`` when it runs inside the payment's transaction (docs/performance.md,
"Pay path").

Counted once the day's impact rollup rows exist (every payment of the day but the first of its
key: one UPDATE per row; a new key's first payment adds one INSERT per row); the rollups' day is
fixed so that the count does not depend on the clock."""

from datetime import date

import pytest
from oscar.core.loading import get_model

from impact import rollups
from orders import services, statuses
from tests.factories import (
    CooperativeFactory,
    MembershipFactory,
    make_order,
    make_product,
    shipping_address,
)


@pytest.fixture
def two_cooperatives(db):
    first, second = CooperativeFactory(), CooperativeFactory()
    for cooperative in (first, second):
        MembershipFactory(cooperative=cooperative)
        cooperative.product = make_product(cooperative, price="29.90", num_in_stock=1000)
    return first, second


def _order(items):
    Country = get_model("address", "Country")
    china, _ = Country.objects.get_or_create(
        iso_3166_1_a2="CN", defaults={"name": "China", "printable_name": "中国"}
    )
    return make_order(items, shipping_address=shipping_address(china))


def _pay(order):
    return services.mark_paid(
        order, amount=order.total_incl_tax, reference=f"pay-{order.number}", source=("test", "Test")
    )


@pytest.fixture
def warmed(two_cooperatives, monkeypatch):
    """Two payments made already (one cooperative's, both cooperatives'), on the rollups' one
    day: the "test" source type, the "paid" event type and the day's rollup rows exist."""
    monkeypatch.setattr(rollups, "local_day", lambda moment: date(2026, 12, 8))
    first, second = two_cooperatives
    assert _pay(_order([(first.product, 1)]))
    assert _pay(_order([(first.product, 1), (second.product, 1)]))
    return two_cooperatives


@pytest.mark.django_db
def test_a_one_line_order_is_paid_in_29_queries(warmed, django_assert_num_queries):
    first, _second = warmed
    order = _order([(first.product, 2)])
    # In one transaction (SAVEPOINT ... RELEASE under the test's own transaction: 2):
    #   lock: SELECT ... FOR UPDATE of the order (1)
    #   source: this reference not recorded yet, the source type, INSERT the source (3)
    #   event: the "paid" event type, INSERT the event (2)
    #   quantities: the lines, INSERT their PaymentEventQuantity (2)
    #   buyer district: the shipping address (1; saved with the status)
    #   status: the lines, UPDATE each line (1), UPDATE the order, INSERT the status change (4)
    #   rollups (impact): the lines with their cooperative and county, then one UPDATE of the
    #     day's SalesRollup row per cooperative and one of its OrderSetRollup row (3), before
    #   ledger: SAVEPOINT, lock the order again, "posted already?", the lines, the
    #     cooperatives, the memberships, SAVEPOINT, INSERT the entries, upsert the households'
    #     monthly rollups (one executemany), RELEASE, RELEASE (11), last
    # 2 + 1 + 3 + 2 + 1 + 2 + 4 + 3 + 11 = 29
    with django_assert_num_queries(29):
        assert _pay(order)
    order.refresh_from_db()
    assert order.status == statuses.PAID


@pytest.mark.django_db
def test_an_order_from_two_cooperatives_is_paid_in_31_queries(warmed, django_assert_num_queries):
    first, second = warmed
    order = _order([(first.product, 1), (second.product, 1)])
    # As above, plus: one more line's status UPDATE (1) and one more SalesRollup row's UPDATE
    # (1); the ledger's entries and household rollups are still one INSERT and one
    # executemany, and there is still one OrderSetRollup row (the order's set of counties).
    # 29 + 1 + 1 = 31
    with django_assert_num_queries(31):
        assert _pay(order)
    order.refresh_from_db()
    assert order.status == statuses.PAID
