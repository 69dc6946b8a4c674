"""对公转账: the rules set after review H8 — a batch's orders are paid and cancelled only with the
batch; a statement line is known by its serial *with* its date, amount and payer account; transfer
is for organisation buying only; who may see a batch's or an order's transfer; a cancelled order
gets no reminder; matching by hand never answers 500; a failed reminder logs no address."""

import logging
import smtplib
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse

from orders import services as lifecycle
from orders import statuses
from orders.payments import transfers
from orders.payments.models import StatementImport, StatementLine, TransferInstruction
from tests.factories import UserFactory, make_order, shipping_address
from tests.orders import test_transfers as base
from tests.orders.test_transfers import (
    HEADER,
    csv_bytes,
    for_organisation,
    make_organisation,
    run_import,
    today,
)

# The fixtures of test_transfers (an organisation, its order, a batch of two orders).
carrots, organisation, order, batch = base.carrots, base.organisation, base.order, base.batch

pytestmark = pytest.mark.django_db


def batch_page(batch):
    return reverse("organisations:batch-detail", kwargs={"reference": batch.reference})


def said(response):
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


# --- 1. A batch's orders: paid and cancelled only with the batch ------------------------------


def test_one_order_of_a_batch_cannot_be_paid_or_changed_on_its_own(client, consumer, batch):
    one = batch.orders.order_by("pk").first()
    client.force_login(consumer)

    response = client.get(reverse("payments:pay", kwargs={"number": one.number}))
    assert response.status_code == 302 and response.url == batch_page(batch)
    assert batch.reference in said(response)
    assert not one.intents.exists()  # no card payment started for one recipient's order

    response = client.post(
        reverse("payments:address", kwargs={"number": one.number}), {"address-line1": "x"}
    )
    assert response.status_code == 302 and response.url == batch_page(batch)

    response = client.post(
        reverse("payments:confirm", kwargs={"number": one.number}),
        data='{"payment_method": "pm_card_visa"}',
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response.json()["next"] == batch_page(batch)

    url = reverse("payments:transfer-order", kwargs={"number": one.number})
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 302 and response.url == batch_page(batch)
    assert not TransferInstruction.objects.exists()


def test_the_buyer_cannot_cancel_one_order_of_a_batch(client, consumer, batch, carrots):
    one = batch.orders.order_by("pk").first()
    held = carrots.stockrecords.get().num_allocated
    client.force_login(consumer)
    response = client.post(reverse("tracking:cancel", kwargs={"number": one.number}))
    assert response.status_code == 302
    assert batch.reference in said(response)
    one.refresh_from_db()
    assert one.status == statuses.PENDING_PAYMENT
    assert carrots.stockrecords.get().num_allocated == held
    # and the order's page offers no cancel button for it
    page = client.get(reverse("tracking:order", kwargs={"number": one.number}))
    assert 'data-action="cancel"' not in page.content.decode()


def test_a_batch_transfer_never_pays_part_of_the_batch(staff, batch):
    instruction = transfers.instruction_for_batch(batch)
    first, second = batch.orders.order_by("pk")
    lifecycle.cancel_unpaid(first, note="cancelled by staff")
    run_import(csv_bytes(f"{today()},{instruction.amount},某工会,1,{instruction.reference}"))
    line = StatementLine.objects.get()
    assert line.status == StatementLine.Status.CLOSED
    assert line.instruction == instruction
    assert "purchase batch" in line.note or "采购" in line.note
    assert transfers.match_by_hand(line, instruction.reference, user=staff) == "closed"
    second.refresh_from_db()
    assert second.status == statuses.PENDING_PAYMENT
    assert not second.sources.exists()
    instruction.refresh_from_db()
    assert instruction.status == TransferInstruction.Status.OPEN


def test_a_paid_batch_is_paid_through_its_orders_receiver(staff, batch):
    """The batch's status is decided in one place (organisations.receivers on order_paid)."""
    instruction = transfers.instruction_for_batch(batch)
    run_import(csv_bytes(f"2026-12-01,{instruction.amount},某工会,1,{instruction.reference}"))
    batch.refresh_from_db()
    assert batch.status == "paid"
    # when the money came (the transfer's day, not before the instruction was given)
    instruction.refresh_from_db()
    assert batch.paid_at == instruction.created
    assert instruction.status == TransferInstruction.Status.PAID


# --- 2. A statement line's identity ------------------------------------------------------------

SERIAL_HEADER = HEADER + ",交易参考号"


def test_a_serial_a_bank_gives_again_another_day_or_amount_is_a_new_line(client, staff):
    data = csv_bytes(
        "2026-12-01,100.00,甲,1,货款,000123",
        "2026-12-02,250.00,乙,2,货款,000123",
        header=SERIAL_HEADER,
    )
    result = run_import(data, staff)
    assert (result.read, result.new, result.seen) == (2, 2, 0)
    assert sorted(StatementLine.objects.values_list("amount", flat=True)) == [100, 250]
    # A later statement: the same serial a third time, another amount: imported, not skipped.
    later = csv_bytes(
        "2026-12-02,250.00,乙,2,货款,000123",  # seen before
        "2026-12-03,250.00,乙,2,货款,000123",
        header=SERIAL_HEADER,
    )
    result = run_import(later, staff)
    assert (result.read, result.new, result.seen) == (2, 1, 1)
    assert StatementLine.objects.count() == 3
    assert StatementImport.objects.order_by("pk").last().lines_seen == 1


def test_the_import_says_how_many_lines_were_seen_before(client, staff):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = csv_bytes("2026-12-01,100.00,甲,1,货款,000123", header=SERIAL_HEADER)
    client.force_login(staff)
    url = reverse("dashboard:transfer-import")
    client.post(url, {"statement": SimpleUploadedFile("s.csv", data)})
    response = client.post(url, {"statement": SimpleUploadedFile("s.csv", data)}, follow=True)
    text = response.content.decode()
    assert "此前已导入 1 行" in text or "1 seen before" in text
    assert StatementLine.objects.count() == 1


# --- 3. 对公转账 is for organisation buying ------------------------------------------------------


@pytest.fixture
def own_order(carrots, consumer, china):
    """An order the consumer bought for themself (no organisation)."""
    return make_order([(carrots, 1)], user=consumer, shipping_address=shipping_address(china))


def test_a_consumers_own_order_is_not_offered_transfer(client, consumer, own_order):
    client.force_login(consumer)
    page = client.get(reverse("payments:pay", kwargs={"number": own_order.number}))
    assert page.status_code == 200
    assert 'id="pay-transfer"' not in page.content.decode()
    url = reverse("payments:transfer-order", kwargs={"number": own_order.number})
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    with pytest.raises(transfers.TransferRefused):
        transfers.instruction_for_order(own_order)
    assert not TransferInstruction.objects.exists()


def test_an_order_for_an_organisation_not_approved_is_not_offered_transfer(client, carrots, china):
    applicant = UserFactory()
    waiting = make_organisation(applicant, status="pending")
    placed = for_organisation(
        make_order([(carrots, 1)], user=applicant, shipping_address=shipping_address(china)),
        waiting,
    )
    client.force_login(applicant)
    assert (
        client.post(
            reverse("payments:transfer-order", kwargs={"number": placed.number})
        ).status_code
        == 404
    )
    with pytest.raises(transfers.TransferRefused):
        transfers.instruction_for_order(placed)
    assert not TransferInstruction.objects.exists()


def test_an_organisation_order_is_offered_transfer(client, consumer, order):
    client.force_login(consumer)
    page = client.get(reverse("payments:pay", kwargs={"number": order.number}))
    assert 'id="choose-transfer"' in page.content.decode()


# --- 4. Who may see a batch's or an order's transfer -------------------------------------------


def test_a_second_purchaser_gets_404_and_nothing_is_made(client, organisation, batch, order):
    from organisations.models import Member

    colleague = UserFactory()
    Member.objects.create(organisation=organisation, user=colleague, role=Member.Role.BUYER)
    client.force_login(colleague)
    batch_url = reverse("payments:transfer-batch", kwargs={"reference": batch.reference})
    order_url = reverse("payments:transfer-order", kwargs={"number": order.number})
    for url in (batch_url, order_url):
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
    assert not TransferInstruction.objects.exists()


def test_the_organisations_admin_may_pay_a_purchasers_batch_and_order(
    client, organisation, batch, order
):
    from organisations.models import Member

    admin = UserFactory()
    Member.objects.create(organisation=organisation, user=admin, role=Member.Role.ADMIN)
    client.force_login(admin)
    batch_url = reverse("payments:transfer-batch", kwargs={"reference": batch.reference})
    order_url = reverse("payments:transfer-order", kwargs={"number": order.number})
    for url in (batch_url, order_url):
        assert client.get(url).status_code == 200
        assert client.post(url).status_code == 302
    assert TransferInstruction.objects.filter(batch=batch).exists()
    assert TransferInstruction.objects.filter(order=order).exists()


# --- 5. A cancelled order gets no reminder ----------------------------------------------------


def test_an_order_cancelled_by_its_buyer_gets_no_reminder(client, consumer, order, settings):
    instruction = transfers.instruction_for_order(order)
    client.force_login(consumer)
    client.post(reverse("tracking:cancel", kwargs={"number": order.number}))
    order.refresh_from_db()
    assert order.status == statuses.CANCELLED
    mail.outbox.clear()
    soon = instruction.due - timedelta(days=settings.TRANSFER_REMIND_DAYS, hours=-1)
    assert transfers.sweep(now=soon)["reminded"] == 0
    assert mail.outbox == []
    instruction.refresh_from_db()
    assert instruction.status == TransferInstruction.Status.CANCELLED


# --- 6. Matching by hand never answers 500 -------------------------------------------------------


def test_matching_by_hand_an_order_no_longer_waiting_lists_the_line(
    client, staff, order, monkeypatch
):
    instruction = transfers.instruction_for_order(order)
    run_import(csv_bytes(f"{today()},{order.total_incl_tax + 5},甲,1,{instruction.reference}"))
    line = StatementLine.objects.get()
    assert line.status == StatementLine.Status.OVER
    # The order is paid or cancelled between the check and the payment: mark_paid says no.
    monkeypatch.setattr(transfers.lifecycle, "mark_paid", lambda *args, **kwargs: False)
    client.force_login(staff)
    url = reverse("dashboard:transfer-line", kwargs={"pk": line.pk})
    response = client.post(url, {"action": "match", "reference": instruction.reference})
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.status == StatementLine.Status.CLOSED
    assert line.note
    order.refresh_from_db()
    assert order.status == statuses.PENDING_PAYMENT
    instruction.refresh_from_db()
    assert instruction.status == TransferInstruction.Status.OPEN
    assert not line.actions.exists()


# --- 8. A failed reminder logs the reference, no address ------------------------------------


def test_a_failed_reminder_logs_the_reference_only(order, consumer, monkeypatch, caplog):
    instruction = transfers.instruction_for_order(order)

    def refused(*args, **kwargs):
        raise smtplib.SMTPRecipientsRefused({consumer.email: (550, b"no such user")})

    monkeypatch.setattr(transfers, "send_mail", refused)
    with caplog.at_level(logging.INFO, logger="orders.payments.transfers"):
        assert transfers.send_reminders(now=instruction.due - timedelta(hours=1)) == 0
    assert instruction.reference in caplog.text
    assert consumer.email not in caplog.text
    assert all(record.exc_info is None for record in caplog.records)
    instruction.refresh_from_db()
    assert instruction.reminded_at is None  # tried again at the next sweep
