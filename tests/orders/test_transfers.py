"""对公转账: instructions, statement import and matching, settling by hand, reminders and
cancellation, and the Stripe timeout leaving transfer-waiting orders alone."""

import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from cooperatives.models import BenefitEntry
from orders import statuses
from orders.payments import intents, statements, transfers
from orders.payments.models import StatementLine, TransferAction, TransferInstruction
from tests.factories import (
    MembershipFactory,
    UserFactory,
    make_credit_code,
    make_order,
    make_product,
    reach,
    shipping_address,
)

pytestmark = pytest.mark.django_db

HEADER = "交易日期,贷方金额,付款人名称,付款人账号,摘要"


@pytest.fixture
def carrots(cooperative):
    MembershipFactory(cooperative=cooperative)
    MembershipFactory(cooperative=cooperative)
    return make_product(cooperative, title="察右中旗胡萝卜 5斤装", price="29.90", num_in_stock=10)


def make_organisation(applicant, *, status="approved", role="buyer"):
    """An organisation (approved by default) with ``applicant`` as a member (采购员)."""
    from organisations.models import Member, Organisation

    org = Organisation.objects.create(
        name="北京市房山区某某中学工会",
        kind=Organisation.Kind.UNION,
        credit_code=make_credit_code("110111"),
        district="房山区",
        contact_name="张老师",
        contact_phone="13900000001",
        contact_email="union@example.com",
        licence="organisations/licences/demo.png",
        status=status,
        applied_by=applicant,
    )
    Member.objects.create(organisation=org, user=applicant, role=role)
    return org


def for_organisation(order, organisation):
    """``order`` bought for ``organisation`` (as the checkout records it)."""
    type(order).objects.filter(pk=order.pk).update(organisation=organisation)
    order.refresh_from_db()
    return order


@pytest.fixture
def organisation(consumer):
    return make_organisation(consumer)


@pytest.fixture
def order(carrots, consumer, china, organisation):
    """An order the consumer (采购员) bought for the approved organisation: 对公转账 is offered."""
    placed = make_order([(carrots, 2)], user=consumer, shipping_address=shipping_address(china))
    return for_organisation(placed, organisation)


@pytest.fixture
def batch(organisation, consumer, carrots):
    from organisations.models import PurchaseBatch

    orders = [make_order([(carrots, n)], user=consumer) for n in (1, 2)]
    batch = PurchaseBatch.objects.create(
        reference="CG20261207001",
        organisation=organisation,
        created_by=consumer,
        total=sum(o.total_incl_tax for o in orders),
        recipients=2,
    )
    for o in orders:
        type(o).objects.filter(pk=o.pk).update(batch=batch, organisation=organisation)
    return batch


def csv_bytes(*rows, header=HEADER):
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def run_import(data, staff=None, filename="statement.csv"):
    parsed = statements.parse_statement(data, filename)
    return transfers.import_statement(parsed, filename=filename, user=staff)


def today():
    return timezone.localdate().isoformat()


# --- References ----------------------------------------------------------------------------


def test_a_reference_is_jm_eight_characters_and_a_check_character():
    seen = {transfers.new_reference() for _ in range(200)}
    assert len(seen) == 200
    for reference in seen:
        assert re.fullmatch(r"JM[2-9A-HJ-NP-Z]{9}", reference)
        assert transfers.is_valid_reference(reference)


def test_the_check_character_catches_every_typo_and_every_swap_of_neighbours():
    reference = "JM7K3QW9PR" + transfers.check_char("7K3QW9PR")
    assert transfers.is_valid_reference(reference)
    body = reference[2:]
    for position in range(len(body)):
        for char in transfers.ALPHABET:
            if char != body[position]:
                typo = "JM" + body[:position] + char + body[position + 1 :]
                assert not transfers.is_valid_reference(typo), typo
    for position in range(len(body) - 1):
        a, b = body[position], body[position + 1]
        if a != b:
            swapped = "JM" + body[:position] + b + a + body[position + 2 :]
            assert not transfers.is_valid_reference(swapped), swapped


def test_references_are_found_in_a_memo_however_they_are_typed():
    reference = transfers.new_reference()
    spaced = f"{reference[:4]} {reference[4:8]}-{reference[8:]}".lower()
    assert transfers.find_references(f"货款 {spaced} 京蒙优选") == [reference]
    assert transfers.find_references("货款") == []
    other = transfers.new_reference()
    assert transfers.find_references(f"{reference}/{other}") == [reference, other]
    broken = reference[:-1] + ("2" if reference[-1] != "2" else "3")
    assert transfers.find_references(broken) == []


