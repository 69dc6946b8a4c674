"""规格 as Oscar parent and child products: one product on the listings, its 规格 chosen on its
page, each with its own price and stock; a 规格 of another product, or more than one has, is
refused with nothing added."""

import re

import pytest
from django.urls import reverse

from livestream.models import Host
from livestream.services import products_for_session
from tests.factories import UserFactory, make_family, make_product
from tests.livestream.conftest import new_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def carrots(cooperative, vegetables):
    return make_family(
        cooperative,
        variants=[("10斤装", "52.00", 40), ("5斤装", "29.90", 3)],
        categories=[vegetables],
    )


def basket_lines(client):
    response = client.get(reverse("basket:summary"))
    return [(line.product.title, line.quantity) for line in response.context["basket"].all_lines()]


def test_the_family_is_one_card_priced_from_its_cheapest(client, carrots, vegetables):
    parent, (family, five) = carrots
    html = client.get(vegetables.get_absolute_url()).content.decode()
    assert html.count('class="product_pod"') == 1
    assert "¥29.90 起" in html
    assert five.title not in html and family.title not in html  # 规格 are not listed apart
    assert parent.get_absolute_url() in html


def test_the_page_offers_each_specification_cheapest_first(client, carrots):
    parent, (family, five) = carrots
    html = client.get(parent.get_absolute_url()).content.decode()
    choices = re.findall(
        r'name="child_id" value="(\d+)" data-price="([^"]+)" data-max="(\d+)"( checked)?', html
    )
    assert choices == [
        (str(five.pk), "¥29.90", "3", " checked"),
        (str(family.pk), "¥52.00", "40", ""),
    ]
    assert 'id="jm-price">¥29.90<' in html
    assert 'max="3"' in html  # the stepper is bounded by the chosen one's stock

    html = client.get(parent.get_absolute_url(), {"variant": family.pk}).content.decode()
    assert f'value="{family.pk}" data-price="¥52.00" data-max="40" checked' in html
    assert 'id="jm-price">¥52.00<' in html


@pytest.mark.parametrize("button", ["basket:add", "checkout:buy-now"])
def test_a_chosen_specification_goes_in_the_basket(client, carrots, button):
    parent, (family, _five) = carrots
    response = client.post(
        reverse(button, kwargs={"pk": parent.pk}), {"child_id": family.pk, "quantity": 2}
    )
    assert response.status_code == 302
    assert basket_lines(client) == [(family.title, 2)]


def test_a_specification_of_another_product_is_refused(client, carrots, cooperative):
    parent, _children = carrots
    _other_parent, (stranger,) = make_family(
        cooperative, title="奈曼旗烟薯25号", variants=[("5斤装", "36.90", 9)]
    )
    standalone = make_product(cooperative, title="察右中旗马铃薯")
    for child_id in (stranger.pk, standalone.pk, "abc"):
        response = client.post(
            reverse("basket:add", kwargs={"pk": parent.pk}),
            {"child_id": child_id, "quantity": 1},
            follow=True,
        )
        assert basket_lines(client) == []
        assert (
            "有效" in response.content.decode()
        )  # Oscar's "选择一个有效的选项"/"请选择有效的商品"


def test_more_than_the_specification_has_is_refused(client, carrots):
    parent, (_family, five) = carrots
    response = client.post(
        reverse("basket:add", kwargs={"pk": parent.pk}),
        {"child_id": five.pk, "quantity": 4},  # 3 in stock
        follow=True,
    )
    assert basket_lines(client) == []
    assert "3" in response.content.decode()


def test_a_live_session_sells_specifications_not_the_family(carrots, cooperative):
    parent, children = carrots
    host_user = UserFactory()
    Host.objects.create(user=host_user).cooperatives.add(cooperative)
    offered = set(products_for_session(new_session(host_user, cooperative)))
    assert parent not in offered and set(children) <= offered
