"""Deleting a product from the dashboard: refused with a message while live sessions feature it."""

import pytest
from django.contrib.messages import get_messages

from catalog.models import Product
from livestream import services
from livestream.models import Host
from tests.factories import UserFactory, make_product
from tests.livestream.conftest import new_session

pytestmark = pytest.mark.django_db


def test_a_product_on_a_live_session_is_not_deleted_and_the_manager_is_told_why(
    client, staff, cooperative
):
    host = UserFactory()
    Host.objects.create(user=host).cooperatives.add(cooperative)
    carrots = make_product(cooperative, title="察右中旗胡萝卜")
    services.add_item(new_session(host, cooperative), carrots)
    client.force_login(staff)

    response = client.post(f"/dashboard/catalogue/products/{carrots.pk}/delete/")

    assert response.status_code == 302
    assert response.url == f"/dashboard/catalogue/products/{carrots.pk}/"
    assert Product.objects.filter(pk=carrots.pk).exists()
    [message] = get_messages(response.wsgi_request)
    assert "直播" in str(message) and "可公开访问" in str(message)


def test_a_product_on_no_session_is_deleted(client, staff, cooperative):
    oats = make_product(cooperative, title="察右中旗燕麦米")
    client.force_login(staff)
    response = client.post(f"/dashboard/catalogue/products/{oats.pk}/delete/")
    assert response.status_code == 302
    assert not Product.objects.filter(pk=oats.pk).exists()
