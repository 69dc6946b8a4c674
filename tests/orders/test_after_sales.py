"""After-sales (售后, orders/aftersales.py): a buyer's refund or return of shipped (or paid) units,
decided by the cooperative that sold them within AFTER_SALES_DECISION_HOURS, then by staff; an
agreed refund or a received return refunded through Stripe (a real localstripe) with the ledger
reversed; every step on both sides' timelines and emailed."""

import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from oscar.core.loading import get_model
from PIL import Image

from cooperatives.models import BenefitEntry
from orders import aftersales, services, statuses
from orders.tasks import escalate_after_sales
from tests.factories import MembershipFactory, UserFactory, make_order, make_product

pytestmark = pytest.mark.django_db

AfterSalesRequest = get_model("order", "AfterSalesRequest")
Status = AfterSalesRequest.Status


@pytest.fixture
def carrots(cooperative):
    MembershipFactory(cooperative=cooperative)
    return make_product(
        cooperative, title="察右中旗草原胡萝卜 5斤装", price="29.90", num_in_stock=10
    )


@pytest.fixture
def tea(other_cooperative):
    return make_product(other_cooperative, title="武川雪菊茶", price="68.00", num_in_stock=10)


@pytest.fixture
def buyer(client, consumer):
    client.force_login(consumer)
    return consumer


def shipped(order, user, lines=None):
    services.ship(
        order,
        list(lines or order.lines.all()),
        carrier="SF",
        tracking_number="SF123456789012",
        user=user,
    )
    order.refresh_from_db()
    return order


def photo(name="broken.jpg", colour="red", fmt="JPEG"):
    out = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(out, format=fmt)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def ask(client, order, quantities, *, kind="refund", photos=(), **data):
    fields = {
        "kind": kind,
        "reason": "damaged",
        "description": "两袋胡萝卜烂了",
        **{f"qty_{line.pk}": qty for line, qty in quantities.items()},
        **data,
    }
    if photos:
        fields["photos"] = list(photos)
    return client.post(reverse("tracking:after-sales", args=[order.number]), fields)


def act(client, case, action, **data):
    return client.post(
        reverse("dashboard:order-after-sales-action", args=[case.pk]), {"action": action, **data}
    )


def ledger_sum(order):
    return sum(
        BenefitEntry.objects.filter(order_line__order=order).values_list("amount", flat=True),
        Decimal("0"),
    )


# --- Asking ---------------------------------------------------------------------------------------


def test_a_buyer_asks_for_a_refund_with_photos_and_the_manager_is_told(
    client, buyer, carrots, manager, mailoutbox, django_capture_on_commit_callbacks
):
    order = shipped(make_order([(carrots, 3)], user=buyer, status=statuses.PAID), manager)
    line = order.lines.get()
    page = client.get(reverse("tracking:after-sales", args=[order.number]))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'for="id_qty_{line.pk}"' in html and 'for="id_photos"' in html  # every input labelled
    with django_capture_on_commit_callbacks(execute=True):
        response = ask(client, order, {line: 2}, photos=[photo(), photo("b.png", fmt="PNG")])
    assert response.status_code == 302, response.context["form"].errors
    case = AfterSalesRequest.objects.get()
    assert (case.order, case.user, case.kind, case.status) == (order, buyer, "refund", "pending")
    assert case.partner == carrots.stockrecords.get().partner
    assert list(case.lines.values_list("line", "quantity")) == [(line.pk, 2)]
    names = [p.image.name for p in case.photos.all()]
    assert len(names) == 2 and not any("broken" in n for n in names)  # re-encoded, renamed
    assert case.refund_id is None  # nothing is refunded before the cooperative agrees
    assert [m.to for m in mailoutbox] == [[manager.email]]
    assert order.number in mailoutbox[0].subject and "48" in mailoutbox[0].body
    # both timelines
    track = client.get(reverse("tracking:order", args=[order.number])).content.decode()
    assert "售后（仅退款）：已申请售后" in track and "等待合作社处理" in track
    # the last unit can still be asked about; the two in the open case cannot
    assert aftersales.available_units(order) == {line.pk: 1}
    assert ask(client, order, {line: 2}).status_code == 200
    assert AfterSalesRequest.objects.count() == 1


