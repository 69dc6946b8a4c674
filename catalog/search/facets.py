"""Facet links for a results page: each value with its count and the address that picks it
(or, when picked, drops it); facets combine, and picking one goes back to page 1."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

GROUPS = [
    # (facets key, query parameter, heading)
    ("leagues", "league", _("League / city")),
    ("counties", "county", _("Banner / county")),
    ("cooperatives", "cooperative", _("Cooperative")),
    ("categories", "category", _("Category")),
    ("prices", "price", _("Price")),
]


def _url(request, param: str, value) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    if value in (None, ""):
        query.pop(param, None)
    else:
        query[param] = str(value)
    encoded = query.urlencode()
    return f"{request.path}?{encoded}" if encoded else request.path


def facet_links(request, facets: dict, total: int) -> dict:
    """``groups``: each facet with its options (a value every one of the ``total`` results
    shares narrows nothing and is left out unless picked); ``picked``: what is picked, each with
    the address that drops it."""
    current = {param: request.GET.get(param, "") for _key, param, _heading in GROUPS}
    current["certified"] = request.GET.get("certified", "")
    groups, picked = [], []
    for key, param, heading in GROUPS:
        options = []
        for row in facets[key]:
            active = str(row["value"]) == current[param]
            option = {
                "label": row["name"],
                "n": row["n"],
                "active": active,
                "url": _url(request, param, "" if active else row["value"]),
            }
            options.append(option)
            if active:
                picked.append({"label": row["name"], "url": option["url"]})
        options = [o for o in options if o["active"] or o["n"] < total]
        if options:
            groups.append({"param": param, "heading": heading, "options": options})
    certified_active = current["certified"] in ("1", "true", "on", "True")
    certified = {
        "n": facets["certified"],
        "active": certified_active,
        "url": _url(request, "certified", "" if certified_active else "1"),
    }
    if certified_active:
        picked.append(
            {"label": _("Certified poverty-alleviation product"), "url": certified["url"]}
        )
    return {"groups": groups, "certified": certified, "picked": picked}
