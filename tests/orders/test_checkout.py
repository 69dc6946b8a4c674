"""Guest checkout with a Chinese address through Oscar's flow, ending on the payment page."""

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from oscar.core.loading import get_model

from tests.factories import make_product

Order = get_model("order", "Order")

pytestmark = pytest.mark.django_db

ADDRESS = {
    "first_name": "李华",
    "phone_number": "13912345678",
    "state": "北京市",
    "line4": "北京市",
    "line3": "房山区",
    "line1": "良乡镇拱辰大街 1 号",
    "postcode": "",
    "notes": "放门卫室",
}


@pytest.fixture
def basket_with_carrots(client, cooperative):
    product = make_product(cooperative, title="察右中旗胡萝卜", price="29.90", num_in_stock=10)
    client.post(reverse("basket:add", kwargs={"pk": product.pk}), {"quantity": 2})
    return product


def _to_shipping_address(client):
    response = client.post(
        reverse("checkout:index"), {"username": "guest@example.com", "options": "anonymous"}
    )
    assert response.status_code == 302
    assert response.url == reverse("checkout:shipping-address")


def test_guest_checks_out_with_a_chinese_address(
    client, basket_with_carrots, stripe_server, django_capture_on_commit_callbacks
):
    _to_shipping_address(client)
    page = client.get(reverse("checkout:shipping-address")).content.decode()
    assert "收货人" in page and "手机号" in page and "详细地址" in page

    response = client.post(reverse("checkout:shipping-address"), ADDRESS)
    assert response.status_code == 302, response.context["form"].errors
    client.get(reverse("checkout:shipping-method"), follow=True)
    preview = client.get(reverse("checkout:preview")).content.decode()
    assert "李华" in preview and "房山区" in preview
    assert "¥59.80" in preview

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("checkout:preview"), {"action": "place_order"})
    assert response.status_code == 302
    order = Order.objects.get()
    assert order.guest_email == "guest@example.com"
    [email] = mail.outbox  # sent after commit, by the order's one task
    assert "订单已提交" in email.subject and order.number in email.subject
    assert email.to == ["guest@example.com"]
    assert order.total_incl_tax == Decimal("59.80")
    assert order.currency == "CNY"
    address = order.shipping_address
    assert address.summary == "李华 北京市 房山区 良乡镇拱辰大街 1 号"
    assert str(address.phone_number) == "+8613912345678"
    assert order.lines.get().product == basket_with_carrots

    assert response.url == reverse("payments:pay", kwargs={"number": order.number})
    assert order.status == "待付款"
    pay = client.get(response.url).content.decode()
    assert order.number in pay and "¥59.80" in pay
    intent = order.intents.get()
    assert intent.amount == Decimal("59.80") and intent.status == "requires_payment_method"
    assert intent.client_secret in pay
    assert f"{stripe_server}/js.stripe.com/v3/" in pay


def test_with_one_shipping_method_the_address_step_goes_straight_to_the_preview(
    client, basket_with_carrots
):
    """Nothing to choose: no shipping-method, payment-method and payment-details redirects."""
    _to_shipping_address(client)
    response = client.post(reverse("checkout:shipping-address"), ADDRESS)
    assert response.status_code == 302
    assert response.url == reverse("checkout:preview")
    preview = client.get(response.url)
    assert preview.status_code == 200
    assert "李华" in preview.content.decode()
    response = client.post(reverse("checkout:preview"), {"action": "place_order"})
    assert response.status_code == 302
    assert Order.objects.get().shipping_code == "free-shipping"


def test_with_a_choice_of_shipping_the_buyer_chooses_then_sees_the_preview(
    client, basket_with_carrots, monkeypatch
):
    from oscar.apps.shipping.methods import FixedPrice, Free

    from orders.checkout import views

    express = FixedPrice(charge_excl_tax=Decimal("12.00"), charge_incl_tax=Decimal("12.00"))
    express.code, express.name = "sf-express", "顺丰速运"
    monkeypatch.setattr(views.Repository, "methods", (Free(), express))
    _to_shipping_address(client)
    response = client.post(reverse("checkout:shipping-address"), ADDRESS)
    assert response.url == reverse("checkout:shipping-method")
    page = client.get(response.url).content.decode()
    assert "顺丰速运" in page
    response = client.post(reverse("checkout:shipping-method"), {"method_code": "sf-express"})
    assert response.status_code == 302
    assert response.url == reverse("checkout:preview")
    assert "¥71.80" in client.get(response.url).content.decode()  # 59.80 + 12.00 shipping
    client.post(reverse("checkout:preview"), {"action": "place_order"})
    order = Order.objects.get()
    assert order.shipping_code == "sf-express" and order.total_incl_tax == Decimal("71.80")


def test_a_bad_mobile_number_keeps_the_shopper_on_the_form(client, basket_with_carrots):
    _to_shipping_address(client)
    response = client.post(
        reverse("checkout:shipping-address"), {**ADDRESS, "phone_number": "12345"}
    )
    assert response.status_code == 200
    assert "请输入中国大陆手机号" in response.content.decode()
    assert "良乡镇拱辰大街 1 号" in response.content.decode()  # what was typed is kept
    assert not Order.objects.exists()
