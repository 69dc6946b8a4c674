"""Review H8's findings on purchase batches: one "paid" email per batch (not one per order, and
no "shipped" one per order), and a batch made once however often its form is sent."""

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from oscar.core.loading import get_model

from orders import services as lifecycle
from organisations import batches, recipients
from organisations.batch_views import TOKEN_FIELD
from organisations.models import PurchaseBatch
from tests.factories import UserFactory, make_product

from .batch_factories import approved_organisation, csv_bytes, good_rows, member_of

Order = get_model("order", "Order")
CommunicationEvent = get_model("order", "CommunicationEvent")

pytestmark = pytest.mark.django_db


@pytest.fixture
def organisation():
    organisation = approved_organisation()
    organisation.contact_email = "union@example.com"
    organisation.save()
    return organisation


@pytest.fixture
def buyer(organisation):
    return member_of(organisation, email="b1@example.com")


@pytest.fixture
def tea():
    return make_product(title="草原红茶", price="30.00", num_in_stock=500)


def make(organisation, user, product, count):
    checked = recipients.read(csv_bytes(good_rows(count)), "a.csv")
    assert checked.ok, checked.errors
    return batches.create_batch(
        organisation=organisation, user=user, title="春节慰问品",
        gifts=[batches.Gift(product, 1)], recipients=checked.recipients,
    )  # fmt: skip


def pay_all(batch):
    for order in batch.orders.order_by("pk"):
        lifecycle.mark_paid(order, amount=order.total_incl_tax, reference=f"t-{order.number}",
                            source=("transfer", "对公转账"))  # fmt: skip


# --- Finding 4: one email for the batch --------------------------------------------------------


def test_a_paid_batch_of_three_sends_one_email(
    organisation, buyer, tea, mailoutbox, django_capture_on_commit_callbacks
):
    batch = make(organisation, buyer, tea, 3)
    with django_capture_on_commit_callbacks(execute=True):
        pay_all(batch)
    batch.refresh_from_db()
    assert batch.status == PurchaseBatch.Status.PAID
    assert len(mailoutbox) == 1
    [mail] = mailoutbox
    assert sorted(mail.to) == ["b1@example.com", "union@example.com"]
    assert batch.reference in mail.subject and batch.reference in mail.body
    assert "测试0000" not in mail.body and "13900000000" not in mail.body  # no recipient
    assert not CommunicationEvent.objects.filter(order__batch=batch).exists()  # no texts either


def test_a_batch_paid_in_part_sends_nothing_yet(
    organisation, buyer, tea, mailoutbox, django_capture_on_commit_callbacks
):
    batch = make(organisation, buyer, tea, 2)
    first = batch.orders.order_by("pk").first()
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.mark_paid(first, amount=first.total_incl_tax, reference="t-1",
                            source=("transfer", "对公转账"))  # fmt: skip
    assert mailoutbox == []


def test_shipping_a_batch_order_sends_no_email_of_its_own(
    organisation, buyer, tea, mailoutbox, django_capture_on_commit_callbacks
):
    batch = make(organisation, buyer, tea, 2)
    pay_all(batch)
    order = batch.orders.order_by("pk").first()
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.ship(order, list(order.lines.all()), carrier="SF",
                       tracking_number="SF123456789012", user=UserFactory(is_staff=True))  # fmt: skip
    assert mailoutbox == []


def test_a_persons_own_order_still_gets_its_paid_email(
    buyer, tea, mailoutbox, django_capture_on_commit_callbacks
):
    from tests.factories import make_order

    order = make_order([(tea, 1)], user=buyer)
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.mark_paid(order, amount=order.total_incl_tax, reference="own",
                            source=("test", "测试"))  # fmt: skip
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["b1@example.com"]


# --- Finding 5: the form's one-time token -------------------------------------------------------


def post_batch(client, organisation, product, token):
    sheet = SimpleUploadedFile("r.csv", csv_bytes(good_rows(3)), content_type="text/csv")
    return client.post(
        reverse("organisations:batch-new", kwargs={"pk": organisation.pk}),
        {
            "gift-TOTAL_FORMS": "3", "gift-INITIAL_FORMS": "0", "gift-MIN_NUM_FORMS": "0",
            "gift-MAX_NUM_FORMS": "10", "gift-0-product": str(product.pk), "gift-0-quantity": "1",
            "title": "春节", "sheet": sheet, TOKEN_FIELD: token,
        },
    )  # fmt: skip


def test_the_form_sent_twice_makes_one_batch(client, organisation, buyer, tea):
    client.force_login(buyer)
    page = client.get(reverse("organisations:batch-new", kwargs={"pk": organisation.pk}))
    token = str(page.context[TOKEN_FIELD])
    assert f'name="{TOKEN_FIELD}" value="{token}"' in page.content.decode()

    first = post_batch(client, organisation, tea, token)
    again = post_batch(client, organisation, tea, token)  # a double click, a retried request

    assert PurchaseBatch.objects.count() == 1
    batch = PurchaseBatch.objects.get()
    assert batch.submission_token == uuid.UUID(token)
    assert Order.objects.filter(batch=batch).count() == 3
    detail = reverse("organisations:batch-detail", kwargs={"reference": batch.reference})
    assert first["Location"] == again["Location"] == detail
    assert tea.stockrecords.get().num_allocated == 3  # held once


def test_a_new_token_makes_a_new_batch(client, organisation, buyer, tea):
    client.force_login(buyer)
    post_batch(client, organisation, tea, str(uuid.uuid4()))
    post_batch(client, organisation, tea, str(uuid.uuid4()))
    assert PurchaseBatch.objects.count() == 2


def test_no_token_makes_nothing(client, organisation, buyer, tea):
    client.force_login(buyer)
    response = post_batch(client, organisation, tea, "")
    assert response.status_code == 400
    assert not PurchaseBatch.objects.exists() and not Order.objects.exists()


def test_someone_elses_token_leads_nowhere(client, organisation, buyer, tea):
    client.force_login(buyer)
    token = str(uuid.uuid4())
    post_batch(client, organisation, tea, token)
    colleague = member_of(organisation)
    client.force_login(colleague)
    response = post_batch(client, organisation, tea, token)
    # not sent to the colleague's batch, and no second batch made with the same token
    assert response.status_code == 400
    assert PurchaseBatch.objects.count() == 1


def test_the_service_returns_the_batch_a_token_already_made(organisation, buyer, tea):
    token = uuid.uuid4()
    checked = recipients.read(csv_bytes(good_rows(2)), "a.csv")
    kwargs = {
        "organisation": organisation, "user": buyer, "title": "t",
        "gifts": [batches.Gift(tea, 1)], "recipients": checked.recipients, "token": token,
    }  # fmt: skip
    first = batches.create_batch(**kwargs)
    again = batches.create_batch(**kwargs)
    assert first.pk == again.pk and PurchaseBatch.objects.count() == 1