# --- Instructions ----------------------------------------------------------------------------


def test_choosing_transfer_twice_shows_the_same_reference(client, consumer, order, settings):
    client.force_login(consumer)
    url = reverse("payments:transfer-order", kwargs={"number": order.number})
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 302
    instruction = TransferInstruction.objects.get()
    assert instruction.order == order
    assert instruction.amount == order.total_incl_tax
    assert instruction.due > timezone.now() + timedelta(days=settings.TRANSFER_DAYS - 1)
    page = client.get(url).content.decode()
    assert instruction.reference in page
    assert settings.TRANSFER_PAYEE_NAME in page
    assert settings.TRANSFER_PAYEE_ACCOUNT in page
    # The payment page offers it beside the card, and then shows the reference.
    pay = client.get(reverse("payments:pay", kwargs={"number": order.number})).content.decode()
    assert instruction.reference in pay


def test_another_buyer_sees_no_transfer_of_the_order(client, order):
    client.force_login(UserFactory())
    url = reverse("payments:transfer-order", kwargs={"number": order.number})
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert not TransferInstruction.objects.exists()


def test_a_paid_order_cannot_be_given_a_transfer(client, consumer, carrots, organisation):
    paid = for_organisation(
        make_order([(carrots, 1)], user=consumer, status=statuses.PAID), organisation
    )
    client.force_login(consumer)
    url = reverse("payments:transfer-order", kwargs={"number": paid.number})
    assert client.post(url).status_code == 400
    assert not TransferInstruction.objects.exists()


def test_the_batch_page_is_for_its_organisations_members(client, consumer, batch):
    url = reverse("payments:transfer-batch", kwargs={"reference": batch.reference})
    client.force_login(UserFactory())
    assert client.post(url).status_code == 404
    client.force_login(consumer)
    assert client.post(url).status_code == 302
    client.post(url)
    instruction = TransferInstruction.objects.get()
    assert instruction.batch == batch
    assert instruction.amount == batch.total
    assert instruction.reference in client.get(url).content.decode()
    # One order of the batch is paid through the batch, not on its own.
    first = batch.orders.first()
    with pytest.raises(transfers.TransferRefused):
        transfers.instruction_for_order(first)


# --- Statements: bad files -------------------------------------------------------------------


def test_bad_cells_are_listed_by_row_and_nothing_is_imported(client, staff, order):
    instruction = transfers.instruction_for_order(order)
    data = csv_bytes(
        f"{today()},{order.total_incl_tax},某某中学工会,1100 0000 0001,{instruction.reference}",
        "2026-13-40,100.00,甲,1,货款",
        f"{today()},一百元,乙,2,货款",
    )
    with pytest.raises(statements.StatementError) as caught:
        run_import(data, staff)
    assert [e[:6] for e in caught.value.errors] == ["第 3 行：", "第 4 行："]
    assert "交易日期" in caught.value.errors[0] and "金额" in caught.value.errors[1]

    client.force_login(staff)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        reverse("dashboard:transfer-import"),
        {"statement": SimpleUploadedFile("s.csv", data, content_type="text/csv")},
    )
    assert response.status_code == 400
    assert "第 3 行" in response.content.decode()
    assert not StatementLine.objects.exists()
    order.refresh_from_db()
    assert order.status == statuses.PENDING_PAYMENT


def test_a_file_of_the_wrong_type_or_without_the_columns_is_refused():
    with pytest.raises(statements.StatementError, match="只支持"):
        statements.parse_statement(b"%PDF-1.4", "statement.pdf")
    with pytest.raises(statements.StatementError, match="找不到表头"):
        statements.parse_statement(csv_bytes("a,b", header="x,y"), "s.csv")
    with pytest.raises(statements.StatementError, match="付款人名称"):
        statements.parse_statement(
            csv_bytes(f"{today()},1.00,JM", header="交易日期,金额,附言"), "s.csv"
        )


