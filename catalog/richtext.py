"""Rich text that cooperative managers write (product descriptions, rich-text attributes), made
safe to print on the storefront: an allow-list of formatting tags, cleaned by nh3 (ammonia).

Managers are not fully trusted: what they store reaches every buyer. ``clean_html`` runs when the
dashboard saves (dashboard/catalogue/forms.py) and again when the product page prints (the
``clean_html`` filter in templatetags/richtext.py), so rows stored before keep no script either.
Kept: paragraphs, bold/italic/underline/strike, lists, h2–h4, quotes, tables; links only to
http(s)/mailto and marked ``rel="noopener noreferrer nofollow"``; pictures only from this site's
own media (a relative path or ``MEDIA_URL``/``MEDIA_ORIGINS``), so no tracker on another host.
Dropped: scripts and styles with their content, event handlers, ``style``/``class``/``id``,
iframes, forms, ``javascript:``/``data:`` URLs.
"""

import re

import nh3
from django.conf import settings

TAGS = {
    "p", "br", "hr", "strong", "b", "em", "i", "u", "s", "span", "sub", "sup",
    "ul", "ol", "li", "h2", "h3", "h4", "blockquote",
    "a", "img",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ATTRIBUTES = {
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "th": {"colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
}
# Tags removed together with what they hold (a form's or frame's text is no description).
DROP_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "form", "template", "noscript"}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener noreferrer nofollow"
_NUMBER = re.compile(r"^\d{1,4}$")
# A picture left without an address (it pointed elsewhere): nh3's output quotes every attribute.
_IMG = re.compile(r'<img((?:\s+[a-z-]+="[^"]*")*)\s*/?>')


def _own_picture(src):
    """Whether a picture's address is this site's: a path (not ``//host``) or our media."""
    src = src.strip()
    if src.startswith("/") and not src.startswith("//") and "\\" not in src:
        return True
    prefixes = [settings.MEDIA_URL] if "://" in settings.MEDIA_URL else []
    prefixes += [f"{origin.rstrip('/')}/" for origin in getattr(settings, "MEDIA_ORIGINS", [])]
    return any(src.startswith(p) for p in prefixes if "*" not in p)


def _filter(tag, attribute, value):
    if tag == "img" and attribute == "src":
        return value if _own_picture(value) else None
    if attribute in {"width", "height", "colspan", "rowspan"}:
        return value if _NUMBER.match(value.strip()) else None
    return value


def clean_html(value) -> str:
    """``value`` (HTML, or None) with only the allowed tags, attributes and addresses."""
    if not value:
        return ""
    html = nh3.clean(
        str(value),
        tags=TAGS,
        clean_content_tags=DROP_WITH_CONTENT,
        attributes=ATTRIBUTES,
        attribute_filter=_filter,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )
    return _IMG.sub(lambda m: m.group(0) if ' src="' in m.group(1) else "", html)
