import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from oscar.core.loading import get_model
from PIL import Image

from cooperatives.models import Cooperative, County
from cooperatives.validators import validate_uscc
from orders.statuses import PAID_STATUSES
from shop.demo import data

Product = get_model("catalogue", "Product")
Category = get_model("catalogue", "Category")
StockRecord = get_model("partner", "StockRecord")
User = get_user_model()

pytestmark = pytest.mark.django_db

PAIRINGS = {
    "苏尼特右旗": "大兴区",
    "察右中旗": "房山区",
    "科左中旗": "顺义区",
    "武川县": "门头沟区",
    "奈曼旗": "通州区",
}


def _load():
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def _snapshot():
    return (
        County.objects.count(),
        Cooperative.objects.count(),
        Product.objects.count(),
        StockRecord.objects.count(),
        User.objects.count(),
        Category.objects.count(),
    )


def test_demo_data_is_complete_and_idempotent():
    output = _load()
    first = _snapshot()
    _load()
    assert _snapshot() == first

    counties = {c.name: c for c in County.objects.all()}
    for county, district in PAIRINGS.items():
        assert counties[county].beijing_district == district
    assert counties["察右中旗"].league == "乌兰察布市"
    assert counties["扎赉特旗"].league == "兴安盟"

    assert Cooperative.objects.count() >= 6
    for cooperative in Cooperative.objects.all():
        validate_uscc(cooperative.credit_code)
        assert cooperative.partner.name == cooperative.name
        assert cooperative.logo

    products = Product.objects.prefetch_related("stockrecords", "images", "categories")
    assert products.count() >= 30
    assert {c.name for c in Category.objects.all()} >= {
        "粮油",
        "杂粮",
        "蔬菜",
        "乳制品",
        "茶饮",
        "特产",
    }
    for product in products:
        assert product.origin_county == product.cooperative.county
        with Image.open(product.images.get().original) as picture:
            assert picture.size == (600, 600)
        if product.is_parent:  # sold as its 规格 (checked below): no price or stock of its own
            assert not product.stockrecords.exists() and product.categories.count() == 1
            continue
        stockrecord = product.stockrecords.get()
        assert stockrecord.partner == product.cooperative.partner
        assert stockrecord.price > 0 and stockrecord.num_in_stock > 0
        assert stockrecord.price_currency == "CNY"
        assert product.specification
        # a 规格 is in its parent's category (Oscar's rule); the rest in one each
        assert product.categories.count() == (0 if product.is_child else 1)
        with Image.open(product.images.get().original) as picture:
            assert picture.size == (600, 600)

    for _role, email, password, *_ in [*data.USERS, *data.OFFICIALS]:
        assert email in output and password in output
        user = User.objects.get(email=email)
        assert user.check_password(password)
    manager = User.objects.get(email="manager@jingmeng.example")
    assert Cooperative.objects.for_manager(manager).count() == 1
    assert manager.has_perm("partner.dashboard_access") and not manager.is_staff
    assert User.objects.get(email="admin@jingmeng.example").is_superuser
    consumer = User.objects.get(email="consumer@jingmeng.example")
    assert consumer.addresses.get().summary.startswith("王小明 北京市")


def test_seed_produce_is_there():
    _load()
    titles = " ".join(Product.objects.values_list("title", flat=True))
    for produce in ["胡萝卜", "燕麦", "胡麻油", "雪菊", "奶豆腐", "烟薯25号", "白玉米", "黑小麦"]:
        assert produce in titles
    carrots = Product.objects.get(title="察右中旗草原胡萝卜")  # one product in two 规格
    assert carrots.is_parent and carrots.origin_county.name == "察右中旗"
    specs = sorted(
        (child.specification, str(child.stockrecords.get().price))
        for child in carrots.children.all()
    )
    assert specs == [("10斤装", "52.00"), ("5斤装", "29.90")]
    assert all(child.origin_county == carrots.origin_county for child in carrots.children.all())
    assert not carrots.stockrecords.exists() and carrots.categories.exists()


