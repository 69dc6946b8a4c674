"""The basket middleware reads a basket's lines once, with what pricing them needs: pages with a
basket cost the same number of queries whatever the number of lines."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import make_product

pytestmark = pytest.mark.django_db


def basket_page_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        page = client.get(reverse("basket:summary"))
    assert page.status_code == 200
    return len(captured)


def test_a_basket_costs_the_same_queries_for_one_line_or_five(cooperative):
    products = [make_product(cooperative, title=f"察右中旗胡萝卜 {i}斤") for i in range(5)]
    one, five = Client(), Client()
    one.post(reverse("basket:add", kwargs={"pk": products[0].pk}), {"quantity": 1})
    for product in products:
        five.post(reverse("basket:add", kwargs={"pk": product.pk}), {"quantity": 1})
    for client in (one, five):
        client.get(reverse("basket:summary"))  # the "added" messages shown
    assert basket_page_queries(five) == basket_page_queries(one)


def test_each_line_is_priced_from_its_products_stock_record(cooperative):
    carrots = make_product(cooperative, title="察右中旗胡萝卜", price="29.90")
    oats = make_product(cooperative, title="察右中旗燕麦米", price="45.00")
    client = Client()
    client.post(reverse("basket:add", kwargs={"pk": carrots.pk}), {"quantity": 2})
    client.post(reverse("basket:add", kwargs={"pk": oats.pk}), {"quantity": 1})
    page = client.get(reverse("basket:summary"))
    basket = page.wsgi_request.basket
    priced = [
        (line.product, line.purchase_info.stockrecord, line.unit_price_incl_tax)
        for line in basket.all_lines()
    ]
    assert priced == [
        (carrots, carrots.stockrecords.get(), Decimal("29.90")),
        (oats, oats.stockrecords.get(), Decimal("45.00")),
    ]
    assert basket.total_incl_tax == Decimal("104.80")
