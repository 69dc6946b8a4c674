"""The checkout on one page (确认订单): a guest or a signed-in buyer answers everything on one
form and lands on the payment page; anything wrong re-shows the form, nothing placed."""

import uuid
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from oscar.core.loading import get_model

from tests.factories import UserFactory, make_product, saved_address

Order = get_model("order", "Order")
UserAddress = get_model("address", "UserAddress")

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
GUEST = {"email": "guest@example.com", **ADDRESS}


@pytest.fixture
def basket_with_carrots(client, cooperative):
    product = make_product(cooperative, title="察右中旗胡萝卜", price="29.90", num_in_stock=10)
    client.post(reverse("basket:add", kwargs={"pk": product.pk}), {"quantity": 2})
    return product


def submit(client, data, token=None):
    """The page's form as a browser sends it: the hidden action and token, and the answers."""
    token = token or str(client.get(reverse("checkout:index")).context["submission_token"])
    return client.post(
        reverse("checkout:index"), {"action": "place_order", "submission_token": token, **data}
    )


def test_guest_checks_out_on_one_page_with_a_chinese_address(
    client, basket_with_carrots, stripe_server, django_capture_on_commit_callbacks
):
    page = client.get(reverse("checkout:index"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "确认订单" in html and "提交订单 · ¥59.80" in html
    for label in ("电子邮件", "收货人", "手机号", "详细地址", "察右中旗胡萝卜"):
        assert label in html
    assert 'name="password"' not in html  # signing in is the (throttled) login page's job
    assert "/accounts/login/?next=/checkout/" in html

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(client, GUEST)
    assert response.status_code == 302
    order = Order.objects.get()
    assert response.url == reverse("payments:pay", kwargs={"number": order.number})
    assert order.guest_email == "guest@example.com"
    [email] = mail.outbox  # sent after commit, by the order's one task
    assert "订单已提交" in email.subject and order.number in email.subject
    assert email.to == ["guest@example.com"]
    assert order.total_incl_tax == Decimal("59.80") and order.currency == "CNY"
    assert order.shipping_code == "free-shipping"
    address = order.shipping_address
    assert address.summary == "李华 北京市 房山区 良乡镇拱辰大街 1 号"
    assert str(address.phone_number) == "+8613912345678" and address.notes == "放门卫室"
    assert order.lines.get().product == basket_with_carrots
    assert order.status == "待付款"
    assert basket_with_carrots.stockrecords.get().num_allocated == 2

    pay = client.get(response.url).content.decode()
    assert order.number in pay and "¥59.80" in pay
    intent = order.intents.get()
    assert intent.amount == Decimal("59.80") and intent.status == "requires_payment_method"
    assert intent.client_secret in pay


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"phone_number": "12345"}, "phone_number", "请输入中国大陆手机号"),
        ({"email": "not-an-email"}, "email", "输入一个有效的 Email 地址"),
        ({"line1": ""}, "line1", "这个字段是必填项"),
        ({"state": "火星"}, "state", "选择一个有效的选项"),
    ],
)
def test_a_wrong_answer_keeps_the_shopper_on_the_page_with_what_they_typed(
    client, basket_with_carrots, change, field, message
):
    response = submit(client, {**GUEST, **change})
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html and "请更正下面的错误" in html
    forms = response.context["form"], response.context["address_form"]
    assert any(field in form.errors for form in forms)
    assert "良乡镇拱辰大街 1 号" in html or field == "line1"  # what was typed is kept
    assert 'value="guest@example.com"' in html or field == "email"
    assert not Order.objects.exists()
    assert not basket_with_carrots.stockrecords.get().num_allocated
    assert client.get(reverse("basket:summary")).context["basket"].num_items == 2


@pytest.fixture
def express_in_beijing(monkeypatch):
    """Two methods: free shipping everywhere, 顺丰 (¥12) only to Beijing addresses."""
    from oscar.apps.shipping.methods import FixedPrice, Free

    from orders.checkout import views

    express = FixedPrice(charge_excl_tax=Decimal("12.00"), charge_incl_tax=Decimal("12.00"))
    express.code, express.name = "sf-express", "顺丰速运"

    def get_shipping_methods(self, basket, shipping_addr=None, **kwargs):
        in_beijing = shipping_addr is None or shipping_addr.state == "北京市"
        return [Free(), express] if in_beijing else [Free()]

    monkeypatch.setattr(views.Repository, "get_shipping_methods", get_shipping_methods)


