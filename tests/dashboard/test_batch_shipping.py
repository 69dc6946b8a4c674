"""Shipping from the cooperative workspace: several orders in one submit (all or nothing), a
tracking number of another shape as a warning to confirm, the courier's sheet imported all or
nothing with each bad row named, labels, the packing list's backlog, and every view of a
recipient's full number logged."""

import io
from datetime import timedelta

import pytest
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from impact.models import RecipientDataAccess
from orders import services, statuses
from tests.factories import PASSWORD, make_order, make_product, shipping_address

pytestmark = pytest.mark.django_db

FULFILMENT = "dashboard:fulfilment"
IMPORT = "dashboard:shipping-import"


def login(client, user):
    assert client.login(request=HttpRequest(), username=user.email, password=PASSWORD)


def paid_order(items, china, consumer, **address):
    order = make_order(items, user=consumer, status=statuses.PAID)
    type(order).objects.filter(pk=order.pk).update(
        shipping_address=shipping_address(china, **address)
    )
    order.refresh_from_db()
    return order


@pytest.fixture
def carrots(cooperative):
    return make_product(cooperative, title="察右中旗草原胡萝卜", price="29.90")


@pytest.fixture
def tea(other_cooperative):
    return make_product(other_cooperative, title="武川雪菊茶", price="68.00")


@pytest.fixture
def three(carrots, tea, china, consumer):
    """Three paid orders with the manager's carrots; the last shares the parcel run with tea."""
    return [
        paid_order([(carrots, 1)], china, consumer, first_name="李华"),
        paid_order([(carrots, 2)], china, consumer, first_name="王芳", line3="通州区"),
        paid_order(
            [(carrots, 3), (tea, 1)],
            china,
            consumer,
            first_name="张伟",
            phone_number="+8613900001111",
        ),
    ]


@pytest.fixture
def theirs(tea, china, consumer):
    return paid_order([(tea, 1)], china, consumer, first_name="赵敏")


def batch(client, orders, numbers, carrier="SF", **extra):
    data = {"order": [o.number for o in orders], "carrier": carrier, **extra}
    data.update({f"tracking-{o.number}": n for o, n in zip(orders, numbers, strict=True)})
    return client.post(reverse(FULFILMENT), data)


def parcels(order):
    return list(order.parcels.all())


def test_a_manager_ships_three_orders_in_one_submit(client, manager, three, carrots):
    login(client, manager)
    response = batch(
        client, three, ["SF1000000000001", "sf 1000000000002", "ＳＦ１０００００００００００３"]
    )
    assert response.status_code == 302
    for order, number in zip(
        three, ["SF1000000000001", "SF1000000000002", "SF1000000000003"], strict=True
    ):
        order.refresh_from_db()
        (parcel,) = parcels(order)
        assert parcel.carrier == "SF" and parcel.tracking_number == number
        assert {line.product_id for line in parcel.lines.all()} == {carrots.pk}
    assert [o.status for o in three] == [
        statuses.SHIPPED,
        statuses.SHIPPED,
        statuses.PARTLY_SHIPPED,
    ]
    tea_line = three[2].lines.get(title="武川雪菊茶")
    assert tea_line.status == statuses.PAID and not tea_line.parcels.exists()


