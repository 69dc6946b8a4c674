"""The access rules, one queryset method per actor (the permission matrix checks them through
every page; these check each rule itself): orders and lines ``for_buyer`` / ``for_manager``,
sessions ``for_host``, counties, cooperatives and households ``for_official`` (and the
cooperatives and households a manager works for)."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.core.signing import Signer
from django.test import RequestFactory
from django.utils import timezone
from oscar.core.loading import get_model

from cooperatives.models import Cooperative, County, Household
from cooperatives.services import add_cooperative_manager
from impact.models import OfficialScope
from livestream.models import Host, LiveSession
from orders import statuses
from orders.models import remember_buyer
from tests.factories import (
    CooperativeFactory,
    CountyFactory,
    HouseholdFactory,
    MembershipFactory,
    UserFactory,
    make_order,
    make_product,
)

pytestmark = pytest.mark.django_db

Order = get_model("order", "Order")
Line = get_model("order", "Line")


def request_of(user=None, cookies=None):
    request = RequestFactory().get("/")
    request.user = user or AnonymousUser()
    request.session = SessionStore()
    request.COOKIES.update(cookies or {})
    return request


# --- Buyers ------------------------------------------------------------------------------------


def test_a_buyer_sees_their_own_orders_and_a_guest_those_this_browser_placed(cooperative):
    carrots = make_product(cooperative)
    alice, bob = UserFactory(), UserFactory()
    alices = make_order([(carrots, 1)], user=alice)
    guests = make_order([(carrots, 1)])
    other_guests = make_order([(carrots, 1)])

    assert list(Order.objects.for_buyer(request_of(alice))) == [alices]
    assert not Order.objects.for_buyer(request_of(bob)).exists()
    assert not Order.objects.for_buyer(request_of()).exists()  # a number alone leads nowhere

    browser = request_of()
    remember_buyer(browser, guests)  # placed (or looked up) in this browser
    assert list(Order.objects.for_buyer(browser)) == [guests]

    cookie = {settings.OSCAR_BASKET_COOKIE_OPEN: Signer().sign(other_guests.basket_id)}
    assert list(Order.objects.for_buyer(request_of(cookies=cookie))) == [other_guests]
    forged = {settings.OSCAR_BASKET_COOKIE_OPEN: f"{other_guests.basket_id}:forged"}
    assert not Order.objects.for_buyer(request_of(cookies=forged)).exists()

    alices_basket = {settings.OSCAR_BASKET_COOKIE_OPEN: Signer().sign(alices.basket_id)}
    assert not Order.objects.for_buyer(request_of(cookies=alices_basket)).exists()  # not a guest's


# --- Managers ----------------------------------------------------------------------------------


@pytest.fixture
def two_cooperatives():
    ours, theirs = CooperativeFactory(), CooperativeFactory()
    manager = UserFactory()
    add_cooperative_manager(ours, manager)
    return ours, theirs, manager


def test_a_manager_works_on_paid_orders_with_their_lines_and_sees_only_those_lines(
    two_cooperatives, staff
):
    ours, theirs, manager = two_cooperatives
    mine, other = make_product(ours), make_product(theirs)
    shared = make_order([(mine, 1), (other, 1)], status=statuses.PAID)
    only_theirs = make_order([(other, 1)], status=statuses.PAID)
    unpaid = make_order([(mine, 1)])
    refunded = make_order([(mine, 1)], status=statuses.REFUNDED)

    assert set(Order.objects.for_manager(manager)) == {shared, refunded}
    assert unpaid not in Order.objects.for_manager(manager)  # a cart left unpaid is the buyer's
    assert set(Order.objects.for_manager(staff)) == {shared, only_theirs, unpaid, refunded}
    assert [line.product for line in shared.lines.for_manager(manager)] == [mine]
    assert shared.lines.for_manager(staff).count() == 2
    assert not Order.objects.for_manager(AnonymousUser()).exists()


def test_a_manager_works_for_their_cooperatives_and_their_members(two_cooperatives, staff):
    ours, theirs, manager = two_cooperatives
    member = MembershipFactory(cooperative=ours).household
    stranger = MembershipFactory(cooperative=theirs).household
    assert list(Cooperative.objects.for_manager(manager)) == [ours]
    assert list(Household.objects.for_manager(manager)) == [member]
    assert set(Household.objects.for_manager(staff)) == {member, stranger}
    assert not Cooperative.objects.for_manager(UserFactory()).exists()


# --- Hosts -------------------------------------------------------------------------------------


def test_a_host_manages_their_own_sessions_for_cooperatives_they_still_sell_for(staff):
    ours, theirs = CooperativeFactory(), CooperativeFactory()
    host_user, other_host = UserFactory(), UserFactory()
    host = Host.objects.create(user=host_user)
    host.cooperatives.add(ours, theirs)
    start = timezone.now() + timedelta(days=1)

    def session(user, cooperative):
        return LiveSession.objects.create(
            title="直播", host=user, cooperative=cooperative, scheduled_start=start,
            scheduled_end=start + timedelta(hours=1),
            stream_url="https://live.jingmeng.example/a.m3u8",
        )  # fmt: skip

    own, for_theirs = session(host_user, ours), session(host_user, theirs)
    someone_elses = session(other_host, ours)
    assert set(LiveSession.objects.for_host(host_user)) == {own, for_theirs}
    host.cooperatives.remove(theirs)  # no longer sells for them
    assert list(LiveSession.objects.for_host(host_user)) == [own]
    assert set(LiveSession.objects.for_host(staff)) == {own, for_theirs, someone_elses}
    assert not LiveSession.objects.for_host(AnonymousUser()).exists()


# --- Officials ---------------------------------------------------------------------------------


def test_an_official_reports_on_the_counties_of_their_scope_only(staff):
    chayouzhong = CountyFactory(name="察右中旗", league="乌兰察布市", beijing_district="房山区")
    wuchuan = CountyFactory(name="武川县", league="呼和浩特市", beijing_district="")
    naiman = CountyFactory(name="奈曼旗", league="通辽市", beijing_district="房山区")
    coop = CooperativeFactory(county=chayouzhong)
    elsewhere = CooperativeFactory(county=wuchuan)
    near = HouseholdFactory(county=chayouzhong)
    far = HouseholdFactory(county=wuchuan)

    def official(**scope):
        user = UserFactory()
        counties = scope.pop("counties", [])
        OfficialScope.objects.create(user=user, **scope).counties.set(counties)
        return user

    cases = {
        "region": (official(kind="region"), {chayouzhong, wuchuan, naiman}),
        "league": (official(kind="leagues", leagues=["呼和浩特市"]), {wuchuan}),
        "counties": (official(kind="counties", counties=[chayouzhong]), {chayouzhong}),
        "district": (official(kind="district", beijing_district="房山区"), {chayouzhong, naiman}),
    }
    for name, (user, counties) in cases.items():
        assert set(County.objects.for_official(user)) == counties, name
    county_official = cases["counties"][0]
    assert list(Cooperative.objects.for_official(county_official)) == [coop]
    assert elsewhere not in Cooperative.objects.for_official(county_official)
    assert list(Household.objects.for_official(county_official)) == [near]
    assert far not in Household.objects.for_official(county_official)
    assert County.objects.for_official(staff).count() == 3
    for nobody in (UserFactory(), AnonymousUser()):
        assert not County.objects.for_official(nobody).exists()
        assert not Household.objects.for_official(nobody).exists()
