"""Which role links a signed-in visitor's header shows, kept in the cache.

Every page's header asks three things of a signed-in visitor: an official (帮扶干部, or staff) gets
the "Impact" link, a partner with Oscar's ``partner.dashboard_access`` permission (or staff) the
"Dashboard" link, a livestream host (or staff) "My live sessions". Asked of the database that is
four queries on every page (the official's scope, the user's and their groups' permissions, the
host row) for answers that change only when staff change someone's roles. They are kept in the
cache per user, with a version that any change to those roles moves on (``bump``, connected in
``shop.apps``): an official scope or host row saved or deleted, a user's groups or permissions or
a group's permissions changed, a group or permission saved or deleted; each change moves it on
again once committed. An entry also expires after ``ROLES_SECONDS``, so a change made behind
Django's signals (a bulk ``update()``) shows within that time.

These are links only: every view behind them checks the role itself, from the database.
"""

from dataclasses import dataclass, replace

from django.apps import apps
from django.core.cache import cache

from .pagecache import move_on

VERSION_KEY = "navroles:version"
# "1": the stored entry's shape; a deploy that changes NavRoles changes it (as shop.pagecache)
ENTRY_KEY = "navroles:1:{pk}"
ROLES_SECONDS = 300


@dataclass(frozen=True)
class NavRoles:
    impact: bool = False
    dashboard: bool = False
    host: bool = False


def bump(**_kwargs):
    """Forget every visitor's cached roles (a signal receiver; see ``pagecache.move_on``)."""
    move_on(VERSION_KEY)


def _from_database(user) -> NavRoles:
    OfficialScope = apps.get_model("impact", "OfficialScope")
    Host = apps.get_model("livestream", "Host")
    return NavRoles(
        impact=OfficialScope.objects.filter(user=user).exists(),
        dashboard=user.has_perm("partner.dashboard_access"),
        host=Host.objects.filter(user=user).exists(),
    )


def nav_roles(user) -> NavRoles:
    """The header's role links for ``user`` (staff get them all; nobody signed out gets any)."""
    if not user.is_authenticated:
        return NavRoles()
    if user.is_staff:
        return NavRoles(impact=True, dashboard=True, host=True)
    key = ENTRY_KEY.format(pk=user.pk)
    found = cache.get_many([VERSION_KEY, key])
    current = found.get(VERSION_KEY) or 1
    entry = found.get(key)
    if entry is not None and entry[0] == current:
        roles = entry[1]
    else:
        roles = _from_database(user)
        cache.set(key, (current, roles), ROLES_SECONDS)
    if user.is_superuser and user.is_active:  # every permission; the flag is on the user row
        roles = replace(roles, dashboard=True)
    return roles