def test_a_foreign_or_forged_order_refuses_the_whole_batch(client, manager, three, theirs):
    login(client, manager)
    data = {
        "order": [three[0].number, theirs.number, "NOSUCH1"],
        "carrier": "SF",
        f"tracking-{three[0].number}": "SF1000000000001",
        f"tracking-{theirs.number}": "SF1000000000002",
        "tracking-NOSUCH1": "SF1000000000003",
    }
    response = client.post(reverse(FULFILMENT), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert theirs.number in html and "NOSUCH1" in html  # each refused order named
    for order in (three[0], theirs):
        order.refresh_from_db()
        assert order.status == statuses.PAID and not order.parcels.exists()
    assert "赵敏" not in html  # the other cooperative's recipient is never shown


def test_an_error_keeps_everything_typed(client, manager, three):
    login(client, manager)
    response = batch(client, three[:2], ["SF1000000000001", ""], carrier="SF")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="SF1000000000001"' in html
    assert '<option value="SF" selected>' in html
    assert f'value="{three[0].number}" id="select-{three[0].number}" checked' in html
    assert not three[0].parcels.exists()


def test_an_unusual_tracking_number_is_a_warning_to_confirm(client, manager, three):
    login(client, manager)
    response = batch(client, three[:2], ["SF1000000000001", "1234567890123"], carrier="SF")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="ship-warnings"' in html and 'id="ship-confirm"' in html
    assert 'value="1234567890123"' in html
    assert not any(o.parcels.exists() for o in three)

    response = batch(
        client, three[:2], ["SF1000000000001", "1234567890123"], carrier="SF", confirm="1"
    )
    assert response.status_code == 302
    assert three[1].parcels.get().tracking_number == "1234567890123"
    assert three[0].parcels.get().tracking_number == "SF1000000000001"


def test_the_order_page_ships_with_a_warning_and_keeps_what_was_typed(client, manager, three):
    order = three[0]
    url = reverse("dashboard:order-ship", kwargs={"number": order.number})
    line = order.lines.get()
    login(client, manager)
    response = client.post(
        url, {"line": [line.pk], "carrier": "YTO", "tracking_number": "12"}, follow=True
    )
    html = response.content.decode()
    assert response.redirect_chain[-1][0].startswith(f"/dashboard/orders/{order.number}/")
    assert 'id="ship-error"' in html and 'value="12"' in html
    assert '<option value="YTO" selected>' in html

    response = client.post(
        url,
        {"line": [line.pk], "carrier": "YTO", "tracking_number": "SF1000000000001"},
        follow=True,
    )
    html = response.content.decode()
    assert 'id="ship-confirm"' in html and 'value="SF1000000000001"' in html
    assert not order.parcels.exists()
    again = client.get(reverse("dashboard:order-detail", kwargs={"number": order.number}))
    assert 'id="ship-confirm"' not in again.content.decode()  # shown once, then the blank form

    response = client.post(
        url,
        {"line": [line.pk], "carrier": "YTO", "tracking_number": "sf1000000000001", "confirm": "1"},
    )
    assert response.status_code == 302
    assert order.parcels.get().tracking_number == "SF1000000000001"


def csv_upload(rows, name="huidan.csv"):
    text = "订单号,快递公司,快递单号\n" + "\n".join(",".join(row) for row in rows) + "\n"
    upload = io.BytesIO(text.encode("utf-8"))
    upload.name = name
    return upload


def test_an_import_with_bad_rows_ships_nothing_and_names_each(
    client, manager, staff, three, theirs, carrots, china, consumer
):
    shipped = paid_order([(carrots, 1)], china, consumer)
    services.ship(
        shipped,
        list(shipped.lines.all()),
        carrier="EMS",
        tracking_number="1234567890123",
        user=staff,
    )
    login(client, manager)
    rows = [
        (three[0].number, "顺丰", "SF1000000000001"),  # line 2: good
        ("NOSUCH1", "SF", "SF1000000000002"),  # 3: unknown order
        (theirs.number, "SF", "SF1000000000003"),  # 4: not this manager's
        (shipped.number, "SF", "SF1000000000004"),  # 5: already shipped
        (three[1].number, "飞鸽快递", "SF1000000000005"),  # 6: unknown carrier
        (three[2].number, "SF", ""),  # 7: empty number
        (three[0].number, "SF", "SF1000000000006"),  # 8: duplicate order
    ]
    response = client.post(reverse(IMPORT), {"file": csv_upload(rows)})
    assert response.status_code == 200
    html = response.content.decode()
    errors = html[
        html.index('id="import-errors"') : html.index("</ul>", html.index('id="import-errors"'))
    ]
    for line, reason in (
        (3, "NOSUCH1"),
        (4, "不是本合作社的订单"),
        (5, "已发货"),
        (6, "飞鸽快递"),
        (7, "请填写运单号"),
        (8, "第 2 行重复"),
    ):
        assert f"第 {line} 行" in errors and reason in errors, (line, reason)
    assert "第 2 行:" not in errors and "第 2 行：" not in errors
    assert not any(o.parcels.exists() for o in (*three, theirs))


def test_a_good_sheet_ships_every_order_csv_and_xlsx(client, manager, three):
    login(client, manager)
    rows = [(three[0].number, "顺丰", "SF1000000000001"), (three[1].number, "zto", "731234567890")]
    response = client.post(reverse(IMPORT), {"file": csv_upload(rows)})
    assert response.status_code == 302
    assert three[0].parcels.get().carrier == "SF"
    assert three[1].parcels.get().tracking_number == "731234567890"

    book = Workbook()
    sheet = book.active
    sheet.append(["订单号", "快递公司", "快递单号"])
    sheet.append([three[2].number, "京东物流", "JD0012345678901"])
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    data.name = "huidan.xlsx"
    assert client.post(reverse(IMPORT), {"file": data}).status_code == 302
    assert three[2].parcels.get().carrier == "JD"


def test_an_imported_unusual_number_waits_for_confirmation(client, manager, three):
    login(client, manager)
    rows = [(three[0].number, "SF", "SF1000000000001"), (three[1].number, "YTO", "9876543210")]
    response = client.post(reverse(IMPORT), {"file": csv_upload(rows)})
    html = response.content.decode()
    assert response.status_code == 200 and 'id="import-warnings"' in html and "第 3 行" in html
    assert not three[0].parcels.exists()
    confirm = {
        "confirm": "1",
        "row_line": ["2", "3"],
        "row_order": [three[0].number, three[1].number],
        "row_carrier": ["SF", "YTO"],
        "row_tracking": ["SF1000000000001", "9876543210"],
    }
    assert client.post(reverse(IMPORT), confirm).status_code == 302
    assert three[1].parcels.get().tracking_number == "9876543210"


def test_the_packing_list_includes_the_backlog(client, manager, staff, carrots, china, consumer):
    now = timezone.now()
    old = paid_order([(carrots, 1)], china, consumer, first_name="旧单")
    today = paid_order([(carrots, 1)], china, consumer, first_name="今单")
    gone = paid_order([(carrots, 1)], china, consumer, first_name="已发")
    later = paid_order([(carrots, 1)], china, consumer, first_name="明单")
    Order = type(old)
    Order.objects.filter(pk__in=[old.pk, gone.pk]).update(date_placed=now - timedelta(days=3))
    Order.objects.filter(pk=later.pk).update(date_placed=now + timedelta(days=1))
    services.ship(
        gone, list(gone.lines.all()), carrier="EMS", tracking_number="1234567890123", user=staff
    )
    login(client, manager)
    day = timezone.localdate(now).isoformat()
    html = client.get(reverse("dashboard:packing-list") + f"?day={day}").content.decode()
    assert old.number in html and today.number in html
    assert gone.number not in html and later.number not in html
    assert 'id="packing-backlog"' in html


def test_each_view_of_full_numbers_is_logged(client, manager, three):
    login(client, manager)
    html = client.get(reverse("dashboard:order-detail", kwargs={"number": three[2].number}))
    html = html.content.decode()
    assert "139 0000 1111" in html and "张伟" in html
    assert "顾客以游客身份结算" not in html and "Customer checked out as a guest" not in html
    access = RecipientDataAccess.objects.get()
    assert access.user == manager and access.page == "order"
    assert list(access.orders.all()) == [three[2]]

    client.get(reverse(FULFILMENT))
    access = RecipientDataAccess.objects.filter(page="fulfilment").get()
    assert set(access.orders.all()) == set(three)

    client.get(reverse(FULFILMENT) + "?export=xlsx")
    export = RecipientDataAccess.objects.get(action=RecipientDataAccess.Action.EXPORT)
    assert set(export.orders.all()) == set(three)

    labels = client.post(reverse("dashboard:shipping-labels"), {"order": [three[0].number]})
    assert "李华" in labels.content.decode()
    printed = RecipientDataAccess.objects.get(action=RecipientDataAccess.Action.PRINT)
    assert list(printed.orders.all()) == [three[0]]
    with pytest.raises(PermissionError):
        RecipientDataAccess.objects.all().delete()


def test_a_manager_sees_only_their_own_orders_recipients(
    client, manager, other_manager, three, theirs
):
    login(client, manager)
    html = client.get(reverse(FULFILMENT)).content.decode()
    assert "李华" in html and "138 1234 5678" in html
    assert "赵敏" not in html and theirs.number not in html
    page = client.get(reverse("dashboard:order-detail", kwargs={"number": theirs.number}))
    assert page.status_code == 404
    labels = client.get(reverse("dashboard:shipping-labels") + f"?order={theirs.number}")
    assert "赵敏" not in labels.content.decode()
    assert not RecipientDataAccess.objects.filter(orders=theirs).exists()

    client.logout()
    login(client, other_manager)  # a shared order: each manager ships their own line
    html = client.get(reverse(FULFILMENT)).content.decode()
    assert "张伟" in html and "赵敏" in html and "李华" not in html


def refund_case(order, consumer, units):
    from orders import aftersales

    [case] = aftersales.request(
        order,
        kind="refund",
        reason="changed_mind",
        description="请别发货",
        quantities={order.lines.first(): units},
        user=consumer,
    )
    return case


HELD = "售后中：买家申请退款 2 件，请先处理售后"


def test_units_in_an_open_refund_case_are_flagged_and_never_shipped(
    client, manager, three, consumer
):
    held = three[1]  # two carrots
    case = refund_case(held, consumer, 2)
    login(client, manager)
    html = client.get(reverse(FULFILMENT)).content.decode()
    card = html[html.index(f'id="order-{held.number}"') :]
    card = card[: card.index("</article>")]
    assert HELD in card and 'href="/dashboard/orders/after-sales/"' in card
    assert html.count("售后中：") == 1  # only the held order
    day = timezone.localdate().isoformat()
    packing = client.get(reverse("dashboard:packing-list") + f"?day={day}").content.decode()
    assert HELD in packing
    labels = client.post(reverse("dashboard:shipping-labels"), {"order": [held.number]})
    assert HELD in labels.content.decode()

    # Batch: the whole batch is refused, the held order named with the reason.
    response = batch(client, three[:2], ["SF1000000000001", "SF1000000000002"])
    assert response.status_code == 200
    assert f"订单 {held.number} {HELD}" in response.content.decode()
    # The courier's sheet: the same.
    rows = [(three[0].number, "SF", "SF1000000000001"), (held.number, "SF", "SF1000000000002")]
    response = client.post(reverse(IMPORT), {"file": csv_upload(rows)})
    assert response.status_code == 200 and HELD in response.content.decode()
    # The order page.
    url = reverse("dashboard:order-ship", kwargs={"number": held.number})
    response = client.post(
        url,
        {"line": [held.lines.get().pk], "carrier": "SF", "tracking_number": "SF1000000000002"},
        follow=True,
    )
    assert HELD in response.content.decode()
    for order in three[:2]:
        assert not order.parcels.exists()

    # Refused by the cooperative: the units ship again.
    type(case).objects.filter(pk=case.pk).update(status=type(case).Status.REJECTED)
    response = batch(client, three[:2], ["SF1000000000001", "SF1000000000002"])
    assert response.status_code == 302 and held.parcels.exists()


def test_the_held_units_cost_no_query_per_order(client, manager, carrots, china, consumer):
    def page_queries():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(FULFILMENT)).status_code == 200
        return len(queries)

    login(client, manager)
    refund_case(paid_order([(carrots, 2)], china, consumer), consumer, 1)
    one = page_queries()
    for _ in range(3):
        refund_case(paid_order([(carrots, 2)], china, consumer), consumer, 1)
    assert page_queries() == one