def test_common_bank_headers_title_rows_and_xlsx_are_read():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["中国工商银行 账户明细"])
    sheet.append(["账号：0200004509200088888"])
    sheet.append(
        ["交易时间", "借方发生额", "贷方发生额", "对方户名", "对方账号", "用途", "交易流水号"]
    )
    sheet.append(
        ["2026-12-01 10:21:00", "", "1,234.50", "北京某某公司", "6222 0000", "JM货款", "A1"]
    )
    sheet.append(["2026-12-01 11:00:00", "50.00", "", "电费", "", "", "A2"])  # a debit
    sheet.append(["合计", "50.00", "1,234.50"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    [line] = statements.parse_statement(buffer.getvalue(), "s.xlsx")
    assert line.amount == Decimal("1234.50")
    assert line.date.isoformat() == "2026-12-01"
    assert line.payer_name == "北京某某公司"
    assert line.payer_account == "62220000"
    assert line.bank_serial == "A1"
    assert line.row == 4


# --- Matching ---------------------------------------------------------------------------------


def test_an_exact_transfer_pays_the_order_through_the_lifecycle(
    staff, order, django_capture_on_commit_callbacks
):
    instruction = transfers.instruction_for_order(order)
    day = timezone.localdate() - timedelta(days=0)
    data = csv_bytes(
        f"{day.isoformat()},{order.total_incl_tax},北京某某公司,1100 0001,"
        f"货款 {instruction.reference.lower()}"
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        result = run_import(data, staff)
    assert result.statuses == {StatementLine.Status.MATCHED: 1}
    order.refresh_from_db()
    instruction.refresh_from_db()
    assert order.status == statuses.PAID
    assert instruction.status == TransferInstruction.Status.PAID
    assert order.buyer_district == "房山区"  # set by mark_paid
    source = order.sources.get()
    assert source.source_type.code == "transfer"
    assert source.amount_debited == order.total_incl_tax
    line = StatementLine.objects.get()
    assert source.reference == f"statement-line-{line.pk}"
    assert BenefitEntry.objects.filter(order_line__order=order).count() == 2
    assert any("订单已付款" in m.subject for m in mail.outbox)
    assert TransferAction.objects.filter(line=line, kind="matched").exists()


def test_short_over_unmatched_ambiguous_and_closed_lines_are_listed_and_nothing_paid(
    staff, carrots, consumer, organisation
):
    orders = [
        for_organisation(make_order([(carrots, 1)], user=consumer), organisation) for _ in range(5)
    ]
    refs = [transfers.instruction_for_order(o).reference for o in orders]
    total = orders[0].total_incl_tax
    reach(orders[4], statuses.CANCELLED)
    data = csv_bytes(
        f"{today()},{total - Decimal('0.10')},甲,1,{refs[0]}",  # short
        f"{today()},{total + 10},乙,2,{refs[1]}",  # over
        f"{today()},{total},丙,3,货款",  # no reference
        f"{today()},{total},丁,4,{refs[2]} {refs[3]}",  # two references
        f"{today()},{total},戊,5,{refs[4]}",  # the order was cancelled
    )
    result = run_import(data, staff)
    S = StatementLine.Status
    assert result.statuses == {S.SHORT: 1, S.OVER: 1, S.UNMATCHED: 1, S.AMBIGUOUS: 1, S.CLOSED: 1}
    for o in orders[:4]:
        o.refresh_from_db()
        assert o.status == statuses.PENDING_PAYMENT
    assert not BenefitEntry.objects.exists()
    assert StatementLine.objects.filter(status__in=StatementLine.NEEDS_A_PERSON).count() == 5


def test_a_later_line_that_makes_up_a_short_payment_pays_the_order(staff, order):
    instruction = transfers.instruction_for_order(order)
    first = order.total_incl_tax - Decimal("20.00")
    run_import(csv_bytes(f"{today()},{first},甲,1,{instruction.reference}"), staff)
    order.refresh_from_db()
    assert order.status == statuses.PENDING_PAYMENT
    run_import(csv_bytes(f"{today()},20.00,甲,1,补款 {instruction.reference}"), staff)
    order.refresh_from_db()
    assert order.status == statuses.PAID
    assert set(StatementLine.objects.values_list("status", flat=True)) == {"matched"}


def test_importing_the_same_statement_again_changes_nothing(staff, order):
    instruction = transfers.instruction_for_order(order)
    data = csv_bytes(
        f"{today()},{order.total_incl_tax},甲,1,{instruction.reference}",
        f"{today()},5.00,乙,2,货款",
        f"{today()},5.00,乙,2,货款",  # the same twice in one file: two payments
    )
    first = run_import(data, staff)
    assert first.new == 3
    again = run_import(data, staff)
    assert again.new == 0 and again.statuses == {}
    assert StatementLine.objects.count() == 3
    order.refresh_from_db()
    assert order.sources.count() == 1


def test_a_bank_serial_number_identifies_a_line(staff):
    header = HEADER + ",流水号"
    run_import(csv_bytes(f"{today()},5.00,乙,2,货款,X1", header=header), staff)
    run_import(csv_bytes(f"{today()},5.00,乙,2,货款 更正,X1", header=header), staff)
    assert StatementLine.objects.count() == 1


def test_a_batch_is_paid_by_one_transfer_every_order_with_its_own_amount(staff, batch):
    instruction = transfers.instruction_for_batch(batch)
    run_import(csv_bytes(f"{today()},{batch.total},某某中学工会,1,{instruction.reference}"), staff)
    batch.refresh_from_db()
    assert batch.status == "paid"
    for o in batch.orders.all():
        assert o.status == statuses.PAID
        assert o.sources.get().amount_debited == o.total_incl_tax
        assert o.buyer_district == "房山区"  # the organisation's


# --- Settling by hand --------------------------------------------------------------------------


def test_staff_match_an_over_payment_by_hand_with_a_note_to_return_the_excess(client, staff, order):
    instruction = transfers.instruction_for_order(order)
    run_import(csv_bytes(f"{today()},{order.total_incl_tax + 5},甲,1,{instruction.reference}"))
    line = StatementLine.objects.get()
    client.force_login(staff)
    url = reverse("dashboard:transfer-line", kwargs={"pk": line.pk})
    assert instruction.reference in client.get(url).content.decode()
    wrong_check = "Y" if instruction.reference.endswith("X") else "X"  # never the right one
    bad = client.post(
        url, {"action": "match", "reference": instruction.reference[:-1] + wrong_check}
    )
    assert bad.status_code == 400
    response = client.post(url, {"action": "match", "reference": instruction.reference})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == statuses.PAID
    assert "5.00" in order.notes.get().message
    action = TransferAction.objects.get(line=line)
    assert action.kind == "matched_by_hand" and action.user == staff


def test_an_unknown_line_matched_by_hand_to_a_short_amount_waits_for_the_rest(staff, order):
    instruction = transfers.instruction_for_order(order)
    run_import(csv_bytes(f"{today()},10.00,甲,1,货款"))
    line = StatementLine.objects.get()
    assert transfers.match_by_hand(line, instruction.reference, user=staff) == "short"
    order.refresh_from_db()
    assert order.status == statuses.PENDING_PAYMENT
    rest = order.total_incl_tax - Decimal("10.00")
    run_import(csv_bytes(f"{today()},{rest},甲,1,{instruction.reference}"))
    order.refresh_from_db()
    assert order.status == statuses.PAID


def test_setting_a_line_aside_needs_a_note_and_is_logged(client, staff):
    run_import(csv_bytes(f"{today()},10.00,甲,1,货款"))
    line = StatementLine.objects.get()
    client.force_login(staff)
    url = reverse("dashboard:transfer-line", kwargs={"pk": line.pk})
    assert client.post(url, {"action": "set_aside", "note": ""}).status_code == 400
    assert client.post(url, {"action": "set_aside", "note": "已退回付款人"}).status_code == 302
    line.refresh_from_db()
    assert line.status == "set_aside"
    assert TransferAction.objects.get(line=line).user == staff
    listed = client.get(reverse("dashboard:transfer-list")).content.decode()
    assert f'data-line="{line.pk}"' not in listed


def test_the_dashboard_is_for_staff(client, consumer):
    client.force_login(consumer)
    for name in ("dashboard:transfer-list", "dashboard:transfer-import"):
        response = client.get(reverse(name))
        assert response.status_code in (302, 403)


# --- Reminders and cancellation ----------------------------------------------------------------


def test_the_reminder_is_sent_once_before_the_due_date(order, consumer, settings):
    instruction = transfers.instruction_for_order(order)
    mail.outbox.clear()
    assert transfers.send_reminders() == 0  # 7 days left
    soon = instruction.due - timedelta(days=settings.TRANSFER_REMIND_DAYS, hours=-1)
    assert transfers.send_reminders(now=soon) == 1
    assert transfers.send_reminders(now=soon + timedelta(hours=1)) == 0
    [message] = mail.outbox
    assert message.to == [consumer.email]
    assert instruction.reference in message.body
    assert settings.TRANSFER_PAYEE_ACCOUNT in message.body


def test_a_batch_reminder_goes_to_the_buyer_and_the_organisation(batch, consumer):
    instruction = transfers.instruction_for_batch(batch)
    mail.outbox.clear()
    transfers.send_reminders(now=instruction.due - timedelta(hours=1))
    assert sorted(mail.outbox[0].to) == sorted([consumer.email, "union@example.com"])


def test_unpaid_past_the_due_date_the_order_is_cancelled_and_its_stock_released(order, carrots):
    instruction = transfers.instruction_for_order(order)
    stock = carrots.stockrecords.get()
    assert stock.num_allocated == 2
    assert transfers.cancel_overdue(now=instruction.due - timedelta(minutes=1)) == []
    assert transfers.cancel_overdue(now=instruction.due + timedelta(minutes=1)) == [
        instruction.reference
    ]
    order.refresh_from_db()
    stock.refresh_from_db()
    instruction.refresh_from_db()
    assert order.status == statuses.CANCELLED
    assert stock.num_allocated == 0
    assert instruction.status == TransferInstruction.Status.CANCELLED
    assert transfers.cancel_overdue(now=instruction.due + timedelta(days=1)) == []


def test_an_overdue_batch_is_cancelled_whole(batch, carrots):
    instruction = transfers.instruction_for_batch(batch)
    transfers.sweep(now=instruction.due + timedelta(minutes=1))
    batch.refresh_from_db()
    assert batch.status == "cancelled"
    assert set(batch.orders.values_list("status", flat=True)) == {statuses.CANCELLED}
    assert carrots.stockrecords.get().num_allocated == 0


def test_a_batch_that_chose_no_way_to_pay_is_cancelled_after_the_transfer_days(batch, settings):
    later = timezone.now() + timedelta(days=settings.TRANSFER_DAYS, minutes=1)
    transfers.cancel_overdue(now=later - timedelta(days=1))
    assert set(batch.orders.values_list("status", flat=True)) == {statuses.PENDING_PAYMENT}
    transfers.cancel_overdue(now=later)
    batch.refresh_from_db()
    assert batch.status == "cancelled"


def test_the_stripe_timeout_skips_orders_waiting_for_a_transfer_and_batch_orders(
    carrots, consumer, batch, order
):
    transfers.instruction_for_order(order)
    plain = make_order([(carrots, 1)], user=consumer)
    later = timezone.now() + timedelta(minutes=31)
    assert intents.cancel_abandoned_orders(now=later) == [str(plain.number)]
    order.refresh_from_db()
    assert order.status == statuses.PENDING_PAYMENT
    assert set(batch.orders.values_list("status", flat=True)) == {statuses.PENDING_PAYMENT}


def test_an_instruction_paid_by_card_after_all_is_closed_and_a_late_transfer_listed(staff, order):
    instruction = transfers.instruction_for_order(order)
    reach(order, statuses.PAID)  # by card, say
    mail.outbox.clear()
    assert transfers.sweep(now=instruction.due - timedelta(hours=1))["closed"] == 1
    instruction.refresh_from_db()
    assert instruction.status == TransferInstruction.Status.CLOSED
    assert mail.outbox == []  # no reminder for it
    run_import(csv_bytes(f"{today()},{order.total_incl_tax},甲,1,{instruction.reference}"))
    assert StatementLine.objects.get().status == StatementLine.Status.CLOSED
    assert order.sources.count() == 1


def test_the_demo_statement_reads_three_credits_and_skips_the_fee():
    from shop.demo import transfers as demo

    lines = statements.parse_statement(demo.STATEMENT.read_bytes(), demo.STATEMENT.name)
    assert [str(line.amount) for line in lines] == ["59.80", "50.00", "1280.00"]
    assert transfers.find_references(lines[0].memo) == [demo.reference("TRANSFER")]
    assert transfers.find_references(lines[1].memo) == [demo.reference("PARTPAYS")]
    assert transfers.find_references(lines[2].memo) == []