def test_more_than_is_left_is_refused_and_nothing_is_kept(client, buyer, carrots, manager):
    order = shipped(make_order([(carrots, 2)], user=buyer, status=statuses.PAID), manager)
    line = order.lines.get()
    response = ask(client, order, {line: 3})
    assert response.status_code == 200
    assert response.context["form"].errors[f"qty_{line.pk}"]
    response = ask(client, order, {line: 0})
    assert "请至少选择一件商品及数量。" in response.context["form"].non_field_errors()
    assert not AfterSalesRequest.objects.exists()


def test_a_seventh_photo_or_a_file_that_is_no_picture_is_refused(client, buyer, carrots, manager):
    order = shipped(make_order([(carrots, 2)], user=buyer, status=statuses.PAID), manager)
    line = order.lines.get()
    response = ask(client, order, {line: 1}, photos=[photo(f"{n}.jpg") for n in range(7)])
    assert response.status_code == 200
    assert response.context["form"].errors["photos"] == ["最多 6 张照片（您选了 7 张）。"]
    fake = SimpleUploadedFile("invoice.pdf", b"%PDF-1.4 not a picture", "application/pdf")
    response = ask(client, order, {line: 1}, photos=[photo(), fake])
    [error] = response.context["form"].errors["photos"]
    assert "invoice.pdf" in error and "图片" in error
    assert not AfterSalesRequest.objects.exists()
    assert not get_model("order", "AfterSalesPhoto").objects.exists()


@pytest.mark.parametrize("status", [statuses.PENDING_PAYMENT, statuses.CANCELLED])
def test_after_sales_is_refused_before_payment(client, buyer, carrots, status):
    order = make_order([(carrots, 1)], user=buyer, status=status)
    response = ask(client, order, {order.lines.get(): 1})
    assert response.status_code == 302
    assert not AfterSalesRequest.objects.exists()
    with pytest.raises(aftersales.AfterSalesRefused):
        aftersales.request(
            order,
            kind="refund",
            reason="other",
            description="x",
            quantities={order.lines.get(): 1},
            user=buyer,
        )


def test_a_line_of_another_order_or_another_buyers_order_is_refused(client, buyer, carrots):
    order = make_order([(carrots, 1)], user=buyer, status=statuses.PAID)
    other = make_order([(carrots, 1)], user=UserFactory(), status=statuses.PAID)
    with pytest.raises(aftersales.AfterSalesRefused, match="不属于这个订单"):
        aftersales.request(
            order,
            kind="refund",
            reason="other",
            description="x",
            quantities={other.lines.get(): 1},
            user=buyer,
        )
    response = ask(client, order, {other.lines.get(): 1})  # not a field of this order's form
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    assert ask(client, other, {other.lines.get(): 1}).status_code == 404
    assert not AfterSalesRequest.objects.exists()


def test_a_return_is_only_for_shipped_lines(client, buyer, carrots):
    order = make_order([(carrots, 1)], user=buyer, status=statuses.PAID)
    response = ask(client, order, {order.lines.get(): 1}, kind="return")
    assert response.status_code == 200
    assert "仅退款" in str(response.context["form"].errors)
    assert not AfterSalesRequest.objects.exists()
    assert ask(client, order, {order.lines.get(): 1}).status_code == 302  # a refund is fine


def test_units_a_staff_refund_already_holds_are_refused(client, buyer, carrots, staff):
    from orders.payments import refunds

    order = make_order([(carrots, 1)], user=buyer, status=statuses.PAID)
    refunds.request_refund(order, {order.lines.get(): 1}, user=staff)
    response = ask(client, order, {order.lines.get(): 1})
    assert response.status_code == 200
    assert "已在退款中或已退款" in str(response.context["form"].non_field_errors())
    assert not AfterSalesRequest.objects.exists()


# --- Who sees and decides -------------------------------------------------------------------------


