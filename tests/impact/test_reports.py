"""Officials' impact reports: scoped in the queryset, aggregated in the database, exportable."""

import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.http import HttpRequest
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from cooperatives.ledger import post_sale_shares
from impact import selectors as impact
from impact.models import OfficialScope, PersonalDataAccess
from orders import statuses
from tests.factories import (
    PASSWORD,
    CooperativeFactory,
    CountyFactory,
    MembershipFactory,
    UserFactory,
    make_order,
    make_product,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def region():
    """Two counties in two leagues, one cooperative each, one paid order each."""
    chayou = CountyFactory(name="察右中旗", league="乌兰察布市", beijing_district="房山区")
    naiman = CountyFactory(name="奈曼旗", league="通辽市", beijing_district="通州区")
    carrots = CooperativeFactory(name="胡萝卜合作社", county=chayou, benefit_share=Decimal("0.10"))
    potatoes = CooperativeFactory(name="烟薯合作社", county=naiman, benefit_share=Decimal("0.20"))
    carrot_members = [
        MembershipFactory(cooperative=carrots, household__county=chayou) for _ in range(2)
    ]
    MembershipFactory(cooperative=potatoes, household__county=naiman)
    carrot = make_product(carrots, price="30.00")
    potato = make_product(potatoes, price="40.00")
    paid = [
        make_order([(carrot, 2)], status=statuses.PAID),  # 60.00 → 6.00 to households
        make_order([(potato, 1)], status=statuses.PAID),  # 40.00 → 8.00
    ]
    make_order([(carrot, 5)])  # placed, not paid: counts nowhere
    for order in paid:
        post_sale_shares(order)
    return {
        "chayou": chayou, "naiman": naiman, "carrots": carrots, "potatoes": potatoes,
        "carrot_household": carrot_members[0].household,
    }  # fmt: skip


def official(kind, **scope):
    user = UserFactory()
    counties = scope.pop("counties", [])
    official_scope = OfficialScope.objects.create(user=user, kind=kind, **scope)
    official_scope.counties.set(counties)
    return user


def login(client, user):
    assert client.login(request=HttpRequest(), username=user.email, password=PASSWORD)


def test_scope_kinds_resolve_to_counties(region):
    chayou, naiman = region["chayou"], region["naiman"]
    cases = {
        "region": official("region"),
        "leagues": official("leagues", leagues=["通辽市"]),
        "counties": official("counties", counties=[chayou]),
        "district": official("district", beijing_district="房山区"),
    }
    seen = {k: set(impact.scope_counties(u)) for k, u in cases.items()}
    assert seen["region"] >= {chayou, naiman}
    assert seen["leagues"] == {naiman}
    assert seen["counties"] == {chayou}
    assert seen["district"] == {chayou}


def test_totals_for_the_whole_region(region):
    totals = impact.totals(impact.scope_counties(official("region")))
    assert totals.gmv == Decimal("100.00")
    assert totals.paid_orders == 2
    assert totals.units == 3
    assert totals.income == Decimal("14.00")
    assert totals.households == 3
    assert totals.average_per_household == Decimal("4.67")


def test_a_county_official_sees_only_their_county(client, region):
    user = official("counties", counties=[region["chayou"]])
    login(client, user)
    response = client.get(reverse("impact:index"))
    assert response.status_code == 200
    totals = response.context["totals"]
    assert (totals.gmv, totals.income, totals.paid_orders) == (Decimal("60.00"), Decimal("6.00"), 1)
    html = response.content.decode()
    assert "胡萝卜合作社" in html and "烟薯合作社" not in html and "奈曼旗" not in html

    assert (
        client.get(reverse("impact:cooperative", args=[region["carrots"].slug])).status_code == 200
    )
    assert (
        client.get(reverse("impact:cooperative", args=[region["potatoes"].slug])).status_code == 404
    )
    other = region["potatoes"].memberships.get().household
    assert client.get(reverse("impact:household", args=[other.pk])).status_code == 404
    assert (
        client.post(reverse("impact:household", args=[other.pk]), {"purpose": "x" * 5}).status_code
        == 404
    )


def test_anonymous_visitors_sign_in_and_shoppers_are_refused(client, region, consumer):
    response = client.get(reverse("impact:index"))
    assert response.status_code == 302 and "/accounts/login/" in response.url
    assert client.get(reverse("impact:export-xlsx")).status_code == 302
    login(client, consumer)
    assert client.get(reverse("impact:index")).status_code == 403
    assert client.get(reverse("impact:export-csv")).status_code == 403


@pytest.mark.parametrize("by", ["county", "cooperative", "district", "month"])
def test_breakdowns_add_up_to_the_totals(region, by):
    counties = impact.scope_counties(official("region"))
    rows = impact.breakdown(counties, by)
    totals = impact.totals(counties)
    assert sum(r["gmv"] for r in rows) == totals.gmv
    assert sum(r["income"] for r in rows) == totals.income
    assert sum(r["units"] for r in rows) == totals.units


def test_report_queries_do_not_grow_with_the_data(client, region):
    from django.core.cache import cache

    user = official("region")
    login(client, user)
    client.get(reverse("impact:index"))
    cache.clear()
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("impact:index"))
    for _ in range(5):
        order = make_order(
            [(make_product(region["carrots"], price="9.90"), 3)], status=statuses.PAID
        )
        post_sale_shares(order)
    cache.clear()
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("impact:index"))
    assert len(many) == len(few)


