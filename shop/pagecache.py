"""Whole-page cache for what every visitor sees alike.

A livestream sends thousands of phones to the same few pages at once (home, category, product,
the live room). For a visitor who is not signed in, has an empty basket (no basket cookie) and no
pending messages, those pages are the same for everyone in a language, so they are rendered once
and served from the cache (Redis in production) for ``PAGE_CACHE_SECONDS``. Any POST, and
signed-in buyers except on the pages below that mark their personal parts, stay uncached.

- The CSRF token and the Content-Security-Policy nonce are the per-response parts of such a page:
  they are stored as placeholders, and each visitor's own token (their CSRF cookie set) and a
  fresh nonce (the CSP header names it) are put in when the page is served.
- Freshness: catalogue, offer and livestream edits bump a version in the key (``bump``), so they
  show at once; stock levels change with every order and are not bumped for (a flash sale would
  empty the cache at every sale): a page may show "in stock" for up to ``PAGE_CACHE_SECONDS``
  after the last unit sold, and placing the order is what checks stock, always.

The personal parts of a page are marked in its templates, ``{% personal %}``: the account menu,
the mini-basket, the messages, host links, the reminder. Pages are shared with those parts left
as markers, stored, and each visitor's own parts are rendered into it when it is served
(``fill``):

- between guests (not signed in, with a basket or messages to show), on every page here: a
  guest's page differs from another's only in their basket and messages (the header) and what
  they browsed (below);
- between signed-in buyers where the page says its parts are all marked
  (``SHARED_SIGNED_IN_VIEWS``; the live room, where a flash sale's buyers all are). Elsewhere a
  signed-in page has parts of its own (wish lists, reviews, staff links) and is rendered for them.

A view's ``page_cache_hit(request, **kwargs)``, if it has one, does what its ``get`` would have
done besides rendering, for a visitor who has a session (signed in, or with a session of their
own already).

Some parts differ even between visitors without a basket: what they browsed ("products you
recently viewed", from their history cookie). Those are ``{% per_visitor %}`` parts, left as
markers in every shared render and rendered for each visitor when the page is served, so no
visitor is ever shown what another browsed. A view's ``page_cache_served(request, response,
**kwargs)``, if it has one, runs for every page served from the cache (the product page adds the
product to the visitor's history there, as its ``get`` does).
"""

import hashlib
import re
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template import Context, engines
from django.template.context_processors import csrf

from shop.templatetags.page_holes import ANONYMOUS, GUEST, SIGNED_IN, VISITOR

CACHEABLE_VIEWS = {
    "home",
    "catalogue:index",
    "catalogue:category",
    "catalogue:detail",
    "livestream:list",
    "livestream:detail",
    "cooperatives:list",
    "cooperatives:detail",
}
# Pages whose signed-in render differs from another buyer's only in their {% personal %} parts.
SHARED_SIGNED_IN_VIEWS = {"livestream:detail"}
VERSION_KEY = settings.PAGE_CACHE_VERSION_KEY
PLACEHOLDER = "__csrf_token_placeholder__"
NONCE_PLACEHOLDER = "__csp_nonce_placeholder__"
TOKEN_FIELD = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')
BASKET_COOKIE = "oscar_open_basket"
HOLE = re.compile(r"<!--jm-personal-(\d+)-->")


def bump(**_kwargs):
    """Invalidate every cached page (a signal receiver: catalogue, offer or live edits)."""
    move_on(VERSION_KEY)


def move_on(key):
    """Move the version kept at ``key`` on (entries keyed by the old one go unused): now, and
    again once the change under way commits, as a page (or an answer keyed by the version, such
    as ``orders.checkout.express.only_offer_running``) made before the commit shows it as it
    was. Also ``shop.roles``, and both when Redis comes back after an outage (``shop.cache``).

    A version that is not there (never moved on, or deleted after an outage) starts again from
    the clock, never from a number an older entry may still carry."""

    def next_version():
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, time.time_ns(), None)

    next_version()
    transaction.on_commit(next_version)


def version() -> int:
    """The catalogue's version: part of every cached page's and fragment's key."""
    return cache.get(VERSION_KEY) or 1


def _seconds() -> int:
    return getattr(settings, "PAGE_CACHE_SECONDS", 0)


