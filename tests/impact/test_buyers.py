"""The buyer's side of /impact/ (issue 26, item 6): purchases by buyer district, organisation,
organisation type and month, and the cross table buyer district × supplying county with the
paired cells marked; a Beijing district's official sees their district's purchases from every
county, everyone else the buyers of their counties' sales. Read from the rollups."""

from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from impact import selectors as impact
from impact.models import OfficialScope
from orders import services, statuses
from organisations.models import Organisation
from tests.factories import (
    CooperativeFactory,
    CountyFactory,
    UserFactory,
    make_credit_code,
    make_order,
    make_product,
    shipping_address,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def buyers(china):
    """察右中旗 (paired with 房山区) and 奈曼旗 (通州区); buyers in 房山区 (a person and a union),
    通州区 and outside Beijing."""
    chayou = CountyFactory(name="察右中旗", league="乌兰察布市", beijing_district="房山区")
    naiman = CountyFactory(name="奈曼旗", league="通辽市", beijing_district="通州区")
    carrots = make_product(CooperativeFactory(county=chayou), price="30.00")
    potatoes = make_product(CooperativeFactory(county=naiman), price="40.00")
    union = Organisation.objects.create(
        name="房山区总工会", kind="union", credit_code=make_credit_code(), district="房山区",
        contact_name="张三", contact_phone="13900000001", status="approved",
        applied_by=UserFactory(),
    )  # fmt: skip

    def bought(items, district=None, organisation=None):
        address = shipping_address(china, line3=district) if district else None
        if district == "京外":
            address = shipping_address(china, state="河北省", line3="涿州市")
        return make_order(
            items, status=statuses.PAID, organisation=organisation, shipping_address=address
        )

    orders = {
        "fangshan_person": bought([(carrots, 1), (potatoes, 1)], "房山区"),  # 70, two counties
        "fangshan_union": bought([(potatoes, 5)], organisation=union),  # 200 from 奈曼旗
        "tongzhou": bought([(carrots, 2)], "通州区"),  # 60
        "outside": bought([(potatoes, 1)], "京外"),  # 40
    }
    make_order([(carrots, 9)], shipping_address=shipping_address(china))  # unpaid: nowhere
    return {"chayou": chayou, "naiman": naiman, "union": union, **orders}


def official(kind, **scope):
    user = UserFactory()
    counties = scope.pop("counties", [])
    made = OfficialScope.objects.create(user=user, kind=kind, **scope)
    made.counties.set(counties)
    return user


def side(user):
    counties = impact.scope_counties(user)
    return impact.buyer_side(
        impact.buyer_where(counties, impact.official_district(user)), impact.ALL_TIME
    )


def rows(found, by):
    return {row["label"]: (row["gmv"], row["paid_orders"], row["units"])
            for row in found["breakdowns"][by]}  # fmt: skip


def test_buyer_districts_are_set_when_paid(buyers):
    assert [buyers[name].buyer_district for name in
            ("fangshan_person", "fangshan_union", "tongzhou", "outside")] == [
        "房山区", "房山区", "通州区", "京外"]  # fmt: skip


def test_the_whole_region_sees_who_bought_its_counties_sales(buyers):
    found = side(official("region"))
    assert found["totals"] == {"gmv": Decimal("370.00"), "paid_orders": 4, "units": 10}
    assert rows(found, "buyer_district") == {
        "房山区": (Decimal("270.00"), 2, 7),
        "通州区": (Decimal("60.00"), 1, 2),
        "京外": (Decimal("40.00"), 1, 1),
    }
    assert rows(found, "organisation") == {
        "房山区总工会": (Decimal("200.00"), 1, 5),
        "个人购买": (Decimal("170.00"), 3, 5),
    }
    union = impact.organisation_kinds()["union"]  # its label: 工会
    assert rows(found, "organisation_kind") == {
        union: (Decimal("200.00"), 1, 5),
        "个人购买": (Decimal("170.00"), 3, 5),
    }
    [month] = found["breakdowns"]["month"]
    assert (month["gmv"], month["paid_orders"]) == (Decimal("370.00"), 4)


def test_the_cross_table_marks_the_paired_cells(buyers):
    cross = side(official("region"))["cross"]
    assert cross["counties"] == ["奈曼旗", "察右中旗"]
    table = {row["district"]: row["cells"] for row in cross["rows"]}
    assert list(table) == ["房山区", "通州区", "京外"]
    naiman, chayou = table["房山区"]
    assert (naiman["gmv"], naiman["paid_orders"], naiman["paired"]) == (Decimal("240.00"), 2, False)
    assert (chayou["gmv"], chayou["paired"]) == (Decimal("30.00"), True)
    assert [cell["paired"] for cell in table["通州区"]] == [True, False]
    assert not any(cell["paired"] for cell in table["京外"])


def test_a_district_official_sees_their_districts_purchases_from_every_county(buyers):
    """房山区 is paired with 察右中旗 only: the seller side is 察右中旗's sales (to anyone), the
    buyer side 房山区's purchases, 奈曼旗's included; nobody else's purchases."""
    user = official("district", beijing_district="房山区")
    found = side(user)
    assert found["totals"] == {"gmv": Decimal("270.00"), "paid_orders": 2, "units": 7}
    assert set(rows(found, "buyer_district")) == {"房山区"}
    assert found["cross"]["counties"] == ["奈曼旗", "察右中旗"]
    counties = impact.scope_counties(user)
    assert list(counties) == [buyers["chayou"]]
    assert impact.totals(counties).gmv == Decimal("90.00")  # 30 (房山区) + 60 (通州区)


def test_a_county_official_sees_the_buyers_of_their_county_only(buyers):
    found = side(official("counties", counties=[buyers["chayou"]]))
    assert rows(found, "buyer_district") == {
        "房山区": (Decimal("30.00"), 1, 1),
        "通州区": (Decimal("60.00"), 1, 2),
    }


def test_a_refund_moves_the_buyer_side_and_an_order_refunded_whole_leaves_it(buyers):
    order = buyers["fangshan_union"]
    [line] = order.lines.all()
    services.refund(order, [services.RefundedPart(line, 2, Decimal("80.00"))],
                    amount=Decimal("80.00"), reference="r1")  # fmt: skip
    region = official("region")
    assert rows(side(region), "organisation")["房山区总工会"] == (Decimal("120.00"), 1, 3)
    services.refund(order, [services.RefundedPart(line, 3, Decimal("120.00"))],
                    amount=Decimal("120.00"), reference="r2")  # fmt: skip
    assert rows(side(region), "organisation")["房山区总工会"] == (Decimal("0.00"), 0, 0)
    assert side(region)["totals"]["paid_orders"] == 3


def login(client, user):
    client.force_login(user)


def test_the_page_shows_both_sides_and_the_district_official_their_districts(client, buyers):
    login(client, official("district", beijing_district="房山区"))
    page = client.get(reverse("impact:index")).content.decode()
    assert "买方所在区" in page
    assert "房山区总工会" in page and impact.organisation_kinds()["union"] in page
    assert (
        'class="text-right table-success impact-paired position-relative"' in page
    )  # 房山区 × 察右中旗
    assert "通州区" not in page.split('id="buyers"')[1]  # no other district's purchases


def test_the_buyer_side_exports_as_xlsx(client, buyers):
    login(client, official("region"))
    url = reverse("impact:export-xlsx")
    response = client.get(url, {"side": "buyer", "by": "buyer_district"})
    assert response.status_code == 200
    sheet = load_workbook(__import__("io").BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert ["房山区", 270, 2, 7] in values
    cross = client.get(url, {"side": "buyer", "by": "cross"})
    sheet = load_workbook(__import__("io").BytesIO(cross.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert ["房山区", 240, 30, 270, "★察右中旗"] in values
    assert client.get(url, {"side": "buyer", "by": "nothing"}).status_code == 404
    assert client.get(url, {"side": "seller", "by": "county"}).status_code == 404


def test_rebuild_impact_rollups_sums_them_again_from_the_orders(buyers):
    """The command empties the rollups and sums them again: the same figures as kept by the
    lifecycle, even after the rows were lost."""
    from io import StringIO

    from django.core.management import call_command

    from impact.models import OrderSetRollup, SalesRollup

    region = official("region")
    kept = side(region)
    SalesRollup.objects.all().delete()
    OrderSetRollup.objects.all().delete()
    assert side(region)["totals"]["paid_orders"] == 0
    out = StringIO()
    call_command("rebuild_impact_rollups", stdout=out)
    assert "Rebuilt the impact rollups" in out.getvalue()
    assert side(region) == kept
