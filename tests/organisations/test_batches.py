"""Purchase batches: the recipients sheet checked all or nothing, one order per recipient in one
transaction with the stock held for all or none, who sees which batch, the batch following its
orders."""

import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from oscar.core.loading import get_model

from orders import services as lifecycle
from orders import statuses
from organisations import batches, recipients
from organisations.models import Member, Organisation, PurchaseBatch
from tests.factories import UserFactory, make_product

from .batch_factories import (
    HEADER,
    approved_organisation,
    csv_bytes,
    good_rows,
    member_of,
    xlsx_bytes,
)

Order = get_model("order", "Order")
Line = get_model("order", "Line")
Basket = get_model("basket", "Basket")

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The messages are checked in their English msgids (the browser test reads the Chinese)."""
    with translation.override("en"):
        yield


@pytest.fixture
def organisation():
    return approved_organisation()


@pytest.fixture
def buyer(organisation):
    return member_of(organisation, email="buyer@example.com")


@pytest.fixture
def tea():
    return make_product(title="草原红茶", price="30.00", num_in_stock=500)


@pytest.fixture
def beef():
    return make_product(title="风干牛肉", price="88.00", num_in_stock=500)


def nothing_made():
    return not PurchaseBatch.objects.exists() and not Order.objects.exists()


def allocated(product):
    return product.stockrecords.get().num_allocated or 0


# --- The sheet ---------------------------------------------------------------------------------


def test_a_good_sheet_gives_its_recipients_csv_and_xlsx():
    rows = good_rows(3)
    for data, name in ((csv_bytes(rows), "a.csv"), (xlsx_bytes(rows), "a.xlsx")):
        checked = recipients.read(data, name)
        assert checked.ok, checked.errors
        assert [r.line for r in checked.recipients] == [2, 3, 4]
        first = checked.recipients[0]
        assert (first.name, first.mobile, first.province, first.city, first.district) == (
            "测试0000", "13900000000", "北京市", "北京市", "房山区",
        )  # fmt: skip


@pytest.mark.parametrize(
    ("row", "words"),
    [
        (["", "13900001111", "北京市", "北京市", "房山区", "良乡镇1号"], "name"),
        (["张" * 31, "13900001111", "北京市", "北京市", "房山区", "良乡镇1号"], "longer than 30"),
        (["张三", "12345", "北京市", "北京市", "房山区", "良乡镇1号"], "not a mainland mobile"),
        (["张三", "13900001111", "北京市", "北京市", "良乡区", "良乡镇1号"], "not a district"),
        (
            ["张三", "13900001111", "河北省", "北京市", "房山区", "良乡镇1号"],
            "not a city of 河北省",
        ),
        (
            ["张三", "13900001111", "香港特别行政区", "香港", "九龙", "弥敦道1号"],
            "outside the delivery",
        ),
        (["张三", "13900001111", "台湾省", "台北市", "大安区", "1号"], "outside the delivery"),
        (["张三", "13900001111", "火星省", "某市", "某区", "1号"], "outside the delivery"),
        (["张三", "13900001111", "北京市", "北京市", "房山区", ""], "detailed address is empty"),
    ],
)
def test_a_bad_row_is_listed_with_its_line_and_reason(row, words):
    checked = recipients.read(csv_bytes([*good_rows(2), row]), "a.csv")
    assert not checked.ok
    assert checked.recipients == []
    assert [e.line for e in checked.errors] == [4]
    assert words in checked.errors[0].message


def test_every_bad_row_is_listed():
    rows = good_rows(5)
    rows[1][1] = "1234"
    rows[3][4] = "朝阳区区"
    checked = recipients.read(csv_bytes(rows), "a.csv")
    assert [e.line for e in checked.errors] == [3, 5]


def test_an_excluded_province_is_outside_the_delivery_area(settings):
    settings.DELIVERY_EXCLUDED_PROVINCES = ["西藏自治区"]
    row = ["张三", "13900001111", "西藏自治区", "拉萨市", "城关区", "北京中路1号"]
    checked = recipients.read(csv_bytes([row]), "a.csv")
    assert "outside the delivery area" in checked.errors[0].message
    assert recipients.outside_delivery_area("西藏自治区")
    assert not recipients.outside_delivery_area("北京市")


def test_one_address_column_is_split_into_divisions():
    header = ["收货人", "手机号", "地址"]
    rows = [
        ["张三", "13900001111", "北京市房山区良乡镇拱辰大街1号"],
        ["李四", "+86 139 0000 2222", "内蒙古乌兰察布市察哈尔右翼中旗科布尔镇8号"],
        ["王五", "13900003333", "广东省东莞市南城街道1号"],
        ["赵六", "13900004444", "澳门特别行政区氹仔"],
    ]
    checked = recipients.read(csv_bytes(rows, header), "a.csv")
    assert [e.line for e in checked.errors] == [5]
    assert "outside the delivery area" in checked.errors[0].message
    checked = recipients.read(csv_bytes(rows[:3], header), "a.csv")
    a, b, c = checked.recipients
    assert (a.province, a.city, a.district, a.detail) == (
        "北京市",
        "北京市",
        "房山区",
        "良乡镇拱辰大街1号",
    )
    assert (b.province, b.city, b.district, b.mobile) == (
        "内蒙古自治区", "乌兰察布市", "察哈尔右翼中旗", "13900002222",
    )  # fmt: skip
    assert (c.city, c.district, c.detail) == ("东莞市", "东莞市", "南城街道1号")


def test_an_empty_sheet_a_sheet_without_columns_and_a_wrong_file_are_refused():
    assert "no recipients" in recipients.read(csv_bytes([]), "a.csv").errors[0].message
    lacking = recipients.read(csv_bytes(good_rows(1), ["姓名", "电话号码"]), "a.csv")
    assert "lacks the columns" in lacking.errors[0].message
    wrong = recipients.read(b"%PDF-1.4 not a sheet", "a.pdf")
    assert wrong.errors[0].line == 1 and ".xlsx" in wrong.errors[0].message
    broken = recipients.read(b"not a zip", "a.xlsx")
    assert not broken.ok


def test_too_many_rows_are_refused(settings):
    settings.BATCH_MAX_RECIPIENTS = 10
    checked = recipients.read(csv_bytes(good_rows(11)), "a.csv")
    assert not checked.ok
    assert "at most 10" in checked.errors[-1].message


def test_repeated_rows_are_warnings():
    rows = good_rows(2) + good_rows(1)
    checked = recipients.read(csv_bytes(rows), "a.csv")
    assert checked.ok
    assert [(w.line, "row 2" in w.message) for w in checked.warnings] == [(4, True)]


# --- Making the batch ----------------------------------------------------------------------------


def make(organisation, user, gifts, rows):
    checked = recipients.read(csv_bytes(rows), "a.csv")
    assert checked.ok, checked.errors
    return batches.create_batch(
        organisation=organisation, user=user, title="春节慰问品", gifts=gifts,
        recipients=checked.recipients,
    )  # fmt: skip


def test_fifty_recipients_make_fifty_orders_in_one_batch_with_the_stock_held_once(
    organisation, buyer, tea, beef, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        batch = make(organisation, buyer, [batches.Gift(tea, 2), batches.Gift(beef, 1)],
                     good_rows(50))  # fmt: skip
    assert PurchaseBatch.objects.count() == 1
    orders = list(batch.orders.select_related("shipping_address").order_by("pk"))
    assert len(orders) == 50 == batch.recipients
    assert allocated(tea) == 100 and allocated(beef) == 50
    assert batch.status == PurchaseBatch.Status.PENDING_PAYMENT
    assert batch.total == Decimal("148.00") * 50
    batch.refresh_from_db()
    assert batch.total == sum(order.total_incl_tax for order in orders)
    first = orders[0]
    assert first.status == statuses.PENDING_PAYMENT
    assert (first.organisation, first.batch, first.user) == (organisation, batch, buyer)
    assert first.shipping_address.first_name == "测试0000"
    assert str(first.shipping_address.phone_number) == "+8613900000000"
    assert first.shipping_address.line3 == "房山区"
    assert first.shipping_address.search_text  # what its save() writes
    assert {o.shipping_address.first_name for o in orders} == {f"测试{n:04d}" for n in range(50)}
    lines = Line.objects.filter(order__batch=batch)
    assert lines.count() == 100
    assert {(line.product_id, line.quantity, line.num_allocated) for line in lines} == {
        (tea.pk, 2, 2), (beef.pk, 1, 1),
    }  # fmt: skip
    assert all(line.prices.count() == 1 for line in lines[:4])
    assert Basket.objects.filter(status=Basket.SUBMITTED).count() == 50


def test_stock_short_for_the_whole_batch_makes_nothing_and_says_how_many(organisation, buyer, tea):
    scarce = make_product(title="限量奶酪", price="20.00", num_in_stock=30)
    with pytest.raises(ValidationError) as refusal:
        make(organisation, buyer, [batches.Gift(tea, 1), batches.Gift(scarce, 1)], good_rows(50))
    message = " ".join(refusal.value.messages)
    assert "限量奶酪" in message and "needs 50" in message and "20 short" in message
    assert nothing_made()
    assert allocated(tea) == 0 and allocated(scarce) == 0


def test_without_mainland_china_as_a_shipping_country_nothing_is_made(organisation, buyer, tea):
    """Every recipient's address is in mainland China: a store without it (a flushed test
    database, a botched setup) refuses the batch, it does not fail writing addresses."""
    Country = get_model("address", "Country")
    Country.objects.filter(iso_3166_1_a2="CN").update(is_shipping_country=False)
    with pytest.raises(ValidationError) as refusal:
        make(organisation, buyer, [batches.Gift(tea, 1)], good_rows(3))
    assert refusal.value.error_list[0].code == "no_country"
    assert nothing_made()
    assert allocated(tea) == 0


def test_stock_taken_meanwhile_undoes_the_whole_batch(organisation, buyer, tea, monkeypatch):
    """The check before writing passed, but another buyer took the units before the allocation:
    the conditional UPDATE refuses, and every order written is undone."""
    monkeypatch.setattr(batches, "shortfalls", lambda priced, count: [])
    record = tea.stockrecords.get()
    record.num_allocated = 480
    record.save()
    with pytest.raises(ValidationError) as refusal:
        make(organisation, buyer, [batches.Gift(tea, 1)], good_rows(50))
    assert "30 short" in " ".join(refusal.value.messages)
    assert nothing_made()
    record.refresh_from_db()
    assert record.num_allocated == 480


def test_bad_gifts_are_refused(organisation, buyer, tea):
    with pytest.raises(ValidationError):
        make(organisation, buyer, [], good_rows(2))
    with pytest.raises(ValidationError):
        make(organisation, buyer, [batches.Gift(tea, 100)], good_rows(2))
    hidden = make_product(is_public=False)
    with pytest.raises(ValidationError):
        make(organisation, buyer, [batches.Gift(hidden, 1)], good_rows(2))
    assert nothing_made()


def test_only_members_of_an_approved_organisation_make_batches(organisation, tea):
    outsider = UserFactory()
    with pytest.raises(batches.PermissionDenied):
        make(organisation, outsider, [batches.Gift(tea, 1)], good_rows(2))
    pending = approved_organisation(status=Organisation.Status.PENDING, name="待审单位")
    waiting = member_of(pending)
    with pytest.raises(batches.PermissionDenied):
        make(pending, waiting, [batches.Gift(tea, 1)], good_rows(2))
    assert nothing_made()


# --- The batch follows its orders --------------------------------------------------------------


def test_the_batch_is_paid_when_all_its_orders_are(organisation, buyer, tea):
    batch = make(organisation, buyer, [batches.Gift(tea, 1)], good_rows(3))
    orders = list(batch.orders.order_by("pk"))
    for order in orders[:2]:
        lifecycle.mark_paid(order, amount=order.total_incl_tax, reference=f"t-{order.number}",
                            source=("test", "测试"))  # fmt: skip
    batch.refresh_from_db()
    assert batch.status == PurchaseBatch.Status.PENDING_PAYMENT
    last = orders[2]
    lifecycle.mark_paid(
        last, amount=last.total_incl_tax, reference="t-last", source=("test", "测试")
    )
    batch.refresh_from_db()
    assert batch.status == PurchaseBatch.Status.PAID and batch.paid_at is not None
    assert all(o.buyer_district == "房山区" for o in batch.orders.all())


def test_the_batch_is_cancelled_when_all_its_orders_are(organisation, buyer, tea):
    batch = make(organisation, buyer, [batches.Gift(tea, 2)], good_rows(3))
    assert allocated(tea) == 6
    for order in batch.orders.all():
        lifecycle.cancel_unpaid(order, note="test")
    batch.refresh_from_db()
    assert batch.status == PurchaseBatch.Status.CANCELLED
    assert allocated(tea) == 0


# --- Pages ---------------------------------------------------------------------------------------


def upload(client, organisation, tea, rows, **extra):
    data = {
        "gift-TOTAL_FORMS": "3", "gift-INITIAL_FORMS": "0", "gift-MIN_NUM_FORMS": "0",
        "gift-MAX_NUM_FORMS": "10", "gift-0-product": str(tea.pk), "gift-0-quantity": "2",
        "title": "春节慰问", "sheet": SimpleUploadedFile("名单.csv", csv_bytes(rows)),
        "submission_token": str(uuid.uuid4()), **extra,
    }  # fmt: skip
    return client.post(reverse("organisations:batch-new", kwargs={"pk": organisation.pk}), data)


def test_a_member_uploads_a_sheet_and_sees_the_batch(client, organisation, buyer, tea):
    client.force_login(buyer)
    page = client.get(reverse("organisations:batch-new", kwargs={"pk": organisation.pk}))
    assert page.status_code == 200 and "草原红茶" in page.content.decode()
    bad = good_rows(5)
    bad[2][1] = "110"
    response = upload(client, organisation, tea, bad)
    assert response.status_code == 400
    text = response.content.decode()
    assert 'data-line="4"' in text
    assert f'value="{tea.pk}" selected' in text  # the products stay chosen
    assert nothing_made()
    response = upload(client, organisation, tea, good_rows(5))
    batch = PurchaseBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("organisations:batch-detail", args=[batch.reference])
    detail = client.get(response["Location"]).content.decode()
    # masked as everywhere else (cooperatives.models.mask_name: 王*明)
    assert "测****4" in detail and "139****0004" in detail
    assert "测试0004" not in detail and "13900000004" not in detail  # masked
    listing = client.get(reverse("organisations:batch-list", kwargs={"pk": organisation.pk}))
    assert batch.reference in listing.content.decode()


def test_repeated_rows_need_a_tick(client, organisation, buyer, tea):
    client.force_login(buyer)
    rows = good_rows(2) + good_rows(1)
    assert upload(client, organisation, tea, rows).status_code == 400
    assert nothing_made()
    assert upload(client, organisation, tea, rows, repeats_ok="on").status_code == 302
    assert PurchaseBatch.objects.get().recipients == 3


def test_who_sees_a_batch(client, organisation, buyer, tea):
    batch = make(organisation, buyer, [batches.Gift(tea, 1)], good_rows(2))
    detail = reverse("organisations:batch-detail", args=[batch.reference])
    other_buyer = member_of(organisation)
    admin = member_of(organisation, role=Member.Role.ADMIN)
    outsider = UserFactory()
    other_org_admin = member_of(approved_organisation(name="别的单位"), role=Member.Role.ADMIN)
    for user, status in ((buyer, 200), (admin, 200), (other_buyer, 404), (outsider, 404),
                         (other_org_admin, 404)):  # fmt: skip
        client.force_login(user)
        assert client.get(detail).status_code == status, user
    client.force_login(outsider)
    for name in ("organisations:batch-new", "organisations:batch-list"):
        assert client.get(reverse(name, kwargs={"pk": organisation.pk})).status_code == 404
    assert upload(client, organisation, tea, good_rows(2)).status_code == 404
    assert PurchaseBatch.objects.count() == 1
    client.force_login(other_buyer)
    listing = client.get(reverse("organisations:batch-list", kwargs={"pk": organisation.pk}))
    assert batch.reference not in listing.content.decode()
    client.force_login(admin)
    listing = client.get(reverse("organisations:batch-list", kwargs={"pk": organisation.pk}))
    assert batch.reference in listing.content.decode()


def test_the_sample_sheet_reads_back_as_two_good_recipients(client, buyer):
    client.force_login(buyer)
    response = client.get(reverse("organisations:batch-template"))
    assert response.status_code == 200
    checked = recipients.read(response.content, "sample.xlsx")
    assert checked.ok and len(checked.recipients) == 2
    assert HEADER == recipients.TEMPLATE_HEADER


def test_the_batch_page_keeps_its_queries_flat(
    client, organisation, buyer, tea, django_assert_max_num_queries
):
    batch = make(organisation, buyer, [batches.Gift(tea, 1)], good_rows(40))
    client.force_login(buyer)
    with django_assert_max_num_queries(25):
        response = client.get(reverse("organisations:batch-detail", args=[batch.reference]))
    assert response.content.decode().count('class="batch-order"') == 40


# --- The batch writes what Oscar's order creator writes ------------------------------------------


def _rows(order):
    """Everything placing ``order`` wrote, without what differs between any two orders (and the
    batch's own fields)."""
    from django.forms.models import model_to_dict

    skip = {"id", "order", "line", "number", "basket", "date_placed", "batch", "organisation"}
    order = Order.objects.select_related("shipping_address", "basket").get(pk=order.pk)  # as stored

    def plain(obj, *more):
        return {k: v for k, v in model_to_dict(obj).items() if k not in skip | set(more)}

    return {
        "order": plain(order, "shipping_address"),
        "shipping_address": plain(order.shipping_address),
        "lines": [plain(line, "stockrecord") for line in order.lines.order_by("product_id")],
        "prices": [
            plain(price)
            for line in order.lines.order_by("product_id")
            for price in line.prices.all()
        ],
        "discounts": [plain(d) for d in order.discounts.all()],
        "basket": plain(order.basket, "date_created", "date_merged", "date_submitted"),
        "basket_lines": order.basket.all_lines().count(),  # none: the batch's lines are in memory
    }


def test_a_batch_order_is_the_rows_oscars_order_creator_writes(organisation, buyer, tea, beef):
    from bench.batch import place_one

    checked = recipients.read(csv_bytes(good_rows(1)), "a.csv")
    batch = batches.create_batch(
        organisation=organisation, user=buyer, title="", recipients=checked.recipients,
        gifts=[batches.Gift(tea, 1), batches.Gift(beef, 1)],
    )  # fmt: skip
    ours = batch.orders.get()
    oscars = place_one(buyer, [tea, beef], checked.recipients[0])  # basket, OrderCreator
    ours_rows, oscar_rows = _rows(ours), _rows(oscars)
    assert oscar_rows.pop("basket_lines") == 2 and ours_rows.pop("basket_lines") == 0
    assert ours_rows == oscar_rows
    assert (ours.organisation, ours.batch) == (organisation, batch)
    assert allocated(tea) == 2 and allocated(beef) == 2  # once per unit, each way
