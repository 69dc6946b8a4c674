"""A manager's dashboard home: their cooperative's sales (from paid lines), stock alerts and the
income the ledger attributes to member households."""

from decimal import Decimal

import pytest
from django.http import HttpRequest
from django.urls import reverse

from orders import statuses
from tests.factories import PASSWORD, MembershipFactory, make_order, make_product

pytestmark = pytest.mark.django_db


def test_a_manager_lands_on_their_sales(
    client, manager, cooperative, other_cooperative, consumer, django_capture_on_commit_callbacks
):
    MembershipFactory(cooperative=cooperative)
    ours = make_product(cooperative, title="察右中旗草原胡萝卜", price="29.90", num_in_stock=3)
    ours.stockrecords.update(low_stock_threshold=5)
    theirs = make_product(other_cooperative, title="武川雪菊茶", price="68.00")
    with django_capture_on_commit_callbacks(execute=True):
        make_order([(ours, 2), (theirs, 1)], user=consumer, status=statuses.PAID)
    make_order([(ours, 1)], user=consumer)  # unpaid: not a sale
    assert client.login(request=HttpRequest(), username=manager.email, password=PASSWORD)
    response = client.get(reverse("dashboard:index"), follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("dashboard:cooperative-sales")
    sales = response.context["sales"]
    assert sales["today"] == {"orders": 1, "revenue": Decimal("59.80")}
    assert sales["month"]["revenue"] == Decimal("59.80")
    assert [p["title"] for p in sales["top"]] == ["察右中旗草原胡萝卜"]
    assert "武川雪菊茶" not in html
    assert [a.stockrecord.product for a in response.context["alerts"]] == [ours]
    assert response.context["income"]["total"] > 0
    assert sum(Decimal(d["revenue"]) for d in sales["series"]) == Decimal("59.80")