def test_with_a_choice_of_shipping_the_buyer_chooses_on_the_same_page(
    client, basket_with_carrots, express_in_beijing
):
    html = " ".join(client.get(reverse("checkout:index")).content.decode().split())
    assert '免运费 <span class="text-muted">(合计 ¥59.80)</span>' in html
    assert '顺丰速运 · ¥12.00 <span class="text-muted">(合计 ¥71.80)</span>' in html
    assert "提交订单 ·" not in html  # the amount is beside each method, not on the button

    assert submit(client, {**GUEST, "method_code": "by-camel"}).status_code == 200
    wrong = submit(client, {**GUEST, "method_code": "sf-express", "phone_number": "123"})
    assert wrong.status_code == 200 and not Order.objects.exists()
    # the page shown again keeps the method ticked, and its totals are for that method
    assert wrong.context["shipping_method"].code == "sf-express"
    assert 'value="sf-express" checked' in wrong.content.decode()
    assert wrong.context["order_total"].incl_tax == Decimal("71.80")

    response = submit(client, {**GUEST, "method_code": "sf-express"})
    assert response.status_code == 302
    order = Order.objects.get()
    assert order.shipping_code == "sf-express" and order.total_incl_tax == Decimal("71.80")


def test_a_method_that_does_not_reach_the_address_is_refused(
    client, basket_with_carrots, express_in_beijing
):
    hebei = {**GUEST, "state": "河北省", "line4": "保定市", "line3": "莲池区"}
    hebei["method_code"] = "sf-express"
    response = submit(client, hebei)
    assert response.status_code == 200
    assert "该配送方式无法送达这个地址" in response.content.decode()
    assert not Order.objects.exists()
    response = submit(client, {**hebei, "method_code": "free-shipping"})
    assert response.status_code == 302
    assert Order.objects.get().total_incl_tax == Decimal("59.80")


def test_a_post_without_its_one_time_token_places_nothing(client, basket_with_carrots):
    response = client.post(reverse("checkout:index"), {"action": "place_order", **GUEST})
    html = response.content.decode()
    assert response.status_code == 200 and "页面已过期" in html
    assert "良乡镇拱辰大街 1 号" in html  # what was typed is kept
    assert not Order.objects.exists()


def test_a_guest_orders_token_does_not_lead_anyone_else_to_it(
    client, cooperative, basket_with_carrots, stripe_server
):
    from django.test import Client

    token = str(uuid.uuid4())
    assert submit(client, GUEST, token).status_code == 302
    order = Order.objects.get()
    stranger = Client()
    oats = make_product(cooperative, title="察右中旗燕麦米", price="19.90")
    stranger.post(reverse("basket:add", kwargs={"pk": oats.pk}), {"quantity": 1})
    response = submit(stranger, {**GUEST, "email": "stranger@example.com"}, token)
    pay = reverse("payments:pay", kwargs={"number": order.number})
    assert getattr(response, "url", None) != pay
    assert stranger.get(pay).status_code == 404
    assert Order.objects.count() == 1  # the token is the first order's: nothing new placed
    assert client.get(pay).status_code == 200  # the guest who placed it can still pay


def test_a_basket_that_needs_no_shipping_asks_for_no_address(client, cooperative, china):
    from oscar.core.loading import get_model

    buyer = UserFactory()
    saved_address(buyer, china)
    client.force_login(buyer)
    ProductClass = get_model("catalogue", "ProductClass")
    voucher_card = make_product(cooperative, title="京蒙优选礼品卡", price="100.00")
    ProductClass.objects.filter(pk=voucher_card.product_class_id).update(requires_shipping=False)
    client.post(reverse("basket:add", kwargs={"pk": voucher_card.pk}), {"quantity": 1})
    page = client.get(reverse("checkout:index"))
    assert 'id="checkout-address"' not in page.content.decode()
    response = submit(client, {})
    assert response.status_code == 302
    order = Order.objects.get()
    assert order.shipping_address is None and order.total_incl_tax == Decimal("100.00")