def test_one_case_per_cooperative_and_each_manager_sees_and_decides_only_theirs(
    client, buyer, carrots, tea, manager, other_manager
):
    order = make_order([(carrots, 1), (tea, 1)], user=buyer, status=statuses.PAID)
    ours, theirs = order.lines.order_by("pk")
    ask(client, order, {ours: 1, theirs: 1})
    mine, other = AfterSalesRequest.objects.order_by("pk")
    assert list(AfterSalesRequest.objects.for_manager(manager)) == [mine]
    assert list(AfterSalesRequest.objects.for_manager(other_manager)) == [other]

    client.force_login(manager)
    queue = client.get(reverse("dashboard:order-after-sales"))
    assert queue.status_code == 200
    assert [c["case"] for c in queue.context["cards"]] == [mine]
    assert act(client, other, "refuse", reason="不是我们的").status_code == 404
    other.refresh_from_db()
    assert other.status == Status.PENDING
    page = client.get(reverse("dashboard:order-detail", args=[order.number]))
    assert [c["case"] for c in page.context["cards"]] == [mine] if "cards" in page.context else True
    assert f'id="after-sales-{mine.pk}"' in page.content.decode()
    assert f'id="after-sales-{other.pk}"' not in page.content.decode()


def test_refusing_needs_a_reason_which_reaches_the_buyer(
    client, buyer, carrots, manager, mailoutbox, django_capture_on_commit_callbacks
):
    order = make_order([(carrots, 1)], user=buyer, status=statuses.PAID)
    ask(client, order, {order.lines.get(): 1})
    case = AfterSalesRequest.objects.get()
    client.force_login(manager)
    act(client, case, "refuse", reason="  ")
    case.refresh_from_db()
    assert case.status == Status.PENDING
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        act(client, case, "refuse", reason="照片显示商品完好，请联系客服")
    case.refresh_from_db()
    assert case.status == Status.REJECTED and case.decided_by == manager
    [email] = mailoutbox
    assert email.to == [buyer.email] and "照片显示商品完好" in email.body
    client.force_login(buyer)
    page = client.get(reverse("customer:order", args=[order.number])).content.decode()
    assert "拒绝理由" in page and "照片显示商品完好，请联系客服" in page
    assert act(client, case, "agree").status_code == 403  # a buyer decides nothing
    case.refresh_from_db()
    assert case.status == Status.REJECTED


def test_a_buyer_with_no_email_is_texted_the_refusal(
    client, buyer, carrots, manager, mailoutbox, sms_console, django_capture_on_commit_callbacks
):
    from shop.models import PhoneAccount

    buyer.email = ""
    buyer.save(update_fields=["email"])
    PhoneAccount.objects.create(user=buyer, number="+8613700003333")
    order = make_order([(carrots, 1)], user=buyer, status=statuses.PAID)
    ask(client, order, {order.lines.get(): 1})
    case = AfterSalesRequest.objects.get()
    client.force_login(manager)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        act(client, case, "refuse", reason="照片显示商品完好")
    assert mailoutbox == []  # nobody to mail
    [text] = [m for m in sms_console if m.event == "after_sales"]
    assert text.number == "+8613700003333"
    assert order.number in text.text and "拒绝" in text.text
    assert text.params["link"].endswith(reverse("tracking:order", args=[order.number]))


# --- The 48 hours ---------------------------------------------------------------------------------


def test_a_case_left_past_the_deadline_goes_to_staff(
    client, buyer, carrots, tea, manager, staff, mailoutbox, django_capture_on_commit_callbacks
):
    order = make_order([(carrots, 1)], user=buyer, status=statuses.PAID)
    newer = make_order([(tea, 1)], user=buyer, status=statuses.PAID)
    ask(client, order, {order.lines.get(): 1})
    ask(client, newer, {newer.lines.get(): 1})
    old, recent = AfterSalesRequest.objects.order_by("pk")
    AfterSalesRequest.objects.filter(pk=old.pk).update(created=timezone.now() - timedelta(hours=49))
    AfterSalesRequest.objects.filter(pk=recent.pk).update(
        created=timezone.now() - timedelta(hours=47)
    )
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert escalate_after_sales() == 1
    assert escalate_after_sales() == 0  # once
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.escalated and old.status == Status.PENDING and recent.escalated is None
    assert staff.email in [to for m in mailoutbox for to in m.to]
    assert old.events.filter(kind="escalated").exists()

    client.force_login(manager)  # the cooperative can no longer decide it
    act(client, old, "refuse", reason="晚了")
    old.refresh_from_db()
    assert old.status == Status.PENDING

    client.force_login(staff)  # staff see every open case, the oldest first, with its age
    cards = client.get(reverse("dashboard:order-after-sales")).context["cards"]
    assert [c["case"] for c in cards] == [old, recent]
    assert cards[0]["age_days"] == 2 and cards[0]["can_decide"]
    act(client, old, "refuse", reason="超出售后范围")
    old.refresh_from_db()
    assert old.status == Status.REJECTED and old.decided_by == staff


