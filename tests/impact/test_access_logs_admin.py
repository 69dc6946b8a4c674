"""Staff audit who saw personal data in Django's admin: both logs listed, read only."""

import pytest
from django.urls import reverse

from impact.models import RecipientDataAccess
from tests.factories import UserFactory, make_order, make_product

pytestmark = pytest.mark.django_db


def test_staff_read_the_recipient_log_and_cannot_change_it(client, cooperative, manager):
    order = make_order([(make_product(cooperative, title="察右中旗胡萝卜", price="9.90"), 1)])
    access = RecipientDataAccess.objects.create(
        user=manager, action=RecipientDataAccess.Action.VIEW, page="fulfilment"
    )
    access.orders.add(order)
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    listing = client.get(reverse("admin:impact_recipientdataaccess_changelist"))
    assert listing.status_code == 200
    page = listing.content.decode()
    assert str(order.number) in page and str(manager) in page
    assert client.get(reverse("admin:impact_recipientdataaccess_add")).status_code == 403
    client.post(
        reverse("admin:impact_recipientdataaccess_delete", args=[access.pk]), {"post": "yes"}
    )
    assert RecipientDataAccess.objects.filter(pk=access.pk).exists()
    assert client.get(reverse("admin:impact_personaldataaccess_changelist")).status_code == 200