def test_a_tracking_number_already_on_a_parcel_is_a_warning_to_confirm(
    client, manager, staff, three, theirs
):
    services.ship(
        three[0], list(three[0].lines.all()), carrier="SF", tracking_number="SF1000000000001",
        user=staff,
    )  # fmt: skip
    services.ship(
        theirs, list(theirs.lines.all()), carrier="SF", tracking_number="SF1000000000009",
        user=staff,
    )  # fmt: skip
    login(client, manager)
    response = batch(client, [three[1]], ["sf1000000000001"])
    html = response.content.decode()
    assert response.status_code == 200 and 'id="ship-confirm"' in html
    assert f"运单号 SF1000000000001 已用于订单 {three[0].number} 的包裹" in html
    assert not three[1].parcels.exists()
    # Another cooperative's order is not named.
    response = batch(client, [three[1]], ["SF1000000000009"])
    html = response.content.decode()
    assert "运单号 SF1000000000009 已用于另一个订单的包裹" in html and theirs.number not in html
    # The courier's sheet and the order page warn the same way.
    rows = [(three[1].number, "SF", "SF1000000000001")]
    response = client.post(reverse(IMPORT), {"file": csv_upload(rows)})
    assert 'id="import-warnings"' in response.content.decode()
    assert not three[1].parcels.exists()
    url = reverse("dashboard:order-ship", kwargs={"number": three[1].number})
    data = {
        "line": [three[1].lines.get().pk],
        "carrier": "SF",
        "tracking_number": "SF1000000000001",
    }
    html = client.post(url, data, follow=True).content.decode()
    assert 'id="ship-confirm"' in html and "已用于订单" in html
    assert not three[1].parcels.exists()
    # Confirmed: it ships.
    response = batch(client, [three[1]], ["SF1000000000001"], confirm="1")
    assert response.status_code == 302
    assert three[1].parcels.get().tracking_number == "SF1000000000001"