def test_a_signed_in_buyer_ships_to_a_saved_address_without_typing_it(
    client, cooperative, china, stripe_server
):
    buyer = UserFactory(email="buyer@example.com")
    home = saved_address(buyer, china)
    office = saved_address(
        buyer,
        china,
        first_name="王小红",
        line1="国贸 1 号",
        phone_number="13700137000",
        is_default_for_shipping=False,
    )
    stranger = saved_address(UserFactory(), china, first_name="陌生人", line1="别人家")
    client.force_login(buyer)
    carrots = make_product(cooperative, title="察右中旗胡萝卜", price="29.90")
    client.post(reverse("basket:add", kwargs={"pk": carrots.pk}), {"quantity": 1})

    page = client.get(reverse("checkout:index"))
    html = page.content.decode()
    assert "王小明 138****8000 北京市 朝阳区 建国路 88 号 1 号楼 1201" in html
    assert "王小红 137****7000" in html
    assert "13800138000" not in html  # masked, as on a parcel
    assert "陌生人" not in html and 'name="email"' not in html
    assert page.context["form"]["address"].value() == str(home.pk)  # the default, chosen

    assert submit(client, {"address": str(stranger.pk)}).status_code == 200  # not theirs
    assert not Order.objects.exists()
    response = submit(client, {"address": str(office.pk)})
    assert response.status_code == 302
    order = Order.objects.get()
    assert order.user == buyer and order.shipping_address.first_name == "王小红"
    assert order.shipping_address.line1 == "国贸 1 号"
    assert UserAddress.objects.filter(user=buyer).count() == 2


def test_a_signed_in_buyer_can_ship_to_a_new_address_which_joins_the_book(
    client, cooperative, china, stripe_server
):
    buyer = UserFactory()
    saved_address(buyer, china)
    client.force_login(buyer)
    carrots = make_product(cooperative, title="察右中旗胡萝卜", price="29.90")
    client.post(reverse("basket:add", kwargs={"pk": carrots.pk}), {"quantity": 1})

    html = client.get(reverse("checkout:index")).content.decode()
    assert 'name="line1"' in html and 'name="line1" maxlength="255"' in html
    assert " required " not in html.split('id="new-address"')[1]  # a saved one is chosen

    response = submit(client, {"address": "new", "line1": ""})
    assert response.status_code == 200 and not Order.objects.exists()
    assert "line1" in response.context["address_form"].errors
    response = submit(client, {"address": "new", **ADDRESS})
    assert response.status_code == 302
    assert Order.objects.get().shipping_address.line3 == "房山区"
    assert UserAddress.objects.filter(user=buyer, line3="房山区").exists()


def test_sold_out_before_submitting_goes_back_to_the_basket_saying_so(client, basket_with_carrots):
    token = str(client.get(reverse("checkout:index")).context["submission_token"])
    stock = basket_with_carrots.stockrecords.get()
    stock.num_allocated = 9  # another buyer took all but one
    stock.save()
    response = submit(client, GUEST, token)
    assert response.status_code == 302 and response.url == reverse("basket:summary")
    basket_page = client.get(response.url).content.decode()
    assert "察右中旗胡萝卜" in basket_page and "请调整您的购物篮" in basket_page
    assert not Order.objects.exists()


def test_sold_out_at_the_moment_of_placing_shows_why_and_keeps_the_answers(
    client, basket_with_carrots, monkeypatch
):
    """Another buyer takes the stock between the page's checks and the order's stock lock."""
    from orders.checkout.views import IndexView

    token = str(client.get(reverse("checkout:index")).context["submission_token"])
    stock = basket_with_carrots.stockrecords.get()
    stock.num_allocated = 9
    stock.save()
    monkeypatch.setattr(IndexView, "check_basket_is_valid", lambda self, request: None)
    response = submit(client, GUEST, token)
    html = response.content.decode()
    assert response.status_code == 200
    assert "售罄" in html and "察右中旗胡萝卜" in html
    assert "良乡镇拱辰大街 1 号" in html and 'value="guest@example.com"' in html
    assert not Order.objects.exists()
    assert basket_with_carrots.stockrecords.get().num_allocated == 9
    assert client.get(reverse("basket:summary")).context["basket"].num_items == 2
    stock.num_allocated = 0  # stock again: coming back, the page has the answers filled in
    stock.save()
    again = client.get(reverse("checkout:index")).content.decode()
    assert "良乡镇拱辰大街 1 号" in again and 'value="guest@example.com"' in again