# --- Refunds through Stripe (localstripe) ---------------------------------------------------------


@pytest.fixture
def paid_order(carrots, consumer, stripe_server, django_capture_on_commit_callbacks):
    from .stripe_support import pay

    MembershipFactory(cooperative=carrots.stockrecords.get().partner.cooperative)
    order = make_order([(carrots, 2)], user=consumer)
    with django_capture_on_commit_callbacks(execute=True):
        pay(order)
    order.refresh_from_db()
    assert order.status == statuses.PAID
    return order


def test_an_agreed_refund_goes_through_stripe_and_reverses_the_ledger(
    client, paid_order, consumer, manager, mailoutbox, django_capture_on_commit_callbacks
):
    from orders.payments.models import Refund

    order = shipped(paid_order, manager)
    client.force_login(consumer)
    ask(client, order, {order.lines.get(): 2}, photos=[photo()])
    case = AfterSalesRequest.objects.get()
    assert ledger_sum(order) > 0
    client.force_login(manager)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = act(client, case, "agree")
    assert response.status_code == 302
    case.refresh_from_db()
    order.refresh_from_db()
    assert case.status == Status.REFUNDED
    refund = Refund.objects.get(pk=case.refund_id)
    assert refund.status == Refund.Status.REFUNDED and refund.amount == order.total_incl_tax
    assert order.status == statuses.REFUNDED and order.lines.get().status == statuses.REFUNDED
    assert ledger_sum(order) == 0
    assert [e.kind for e in case.events.all()] == ["asked", "agreed", "refunded"]
    subjects = [m.subject for m in mailoutbox]
    assert any("退款" in s for s in subjects)  # the order's refund email to the buyer
    client.force_login(consumer)
    page = client.get(reverse("customer:order", args=[order.number])).content.decode()
    assert "已退款" in page and "售后（仅退款）：合作社已同意" in page


def test_a_return_waits_for_the_parcel_then_the_manager_receives_and_it_is_refunded(
    client, paid_order, consumer, manager, django_capture_on_commit_callbacks
):
    order = shipped(paid_order, manager)
    line = order.lines.get()
    client.force_login(consumer)
    ask(client, order, {line: 1}, kind="return")
    case = AfterSalesRequest.objects.get()
    client.force_login(manager)
    act(client, case, "agree")  # a return needs the address to send it to
    case.refresh_from_db()
    assert case.status == Status.PENDING
    act(client, case, "agree", return_address="内蒙古乌兰察布市察右中旗 合作社仓库 15012345678")
    case.refresh_from_db()
    assert case.status == Status.AWAITING_RETURN and case.refund_id is None
    act(client, case, "receive")  # no parcel yet
    case.refresh_from_db()
    assert case.status == Status.AWAITING_RETURN

    client.force_login(consumer)
    url = reverse("tracking:after-sales-return", args=[order.number, case.pk])
    response = client.post(url, {"carrier": "SF", "tracking_number": "12"})
    assert (
        response.status_code == 200 and response.context["form"]["tracking_number"].value() == "12"
    )
    client.post(url, {"carrier": "SF", "tracking_number": "SF 1234 5678 9012"})
    case.refresh_from_db()
    assert case.status == Status.RETURN_SHIPPED and case.return_tracking_number == "SF123456789012"

    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        act(client, case, "receive")
    case.refresh_from_db()
    order.refresh_from_db()
    assert case.status == Status.REFUNDED
    assert [e.kind for e in case.events.all()] == [
        "asked",
        "agreed",
        "return_shipped",
        "received",
        "refunded",
    ]
    assert order.status == statuses.SHIPPED  # one of two units refunded; the rest stands
    assert ledger_sum(order) > 0