def test_demo_households_officials_and_paid_orders(django_capture_on_commit_callbacks):
    from django.db.models import Sum

    from cooperatives.models import BenefitEntry, Household, Membership
    from cooperatives.validators import validate_id_number
    from impact import selectors as impact
    from orders.statuses import MANAGER_STATUSES

    with django_capture_on_commit_callbacks(execute=True):  # the purchase counters, after commit
        _load()
    Order = get_model("order", "Order")
    assert Household.objects.count() == 8 * data.HOUSEHOLDS_PER_COOPERATIVE
    for household in Household.objects.all()[:20]:
        validate_id_number(household.id_number)
        assert household.head_name.startswith("演示")  # clearly synthetic
    assert Membership.objects.count() == Household.objects.count()
    # The store's history: people's own orders (the organisation's are its own demo, below).
    orders = Order.objects.filter(number__startswith="DEMO", organisation__isnull=True)
    assert orders.count() == data.DEMO_ORDERS
    _the_organisation_buyer_demo(Order)
    assert set(orders.values_list("status", flat=True)) <= set(MANAGER_STATUSES)
    assert BenefitEntry.objects.filter(order_line__order__in=orders).exists()
    _the_demo_orders_are_a_stores_history(orders)
    months = impact.breakdown(
        impact.scope_counties(User.objects.get(username="official-region")), "month"
    )
    assert len(months) >= 4  # something to chart

    for _role, email, _password, kind, _value, may_reveal in data.OFFICIALS:
        official = User.objects.get(email=email)
        assert official.official_scope.kind == kind
        assert official.has_perm("cooperatives.view_household_personal_data") == may_reveal
    county_official = User.objects.get(email="official@jingmeng.example")
    assert [c.name for c in impact.scope_counties(county_official)] == ["察右中旗"]
    totals = BenefitEntry.objects.aggregate(total=Sum("amount"))["total"]
    with django_capture_on_commit_callbacks(execute=True):
        _load()  # again: no new orders, no new ledger entries
    assert BenefitEntry.objects.aggregate(total=Sum("amount"))["total"] == totals


def _the_organisation_buyer_demo(Order):
    """One approved union with an administrator and a purchaser, its paid orders carrying its
    district, a gift batch and an order waiting for their bank transfers, and an application
    waiting for staff."""
    from orders.payments.models import TransferInstruction
    from organisations.models import Organisation, PurchaseBatch

    union = Organisation.objects.approved().get()
    assert union.district == "房山区"
    assert {m.role for m in union.members.all()} == {"admin", "buyer"}
    assert Organisation.objects.filter(status=Organisation.Status.PENDING).count() == 1
    paid = Order.objects.filter(organisation=union, batch__isnull=True, status__in=PAID_STATUSES)
    assert set(paid.values_list("buyer_district", flat=True)) <= {"房山区"}
    batch = PurchaseBatch.objects.get(organisation=union)
    assert batch.status == PurchaseBatch.Status.PENDING_PAYMENT
    assert batch.orders.count() == batch.recipients == 10
    waiting = TransferInstruction.objects.filter(status="open")
    assert waiting.filter(batch=batch).exists()
    assert waiting.filter(order__organisation=union).exists()


