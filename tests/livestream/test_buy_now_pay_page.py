"""The live "buy now" lands on the payment page directly: the page shows what is being paid for
(fetched by the page, so the tap itself reads nothing more), the address can be changed, the
time left is counted, and the tap still makes no more queries than before."""

import re
import uuid

import pytest
from django.http import HttpRequest
from django.urls import reverse
from oscar.core.loading import get_model

from tests.factories import PASSWORD, UserFactory, saved_address

pytestmark = pytest.mark.django_db

Order = get_model("order", "Order")


@pytest.fixture
def buyer(china):
    user = UserFactory()
    saved_address(user, china)
    return user


def test_the_buy_now_page_fetches_what_is_being_paid_for(
    client, buyer, live, carrots, stripe_server
):
    assert client.login(request=HttpRequest(), username=buyer.email, password=PASSWORD)
    item = live.items.get()
    url = reverse("livestream:buy-now", kwargs={"pk": live.pk, "item_pk": item.pk})
    response = client.post(url, {"submission_token": str(uuid.uuid4())})
    assert response.status_code == 200
    order = Order.objects.get(user=buyer)
    page = response.content.decode()
    summary = reverse("payments:summary", kwargs={"number": order.number})
    assert f'data-src="{summary}"' in page  # fetched by payment.js
    assert re.search(r'data-seconds-left="(1[7-8]\d\d)"', page)  # 30 minutes, counting

    fragment = client.get(summary).content.decode()
    assert "胡萝卜" in fragment and "× 1" in fragment and "¥19.90" in fragment
    assert "王小明" in fragment and "138****8000" in fragment and "13800138000" not in fragment
    assert 'id="address-change-form"' in fragment

    # the address of the order changes; the buyer's address book does not
    changed = client.post(
        reverse("payments:address", kwargs={"number": order.number}),
        {
            "address-first_name": "王小红",
            "address-phone_number": "",
            "address-state": "北京市",
            "address-line4": "北京市",
            "address-line3": "海淀区",
            "address-line1": "中关村大街 1 号",
        },
    )
    assert changed.status_code == 302
    order.refresh_from_db()
    assert order.shipping_address.first_name == "王小红"
    assert str(order.shipping_address.phone_number).endswith("13800138000")
    assert buyer.addresses.get().first_name == "王小明"
    assert str(order.total_incl_tax) == "19.90"