def test_a_refund_that_cannot_be_made_stays_agreed_with_the_failure_on_its_timeline(
    client, buyer, carrots, manager, staff, mailoutbox, django_capture_on_commit_callbacks
):
    order = make_order([(carrots, 1)], user=buyer, status=statuses.PAID)  # paid, not by Stripe
    ask(client, order, {order.lines.get(): 1})
    case = AfterSalesRequest.objects.get()
    client.force_login(manager)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = act(client, case, "agree")
    messages = [str(m) for m in client.get(response["Location"]).context["messages"]]
    assert any("退款未能完成" in m for m in messages)
    case.refresh_from_db()
    order.refresh_from_db()
    assert case.status == Status.REFUNDING and order.status == statuses.PAID
    assert case.events.filter(kind="refund_failed").exists()
    assert staff.email in [to for m in mailoutbox for to in m.to]
    cards = client.get(reverse("dashboard:order-after-sales")).context["cards"]
    assert cards[0]["can_refund"]  # a button to try again
    queue = client.get(reverse("dashboard:order-after-sales")).content.decode()
    assert "此订单没有可退的 Stripe 付款" in queue  # the technical reason, for the dashboard

    client.force_login(buyer)  # the buyer sees it in progress, not the internal error
    page = client.get(reverse("customer:order", args=[order.number])).content.decode()
    assert "退款处理中，平台客服正在跟进" in page
    assert "退款失败" not in page and "Stripe" not in page


# --- Demo payments (load_demo's Source type "demo") ------------------------------------------------


def demo_paid(order):
    """Paid as ``load_demo`` pays its orders: a Source of type "demo", no Stripe payment."""
    services.mark_paid(
        order,
        amount=order.total_incl_tax,
        reference=f"demo-{order.number}",
        source=("demo", "演示数据"),
    )
    order.refresh_from_db()
    return order


def test_an_agreed_refund_of_a_demo_payment_is_recorded_without_stripe(
    client, consumer, carrots, manager, mailoutbox, monkeypatch, django_capture_on_commit_callbacks
):
    from orders.payments import client as stripe_client
    from orders.payments.models import Refund

    def no_stripe(**kwargs):
        raise AssertionError("a demo payment must not reach Stripe")

    monkeypatch.setattr(stripe_client, "create_refund", no_stripe)
    order = shipped(demo_paid(make_order([(carrots, 2)], user=consumer)), manager)
    record = carrots.stockrecords.get()
    available = record.num_in_stock - record.num_allocated
    client.force_login(consumer)
    ask(client, order, {order.lines.get(): 2})
    case = AfterSalesRequest.objects.get()
    assert ledger_sum(order) > 0
    client.force_login(manager)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        act(client, case, "agree")
    case.refresh_from_db()
    order.refresh_from_db()
    assert case.status == Status.REFUNDED
    refund = Refund.objects.get(pk=case.refund_id)
    assert refund.status == Refund.Status.REFUNDED
    assert refund.stripe_refund_id == f"demo-refund-{refund.pk}"
    assert order.status == statuses.REFUNDED and ledger_sum(order) == 0
    assert order.sources.get().amount_refunded == order.total_incl_tax
    record.refresh_from_db()
    assert record.num_in_stock - record.num_allocated == available + 2  # the units come back
    assert any("退款" in m.subject for m in mailoutbox)


