"""The dashboard's product list shows each product's price and stock: over the stock records its
viewer may see (a manager only their cooperative's), a parent's over its variants, in a number of
queries that does not grow with the rows."""

from decimal import Decimal

import pytest
from django.db import connection
from django.http import HttpRequest
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from oscar.core.loading import get_model

from orders import statuses
from tests.factories import PASSWORD, make_family, make_order, make_product

StockRecord = get_model("partner", "StockRecord")

pytestmark = pytest.mark.django_db

URL = reverse("dashboard:catalogue-product-list")


def login(client, user):
    assert client.login(request=HttpRequest(), username=user.email, password=PASSWORD)


def rows(response):
    """{title: (price cell, stock cell)} read from the rendered table."""
    table = response.context["products"]
    return {
        row.record.title: (str(row.get_cell("price")), str(row.get_cell("stock")))
        for row in table.paginated_rows
    }


@pytest.fixture
def shared(cooperative, other_cooperative):
    """One product sold by two cooperatives, each at its own price and stock."""
    product = make_product(cooperative, title="两家都卖的燕麦", price="18.80", num_in_stock=40)
    StockRecord.objects.create(
        product=product,
        partner=other_cooperative.partner,
        partner_sku="THEIRS-1",
        price=Decimal("99.00"),
        price_currency="CNY",
        num_in_stock=500,
    )
    return product


def test_staff_see_price_and_stock_of_every_stock_record(client, staff, shared, cooperative):
    make_product(cooperative, title="胡萝卜", price="29.90", num_in_stock=12)
    login(client, staff)
    response = client.get(URL)
    html = response.content.decode()
    assert "价格" in html and "库存" in html
    found = rows(response)
    assert found["胡萝卜"] == ("¥29.90", found["胡萝卜"][1])
    assert ">12<" in found["胡萝卜"][1]
    assert found["两家都卖的燕麦"][0] == "¥18.80–¥99.00"
    assert ">540<" in found["两家都卖的燕麦"][1]


def test_a_manager_sees_only_their_cooperatives_price_and_stock(client, manager, shared):
    login(client, manager)
    price, stock = rows(client.get(URL))["两家都卖的燕麦"]
    assert price == "¥18.80"
    assert ">40<" in stock
    assert "99.00" not in price and "500" not in stock and "540" not in stock


def test_stock_is_what_orders_do_not_hold_and_shows_what_is_to_ship(
    client, manager, cooperative, consumer
):
    carrots = make_product(cooperative, title="胡萝卜", price="29.90", num_in_stock=10)
    make_order([(carrots, 3)], user=consumer, status=statuses.PAID)
    login(client, manager)
    price, stock = rows(client.get(URL))["胡萝卜"]
    assert ">7<" in stock  # 10 in stock, 3 held by the paid order
    assert "待发 3" in stock


def test_to_ship_counts_paid_units_in_no_parcel_less_refunds(
    client, manager, cooperative, consumer
):
    """待发 is what the packer still has to send: not an unpaid order's units, nor a shipped
    one's (both still held in ``num_allocated``), and a refund's units come off."""
    from orders import services

    carrots = make_product(cooperative, title="胡萝卜", price="10.00", num_in_stock=100)
    make_order([(carrots, 3)], user=consumer, status=statuses.PAID)  # waits: 3
    make_order([(carrots, 4)], user=consumer)  # not paid
    shipped = make_order([(carrots, 5)], user=consumer, status=statuses.PAID)
    services.ship(shipped, list(shipped.lines.all()), carrier="SF",
                  tracking_number="SF123456789012", user=None)  # fmt: skip
    part = make_order([(carrots, 6)], user=consumer, status=statuses.PAID)
    line = part.lines.get()
    services.refund(part, [services.RefundedPart(line, 2, Decimal("20.00"))],
                    amount=Decimal("20.00"), reference="refund-test")  # fmt: skip  # waits: 4
    login(client, manager)
    price, stock = rows(client.get(URL))["胡萝卜"]
    assert "待发 7" in stock


def test_a_parent_shows_its_variants_price_range_and_total_stock(client, manager, cooperative):
    make_family(cooperative, title="草原羊肉", variants=[("1斤", "59.00", 5), ("5斤", "268.00", 0)])
    login(client, manager)
    price, stock = rows(client.get(URL))["草原羊肉"]
    assert price == "¥59.00–¥268.00"
    assert ">5<" in stock
    assert "text-danger" in stock  # one variant is sold out


def test_no_stock_record_shows_a_dash(client, staff):
    from tests.factories import ProductFactory

    ProductFactory(title="还没定价的新品")
    login(client, staff)
    assert rows(client.get(URL))["还没定价的新品"] == ("—", "—")


@pytest.mark.parametrize("role", ["staff", "manager"])
def test_queries_do_not_grow_with_the_rows(client, role, staff, manager, cooperative):
    login(client, staff if role == "staff" else manager)

    def count():
        client.get(URL)  # the first visit makes the thumbnails
        with CaptureQueriesContext(connection) as captured:
            response = client.get(URL)
        assert response.status_code == 200
        return len(captured)

    make_product(cooperative, title="商品A")
    make_family(cooperative, title="家族A", variants=[("小", "9.90", 3), ("大", "19.90", 4)])
    few = count()
    for i in range(8):
        make_product(cooperative, title=f"更多商品{i}")
        make_family(
            cooperative, title=f"更多家族{i}", variants=[("小", "9.90", 3), ("大", "19.90", 4)]
        )
    many = count()
    assert many == few, f"{few} queries for 2 rows, {many} for 18"
    assert many <= 20  # 16 for staff, 18 for a manager (their products, then their records)
