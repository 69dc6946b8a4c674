from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from livestream import services
from livestream.models import Host, LiveSession
from tests.factories import UserFactory, make_product

STREAM = "https://live.jingmeng.example/chayouzhong/carrots.m3u8"


@pytest.fixture
def host_user(cooperative):
    user = UserFactory(email="host@example.com")
    Host.objects.create(user=user).cooperatives.add(cooperative)
    return user


@pytest.fixture
def carrots(cooperative):
    return make_product(
        cooperative, title="察右中旗草原胡萝卜 5斤装", price="29.90", num_in_stock=1000
    )


@pytest.fixture
def oats(cooperative):
    return make_product(cooperative, title="察右中旗燕麦米", price="18.80", num_in_stock=1000)


def new_session(host, cooperative, *, starts_in=timedelta(minutes=-5), minutes=90, **fields):
    start = timezone.now() + starts_in
    session = LiveSession(
        title=fields.pop("title", "草原胡萝卜上车啦"),
        cooperative=cooperative,
        scheduled_start=start,
        scheduled_end=start + timedelta(minutes=minutes),
        stream_url=STREAM,
        **fields,
    )
    return services.save_session(session, user=host)


@pytest.fixture
def live(host_user, cooperative, carrots):
    """A live session selling carrots at ¥19.90 instead of ¥29.90: 30 units, 2 each."""
    session = new_session(host_user, cooperative)
    services.add_item(session, carrots, live_price=Decimal("19.90"), quota=30, per_customer_limit=2)
    return services.go_live(session)
