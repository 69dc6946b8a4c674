"""The one-page checkout for a member of an organisation (issue 26): it asks whether the order
is a person's or the organisation's (a person's unless told) and the order carries the choice;
nobody else is asked, and a signed-in buyer who belongs to none costs the page one query."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from oscar.core.loading import get_model

from organisations import services
from tests.factories import UserFactory, make_product, saved_address
from tests.orders.test_checkout import submit

from .test_organisations import approved_org

pytestmark = pytest.mark.django_db

Order = get_model("order", "Order")


@pytest.fixture
def member_with_basket(client, cooperative, china):
    admin = UserFactory()
    organisation = approved_org(admin, name="房山区示范单位工会")
    buyer = UserFactory(email="buyer@example.com")
    services.add_member(organisation, by=admin, contact=buyer.email, role="buyer")
    buyer.home = saved_address(buyer, china)
    client.force_login(buyer)
    carrots = make_product(cooperative, title="察右中旗胡萝卜", price="29.90")
    client.post(reverse("basket:add", kwargs={"pk": carrots.pk}), {"quantity": 2})
    return buyer, organisation


def test_a_member_buys_for_the_organisation(client, member_with_basket, stripe_server):
    buyer, organisation = member_with_basket
    page = client.get(reverse("checkout:index"))
    html = page.content.decode()
    assert "以个人身份购买" in html and "为「房山区示范单位工会」采购" in html
    assert page.context["form"]["buy_for"].value() == "personal"  # a person's unless told
    response = submit(client, {"address": str(buyer.home.pk), "buy_for": str(organisation.pk)})
    assert response.status_code == 302
    order = Order.objects.get()
    assert order.organisation == organisation and order.user == buyer


def test_a_member_buys_as_a_person_by_default(client, member_with_basket, stripe_server):
    buyer, _organisation = member_with_basket
    assert submit(client, {"address": str(buyer.home.pk), "buy_for": "personal"}).status_code == 302
    assert Order.objects.get().organisation is None


def test_an_organisation_not_theirs_is_refused_and_nothing_placed(
    client, member_with_basket, stripe_server
):
    other = approved_org(name="别的单位")  # approved, but the buyer is not a member
    home = member_with_basket[0].home
    response = submit(client, {"address": str(home.pk), "buy_for": str(other.pk)})
    assert response.status_code == 200
    assert not Order.objects.exists()


def test_a_pending_or_removed_membership_asks_nothing(client, member_with_basket):
    buyer, organisation = member_with_basket
    organisation.members.filter(user=buyer).delete()
    html = client.get(reverse("checkout:index")).content.decode()
    assert 'name="buy_for"' not in html and "以个人身份购买" not in html


def test_a_non_member_is_not_asked_and_costs_one_query(client, cooperative, china, stripe_server):
    approved_org(name="房山区示范单位工会")  # someone else's
    buyer = UserFactory()
    home = saved_address(buyer, china)
    client.force_login(buyer)
    carrots = make_product(cooperative, title="察右中旗胡萝卜", price="29.90")
    client.post(reverse("basket:add", kwargs={"pk": carrots.pk}), {"quantity": 1})
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("checkout:index"))
    html = page.content.decode()
    assert "buy_for" not in page.context["form"].fields and "以个人身份购买" not in html
    asked = [q["sql"] for q in queries.captured_queries if "organisations_" in q["sql"]]
    assert len(asked) == 1
    assert submit(client, {"address": str(home.pk)}).status_code == 302
    assert Order.objects.get().organisation is None


def test_a_guest_is_not_asked_and_costs_no_query(client, cooperative):
    carrots = make_product(cooperative, title="察右中旗胡萝卜", price="29.90")
    client.post(reverse("basket:add", kwargs={"pk": carrots.pk}), {"quantity": 1})
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("checkout:index"))
    assert "buy_for" not in page.context["form"].fields
    assert not [q for q in queries.captured_queries if "organisations_" in q["sql"]]
