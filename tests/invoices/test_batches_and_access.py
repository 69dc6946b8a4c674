"""Invoices on a purchase batch (one per cooperative across its orders), organisation members'
access, shipping refunds, and the manager's queue filters."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from oscar.apps.shipping.methods import FixedPrice

from invoices import services
from invoices.models import Invoice, InvoiceRequest
from orders import statuses
from orders.payments.models import Refund
from organisations.models import Member, PurchaseBatch
from tests.factories import UserFactory, make_order, make_product

from .helpers import details, organisation, paid_order, pdf_upload, refund_line, special

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 1)


@pytest.fixture
def batch(consumer, cooperative, other_cooperative):
    org = organisation(consumer)
    batch = PurchaseBatch.objects.create(
        reference="PB2026120001",
        organisation=org,
        created_by=consumer,
        status=PurchaseBatch.Status.PAID,
        total=Decimal("0"),
        recipients=3,
    )
    carrots = make_product(cooperative, price="29.90")
    tea = make_product(other_cooperative, price="58.00")
    for items in ([(carrots, 1)], [(carrots, 2)], [(carrots, 1), (tea, 1)]):
        paid_order(items, consumer, organisation=org, batch=batch)
    return batch


def test_a_batch_gets_one_invoice_per_cooperative_across_its_orders(
    batch, consumer, cooperative, other_cooperative
):
    request = services.request_invoices(user=consumer, details=special(), batch=batch)
    amounts = {i.partner_id: i.amount for i in request.invoices.all()}
    assert amounts == {
        cooperative.partner_id: Decimal("119.60"),  # 4 × 29.90 over three orders
        other_cooperative.partner_id: Decimal("58.00"),
    }


def test_a_batch_order_is_invoiced_with_its_batch_only(batch, consumer):
    order = batch.orders.first()
    with pytest.raises(services.InvoiceRefused):
        services.request_invoices(user=consumer, details=details(), order=order)
    request = services.request_invoices(user=consumer, details=details(), batch=batch)
    with pytest.raises(services.InvoiceRefused):
        services.request_invoices(user=consumer, details=details(), batch=batch)
    # its order page shows the batch's invoices
    from invoices.selectors import request_for_order

    assert request_for_order(order) == request


def test_an_unpaid_batch_cannot_be_invoiced(batch, consumer):
    PurchaseBatch.objects.filter(pk=batch.pk).update(status=PurchaseBatch.Status.PENDING_PAYMENT)
    batch.refresh_from_db()
    with pytest.raises(services.InvoiceRefused):
        services.request_invoices(user=consumer, details=details(), batch=batch)


def test_a_refund_of_one_batch_order_after_issue_asks_for_a_red_invoice(
    batch, consumer, cooperative, manager
):
    request = services.request_invoices(user=consumer, details=special(), batch=batch)
    invoice = request.invoices.get(partner=cooperative.partner)
    services.record_issued(
        invoice,
        user=manager,
        code="",
        number="26112000000000000001",
        issued_on=TODAY,
        upload=pdf_upload(),
    )
    line = batch.orders.order_by("pk")[1].lines.get()
    refund_line(line, 1)
    invoice.refresh_from_db()
    assert (invoice.status, invoice.refunded) == (Invoice.Status.RED_PENDING, Decimal("29.90"))


def test_the_batch_maker_and_the_organisations_admins_see_the_batch_request_others_do_not(
    batch, consumer, cooperative, manager, client
):
    request = services.request_invoices(user=consumer, details=special(), batch=batch)
    invoice = request.invoices.get(partner=cooperative.partner)
    services.record_issued(
        invoice,
        user=manager,
        code="",
        number="26112000000000000001",
        issued_on=TODAY,
        upload=pdf_upload(),
    )
    admin = UserFactory()
    batch.organisation.members.create(user=admin, role=Member.Role.ADMIN)
    client.force_login(admin)
    assert client.get(reverse("invoices:request-detail", args=[request.pk])).status_code == 200
    assert client.get(reverse("invoices:file", args=[invoice.pk])).status_code == 200
    # another 采购员 of the organisation: not their batch (review H8 finding 6)
    purchaser = UserFactory()
    batch.organisation.members.create(user=purchaser, role=Member.Role.BUYER)
    client.force_login(purchaser)
    assert client.get(reverse("invoices:request-detail", args=[request.pk])).status_code == 404
    assert client.get(reverse("invoices:file", args=[invoice.pk])).status_code == 404
    outsider = UserFactory()
    organisation(outsider, name="另一个单位")
    client.force_login(outsider)
    assert client.get(reverse("invoices:request-detail", args=[request.pk])).status_code == 404
    assert client.get(reverse("invoices:file", args=[invoice.pk])).status_code == 404
    assert client.get(reverse("invoices:ask-batch", args=[batch.reference])).status_code == 404


def test_the_ask_page_says_why_an_unpaid_order_cannot_be_invoiced(client, consumer, cooperative):
    order = make_order([(make_product(cooperative), 1)], user=consumer)
    client.force_login(consumer)
    response = client.get(reverse("invoices:ask-order", args=[order.number]))
    assert response.status_code == 200
    assert response.context["refusal"]
    assert "invoice-request-form" not in response.content.decode()
    page = client.get(reverse("customer:order", args=[order.number]))
    assert "invoice-ask" not in page.content.decode()


def test_shipping_refunded_with_the_last_line_goes_to_the_platforms_invoice(consumer, cooperative):
    order = make_order(
        [(make_product(cooperative, price="20.00"), 1)],
        user=consumer,
        status=statuses.PAID,
        shipping_method=FixedPrice(Decimal("8.00"), Decimal("8.00")),
    )
    request = services.request_invoices(user=consumer, details=details(), order=order)
    line = order.lines.get()
    from orders import services as lifecycle

    Refund.objects.create(order=order, amount=Decimal("28.00"), shipping=Decimal("8.00"))
    lifecycle.refund(
        order,
        [lifecycle.RefundedPart(line, 1, Decimal("20.00"))],
        amount=Decimal("28.00"),
        reference="test-refund-all",
    )
    statuses_now = dict(request.invoices.values_list("partner_id", "status"))
    assert statuses_now == {
        cooperative.partner_id: Invoice.Status.CANCELLED,
        None: Invoice.Status.CANCELLED,
    }


def test_queue_filters_and_search(consumer, cooperative, manager, client):
    first = paid_order([(make_product(cooperative), 1)], consumer)
    second = paid_order([(make_product(cooperative), 1)], consumer)
    services.request_invoices(user=consumer, details=details(), order=first)
    done = services.request_invoices(user=consumer, details=details(), order=second)
    services.record_issued(
        done.invoices.get(),
        user=manager,
        code="1100123456",
        number="12345678",
        issued_on=TODAY,
        upload=pdf_upload(),
    )
    client.force_login(manager)
    url = reverse("dashboard:invoice-list")
    todo = client.get(url).context["invoices"]
    assert [i.request.order for i in todo] == [first]
    issued = client.get(url, {"status": "issued"}).context["invoices"]
    assert [i.request.order for i in issued] == [second]
    found = client.get(url, {"status": "all", "q": second.number}).context["invoices"]
    assert [i.request.order for i in found] == [second]
    assert client.get(url, {"status": "nonsense"}).status_code == 200


def test_red_invoice_emails_the_buyer(
    consumer, cooperative, manager, mailoutbox, django_capture_on_commit_callbacks
):
    order = paid_order([(make_product(cooperative, price="10.00"), 2)], consumer)
    request = services.request_invoices(user=consumer, details=details(), order=order)
    invoice = request.invoices.get()
    services.record_issued(
        invoice,
        user=manager,
        code="",
        number="26112000000000000001",
        issued_on=TODAY,
        upload=pdf_upload(),
    )
    refund_line(order.lines.get(), 2)  # all of it
    invoice.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.record_red(
            invoice,
            user=manager,
            code="",
            number="26112000000000000002",
            issued_on=TODAY,
            upload=pdf_upload(),
        )
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.RED_ISSUED
    assert not invoice.replaced_by.exists()  # nothing remains paid: nothing to invoice again
    assert len(mailoutbox) == 1 and "26112000000000000002" in mailoutbox[0].body
    assert InvoiceRequest.objects.count() == 1


def test_the_queue_does_not_query_per_invoice(
    consumer, cooperative, other_cooperative, manager, staff, client
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queue_queries(user, n):
        for _ in range(n):
            order = paid_order(
                [(make_product(cooperative), 1), (make_product(other_cooperative), 1)], consumer
            )
            services.request_invoices(user=consumer, details=details(), order=order)
        client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("dashboard:invoice-list")).status_code == 200
        return len(queries)

    few = queue_queries(staff, 2)
    many = queue_queries(staff, 6)
    assert many == few


def test_the_request_link_include_serves_a_batch_page(batch, consumer, rf):
    from django.template.loader import render_to_string

    request = rf.get("/")
    request.user = consumer
    html = render_to_string("invoices/_request_link.html", {"batch": batch}, request=request)
    assert reverse("invoices:ask-batch", args=[batch.reference]) in html
    services.request_invoices(user=consumer, details=special(), batch=batch)
    html = render_to_string("invoices/_request_link.html", {"batch": batch}, request=request)
    assert html.count('class="border-top py-2 invoice-row"') == 2
    request.user = UserFactory()  # not a member: nothing shown
    assert "invoice-card" not in render_to_string(
        "invoices/_request_link.html", {"batch": batch}, request=request
    )
