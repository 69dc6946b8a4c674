"""Consumers see what their order did for registered households (no personal data)."""

from decimal import Decimal

import pytest
from django.http import HttpRequest
from django.urls import reverse

from cooperatives.ledger import post_sale_shares
from orders import statuses
from tests.factories import (
    PASSWORD,
    CooperativeFactory,
    MembershipFactory,
    make_order,
    make_product,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def carrots():
    cooperative = CooperativeFactory(name="胡萝卜合作社", benefit_share=Decimal("0.10"))
    for _ in range(3):
        MembershipFactory(cooperative=cooperative, household__county=cooperative.county)
    return make_product(cooperative, price="29.90")


def test_product_page_says_how_many_households_it_supports(client, carrots):
    html = client.get(carrots.get_absolute_url()).content.decode()
    assert f"购买即支持{carrots.cooperative.county.name}的 3 户建档立卡户" in html


def test_order_page_shows_the_receipt_from_the_ledger(client, consumer, carrots):
    order = make_order([(carrots, 2)], user=consumer)
    assert client.login(request=HttpRequest(), username=consumer.email, password=PASSWORD)
    url = reverse("customer:order", kwargs={"order_number": order.number})
    html = client.get(url).content.decode()
    assert "付款后，本单中的 ¥5.98 将归属胡萝卜合作社" in html  # expected before payment

    order.set_status(statuses.PAID)
    post_sale_shares(order)
    html = client.get(url).content.decode()
    assert "本单中的 ¥5.98 已归属胡萝卜合作社" in html
    assert "3 户建档立卡户" in html
    for household in carrots.cooperative.memberships.all():
        assert household.household.head_name not in html