def _the_demo_orders_are_a_stores_history(orders):
    """Every demo order goes to a made-up person at a Beijing address; they were paid over six
    months at the hours people buy; the older ones shipped and completed, today's and a backlog
    wait, a few were refunded; the ledger is dated at each payment and refund."""
    from django.utils import timezone

    from cooperatives.models import BenefitEntry
    from orders import statuses
    from orders.address.chinese import normalise_mainland_mobile
    from orders.payments.models import Refund

    PaymentEvent = get_model("order", "PaymentEvent")
    for order in orders.select_related("shipping_address"):
        address = order.shipping_address
        assert address is not None and address.first_name and address.line1, order.number
        assert (address.state, address.line4) == ("北京市", "北京市") and address.line3.endswith(
            "区"
        )
        mobile = normalise_mainland_mobile(str(address.phone_number))
        assert mobile.startswith(data.RECIPIENT_MOBILE_PREFIX) or mobile == "13800138000"
    by_status = {s: orders.filter(status=s).count() for s in statuses.MANAGER_STATUSES}
    assert by_status[statuses.COMPLETED] > 50 and by_status[statuses.SHIPPED] > 0
    assert by_status[statuses.PAID] >= 5 and by_status[statuses.REFUNDED] >= 2
    paid_at = dict(
        PaymentEvent.objects.filter(order__in=orders, event_type__code="paid").values_list(
            "order_id", "date_created"
        )
    )
    assert len(paid_at) == orders.count()
    local = [timezone.localtime(moment) for moment in paid_at.values()]
    assert len({(m.year, m.month) for m in local}) >= 6  # six months
    assert sum(1 for m in local if 2 <= m.hour < 6) < len(local) / 20  # few pay at night
    waiting = orders.filter(status=statuses.PAID)
    today = timezone.localdate()
    assert any(timezone.localtime(paid_at[o.pk]).date() < today for o in waiting)  # a backlog
    for order in orders.exclude(status=statuses.PAID):
        if order.parcels.exists():
            assert all(p.shipped_at > paid_at[order.pk] for p in order.parcels.all())
    for entry in BenefitEntry.objects.filter(order_line__order__in=orders).select_related(
        "order_line"
    ):
        if entry.kind == BenefitEntry.Kind.SALE_SHARE:
            assert entry.created == paid_at[entry.order_line.order_id]
        else:
            made = Refund.objects.get(stripe_refund_id=entry.reference)
            assert entry.created == made.decided > paid_at[entry.order_line.order_id]
    refunded = Refund.objects.filter(order__in=orders, status=Refund.Status.REFUNDED)
    assert any(
        timezone.localtime(r.decided).month != timezone.localtime(paid_at[r.order_id]).month
        for r in refunded
    )  # a refund in the month after its payment


def test_demo_live_sessions_past_live_and_upcoming(client):
    from decimal import Decimal

    from django.urls import reverse

    from livestream.models import Host, LiveSession
    from tests.factories import make_order

    call_command("load_demo", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())  # idempotent
    assert LiveSession.objects.count() == 3
    past = LiveSession.objects.get(status="ended")
    live = LiveSession.objects.get(status="live")
    upcoming = LiveSession.objects.get(status="scheduled")
    assert past.replay_url and past.pins.count() == 3
    assert live.is_live_at() and live.pinned() is not None
    assert upcoming.scheduled_start > live.scheduled_start
    host = Host.objects.get(user__email="host@jingmeng.example")
    assert {live.cooperative, past.cooperative} <= set(host.cooperatives.all())
    oats = live.items.get(product__title="阴山燕麦米").product
    buyer = get_user_model().objects.get(email="consumer@jingmeng.example")
    assert make_order([(oats, 1)], user=buyer).total_incl_tax == Decimal("39.90")  # live, now
    page = client.get(reverse("livestream:list")).content.decode()
    assert all(s.title in page for s in (past, live, upcoming))


def test_demo_after_sales_cases_one_of_each_state_for_the_managers(client):
    """The demo's 售后: a refund waiting for the cooperative, one refused with its reason, a
    return agreed and waiting for the parcel; each in its cooperative's queue only, and idempotent."""
    from orders import aftersales

    _load()
    _load()
    AfterSalesRequest = get_model("order", "AfterSalesRequest")
    Status = AfterSalesRequest.Status
    cases = list(AfterSalesRequest.objects.select_related("order__user"))
    assert sorted(c.status for c in cases) == sorted(
        [Status.PENDING, Status.REJECTED, Status.AWAITING_RETURN]
    )
    consumer = User.objects.get(email="consumer@jingmeng.example")
    assert {c.order.user for c in cases} == {consumer}
    refused = next(c for c in cases if c.status == Status.REJECTED)
    assert refused.refusal_reason
    pending = next(c for c in cases if c.status == Status.PENDING)
    assert pending.escalated is None and pending.deadline > pending.created  # within the 48 hours
    for case in cases:
        manager = case.partner.users.get()
        assert aftersales.can_decide(case, manager)
        others = User.objects.filter(partners__isnull=False).exclude(pk=manager.pk)
        assert not any(aftersales.can_decide(case, other) for other in others)
