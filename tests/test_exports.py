"""Every CSV and XLSX the store hands out, downloaded through its real view by the role that may
download it, with formula-leading text where users type text (a 收货人, a product title, a
cooperative's name, a customer's name or e-mail, a voucher code, an offer name): no cell of the
file a spreadsheet opens may start a formula, and numbers stay numbers (sheets.writer)."""

import csv
import io
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from oscar.core.loading import get_model
from oscar.test.factories import ConditionalOfferFactory, VoucherSetFactory

from cooperatives.ledger import post_sale_shares
from cooperatives.models import Cooperative, County
from impact.models import OfficialScope
from orders import statuses
from sheets.writer import MONEY_FORMAT
from tests.factories import PASSWORD, MembershipFactory, UserFactory, make_order, make_product

pytestmark = pytest.mark.django_db

Basket = get_model("basket", "Basket")
Order = get_model("order", "Order")
OrderDiscount = get_model("order", "OrderDiscount")
ProductRecord = get_model("analytics", "ProductRecord")
ShippingAddress = get_model("order", "ShippingAddress")
UserRecord = get_model("analytics", "UserRecord")
Voucher = get_model("voucher", "Voucher")

HYPERLINK = '=HYPERLINK("http://x","y")'
HOSTILE = [
    HYPERLINK,
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "=1+1",
    "＝1+1",  # full-width, as a Chinese input method types it
    " =1+1",  # after a leading blank
]
TAB_TITLE = "\t=1+1 草原胡萝卜"  # a product title starting with a tab
# Written independently of sheets.writer: what a spreadsheet may read as a formula.
FORMULA_STARTS = tuple("=+-@\t\r＝＋－＠")
NUMBER = re.compile(r"-?\d+(\.\d+)?")


def login(client, user):
    assert client.login(request=HttpRequest(), username=user.email, password=PASSWORD)


def runs_as_formula(text: str) -> bool:
    return text.startswith(FORMULA_STARTS) or text.lstrip().startswith(FORMULA_STARTS)


def csv_cells(response) -> list[str]:
    """The CSV's cells, after checking that none would run as a formula (a negative number such
    as -12.50 is a number, not text)."""
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]
    assert not [c for c in cells if runs_as_formula(c) and not NUMBER.fullmatch(c)]
    return cells