def test_staff_ship_one_cooperative_at_a_time(client, staff, three, cooperative):
    mixed = three[2]  # carrots and tea: two cooperatives
    login(client, staff)
    html = client.get(reverse(FULFILMENT)).content.decode()
    assert 'id="ship-need-cooperative"' in html and 'id="ship-submit"' not in html
    response = batch(client, [mixed], ["SF1000000000003"])
    assert response.status_code == 200
    assert "批量发货前请先在筛选中选择一个合作社" in response.content.decode()
    assert not mixed.parcels.exists()

    url = reverse(FULFILMENT) + f"?cooperative={cooperative.pk}"
    assert 'id="ship-submit"' in client.get(url).content.decode()
    data = {"order": [mixed.number], "carrier": "SF", f"tracking-{mixed.number}": "SF1000000000003"}
    assert client.post(url, data).status_code == 302
    (parcel,) = mixed.parcels.all()
    assert parcel.partner_id == cooperative.partner_id
    assert [line.title for line in parcel.lines.all()] == ["察右中旗草原胡萝卜"]
    mixed.refresh_from_db()
    assert mixed.status == statuses.PARTLY_SHIPPED


def test_the_shipped_list_says_so_and_its_sheet_has_carrier_and_number(client, manager, three):
    from datetime import datetime

    from openpyxl import load_workbook

    login(client, manager)
    assert batch(client, three[:1], ["SF1000000000001"]).status_code == 302
    html = client.get(reverse(FULFILMENT) + "?shipped=1").content.decode()
    assert "<h1>已发货订单</h1>" in html and "<title>已发货订单" in html
    assert "<h1>待发货订单</h1>" in client.get(reverse(FULFILMENT)).content.decode()

    response = client.get(reverse(FULFILMENT) + "?shipped=1&export=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = next(r for r in rows if r and r[0] == "订单号")
    assert header[-2:] == ["承运商", "运单号"]
    [first] = [r for r in rows if r and r[0] == three[0].number]
    placed = first[header.index("下单时间")]
    assert isinstance(placed, datetime)
    assert placed == timezone.localtime(three[0].date_placed).replace(
        second=0, microsecond=0, tzinfo=None
    )
    assert first[-1] == "SF1000000000001" and "顺丰" in first[-2]


def test_another_cooperatives_order_reads_as_an_unknown_one(client, manager, theirs):
    login(client, manager)
    rows = [(theirs.number, "SF", "SF1000000000003"), ("NOSUCH1", "SF", "SF1000000000002")]
    html = client.post(reverse(IMPORT), {"file": csv_upload(rows)}).content.decode()
    for number in (theirs.number, "NOSUCH1"):
        assert f"没有订单 {number}，或它不是本合作社的订单" in html


def test_the_packing_list_has_its_breadcrumb_and_one_cooperative_no_select(
    client, manager, staff, three
):
    login(client, manager)
    html = client.get(reverse("dashboard:packing-list")).content.decode()
    crumbs = html[
        html.index('class="breadcrumb"') : html.index("</ol>", html.index('"breadcrumb"'))
    ]
    for crumb in ("管理后台", "合作社", "待发货", "拣货单"):
        assert crumb in crumbs
    assert f'href="{reverse(FULFILMENT)}"' in crumbs
    assert 'name="cooperative"' not in html
    assert 'name="cooperative"' not in client.get(reverse(FULFILMENT)).content.decode()
    client.logout()
    login(client, staff)  # several cooperatives: the select
    assert 'name="cooperative"' in client.get(reverse("dashboard:packing-list")).content.decode()


def test_staff_import_one_cooperative_at_a_time(client, staff, three, cooperative):
    mixed = three[2]  # carrots and tea
    login(client, staff)
    rows = [(mixed.number, "SF", "SF1000000000003")]
    html = client.post(reverse(IMPORT), {"file": csv_upload(rows)}).content.decode()
    assert "含多个合作社的商品" in html and not mixed.parcels.exists()

    url = reverse(IMPORT) + f"?cooperative={cooperative.pk}"
    assert cooperative.name in client.get(url).content.decode()
    assert client.post(url, {"file": csv_upload(rows)}).status_code == 302
    (parcel,) = mixed.parcels.all()
    assert parcel.partner_id == cooperative.partner_id