def _variant(request) -> str | None:
    """Which shared render this request may have: "anonymous" (nothing of their own to show),
    "guest" (not signed in, with a basket or messages to show), "signed-in", or None (a render of
    its own)."""
    if request.method not in ("GET", "HEAD") or _seconds() <= 0:
        return None
    match = getattr(request, "resolver_match", None)
    if match is None or match.view_name not in CACHEABLE_VIEWS:
        return None
    has_session = settings.SESSION_COOKIE_NAME in request.COOKIES
    if has_session and request.user.is_authenticated:
        return SIGNED_IN if match.view_name in SHARED_SIGNED_IN_VIEWS else None
    if (
        BASKET_COOKIE in request.COOKIES
        or request.COOKIES.get("messages")  # an emptied cookie may still be sent: it holds none
        or (has_session and request.session.get("_messages"))
    ):
        return GUEST
    return ANONYMOUS


def _key(request, version, variant) -> str:
    path = hashlib.sha1(request.get_full_path().encode(), usedforsecurity=False).hexdigest()
    # "3": the stored entry's shape (content type, content, personal parts with their kind); a
    # deploy that changes it changes this, so old and new workers sharing one Redis never read
    # each other's entries.
    return f"pagecache:3:{version}:{request.LANGUAGE_CODE}:{variant}:{path}"


def fill(request, content: str, holes) -> str:
    """Render each personal part of a shared page for this request, into its marker: a signed-in
    buyer's parts from the template context processors, a visitor's parts (``per_visitor``) from
    the request and its CSRF token alone."""
    if not holes:
        return content
    engine = engines["django"].engine
    contexts = {}

    def context_for(kind):
        if kind not in contexts:
            context = contexts[kind] = Context(autoescape=engine.autoescape)
            if kind == VISITOR:
                context.update({"request": request, **csrf(request)})
            else:
                for processor in engine.template_context_processors:
                    context.update(processor(request))
        return contexts[kind]

    def part(match):
        name, values, kind = holes[int(match.group(1))]
        context = context_for(kind)
        with context.push(**values):
            return engine.get_template(name).render(context)

    return HOLE.sub(part, content)


class AnonymousPageCacheMiddleware:
    """Serve and store the shared pages (after the session, auth, messages, basket middleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        holes = getattr(request, "_page_holes", None)
        if not holes or response.streaming:
            return self._store(request, response, [])
        content = response.content.decode(response.charset)
        self._store(request, response, holes, content)
        request._page_holes = None  # the parts are rendered now, whole
        response.content = fill(request, content, holes)
        return response

    def _store(self, request, response, holes, content=None):
        key = getattr(request, "_page_cache_key", None)
        if (
            key
            and not getattr(getattr(request, "_messages", None), "used", False)  # shown inline
            and not getattr(request, "_page_cache_skip", False)  # a part was this visitor's
            and request.method == "GET"
            and response.status_code == 200
            and not response.streaming
            and "private" not in response.get("Cache-Control", "")
        ):
            if content is None:
                content = response.content.decode(response.charset)
            content = TOKEN_FIELD.sub(rf"\g<1>{PLACEHOLDER}\g<2>", content)
            nonce = getattr(request, "_csp_nonce", None)
            if nonce:
                content = content.replace(f'nonce="{nonce}"', f'nonce="{NONCE_PLACEHOLDER}"')
            cache.set(key, (response["Content-Type"], content, holes), _seconds())
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        variant = _variant(request)
        if variant is None:
            return None
        key = _key(request, version(), variant)
        hit = cache.get(key)
        if hit is None:
            request._page_cache_key = key
            request._page_variant = variant
            # {% per_visitor %} parts are left as markers; for guests and signed-in buyers
            # {% personal %} ones too
            request._page_holes = []
            return None
        content_type, content, holes = hit
        hook = getattr(getattr(view_func, "view_class", None), "page_cache_hit", None)
        if hook is not None and (
            settings.SESSION_COOKIE_NAME in request.COOKIES or variant == GUEST
        ):
            # what the view does for a visitor with a session, or a basket (who had a render of
            # their own, and so the view's writes, before guests shared pages); a phone with
            # neither is not given a session (a database write) just to look at a cached page
            hook(request, *view_args, **view_kwargs)
        content = content.replace(PLACEHOLDER, get_token(request))
        if NONCE_PLACEHOLDER in content:
            content = content.replace(NONCE_PLACEHOLDER, str(request.csp_nonce))
        response = HttpResponse(fill(request, content, holes), content_type=content_type)
        response["X-Page-Cache"] = "hit"
        served = getattr(getattr(view_func, "view_class", None), "page_cache_served", None)
        if served is not None:
            served(request, response, *view_args, **view_kwargs)  # e.g. the browsing history
        return response
