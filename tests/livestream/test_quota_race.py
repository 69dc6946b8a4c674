"""Flash quotas under concurrency on PostgreSQL: never more live-price units than the quota, and
never more than the per-customer limit, however many buyers press at once."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from oscar.core.loading import get_class

from livestream import services
from orders.models import Order
from tests.conftest import require_service
from tests.factories import UserFactory, make_order

from .conftest import new_session

UnableToPlaceOrder = get_class("order.exceptions", "UnableToPlaceOrder")

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _buy(product, user, barrier, results):
    try:
        barrier.wait(timeout=60)
        order = make_order([(product, 1)], user=user)
        results.append(("ok", order.total_incl_tax))
    except UnableToPlaceOrder as error:
        results.append(("refused", str(error)))
    except Exception as error:  # noqa: BLE001
        results.append(("error", repr(error)))
    finally:
        connections.close_all()


def run_buyers(product, users):
    barrier = threading.Barrier(len(users))
    results = []
    threads = [threading.Thread(target=_buy, args=(product, u, barrier, results)) for u in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    return results


def test_sixty_buyers_for_a_quota_of_thirty_get_thirty_at_the_live_price(
    host_user, cooperative, carrots
):
    require_service(connection.vendor == "postgresql", "needs PostgreSQL (set DATABASE_URL)")
    session = new_session(host_user, cooperative)
    services.add_item(session, carrots, live_price=Decimal("19.90"), quota=30)
    services.go_live(session)

    results = run_buyers(carrots, [UserFactory() for _ in range(60)])

    assert not [r for r in results if r[0] == "error"], results
    live_priced = [r for r in results if r == ("ok", Decimal("19.90"))]
    assert len(live_priced) == 30
    others = [r for r in results if r not in live_priced]
    # Those too late were told, or (having priced their basket after it ran out) paid full price.
    assert all(
        r[0] == "refused" and "已抢完" in r[1] or r == ("ok", Decimal("29.90")) for r in others
    )
    item = session.items.get()
    assert item.quota_used == 30
    discounted = Order.objects.filter(discounts__offer_id=session.offer_id).count()
    assert discounted == 30


def test_one_customer_pressing_five_times_at_once_gets_two_at_the_live_price(
    host_user, cooperative, carrots
):
    require_service(connection.vendor == "postgresql", "needs PostgreSQL (set DATABASE_URL)")
    session = new_session(host_user, cooperative)
    services.add_item(session, carrots, live_price=Decimal("19.90"), quota=30, per_customer_limit=2)
    services.go_live(session)
    buyer = UserFactory()

    results = run_buyers(carrots, [buyer] * 5)

    assert not [r for r in results if r[0] == "error"], results
    assert results.count(("ok", Decimal("19.90"))) == 2
    assert all(r[0] == "refused" and "每人" in r[1] for r in results if r[0] == "refused")
    assert session.items.get().quota_used == 2