def test_an_order_paid_through_stripe_is_still_refunded_by_stripe(consumer, carrots, staff):
    """Even with a demo payment beside it, a Stripe payment (pi_…) is refunded by Stripe."""
    from unittest import mock

    from orders.payments import refunds

    order = make_order([(carrots, 1)], user=consumer)
    services.mark_paid(
        order, amount=order.total_incl_tax, reference="pi_123", source=("stripe", "Stripe")
    )
    order.refresh_from_db()
    get_model("payment", "Source").objects.create(
        order=order,
        source_type=get_model("payment", "SourceType").objects.get_or_create(code="demo")[0],
        amount_allocated=0,
        reference="demo-x",
    )
    refund = refunds.request_refund(order, {order.lines.get(): 1}, user=staff)
    with mock.patch.object(
        refunds.client, "create_refund", return_value={"id": "re_1"}
    ) as create_refund:
        refunds.make_refund(refund, user=staff)
    assert create_refund.call_args.kwargs["intent_id"] == "pi_123"
    refund.refresh_from_db()
    assert refund.stripe_refund_id == "re_1"
    assert refunds.demo_payment(order) is None


# --- Photos are private -----------------------------------------------------------------------------


def test_photos_are_private_and_served_only_to_the_buyer_the_cases_managers_and_staff(
    client, buyer, carrots, manager, other_manager, staff, settings
):
    from django.test import Client

    from orders.models import BUYER_SESSION_KEY

    order = shipped(make_order([(carrots, 1)], user=buyer, status=statuses.PAID), manager)
    ask(client, order, {order.lines.get(): 1}, photos=[photo()])
    stored = AfterSalesRequest.objects.get().photos.get()
    url = reverse("tracking:after-sales-photo", args=[stored.pk])
    assert (settings.PRIVATE_MEDIA_ROOT / stored.image.name).is_file()
    assert not (settings.MEDIA_ROOT / stored.image.name).exists()  # nothing under /media/
    page = client.get(reverse("customer:order", args=[order.number])).content.decode()
    assert f'src="{url}"' in page and "/media/after-sales" not in page

    response = client.get(url)  # the buyer
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    assert response["Cache-Control"].startswith("private")
    for who, code in ((manager, 200), (staff, 200), (other_manager, 404)):
        client.force_login(who)
        assert client.get(url).status_code == code, who
    assert Client().get(url).status_code == 404  # anonymous

    guest_order = make_order([(carrots, 1)], status=statuses.PAID)
    guest = Client()
    session = guest.session
    session[BUYER_SESSION_KEY] = [guest_order.pk]
    session.save()
    assert guest.get(url).status_code == 404  # a guest of another order
    guest_case_photo = stored.__class__.objects.create(
        request=AfterSalesRequest.objects.create(
            order=guest_order, partner=carrots.stockrecords.get().partner, reason="damaged"
        ),
        image=stored.image.name,
    )
    assert (
        guest.get(reverse("tracking:after-sales-photo", args=[guest_case_photo.pk])).status_code
        == 200
    )


# --- The queue's queries --------------------------------------------------------------------------


def test_the_managers_queue_takes_as_many_queries_for_ten_cases_as_for_one(
    client, buyer, carrots, manager
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queue_queries():
        client.force_login(manager)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("dashboard:order-after-sales"))
        assert response.status_code == 200
        client.force_login(buyer)
        return len(response.context["cards"]), len(queries)

    def one_case():
        order = shipped(make_order([(carrots, 1)], user=buyer, status=statuses.PAID), manager)
        ask(client, order, {order.lines.get(): 1}, photos=[photo()])

    one_case()
    cards_one, with_one = queue_queries()
    for _n in range(9):
        one_case()
    cards_ten, with_ten = queue_queries()
    assert (cards_one, cards_ten) == (1, 10)
    assert with_ten == with_one


# --- Dates on the cards and timelines ---------------------------------------------------------------


