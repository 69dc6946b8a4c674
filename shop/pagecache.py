"""Whole-page cache for what every anonymous visitor sees alike.

A livestream sends thousands of phones to the same few pages at once (home, category, product,
the live room). For a visitor who is not signed in, has an empty basket (no basket cookie) and no
pending messages, those pages are the same for everyone in a language, so they are rendered once
and served from the cache (Redis in production) for ``PAGE_CACHE_SECONDS``. Everything personal
stays uncached: signed-in buyers, anyone with a basket, any POST.

- The CSRF token and the Content-Security-Policy nonce are the per-response parts of such a page:
  they are stored as placeholders, and each visitor's own token (their CSRF cookie set) and a
  fresh nonce (the CSP header names it) are put in when the page is served.
- Freshness: catalogue, offer and livestream edits bump a version in the key (``bump``), so they
  show at once; stock levels change with every order and are not bumped for (a flash sale would
  empty the cache at every sale): a page may show "in stock" for up to ``PAGE_CACHE_SECONDS``
  after the last unit sold, and placing the order is what checks stock, always.
"""

import hashlib
import re

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token

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
VERSION_KEY = "pagecache:version"
PLACEHOLDER = "__csrf_token_placeholder__"
NONCE_PLACEHOLDER = "__csp_nonce_placeholder__"
TOKEN_FIELD = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')
BASKET_COOKIE = "oscar_open_basket"


def bump(**_kwargs):
    """Invalidate every cached page (a signal receiver: catalogue, offer or live edits)."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 2, None)


def version() -> int:
    """The catalogue's version: part of every cached page's and fragment's key."""
    return cache.get(VERSION_KEY) or 1


def _seconds() -> int:
    return getattr(settings, "PAGE_CACHE_SECONDS", 0)


def _cacheable_request(request) -> bool:
    if request.method not in ("GET", "HEAD") or _seconds() <= 0:
        return False
    match = getattr(request, "resolver_match", None)
    if match is None or match.view_name not in CACHEABLE_VIEWS:
        return False
    if BASKET_COOKIE in request.COOKIES or "messages" in request.COOKIES:
        return False
    return settings.SESSION_COOKIE_NAME not in request.COOKIES or not (
        request.user.is_authenticated or request.session.get("_messages")
    )


def _key(request, version) -> str:
    path = hashlib.sha1(request.get_full_path().encode(), usedforsecurity=False).hexdigest()
    return f"pagecache:{version}:{request.LANGUAGE_CODE}:{path}"


class AnonymousPageCacheMiddleware:
    """Serve and store the shared pages (after the session, auth, messages, basket middleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        key = getattr(request, "_page_cache_key", None)
        if (
            key
            and request.method == "GET"
            and response.status_code == 200
            and not response.streaming
            and "private" not in response.get("Cache-Control", "")
        ):
            content = TOKEN_FIELD.sub(
                rf"\g<1>{PLACEHOLDER}\g<2>", response.content.decode(response.charset)
            )
            nonce = getattr(request, "_csp_nonce", None)
            if nonce:
                content = content.replace(f'nonce="{nonce}"', f'nonce="{NONCE_PLACEHOLDER}"')
            cache.set(key, (response["Content-Type"], content), _seconds())
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not _cacheable_request(request):
            return None
        key = _key(request, version())
        hit = cache.get(key)
        if hit is None:
            request._page_cache_key = key
            return None
        content_type, content = hit
        content = content.replace(PLACEHOLDER, get_token(request))
        if NONCE_PLACEHOLDER in content:
            content = content.replace(NONCE_PLACEHOLDER, str(request.csp_nonce))
        response = HttpResponse(content, content_type=content_type)
        response["X-Page-Cache"] = "hit"
        return response
