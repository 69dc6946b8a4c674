"""/favicon.ico: browsers, bookmarks and crawlers ask for it at the site root whatever the page's
``<link rel="icon">`` says (Safari and WeChat's built-in browser do not use the SVG icon).

Served here, not redirected to the static SVG: an SVG is no use to the clients that ask for
/favicon.ico, and a redirect costs them a second round trip. The file is a real ICO (16, 32 and
48 pixels) made once from ``static/jingmeng/img/favicon.svg`` and committed beside it; it is read
once per process and answered from memory without a session, a query or a template.
"""

from functools import cache

from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_safe

ICON = "jingmeng/img/favicon.ico"
MAX_AGE = 7 * 24 * 3600  # the URL has no hash: a week, not forever


@cache
def _icon() -> bytes | None:
    path = finders.find(ICON)
    if path:
        with open(path, "rb") as fh:
            return fh.read()
    if staticfiles_storage.exists(ICON):  # a slim image with collected files only
        with staticfiles_storage.open(ICON) as fh:
            return fh.read()
    return None


@require_safe
def favicon(request):
    content = _icon()
    if content is None:
        raise Http404
    response = HttpResponse(content, content_type="image/x-icon")
    response["Cache-Control"] = f"public, max-age={MAX_AGE}"
    return response