def test_dates_do_not_wrap_and_a_closed_case_shows_how_long_it_took_not_a_wait(
    client, buyer, carrots, manager
):
    import re

    order = shipped(make_order([(carrots, 1)], user=buyer, status=statuses.PAID), manager)
    ask(client, order, {order.lines.get(): 1})
    case = AfterSalesRequest.objects.get()
    AfterSalesRequest.objects.filter(pk=case.pk).update(created=timezone.now() - timedelta(hours=5))
    client.force_login(manager)
    queue = client.get(reverse("dashboard:order-after-sales")).content.decode()
    assert "已等待 0 天 5 小时" in queue
    act(client, case, "refuse", reason="照片看不出问题")
    closed = client.get(reverse("dashboard:order-after-sales") + "?show=closed").content.decode()
    assert f'id="after-sales-{case.pk}"' in closed
    assert "已等待" not in closed and "处理用时 0 天 5 小时" in closed
    stamps = re.findall(
        r'<time class="([^"]*)" datetime="[^"]+">\d{4}-\d\d-\d\d \d\d:\d\d<', closed
    )
    assert stamps and all("text-nowrap" in classes for classes in stamps)

    client.force_login(buyer)  # the buyer's timeline: every time kept on one line
    page = client.get(reverse("customer:order", args=[order.number])).content.decode()
    timeline = page[page.index('id="order-timeline"') :]
    stamps = re.findall(
        r'<time class="([^"]*)" datetime="[^"]+">\d{4}-\d\d-\d\d \d\d:\d\d<', timeline
    )
    assert len(stamps) >= 3 and all("text-nowrap" in classes for classes in stamps)


# --- Return address, confirmation, the after-sales window -------------------------------------------


def test_the_return_address_defaults_from_the_cooperatives_profile_and_agreeing_asks_first(
    client, buyer, carrots, manager, cooperative
):
    cooperative.village = "乌兰哈达苏木"
    cooperative.contact_phone = "0474-1234567"
    cooperative.save()
    first = shipped(make_order([(carrots, 1)], user=buyer, status=statuses.PAID), manager)
    second = shipped(make_order([(carrots, 1)], user=buyer, status=statuses.PAID), manager)
    ask(client, first, {first.lines.get(): 1}, kind="return")
    ask(client, second, {second.lines.get(): 1})
    back, refund = AfterSalesRequest.objects.order_by("pk")
    client.force_login(manager)
    page = client.get(reverse("dashboard:order-after-sales")).content.decode()
    expected = f"内蒙古{cooperative.county.league}{cooperative.county.name}乌兰哈达苏木 "
    expected += f"{cooperative.name} 0474-1234567"
    assert f'name="return_address" maxlength="300" value="{expected}"' in page
    agree_forms = re.findall(r'id="after-sales-agree-(\d+)"\s+data-confirm="([^"]+)"', page)
    assert dict(agree_forms)[str(refund.pk)].startswith(f"同意并立即退款订单 {second.number}")
    assert dict(agree_forms)[str(back.pk)].startswith("同意退货")
    assert "jingmeng/js/after-sales-dashboard.js" in page


def test_a_completed_order_takes_after_sales_only_within_after_sales_days(
    client, buyer, carrots, manager, settings
):
    from oscar.core.loading import get_model

    settings.AFTER_SALES_DAYS = 15
    order = shipped(make_order([(carrots, 1)], user=buyer, status=statuses.PAID), manager)
    assert services.complete(order, by_buyer=True)
    changes = get_model("order", "OrderStatusChange").objects.filter(
        order=order, new_status=statuses.COMPLETED
    )
    order_page = reverse("customer:order", args=[order.number])
    form_url = reverse("tracking:after-sales", args=[order.number])

    changes.update(date_created=timezone.now() - timedelta(days=14))
    assert 'data-action="after-sales"' in client.get(order_page).content.decode()
    assert client.get(form_url).status_code == 200

    changes.update(date_created=timezone.now() - timedelta(days=16))
    assert 'data-action="after-sales"' not in client.get(order_page).content.decode()
    listing = client.get(reverse("customer:order-list")).content.decode()
    assert order.number in listing and 'data-action="after-sales"' not in listing
    response = client.get(form_url, follow=True)
    assert "已完成超过 15 天，不再受理售后申请" in response.content.decode()
    response = ask(client, order, {order.lines.get(): 1})
    assert response.status_code == 302 and not AfterSalesRequest.objects.exists()
    with pytest.raises(aftersales.AfterSalesRefused, match="15 天"):
        aftersales.request(
            order,
            kind="refund",
            reason="damaged",
            description="",
            quantities={order.lines.get(): 1},
        )
