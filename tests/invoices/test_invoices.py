"""发票: 税号 check character, 专票 details, per-cooperative amounts, issuing with a real file
only, 红冲 after a refund, and who may see what."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from oscar.apps.shipping.methods import FixedPrice

from invoices import services
from invoices.forms import InvoiceRequestForm
from invoices.models import Invoice, InvoiceRequest
from invoices.validators import validate_tax_number
from orders import statuses
from organisations.models import Member
from tests.factories import UserFactory, make_credit_code, make_order, make_product

from .helpers import (
    details,
    jpeg_renamed,
    ofd_upload,
    organisation,
    paid_order,
    pdf_upload,
    refund_line,
    special,
)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 1)


def bad_check_char(code):
    last = "0" if code[-1] != "0" else "1"
    return code[:-1] + last


# --- 税号 --------------------------------------------------------------------------------------


def test_tax_number_with_a_bad_check_character_is_refused_clearly():
    good = make_credit_code("110111")
    validate_tax_number(good)
    validate_tax_number(good.lower())  # typed in lower case: normalised
    with pytest.raises(ValidationError) as caught:
        validate_tax_number(bad_check_char(good))
    assert caught.value.code == "tax_number_checksum"
    assert caught.value.messages[0] != ""


@pytest.mark.parametrize("length", [15, 17, 20])
def test_old_taxpayer_numbers_are_refused_with_a_reason(length):
    with pytest.raises(ValidationError) as caught:
        validate_tax_number("1" * length)
    assert caught.value.code == "tax_number_legacy"


def test_form_refuses_a_bad_tax_number_and_asks_for_special_details():
    form = InvoiceRequestForm(
        {
            "kind": "ordinary",
            "title_type": "organisation",
            "title": "某单位",
            "tax_number": bad_check_char(make_credit_code()),
            "email": "a@example.com",
        }
    )
    assert not form.is_valid()
    assert "tax_number" in form.errors
    form = InvoiceRequestForm(
        {
            "kind": "special",
            "title_type": "organisation",
            "title": "某单位",
            "tax_number": make_credit_code(),
            "email": "a@example.com",
            "address": "北京市房山区",
        }
    )
    assert not form.is_valid()
    assert {"phone", "bank_name", "bank_account"} <= set(form.errors)
    assert "address" not in form.errors


def test_special_invoice_needs_bank_details_and_an_organisation(consumer, cooperative):
    order = paid_order([(make_product(cooperative), 1)], consumer)
    with pytest.raises(ValidationError) as caught:
        services.request_invoices(user=consumer, details=special(bank_account=""), order=order)
    assert "bank_account" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.request_invoices(user=consumer, details=special(title_type="person"), order=order)
    assert "title_type" in caught.value.message_dict
    assert not InvoiceRequest.objects.exists()


# --- Asking ------------------------------------------------------------------------------------


def test_amounts_per_cooperative_for_a_two_cooperative_order(
    consumer, cooperative, other_cooperative
):
    carrots = make_product(cooperative, price="29.90")
    tea = make_product(other_cooperative, price="58.00")
    order = make_order(
        [(carrots, 2), (tea, 1)],
        user=consumer,
        status=statuses.PAID,
        shipping_method=FixedPrice(Decimal("10.00"), Decimal("10.00")),
    )
    request = services.request_invoices(user=consumer, details=details(), order=order)
    amounts = {i.partner_id: i.amount for i in request.invoices.all()}
    assert amounts == {
        cooperative.partner_id: Decimal("59.80"),
        other_cooperative.partner_id: Decimal("58.00"),
        None: Decimal("10.00"),  # the platform's shipping
    }
    assert sum(amounts.values()) == order.total_incl_tax
    assert all(i.status == Invoice.Status.PENDING for i in request.invoices.all())


def test_amounts_leave_out_what_was_refunded_before_asking(consumer, cooperative):
    order = paid_order([(make_product(cooperative, price="20.00"), 3)], consumer)
    line = order.lines.get()
    from orders.payments.models import Refund, RefundLine

    refund = Refund.objects.create(order=order, amount=Decimal("20.00"), status="refunded")
    RefundLine.objects.create(refund=refund, line=line, quantity=1, amount=Decimal("20.00"))
    refund_line(line, 1)
    request = services.request_invoices(user=consumer, details=details(), order=order)
    assert request.invoices.get().amount == Decimal("40.00")


@pytest.mark.parametrize("status", [statuses.PENDING_PAYMENT, statuses.CANCELLED])
def test_only_a_paid_order_may_be_invoiced(consumer, cooperative, status):
    order = make_order([(make_product(cooperative), 1)], user=consumer, status=status)
    with pytest.raises(services.InvoiceRefused):
        services.request_invoices(user=consumer, details=details(), order=order)
    assert not InvoiceRequest.objects.exists()


def test_one_request_per_order_and_only_by_its_buyer(consumer, cooperative):
    order = paid_order([(make_product(cooperative), 1)], consumer)
    with pytest.raises(PermissionDenied):
        services.request_invoices(user=UserFactory(), details=details(), order=order)
    services.request_invoices(user=consumer, details=details(), order=order)
    with pytest.raises(services.InvoiceRefused):
        services.request_invoices(user=consumer, details=details(), order=order)
    assert InvoiceRequest.objects.count() == 1


def test_an_organisation_admin_asks_with_its_name_and_code_prefilled(client, consumer, cooperative):
    colleague = UserFactory()
    org = organisation(colleague)
    organisation(consumer, name="另一个单位")  # a different organisation of the buyer's
    order = paid_order([(make_product(cooperative), 1)], colleague, organisation=org)
    org.members.create(user=consumer, role=Member.Role.ADMIN)  # 管理员: every order of it
    client.force_login(consumer)
    response = client.get(reverse("invoices:ask-order", args=[order.number]))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["title"] == org.name
    assert form.initial["tax_number"] == org.credit_code


def test_buyer_asks_through_the_page_and_sees_the_request(client, consumer, cooperative):
    order = paid_order([(make_product(cooperative, price="30.00"), 1)], consumer)
    client.force_login(consumer)
    page = client.get(reverse("customer:order", args=[order.number]))
    assert reverse("invoices:ask-order", args=[order.number]) in page.content.decode()
    response = client.post(
        reverse("invoices:ask-order", args=[order.number]),
        {
            "kind": "ordinary",
            "title_type": "person",
            "title": "王小明",
            "tax_number": "",
            "email": "wang@example.com",
        },
    )
    request = InvoiceRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("invoices:request-detail", args=[request.pk])
    assert request.invoices.get().amount == Decimal("30.00")
    page = client.get(reverse("customer:order", args=[order.number]))
    assert 'id="invoice-rows"' in page.content.decode()


def test_a_bad_tax_number_on_the_page_changes_nothing(client, consumer, cooperative):
    order = paid_order([(make_product(cooperative), 1)], consumer)
    client.force_login(consumer)
    response = client.post(
        reverse("invoices:ask-order", args=[order.number]),
        {
            "kind": "ordinary",
            "title_type": "organisation",
            "title": "某单位",
            "tax_number": bad_check_char(make_credit_code()),
            "email": "wang@example.com",
        },
    )
    assert response.status_code == 400
    assert "check character" in response.content.decode() or "校验" in response.content.decode()
    assert not InvoiceRequest.objects.exists()


# --- Issuing -------------------------------------------------------------------------------------


@pytest.fixture
def asked(consumer, cooperative, other_cooperative):
    order = paid_order(
        [(make_product(cooperative, price="29.90"), 2), (make_product(other_cooperative), 1)],
        consumer,
    )
    return services.request_invoices(user=consumer, details=special(), order=order)


def mine(request, cooperative):
    return request.invoices.get(partner=cooperative.partner)


def test_a_jpeg_renamed_pdf_is_refused_and_nothing_changes(asked, cooperative, manager):
    invoice = mine(asked, cooperative)
    with pytest.raises(ValidationError) as caught:
        services.record_issued(
            invoice,
            user=manager,
            code="",
            number="26112000000000012345",
            issued_on=TODAY,
            upload=jpeg_renamed(),
        )
    assert "%PDF-" in caught.value.message_dict["file"][0]  # says what a PDF looks like
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PENDING
    assert not invoice.file and not invoice.number


@pytest.mark.parametrize(
    ("code", "number", "field"),
    [
        ("", "1234567", "number"),
        ("", "12345678", "code"),
        ("1100000000", "2611200000000001234", "number"),
    ],
)
def test_bad_invoice_numbers_are_refused(asked, cooperative, manager, code, number, field):
    with pytest.raises(ValidationError) as caught:
        services.record_issued(
            mine(asked, cooperative),
            user=manager,
            code=code,
            number=number,
            issued_on=TODAY,
            upload=pdf_upload(),
        )
    assert field in caught.value.message_dict


def test_a_zip_without_ofd_xml_is_not_an_ofd(asked, cooperative, manager):
    with pytest.raises(ValidationError):
        services.record_issued(
            mine(asked, cooperative),
            user=manager,
            code="",
            number="26112000000000012345",
            issued_on=TODAY,
            upload=ofd_upload(inner="readme.txt"),
        )
    invoice = services.record_issued(
        mine(asked, cooperative),
        user=manager,
        code="",
        number="26112000000000012345",
        issued_on=TODAY,
        upload=ofd_upload(),
    )
    assert invoice.file.name.endswith(".ofd")


def test_a_too_large_file_is_refused(asked, cooperative, manager, settings):
    settings.INVOICE_MAX_UPLOAD_MB = 1
    big = pdf_upload(content=b"%PDF-" + b"0" * (1024 * 1024 + 1))
    with pytest.raises(ValidationError) as caught:
        services.record_issued(
            mine(asked, cooperative),
            user=manager,
            code="1100123456",
            number="12345678",
            issued_on=TODAY,
            upload=big,
        )
    assert "file" in caught.value.message_dict


def test_issue_emails_the_buyer_and_the_buyer_downloads_it(
    asked, cooperative, manager, consumer, client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invoice = services.record_issued(
            mine(asked, cooperative),
            user=manager,
            code="",
            number="26112000000000012345",
            issued_on=TODAY,
            upload=pdf_upload(),
        )
    assert invoice.status == Invoice.Status.ISSUED
    assert [m.to for m in mailoutbox] == [[asked.email]]
    assert reverse("invoices:request-detail", args=[asked.pk]) in mailoutbox[0].body
    client.force_login(consumer)
    response = client.get(reverse("invoices:file", args=[invoice.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert response["Content-Disposition"].startswith("attachment")


def test_another_buyer_and_another_manager_get_404(
    asked, cooperative, manager, other_manager, client
):
    invoice = services.record_issued(
        mine(asked, cooperative),
        user=manager,
        code="",
        number="26112000000000012345",
        issued_on=TODAY,
        upload=pdf_upload(),
    )
    stranger = UserFactory()
    client.force_login(stranger)
    assert client.get(reverse("invoices:file", args=[invoice.pk])).status_code == 404
    assert client.get(reverse("invoices:request-detail", args=[asked.pk])).status_code == 404
    assert client.get(reverse("invoices:ask-order", args=[asked.order.number])).status_code == 404
    client.force_login(other_manager)
    assert client.get(reverse("dashboard:invoice-detail", args=[invoice.pk])).status_code == 404
    assert client.get(reverse("dashboard:invoice-file", args=[invoice.pk])).status_code == 404
    listed = client.get(reverse("dashboard:invoice-list"), {"status": "all"})
    assert listed.status_code == 200
    assert invoice not in listed.context["invoices"]
    # and a manager cannot issue another cooperative's invoice through the service either
    with pytest.raises(PermissionDenied):
        services.record_issued(
            mine(asked, cooperative),
            user=other_manager,
            code="",
            number="26112000000000012346",
            issued_on=TODAY,
            upload=pdf_upload(),
        )


def test_the_platforms_invoice_is_for_staff_only(consumer, cooperative, manager, staff):
    order = make_order(
        [(make_product(cooperative), 1)],
        user=consumer,
        status=statuses.PAID,
        shipping_method=FixedPrice(Decimal("8.00"), Decimal("8.00")),
    )
    request = services.request_invoices(user=consumer, details=details(), order=order)
    platform = request.invoices.get(partner=None)
    assert platform not in Invoice.objects.for_manager(manager)
    services.record_issued(
        platform,
        user=staff,
        code="",
        number="26112000000000099999",
        issued_on=TODAY,
        upload=pdf_upload(),
    )


def test_manager_queue_page_lists_own_to_do_first_with_age(asked, cooperative, manager, client):
    client.force_login(manager)
    response = client.get(reverse("dashboard:invoice-list"))
    assert response.status_code == 200
    assert list(response.context["invoices"]) == [mine(asked, cooperative)]
    detail = client.get(reverse("dashboard:invoice-detail", args=[mine(asked, cooperative).pk]))
    assert detail.status_code == 200
    assert asked.bank_account in detail.content.decode()


def test_manager_uploads_through_the_page_and_a_bad_file_changes_nothing(
    asked, cooperative, manager, client
):
    invoice = mine(asked, cooperative)
    client.force_login(manager)
    url = reverse("dashboard:invoice-detail", args=[invoice.pk])
    form = {"number": "26112000000000012345", "code": "", "issued_on": "2026-12-01"}
    response = client.post(url, {**form, "file": jpeg_renamed()})
    assert response.status_code == 400
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PENDING
    response = client.post(url, {**form, "file": pdf_upload()})
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.ISSUED
    assert invoice.number == "26112000000000012345"


# --- Refunds and 红冲 -----------------------------------------------------------------------------


def test_refund_after_issue_asks_for_a_red_invoice_then_invoices_the_rest(
    asked, cooperative, manager
):
    invoice = services.record_issued(
        mine(asked, cooperative),
        user=manager,
        code="",
        number="26112000000000012345",
        issued_on=TODAY,
        upload=pdf_upload(),
    )
    line = asked.order.lines.get(partner=cooperative.partner)
    refund_line(line, 1)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.RED_PENDING
    assert invoice.refunded == Decimal("29.90")
    assert invoice in Invoice.objects.for_manager(manager).to_do()
    services.record_red(
        invoice,
        user=manager,
        code="",
        number="26112000000000054321",
        issued_on=TODAY,
        upload=pdf_upload(),
    )
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.RED_ISSUED
    rest = invoice.replaced_by.get()
    assert (rest.status, rest.amount) == (Invoice.Status.PENDING, Decimal("29.90"))


def test_refund_before_issue_lowers_the_pending_amount(asked, cooperative, other_cooperative):
    line = asked.order.lines.get(partner=cooperative.partner)
    refund_line(line, 1)
    invoice = mine(asked, cooperative)
    assert (invoice.status, invoice.amount) == (Invoice.Status.PENDING, Decimal("29.90"))
    refund_line(line, 1)
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount) == (Invoice.Status.CANCELLED, Decimal("0.00"))
    other = mine(asked, other_cooperative)
    assert other.status == Invoice.Status.PENDING  # untouched
