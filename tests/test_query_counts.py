"""SQL queries per page stay within 15 and do not grow with the number of products shown
(rendered afresh: the anonymous page cache is off in tests)."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from livestream import services as live_services
from livestream.models import Host
from tests.factories import UserFactory, make_product
from tests.livestream.conftest import new_session

pytestmark = pytest.mark.django_db


def queries(url) -> int:
    client = Client()
    client.get(url)  # the first visit makes the session and thumbnails
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_live_room_queries_do_not_grow_with_its_products(cooperative):
    host = UserFactory()
    Host.objects.create(user=host).cooperatives.add(cooperative)
    session = new_session(host, cooperative)
    for i in range(2):
        live_services.add_item(
            session, make_product(cooperative, title=f"直播商品{i}"), live_price=Decimal("9.90")
        )
    live_services.go_live(session)
    url = f"/live/{session.pk}/"
    few = queries(url)
    for i in range(18):
        live_services.add_item(
            session, make_product(cooperative, title=f"更多商品{i}"), live_price=Decimal("9.90")
        )
    many = queries(url)
    assert many == few, f"{few} queries for 2 products, {many} for 20"
    assert many <= 15


def test_product_page_within_fifteen(cooperative):
    product = make_product(cooperative)
    assert queries(product.get_absolute_url()) <= 15


def test_home_page_within_fifteen(cooperative, vegetables):
    for i in range(10):
        make_product(cooperative, title=f"首页商品{i}", categories=[vegetables])
    assert queries("/") <= 15
