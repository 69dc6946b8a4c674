"""/impact/ over a date range (issue 25): every figure on the page and in its exports follows the
range (the export links carry it); a reversed range is a clear error and shows no figures; a
county with no paired Beijing district is 未结对, on the page and in the files."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.http import HttpRequest
from django.urls import reverse
from openpyxl import load_workbook

from impact import selectors as impact
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
JUNE = {"date_from": "2026-06-01", "date_to": "2026-06-30"}


@pytest.fixture
def region():
    """察右中旗 (paired with 房山区) sold ¥60 in March; 四子王旗 (no pairing) ¥40 in June."""
    paired = CountyFactory(name="察右中旗", league="乌兰察布市", beijing_district="房山区")
    unpaired = CountyFactory(name="四子王旗", league="乌兰察布市", beijing_district="")
    carrots = CooperativeFactory(name="胡萝卜合作社", county=paired, benefit_share=Decimal("0.10"))
    mutton = CooperativeFactory(name="羊肉合作社", county=unpaired, benefit_share=Decimal("0.20"))
    MembershipFactory(cooperative=carrots, household__county=paired)
    MembershipFactory(cooperative=mutton, household__county=unpaired)
    paid_at(datetime(2026, 3, 15, 10, 0, tzinfo=BEIJING), make_product(carrots, price="30.00"), 2)
    paid_at(datetime(2026, 6, 20, 23, 30, tzinfo=BEIJING), make_product(mutton, price="40.00"), 1)
    user = UserFactory()
    OfficialScope.objects.create(user=user, kind="region")
    return user


@pytest.fixture
def official_client(client, region):
    assert client.login(request=HttpRequest(), username=region.email, password=PASSWORD)
    return client


def xlsx_table(response):
    assert response.status_code == 200, response.content[:200]
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = int(sheet.freeze_panes[1:]) - 1
    rows = list(sheet.iter_rows(values_only=True))
    return rows[: header - 1], rows[header - 1], rows[header:-1], rows[-1]


def csv_rows(response):
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


def test_an_order_outside_the_range_counts_nowhere_on_the_page(official_client):
    page = official_client.get(reverse("impact:index"), JUNE)
    assert page.status_code == 200
    ctx = page.context
    assert (ctx["totals"].gmv, ctx["totals"].paid_orders, ctx["totals"].income) == (
        Decimal("40.00"),
        1,
        Decimal("8.00"),
    )
    counties = {row["key"] for row in {by: rows for by, _, rows in ctx["breakdowns"]}["county"]}
    assert counties == {"四子王旗"}
    months = [row["key"] for row in {b: r for b, _, r in ctx["breakdowns"]}["month"]]
    assert months == [date(2026, 6, 1)]  # paid at 23:30 Beijing time on 20 June: June
    html = page.content.decode()
    assert "2026年6月1日 至 2026年6月30日" in html and "察右中旗" not in html.split("按旗县")[-1]


def test_an_order_outside_the_range_counts_nowhere_in_the_exports(official_client):
    titles, header, rows, total = xlsx_table(
        official_client.get(reverse("impact:export-xlsx"), {"by": "county", **MARCH})
    )
    assert "期间：2026年3月1日 至 2026年3月31日" in [t[0] for t in titles]
    assert any(str(t[0]).startswith("范围：全区") for t in titles)
    assert [row[0] for row in rows] == ["察右中旗"]
    assert (rows[0][1], rows[0][4]) == (60, 6) and (total[1], total[4]) == (60, 6)

    table = csv_rows(official_client.get(reverse("impact:export-csv"), {"by": "county", **JUNE}))
    assert table[0][0] == "旗县" and [row[0] for row in table[1:]] == ["四子王旗"]


def test_the_export_links_carry_the_range(official_client):
    html = official_client.get(reverse("impact:index"), JUNE).content.decode()
    for fmt in ("xlsx", "csv"):
        link = f"/impact/export.{fmt}?by=county&amp;date_from=2026-06-01&amp;date_to=2026-06-30"
        assert link in html, fmt


def test_a_range_inside_a_month_reads_the_ledger_by_day(region):
    counties = impact.scope_counties(region)
    whole = impact.totals(counties, period=Period(date(2026, 3, 1), date(2026, 3, 31)))
    one_day = impact.totals(counties, period=Period(date(2026, 3, 15), date(2026, 3, 15)))
    assert (whole.gmv, whole.income, whole.households) == (Decimal("60.00"), Decimal("6.00"), 1)
    assert (one_day.gmv, one_day.income, one_day.households) == (whole.gmv, whole.income, 1)
    between = impact.totals(counties, period=Period(date(2026, 3, 16), date(2026, 6, 19)))
    assert (between.gmv, between.paid_orders, between.income) == (Decimal("0.00"), 0, 0)
    # 20 June 23:30 in Beijing is 15:30 UTC: the day is Beijing's.
    june_20 = impact.totals(counties, period=Period(date(2026, 6, 20), date(2026, 6, 20)))
    assert (june_20.gmv, june_20.income) == (Decimal("40.00"), Decimal("8.00"))


def test_no_range_asked_is_this_year(client, region):
    with time_machine.travel(datetime(2027, 2, 1, 9, 0, tzinfo=BEIJING), tick=False):
        assert client.login(request=HttpRequest(), username=region.email, password=PASSWORD)
        page = client.get(reverse("impact:index"))
    assert page.status_code == 200
    assert page.context["period"] == Period(date(2027, 1, 1), date(2027, 12, 31))
    assert page.context["totals"].gmv == Decimal("0.00")  # 2026's sales are last year's
    assert 'value="2027-01-01"' in page.content.decode()


@pytest.mark.parametrize(
    "asked, says",
    [
        ({"date_from": "2026-06-30", "date_to": "2026-06-01"}, "晚于结束日期"),
        ({"date_from": "not-a-date"}, "日期"),
        ({"date_from": "1900-01-01"}, "2000-01-01"),
    ],
)
def test_a_range_that_is_not_valid_is_said_and_shows_no_figures(official_client, asked, says):
    page = official_client.get(reverse("impact:index"), asked)
    assert page.status_code == 400
    assert says in page.content.decode()
    assert "totals" not in page.context and 'data-total="gmv"' not in page.content.decode()
    export = official_client.get(reverse("impact:export-xlsx"), {"by": "county", **asked})
    assert export.status_code == 400 and says in export.content.decode()


def test_an_unpaired_county_is_unpaired_on_the_page_and_in_the_files(official_client):
    html = official_client.get(reverse("impact:index"), JUNE).content.decode()
    district = html.split('id="by-district"')[1].split("</section>")[0]
    assert '<span class="unpaired">未结对</span>' in district and "—" not in district

    _, _, rows, _ = xlsx_table(
        official_client.get(reverse("impact:export-xlsx"), {"by": "district", **JUNE})
    )
    assert [row[0] for row in rows] == ["未结对"]
    table = csv_rows(
        official_client.get(
            reverse("impact:export-csv"),
            {"by": "district", "date_from": "2026-01-01", "date_to": "2026-12-31"},
        )
    )
    assert {row[0]: row[1] for row in table[1:]} == {"房山区": "60.00", "未结对": "40.00"}
