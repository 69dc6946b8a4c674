"""The cooperative workspace: only the manager's lines, exported for the courier, and a packing
list whose PDF carries the Chinese addresses (read back with pdftotext)."""

import io
import shutil
import subprocess

import pytest
from django.http import HttpRequest
from django.urls import reverse
from openpyxl import load_workbook
from oscar.core.loading import get_model

from orders import statuses
from tests.conftest import require_service
from tests.factories import PASSWORD, make_order, make_product

pytestmark = pytest.mark.django_db

ShippingAddress = get_model("order", "ShippingAddress")


@pytest.fixture
def paid_orders(cooperative, other_cooperative, consumer, china):
    ours = make_product(cooperative, title="察右中旗草原胡萝卜", price="29.90")
    theirs = make_product(other_cooperative, title="武川雪菊茶", price="68.00")
    orders = []
    for name, district, detail in (
        ("李华", "房山区", "良乡镇拱辰大街 1 号"),
        ("王芳", "通州区", "梨园镇云景东路 8 号"),
    ):
        order = make_order([(ours, 2), (theirs, 1)], user=consumer)
        address = ShippingAddress.objects.create(
            first_name=name,
            phone_number="+8613912345678",
            state="北京市",
            line4="北京市",
            line3=district,
            line1=detail,
            country=china,
        )
        order.set_status(statuses.PAID)
        type(order).objects.filter(pk=order.pk).update(shipping_address=address)
        orders.append(order)
    return orders


def manager_cooperative(user):
    return user.partners.get().name


def login(client, user):
    assert client.login(request=HttpRequest(), username=user.email, password=PASSWORD)


def test_the_manager_sees_and_exports_only_their_lines(client, manager, paid_orders):
    login(client, manager)
    url = reverse("dashboard:fulfilment")
    html = client.get(url).content.decode()
    assert "察右中旗草原胡萝卜" in html and "武川雪菊茶" not in html
    csv_text = client.get(url + "?export=csv").content.decode("utf-8-sig")
    assert csv_text.count("察右中旗草原胡萝卜") == 2 and "武川雪菊茶" not in csv_text
    assert "良乡镇拱辰大街 1 号" in csv_text
    book = load_workbook(io.BytesIO(client.get(url + "?export=xlsx").content))
    header = int(book.active.freeze_panes[1:]) - 1  # below the title rows (sheets.writer)
    rows = list(book.active.values)[header - 1 :]
    assert rows[0][0] == "订单号" and len(rows) == 4  # header, two lines, 合计
    assert {r[2] for r in rows[1:3]} == {"察右中旗草原胡萝卜"}
    quantity = rows[0].index("数量")
    assert rows[3][0] == "合计" and rows[3][quantity] == sum(r[quantity] for r in rows[1:3])
    assert book.active.cell(row=header + 1, column=quantity + 1).number_format == "#,##0"
    titles = [r[0] for r in list(book.active.values)[: header - 1] if r[0]]
    assert titles[0] == "待发货" and any(
        cooperative_name in t for t in titles for cooperative_name in [manager_cooperative(manager)]
    )


def test_the_packing_list_pdf_has_the_chinese_addresses(client, manager, paid_orders):
    require_service(
        bool(shutil.which("pdftotext")), "pdftotext missing (apt install poppler-utils)"
    )
    login(client, manager)
    html = client.get(reverse("dashboard:packing-list")).content.decode()
    assert "良乡镇拱辰大街 1 号" in html and "武川雪菊茶" not in html
    response = client.get(reverse("dashboard:packing-list") + "?format=pdf")
    assert response["Content-Type"] == "application/pdf"
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=response.content, capture_output=True, check=True
    ).stdout.decode()
    for expected in (
        "拣货单",
        "察右中旗草原胡萝卜",
        "李华",
        "房山区",
        "良乡镇拱辰大街",
        "王芳",
        "通州区",
        "地址标签",
    ):
        assert expected in text, expected
    assert "武川雪菊茶" not in text


def test_a_shopper_has_no_workspace(client, consumer):
    login(client, consumer)
    for name in ("dashboard:fulfilment", "dashboard:packing-list"):
        response = client.get(reverse(name))
        assert response.status_code in (302, 403)


def test_exports_do_not_carry_formulas(client, manager, paid_orders):
    ShippingAddress.objects.filter(order__in=paid_orders).update(first_name='=HYPERLINK("x")\x1f')
    login(client, manager)
    url = reverse("dashboard:fulfilment")
    csv_text = client.get(url + "?export=csv").content.decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text
    book = load_workbook(io.BytesIO(client.get(url + "?export=xlsx").content))
    cell = book.active.cell(row=int(book.active.freeze_panes[1:]), column=7)  # the first line
    assert cell.data_type == "s" and cell.value.startswith("'=")