def xlsx_rows(response):
    """The XLSX's cells by row from its header (the frozen row: the title rows above it say
    what, whose, when), after checking that no cell, title rows included, is a formula nor
    formula-leading text."""
    assert response.status_code == 200, response.status_code
    assert "spreadsheetml" in response["Content-Type"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows())
    cells = [cell for row in rows for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert not [c.value for c in cells if isinstance(c.value, str) and runs_as_formula(c.value)]
    assert {c.data_type for c in cells if isinstance(c.value, str)} <= {"s"}
    header = int(re.sub(r"\D", "", sheet.freeze_panes)) - 1  # the row above the frozen pane
    return rows[header - 1 :]


def neutralised(value: str, cells) -> bool:
    """The hostile ``value`` reached the file, as text behind an apostrophe."""
    return any(c.startswith("'") and value.strip() in c for c in cells)


# The cooperative's courier list (CSV and XLSX), as its manager downloads it.


@pytest.fixture
def courier_order(cooperative, consumer, china):
    product = make_product(cooperative, title=TAB_TITLE, price="29.90")
    order = make_order([(product, 2)], user=consumer)
    address = ShippingAddress.objects.create(
        first_name="李华",
        phone_number="+8613912345678",
        state="北京市",
        line4="北京市",
        line3="房山区",
        line1="良乡镇拱辰大街 1 号",
        country=china,
    )
    order.set_status(statuses.PAID)
    Order.objects.filter(pk=order.pk).update(shipping_address=address)
    return order


def test_courier_list_csv_and_xlsx(client, manager, courier_order):
    login(client, manager)
    url = reverse("dashboard:fulfilment")
    for recipient in HOSTILE:
        ShippingAddress.objects.filter(order=courier_order).update(first_name=recipient)

        cells = csv_cells(client.get(url, {"export": "csv"}))
        assert neutralised(recipient, cells) and neutralised(TAB_TITLE, cells), recipient

        rows = xlsx_rows(client.get(url, {"export": "xlsx"}))
        assert [c.value for c in rows[0]][6] == "收货人"
        line = rows[1]
        assert line[6].value == "'" + recipient and line[2].value == "'" + TAB_TITLE
        assert line[5].data_type == "n" and line[5].value == 2  # 数量 is a number


# Officials' impact report (CSV and XLSX) with a cooperative and a county named as formulas.


@pytest.fixture
def impact_sale(cooperative):
    MembershipFactory(cooperative=cooperative, household__county=cooperative.county)
    order = make_order([(make_product(cooperative, price="30.00"), 2)], status=statuses.PAID)
    post_sale_shares(order)
    return cooperative


@pytest.fixture
def region_official():
    user = UserFactory()
    OfficialScope.objects.create(user=user, kind="region")
    return user


def test_impact_csv_and_xlsx(client, region_official, impact_sale):
    login(client, region_official)
    for name in HOSTILE:
        Cooperative.objects.filter(pk=impact_sale.pk).update(name=name)
        County.objects.filter(pk=impact_sale.county_id).update(name=name)
        cache.clear()  # the report is cached
        for by in ("cooperative", "county"):
            cells = csv_cells(client.get(reverse("impact:export-csv"), {"by": by}))
            assert neutralised(name, cells) and "60.00" in cells, (name, by)

            rows = xlsx_rows(client.get(reverse("impact:export-xlsx"), {"by": by}))
            key, gmv, orders, units, income = rows[1][:5]
            assert key.value == "'" + name
            assert gmv.data_type == "n" and gmv.value == 60 and gmv.number_format == MONEY_FORMAT
            assert income.data_type == "n" and income.number_format == MONEY_FORMAT
            assert (orders.value, units.value) == (1, 2)


# Oscar's order list download ("download selected orders"), as staff and as a manager.


@pytest.fixture
def hostile_customer():
    return UserFactory(
        first_name=HYPERLINK, last_name="", username="@SUM(1+1)", email="-2+3@example.com"
    )


@pytest.fixture
def oscar_order(cooperative, hostile_customer, china):
    product = make_product(cooperative, title=TAB_TITLE, price="29.90")
    order = make_order([(product, 2)], user=hostile_customer, status=statuses.PAID)
    address = ShippingAddress.objects.create(
        first_name="李华", phone_number="+8613912345678", line1="良乡镇", country=china
    )
    Order.objects.filter(pk=order.pk).update(shipping_address=address)
    return order


def test_oscar_order_download_as_staff(client, staff, oscar_order):
    login(client, staff)
    for recipient in HOSTILE:
        ShippingAddress.objects.filter(order=oscar_order).update(first_name=recipient)
        response = client.post(
            reverse("dashboard:order-list"),
            {"action": "download_selected_orders", "selected_order": [oscar_order.pk]},
        )
        cells = csv_cells(response)
        assert response["Content-Disposition"] == 'attachment; filename="orders.csv"'
        assert neutralised(recipient, cells) and neutralised("-2+3@example.com", cells)
        assert str(oscar_order.total_incl_tax) in cells  # the value, as Oscar writes it
        # The search form's "download as CSV" takes the same path.
        params = {"response_format": "csv"}
        cells = csv_cells(client.get(reverse("dashboard:order-list"), params))
        assert neutralised(recipient, cells), recipient


def test_oscar_order_download_as_a_manager(client, manager, oscar_order):
    ShippingAddress.objects.filter(order=oscar_order).update(first_name=HYPERLINK)
    login(client, manager)
    response = client.post(
        reverse("dashboard:order-list"),
        {"action": "download_selected_orders", "selected_order": [oscar_order.pk]},
    )
    cells = csv_cells(response)
    assert neutralised(HYPERLINK, cells)
    assert Decimal("59.80") in {Decimal(c) for c in cells if NUMBER.fullmatch(c)}  # their share


# Oscar's reports dashboard: each report's CSV; an offer's order discounts; a voucher set.


@pytest.fixture
def oscar_reports_data(cooperative, hostile_customer, oscar_order):
    """Something hostile for every Oscar report to write."""
    product = oscar_order.lines.get().product
    ProductRecord.objects.create(product=product, num_views=3)
    UserRecord.objects.create(user=hostile_customer, num_orders=1)
    Basket.objects.create(owner=hostile_customer)  # open
    Basket.objects.create(
        owner=hostile_customer, status=Basket.SUBMITTED, date_submitted=timezone.now()
    )
    voucher = Voucher.objects.create(
        name="春节券", code="SPRING", start_datetime=timezone.now(), end_datetime=timezone.now()
    )
    Voucher.objects.filter(pk=voucher.pk).update(code="+cmd|' /C calc'!A0")
    offer = ConditionalOfferFactory(name="＝1+1 满减")
    OrderDiscount.objects.create(
        order=oscar_order, offer_id=offer.pk, offer_name=offer.name, amount=Decimal("5.00")
    )
    Order.objects.filter(pk=oscar_order.pk).update(number="@SUM(2+2)")
    return offer


REPORTS = {
    # report code: the hostile text it writes
    "order_report": [HYPERLINK, "-2+3@example.com", "@SUM(2+2)"],
    "product_analytics": [TAB_TITLE],
    "user_analytics": [HYPERLINK, "-2+3@example.com"],
    "open_baskets": [HYPERLINK, "-2+3@example.com"],
    "submitted_baskets": ["@SUM(1+1)"],
    "vouchers": ["+cmd|' /C calc'!A0"],
    "conditional-offers": ["＝1+1 满减"],
}


def test_every_oscar_report_csv(client, staff, oscar_reports_data):
    from oscar.apps.dashboard.reports.utils import GeneratorRepository

    codes = [g.code for g in GeneratorRepository().get_report_generators()]
    assert set(codes) == set(REPORTS)  # a report added to Oscar's dashboard is tested here too
    login(client, staff)
    for code in codes:
        params = {"report_type": code, "download": 1}
        cells = csv_cells(client.get(reverse("dashboard:reports-index"), params))
        for value in REPORTS[code]:
            assert neutralised(value, cells), (code, value)


def test_an_offers_order_discounts_csv(client, staff, oscar_reports_data):
    login(client, staff)
    url = reverse("dashboard:offer-detail", kwargs={"pk": oscar_reports_data.pk})
    cells = csv_cells(client.get(url, {"format": "csv"}))
    assert neutralised("@SUM(2+2)", cells) and "5.00" in cells


def test_a_voucher_sets_codes_csv(client, staff):
    voucher_set = VoucherSetFactory(name="春节优惠券", count=2)
    first, second = voucher_set.vouchers.order_by("pk")
    Voucher.objects.filter(pk=first.pk).update(code="=1+1")
    login(client, staff)
    response = client.get(reverse("dashboard:voucher-set-download", kwargs={"pk": voucher_set.pk}))
    cells = csv_cells(response)
    assert sorted(cells) == sorted(["'=1+1", second.code])  # a code a line, no header (as Oscar)
    assert "filename*=utf-8''%E6%98%A5" in response["Content-Disposition"]