def test_report_figures_are_cached_for_a_few_minutes(client, region, settings):
    from django.core.cache import cache

    login(client, official("region"))
    first = client.get(reverse("impact:index"))
    assert "数据更新于" in first.content.decode()
    order = make_order([(make_product(region["carrots"], price="10.00"), 1)], status=statuses.PAID)
    post_sale_shares(order)
    with CaptureQueriesContext(connection) as cached:
        again = client.get(reverse("impact:index"))
    assert again.context["totals"].gmv == first.context["totals"].gmv  # from the cache
    assert not [q for q in cached if "order_line" in q["sql"]]
    cache.clear()  # what expiry does
    assert client.get(reverse("impact:index")).context["totals"].gmv == Decimal("110.00")


def test_xlsx_and_csv_exports_carry_the_same_figures(client, region):
    login(client, official("region"))
    response = client.get(reverse("impact:export-xlsx"), {"by": "county"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="impact-county-')
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = int(sheet.freeze_panes[1:]) - 1  # below the title rows
    rows = list(sheet.iter_rows(values_only=True))[header - 1 :]
    assert rows[0][0] == "旗县"
    by_county = {r[0]: r for r in rows[1:-1]}  # the last row is the totals'
    assert rows[-1][1] == 100 and rows[-1][4] == 14
    # Paid orders and households are distinct counts, not the rows' sum: said in the cell
    # (33（不重复）) and in a note above the header.
    totals = list(sheet.iter_rows())[-1]
    assert totals[2].value == 2 and totals[2].number_format.endswith('"（不重复）"')
    assert totals[5].value == 3 and totals[5].number_format.endswith('"（不重复）"')
    assert totals[1].number_format == '"¥"#,##0.00'
    notes = [r[0] for r in list(sheet.iter_rows(values_only=True))[: header - 1]]
    assert (
        "注：合计行中的已付款订单、受益户数为不重复计数（每个只算一次），不等于上面各行相加。"
        in notes
    )
    assert by_county["察右中旗"][1] == 60 and by_county["察右中旗"][4] == 6
    assert by_county["奈曼旗"][1] == 40 and by_county["奈曼旗"][4] == 8

    response = client.get(reverse("impact:export-csv"), {"by": "district"})
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert table[0][0] == "北京对口帮扶区"
    assert {row[0]: row[1] for row in table[1:]} == {"房山区": "60.00", "通州区": "40.00"}


def test_the_page_labels_its_distinct_totals(client, region):
    login(client, official("region"))
    html = client.get(reverse("impact:index")).content.decode()
    county = html.split('id="by-county"')[1].split("</section>")[0]
    foot = county.split("<tfoot>")[1]
    assert foot.count("（不重复）") == 2  # paid orders and households, not sales or units
    assert "所以不等于各行相加" in html


def test_unknown_breakdown_is_404(client, region):
    login(client, official("region"))
    assert client.get(reverse("impact:export-csv"), {"by": "nonsense"}).status_code == 404


def test_households_are_masked_for_officials_without_the_permission(client, region):
    household = region["carrot_household"]
    login(client, official("counties", counties=[region["chayou"]]))
    html = client.get(reverse("impact:cooperative", args=[region["carrots"].slug])).content.decode()
    assert household.masked_id_number in html
    assert household.id_number not in html and household.head_name not in html
    url = reverse("impact:household", args=[household.pk])
    html = client.get(url).content.decode()
    assert household.id_number not in html and household.phone not in html
    assert client.post(url, {"purpose": "核对"}).status_code == 403
    assert not PersonalDataAccess.objects.exists()


def test_full_personal_data_needs_the_permission_a_purpose_and_is_logged(client, region):
    from django.contrib.auth.models import Permission

    household = region["carrot_household"]
    user = official("counties", counties=[region["chayou"]])
    user.user_permissions.add(Permission.objects.get(codename="view_household_personal_data"))
    login(client, user)
    url = reverse("impact:household", args=[household.pk])
    assert household.id_number not in client.get(url).content.decode()  # masked by default

    response = client.post(url, {"purpose": " "})
    assert household.id_number not in response.content.decode()
    assert not PersonalDataAccess.objects.exists()

    response = client.post(url, {"purpose": "与村委会核对收益发放"})
    html = response.content.decode()
    assert household.id_number in html and household.head_name in html and household.phone in html
    access = PersonalDataAccess.objects.get()
    assert (access.user, access.household, access.action) == (user, household, "view")
    assert access.purpose == "与村委会核对收益发放"
    assert household.id_number not in url