def test_an_empty_basket_goes_back_to_the_basket(client):
    response = client.get(reverse("checkout:index"))
    assert response.status_code == 302 and response.url == reverse("basket:summary")
    assert submit(client, GUEST, str(uuid.uuid4())).url == reverse("basket:summary")
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    "step", ["shipping-address", "shipping-method", "payment-method", "payment-details", "preview"]
)
def test_oscars_separate_steps_lead_to_the_one_page(client, basket_with_carrots, step):
    for method in (client.get, client.post):
        response = method(reverse(f"checkout:{step}"), {"action": "place_order"})
        assert response.status_code == 302 and response.url == reverse("checkout:index")
    assert not Order.objects.exists()


def test_the_page_remembers_a_guests_answers_when_they_come_back(
    client, cooperative, basket_with_carrots
):
    submit(client, {**GUEST, "phone_number": "123"})  # wrong: nothing kept yet
    assert 'value="guest@example.com"' not in client.get(reverse("checkout:index")).content.decode()
    submit(client, GUEST)
    other = make_product(cooperative, title="燕麦", price="9.90")
    client.post(reverse("basket:add", kwargs={"pk": other.pk}), {"quantity": 1})
    html = client.get(reverse("checkout:index")).content.decode()
    # the order was placed: the next checkout starts afresh (Oscar flushes its session)
    assert 'value="guest@example.com"' not in html


def test_the_guest_checkout_is_a_short_list_of_queries(
    client, basket_with_carrots, stripe_server, django_assert_max_num_queries
):
    """The page (basket, offers, vouchers, the country) and the placement (Oscar's rows, the
    conditional stock update, the session): the same whatever the buyer answered."""
    client.get(reverse("checkout:index"))  # the session and the thumbnails made
    with django_assert_max_num_queries(12):
        client.get(reverse("checkout:index"))
    with django_assert_max_num_queries(33):
        assert submit(client, GUEST, str(uuid.uuid4())).status_code == 302


def test_buy_now_on_the_product_page_adds_and_goes_straight_to_the_checkout(
    client, cooperative, stripe_server
):
    carrots = make_product(cooperative, title="察右中旗胡萝卜", price="29.90", num_in_stock=10)
    page = client.get(carrots.get_absolute_url()).content.decode()
    buy = reverse("checkout:buy-now", kwargs={"pk": carrots.pk})
    assert f'formaction="{buy}"' in page and "立即购买" in page and "加入购物车" in page

    response = client.post(buy, {"quantity": 3})
    assert response.status_code == 302 and response.url == reverse("checkout:index")
    checkout = client.get(response.url)
    html = checkout.content.decode()
    assert checkout.context["basket"].num_items == 3 and "提交订单 · ¥89.70" in html
    assert "已添加到" not in html  # the checkout lists the basket: no "added" note
    assert submit(client, GUEST).status_code == 302
    assert Order.objects.get().lines.get().quantity == 3


def test_buy_now_refused_goes_back_saying_why_with_nothing_added(client, cooperative):
    carrots = make_product(cooperative, title="察右中旗胡萝卜", price="29.90", num_in_stock=2)
    buy = reverse("checkout:buy-now", kwargs={"pk": carrots.pk})
    product_page = "http://testserver" + carrots.get_absolute_url()
    response = client.post(buy, {"quantity": 5}, headers={"Referer": product_page})
    assert response.status_code == 302 and response.url == product_page
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages and "2" in messages[0]  # Oscar's "only 2 available"
    assert client.get(reverse("basket:summary")).context["basket"].num_items == 0
    assert client.post(reverse("checkout:buy-now", kwargs={"pk": 999999}), {}).status_code == 404
