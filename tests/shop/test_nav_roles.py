"""The header's role links (shop.roles): right for each role, kept in the cache, and changed on the
next page when staff change someone's roles."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cooperatives.services import add_cooperative_manager, remove_cooperative_manager
from impact.models import OfficialScope
from livestream.models import Host
from shop.roles import NavRoles, nav_roles
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

IMPACT = reverse("impact:index")
DASHBOARD = reverse("dashboard:index")
HOSTING = reverse("livestream:host-list")


def header_links(client):
    text = client.get(reverse("basket:summary")).content.decode()
    return {
        name
        for name, url in [("impact", IMPACT), ("dashboard", DASHBOARD), ("host", HOSTING)]
        if f'href="{url}"' in text
    }


def test_a_buyer_gets_no_role_links_and_staff_get_them_all(client, consumer, staff):
    client.force_login(consumer)
    assert header_links(client) == set()
    client.force_login(staff)
    assert header_links(client) == {"impact", "dashboard", "host"}


def test_each_role_shows_on_the_next_page_once_granted_and_goes_once_taken(
    client, consumer, cooperative
):
    client.force_login(consumer)
    assert header_links(client) == set()  # cached now

    scope = OfficialScope.objects.create(user=consumer, kind=OfficialScope.Kind.REGION)
    assert header_links(client) == {"impact"}
    add_cooperative_manager(cooperative, consumer)
    assert header_links(client) == {"impact", "dashboard"}
    host = Host.objects.create(user=consumer)
    assert header_links(client) == {"impact", "dashboard", "host"}

    host.delete()
    assert header_links(client) == {"impact", "dashboard"}
    remove_cooperative_manager(cooperative, consumer)
    assert header_links(client) == {"impact"}
    scope.delete()
    assert header_links(client) == set()


def test_dashboard_access_through_a_group_follows_the_group(client, consumer):
    group = Group.objects.create(name="合作社值班")
    consumer.groups.add(group)
    client.force_login(consumer)
    assert header_links(client) == set()
    group.permissions.add(Permission.objects.get(codename="dashboard_access"))
    assert header_links(client) == {"dashboard"}
    consumer.groups.remove(group)
    assert header_links(client) == set()


def test_the_roles_come_from_the_cache_after_the_first_page(consumer):
    with CaptureQueriesContext(connection) as first:
        assert nav_roles(consumer) == NavRoles()
    assert 0 < len(first) <= 4  # scope, user and group permissions, host row
    fresh = type(consumer).objects.get(pk=consumer.pk)  # the next request's user
    with CaptureQueriesContext(connection) as again:
        assert nav_roles(fresh) == NavRoles()
    assert len(again) == 0


def test_one_users_roles_are_not_anothers(cooperative):
    manager = UserFactory(email="manager-a@example.com")
    add_cooperative_manager(cooperative, manager)
    buyer = UserFactory(email="buyer-b@example.com")
    assert nav_roles(manager).dashboard
    assert not nav_roles(buyer).dashboard
    assert nav_roles(manager).dashboard


def test_a_role_granted_in_a_transaction_moves_the_version_on_again_at_commit(
    consumer, django_capture_on_commit_callbacks
):
    """A page read while staff's change is not yet committed caches the roles as they were; the
    version moves on again at the commit, so that entry is not used."""
    from unittest import mock

    with django_capture_on_commit_callbacks() as callbacks:
        OfficialScope.objects.create(user=consumer, kind=OfficialScope.Kind.REGION)
        # another request, before the commit, still sees no scope
        with mock.patch("shop.roles._from_database", return_value=NavRoles()):
            assert nav_roles(consumer) == NavRoles()
    assert nav_roles(consumer) == NavRoles()  # the stale entry, until the commit
    for callback in callbacks:
        callback()
    assert nav_roles(consumer) == NavRoles(impact=True)


def test_a_superuser_gets_the_dashboard_link_whatever_the_cache_holds(consumer):
    assert nav_roles(consumer) == NavRoles()  # cached
    consumer.is_superuser = True
    consumer.save()  # a user save does not move the version on
    assert nav_roles(consumer).dashboard
