"""The pay path's SQL, pinned: how many queries ``orders.services.mark_paid`` runs for a
one-line order and for an order from two cooperatives, once the payment types exist (every
payment but the store's first). A change to the pay path (a new receiver of ``order_paid``, a
query more per line or per cooperative) changes these counts: look at what was added, and
re-run ``bench/pay_path.py`` when it runs inside the payment's transaction (docs/performance.md,
"Pay path").

The counts are the same whether the day's rollup rows exist (SELECT + UPDATE) or not yet
(SELECT + INSERT), so they do not depend on the clock."""

import pytest
from oscar.core.loading import get_model

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
def warmed(two_cooperatives):
    """One payment made already: the "test" source type and the "paid" event type exist."""
    first, _second = two_cooperatives
    assert _pay(_order([(first.product, 1)]))
    return two_cooperatives


@pytest.mark.django_db
def test_a_one_line_order_is_paid_in_33_queries(warmed, django_assert_num_queries):
    first, _second = warmed
    order = _order([(first.product, 2)])
    # In one transaction (SAVEPOINT ... RELEASE under the test's own transaction: 2):
    #   lock: SELECT ... FOR UPDATE of the order (1)
    #   source: this reference not recorded yet, the source type, INSERT the source (3)
    #   event: the "paid" event type, INSERT the event (2)
    #   quantities: the lines, INSERT their PaymentEventQuantity (2)
    #   buyer district: the shipping address, UPDATE order.buyer_district (2)
    #   status: the lines, UPDATE each line (1), UPDATE the order, INSERT the status change (4)
    #   ledger: SAVEPOINT, lock the order again, "posted already?", the lines, the
    #     cooperatives, the memberships, SAVEPOINT, INSERT the entries, upsert the households'
    #     monthly rollups (one executemany), RELEASE, RELEASE (11)
    #   rollups (impact): the lines, the cooperatives, then per cooperative SalesRollup's
    #     SELECT + UPDATE (or INSERT), and OrderSetRollup's SELECT + UPDATE (or INSERT) (6)
    # 2 + 1 + 3 + 2 + 2 + 2 + 4 + 11 + 6 = 33
    with django_assert_num_queries(33):
        assert _pay(order)
    order.refresh_from_db()
    assert order.status == statuses.PAID


@pytest.mark.django_db
def test_an_order_from_two_cooperatives_is_paid_in_36_queries(warmed, django_assert_num_queries):
    first, second = warmed
    order = _order([(first.product, 1), (second.product, 1)])
    # As above, plus: one more line's status UPDATE (1) and one more SalesRollup row (SELECT +
    # UPDATE/INSERT: 2); the ledger's entries and household rollups are still one INSERT and
    # one executemany, and there is still one OrderSetRollup row (the order's set of counties).
    # 33 + 1 + 2 = 36
    with django_assert_num_queries(36):
        assert _pay(order)
    order.refresh_from_db()
    assert order.status == statuses.PAID
