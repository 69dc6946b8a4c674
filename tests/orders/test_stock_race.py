"""Never oversell: concurrent buyers on PostgreSQL, and double submission of one checkout."""

import threading
import uuid

import pytest
from django.db import connection, connections
from django.urls import reverse
from oscar.core.loading import get_class, get_model

from tests.conftest import require_service
from tests.factories import UserFactory, make_product

from .test_checkout import ADDRESS

Basket = get_model("basket", "Basket")
Order = get_model("order", "Order")
OrderCreator = get_class("order.utils", "OrderCreator")
UnableToPlaceOrder = get_class("order.exceptions", "UnableToPlaceOrder")
OrderTotalCalculator = get_class("checkout.calculators", "OrderTotalCalculator")


def _place(product, quantity, user, barrier, results):
    from oscar.apps.partner.strategy import Default
    from oscar.apps.shipping.methods import Free

    try:
        basket = Basket.objects.create(owner=user)
        basket.strategy = Default()
        basket.add_product(product, quantity)
        shipping = Free()
        charge = shipping.calculate(basket)
        total = OrderTotalCalculator().calculate(basket, charge)
        barrier.wait(timeout=30)
        try:
            OrderCreator().place_order(
                basket=basket,
                total=total,
                shipping_method=shipping,
                shipping_charge=charge,
                user=user,
            )
            results.append("ok")
        except UnableToPlaceOrder as error:
            results.append(str(error))
    except Exception as error:  # noqa: BLE001 (reported by the test)
        results.append(f"error: {error!r}")
    finally:
        connections.close_all()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_buyers_for_the_last_twenty_units_get_exactly_twenty_orders(cooperative):
    require_service(connection.vendor == "postgresql", "needs PostgreSQL (set DATABASE_URL)")
    carrots = make_product(cooperative, title="察右中旗胡萝卜", num_in_stock=20)
    buyers = [UserFactory() for _ in range(50)]
    barrier = threading.Barrier(50)
    results = []
    threads = [
        threading.Thread(target=_place, args=(carrots, 1, user, barrier, results))
        for user in buyers
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    errors = [r for r in results if r.startswith("error")]
    assert not errors, errors[:3]
    assert results.count("ok") == 20
    sold_out = [r for r in results if r != "ok"]
    assert len(sold_out) == 30 and all("察右中旗胡萝卜" in r and "售罄" in r for r in sold_out)
    stock = carrots.stockrecords.get()
    assert stock.num_allocated == 20 <= stock.num_in_stock
    assert Order.objects.count() == 20


@pytest.mark.django_db
def test_a_double_submitted_checkout_places_one_order(client, cooperative, stripe_server):
    carrots = make_product(cooperative, title="察右中旗胡萝卜", price="29.90", num_in_stock=10)
    client.post(reverse("basket:add", kwargs={"pk": carrots.pk}), {"quantity": 1})
    page = client.get(reverse("checkout:index"))
    token = str(page.context["submission_token"])
    assert f'value="{token}"' in page.content.decode()

    form = {"action": "place_order", "submission_token": token, "email": "g@example.com", **ADDRESS}
    first = client.post(reverse("checkout:index"), form)
    second = client.post(reverse("checkout:index"), form)  # the double click / retry
    order = Order.objects.get()
    pay = reverse("payments:pay", kwargs={"number": order.number})
    assert first.status_code == second.status_code == 302
    assert first.url == second.url == pay
    assert order.submission_token == uuid.UUID(token)
    assert carrots.stockrecords.get().num_allocated == 1


@pytest.mark.django_db
def test_the_database_refuses_more_allocated_than_in_stock(cooperative):
    from django.db import IntegrityError, transaction
    from oscar.core.loading import get_model

    require_service(connection.vendor == "postgresql", "needs PostgreSQL (set DATABASE_URL)")
    carrots = make_product(cooperative, title="察右中旗胡萝卜", num_in_stock=5)
    StockRecord = get_model("partner", "StockRecord")
    with pytest.raises(IntegrityError), transaction.atomic():
        StockRecord.objects.filter(product=carrots).update(num_allocated=6)


@pytest.mark.django_db
def test_a_manager_cannot_lower_stock_below_what_orders_hold(cooperative, manager):
    from dashboard.catalogue.forms import StockRecordForm
    from tests.factories import make_order

    carrots = make_product(cooperative, title="察右中旗胡萝卜", num_in_stock=5)
    make_order([(carrots, 3)])
    record = carrots.stockrecords.get()
    data = {
        "partner": record.partner_id,
        "partner_sku": record.partner_sku,
        "price_currency": "CNY",
        "price": "29.90",
        "num_in_stock": "2",
        "low_stock_threshold": "",
    }
    form = StockRecordForm(carrots.get_product_class(), manager, data=data, instance=record)
    assert not form.is_valid()
    assert "3" in str(form.errors["num_in_stock"])
    assert StockRecordForm(
        carrots.get_product_class(), manager, data={**data, "num_in_stock": "3"}, instance=record
    ).is_valid()
