"""A cooperative's impact page (/impact/cooperatives/<slug>/) over the same date range as
/impact/: its figures and its member households' income follow the range (this year by default),
a range that is not valid is said (400) and shows no figures, and the index page's links to it
carry the range."""

from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.http import HttpRequest
from django.urls import reverse

from impact.models import OfficialScope
from impact.selectors import Period
from tests.factories import (
    PASSWORD,
    CooperativeFactory,
    CountyFactory,
    MembershipFactory,
    UserFactory,
    make_product,
)
from tests.impact.helpers import BEIJING, paid_at

pytestmark = pytest.mark.django_db

MARCH = {"date_from": "2026-03-01", "date_to": "2026-03-31"}
MID_MARCH = {"date_from": "2026-03-10", "date_to": "2026-03-20"}
JUNE = {"date_from": "2026-06-01", "date_to": "2026-06-30"}


@pytest.fixture
def carrots():
    """胡萝卜合作社 (share 10%, one member household) sold ¥60 on 15 March and ¥40 on
    20 June at 23:30 Beijing time (15:30 UTC)."""
    county = CountyFactory(name="察右中旗", league="乌兰察布市", beijing_district="房山区")
    cooperative = CooperativeFactory(
        name="胡萝卜合作社", county=county, benefit_share=Decimal("0.10")
    )
    MembershipFactory(cooperative=cooperative, household__county=county)
    product = make_product(cooperative, price="10.00")
    paid_at(datetime(2026, 3, 15, 10, 0, tzinfo=BEIJING), product, 6)
    paid_at(datetime(2026, 6, 20, 23, 30, tzinfo=BEIJING), product, 4)
    return cooperative


@pytest.fixture
def official_client(client, carrots):
    user = UserFactory()
    OfficialScope.objects.create(user=user, kind="region")
    assert client.login(request=HttpRequest(), username=user.email, password=PASSWORD)
    return client


def page(client, cooperative, asked=None):
    return client.get(reverse("impact:cooperative", args=[cooperative.slug]), asked or {})


def member_income(response):
    return [membership.income for membership in response.context["memberships"]]


@pytest.mark.parametrize(
    "asked, gmv, orders, income",
    [
        (JUNE, "40.00", 1, "4.00"),  # the March order is outside: nowhere
        (MARCH, "60.00", 1, "6.00"),  # whole months: the monthly rollup
        (MID_MARCH, "60.00", 1, "6.00"),  # not whole months: the ledger by Beijing day
        ({"date_from": "2026-06-21", "date_to": "2026-12-31"}, "0.00", 0, "0.00"),
    ],
)
def test_an_order_outside_the_range_counts_nowhere(
    official_client, carrots, asked, gmv, orders, income
):
    response = page(official_client, carrots, asked)
    assert response.status_code == 200
    totals = response.context["totals"]
    assert (totals.gmv, totals.paid_orders, totals.income) == (
        Decimal(gmv),
        orders,
        Decimal(income),
    )
    assert member_income(response) == [Decimal(income)]
    html = response.content.decode()
    start, end = (date.fromisoformat(asked[k]) for k in ("date_from", "date_to"))
    assert (
        f"{start.year}年{start.month}月{start.day}日 至 {end.year}年{end.month}月{end.day}日"
        in html
    )
    assert f'value="{asked["date_from"]}"' in html and f'value="{asked["date_to"]}"' in html
    assert f'data-total="gmv">¥{gmv}' in html.replace(",", "")


def test_no_range_asked_is_this_year(client, carrots):
    user = UserFactory()
    OfficialScope.objects.create(user=user, kind="region")
    with time_machine.travel(datetime(2027, 2, 1, 9, 0, tzinfo=BEIJING), tick=False):
        assert client.login(request=HttpRequest(), username=user.email, password=PASSWORD)
        response = page(client, carrots)
    assert response.status_code == 200
    assert response.context["period"] == Period(date(2027, 1, 1), date(2027, 12, 31))
    assert response.context["totals"].gmv == Decimal("0.00")  # 2026's sales are last year's
    assert member_income(response) == [Decimal("0.00")]
    assert 'value="2027-01-01"' in response.content.decode()


@pytest.mark.parametrize(
    "asked, says",
    [
        ({"date_from": "2026-06-30", "date_to": "2026-06-01"}, "晚于结束日期"),
        ({"date_from": "not-a-date"}, "日期"),
        ({"date_from": "1900-01-01"}, "2000-01-01"),
    ],
)
def test_a_range_that_is_not_valid_is_said_and_shows_no_figures(
    official_client, carrots, asked, says
):
    response = page(official_client, carrots, asked)
    assert response.status_code == 400
    html = response.content.decode()
    assert says in html
    assert "totals" not in response.context and "memberships" not in response.context
    assert 'data-total="gmv"' not in html and "member-households" not in html
    # the same sentence as /impact/ says for the same range
    index = official_client.get(reverse("impact:index"), asked)
    assert index.status_code == 400
    errors = [str(e) for errors in response.context["form"].errors.values() for e in errors]
    assert errors == [str(e) for errors in index.context["form"].errors.values() for e in errors]


def test_the_index_page_links_carry_the_range(official_client, carrots):
    html = official_client.get(reverse("impact:index"), JUNE).content.decode()
    link = (
        f'href="/impact/cooperatives/{carrots.slug}/?date_from=2026-06-01&amp;date_to=2026-06-30"'
    )
    cooperative_rows = html.split('id="by-cooperative"')[1].split("</section>")[0]
    assert link in cooperative_rows  # the cooperative's row in the table
    assert link in html.split("</section>")[-2]  # the list of cooperatives in scope
    # followed, it shows the same range
    response = official_client.get(f"/impact/cooperatives/{carrots.slug}/", JUNE)
    assert response.context["period"] == Period(date(2026, 6, 1), date(2026, 6, 30))


def test_a_range_that_is_not_valid_leaves_the_links_without_one(official_client, carrots):
    html = official_client.get(reverse("impact:index"), {"date_from": "x"}).content.decode()
    assert f'href="/impact/cooperatives/{carrots.slug}/"' in html
