"""Review H8 finding 6 for invoices: an organisation's 管理员 see and act on all its orders' and
batches' invoices, a 采购员 on their own only (the orders they placed, the batches they made);
and finding 9: a batch's invoice request locks the batch's orders."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from invoices import services
from invoices.models import Invoice, InvoiceRequest
from organisations.models import Member, PurchaseBatch
from tests.factories import UserFactory, make_product

from .helpers import details, organisation, paid_order, pdf_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting(consumer, cooperative):
    """An organisation with its 管理员, the purchaser ``consumer`` (who made a paid batch and a
    paid order for it) and a second purchaser."""
    admin = UserFactory()
    org = organisation(admin, role=Member.Role.ADMIN)
    org.members.create(user=consumer, role=Member.Role.BUYER)
    second = UserFactory()
    org.members.create(user=second, role=Member.Role.BUYER)
    batch = PurchaseBatch.objects.create(
        reference="PB2026120009", organisation=org, created_by=consumer,
        status=PurchaseBatch.Status.PAID, total=Decimal("0"), recipients=2,
    )  # fmt: skip
    product = make_product(cooperative, price="30.00")
    for _ in range(2):
        paid_order([(product, 1)], consumer, organisation=org, batch=batch)
    order = paid_order([(product, 2)], consumer, organisation=org)
    return {"org": org, "admin": admin, "second": second, "batch": batch, "order": order}


def test_a_second_purchaser_cannot_ask_on_a_colleagues_batch_or_order(client, setting):
    second, batch, order = setting["second"], setting["batch"], setting["order"]
    assert not services.may_request_for_batch(second, batch)
    assert not services.may_request_for_order(second, order)
    with pytest.raises(PermissionDenied):
        services.request_invoices(user=second, details=details(), batch=batch)
    with pytest.raises(PermissionDenied):
        services.request_invoices(user=second, details=details(), order=order)
    client.force_login(second)
    assert client.get(reverse("invoices:ask-batch", args=[batch.reference])).status_code == 404
    assert client.get(reverse("invoices:ask-order", args=[order.number])).status_code == 404
    assert client.post(reverse("invoices:ask-batch", args=[batch.reference]), {}).status_code == 404
    assert not InvoiceRequest.objects.exists()


def test_the_maker_and_the_admin_may_ask(setting, consumer):
    admin, batch, order = setting["admin"], setting["batch"], setting["order"]
    assert services.may_request_for_batch(consumer, batch)
    assert services.may_request_for_order(consumer, order)
    assert services.may_request_for_batch(admin, batch)
    assert services.may_request_for_order(admin, order)


def test_for_buyer_follows_the_rule(setting, consumer, cooperative, manager, client):
    admin, second = setting["admin"], setting["second"]
    on_batch = services.request_invoices(user=consumer, details=details(), batch=setting["batch"])
    on_order = services.request_invoices(user=admin, details=details(), order=setting["order"])
    both = {on_batch.pk, on_order.pk}
    assert set(InvoiceRequest.objects.for_buyer(admin).values_list("pk", flat=True)) == both
    assert set(InvoiceRequest.objects.for_buyer(consumer).values_list("pk", flat=True)) == both
    assert not InvoiceRequest.objects.for_buyer(second).exists()
    assert not Invoice.objects.for_buyer(second).exists()
    # nor the files
    invoice = on_order.invoices.get(partner=cooperative.partner)
    services.record_issued(invoice, user=manager, code="", number="26112000000000000002",
                           issued_on=invoice.created.date(), upload=pdf_upload())  # fmt: skip
    client.force_login(second)
    assert client.get(reverse("invoices:request-detail", args=[on_order.pk])).status_code == 404
    assert client.get(reverse("invoices:file", args=[invoice.pk])).status_code == 404
    client.force_login(consumer)  # the order's own buyer, though an admin asked
    assert client.get(reverse("invoices:file", args=[invoice.pk])).status_code == 200
    # a purchaser made admin sees everything of the organisation
    setting["org"].members.filter(user=second).update(role=Member.Role.ADMIN)
    assert set(InvoiceRequest.objects.for_buyer(second).values_list("pk", flat=True)) == both


def test_a_batch_request_locks_the_batchs_orders_in_pk_order(setting, consumer):
    """A refund locks its order; the batch's request locks them all (pk order, no deadlock), so
    a refund either commits before the amounts are read or waits and then finds the request."""
    batch = setting["batch"]
    with CaptureQueriesContext(connection) as captured:
        services.request_invoices(user=consumer, details=details(), batch=batch)
    locks = [
        q["sql"] for q in captured.captured_queries
        if q["sql"].startswith('SELECT "order_order"."id"')
        and '"order_order"."batch_id" =' in q["sql"] and "ORDER BY" in q["sql"]
    ]  # fmt: skip
    assert len(locks) == 1
    if connection.features.has_select_for_update:  # PostgreSQL (SQLite has no row locks)
        assert "FOR UPDATE" in locks[0]
