"""The product page says when the product sells at a live price on air, and for how many more
units; not before the show, not once the live-price units are gone."""

from decimal import Decimal

import pytest

from livestream import services
from tests.factories import make_family
from tests.livestream.conftest import new_session

pytestmark = pytest.mark.django_db


def test_the_live_price_on_air_is_on_the_product_page(client, host_user, cooperative, carrots):
    session = new_session(host_user, cooperative)
    item = services.add_item(session, carrots, live_price=Decimal("19.90"), quota=30)
    html = client.get(carrots.get_absolute_url()).content.decode()
    assert "直播间专享价" not in html  # scheduled: not yet

    services.go_live(session)
    html = client.get(carrots.get_absolute_url()).content.decode()
    assert '<strong class="live-price">¥19.90</strong>' in html and "剩 30 件" in html

    type(item).objects.filter(pk=item.pk).update(quota_used=30)  # the live-price units are gone
    assert "直播间专享价" not in client.get(carrots.get_absolute_url()).content.decode()


def test_a_specification_on_air_shows_on_its_family_page(client, host_user, cooperative):
    parent, (five, family) = make_family(
        cooperative, variants=[("5斤装", "29.90", 50), ("10斤装", "52.00", 20)]
    )
    session = new_session(host_user, cooperative)
    services.add_item(session, family, live_price=Decimal("45.00"), quota=10)
    services.go_live(session)
    html = client.get(parent.get_absolute_url()).content.decode()
    assert '<strong class="live-price">¥45.00</strong>' in html and "10斤装" in html
