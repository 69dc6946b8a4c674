"""联想: suggestions as a shopper types — products, categories, cooperatives — for a JSON
endpoint. Answers are cached per query and catalogue version (the version moves with every
document rebuild, so an edit shows at once)."""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.urls import reverse
from oscar.core.loading import get_model

from . import analysis, documents, engine

Product = get_model("catalogue", "Product")
Category = get_model("catalogue", "Category")

LIMITS = {"products": 6, "categories": 3, "cooperatives": 3}
ANSWER_SECONDS = 300


def _named(model_label: str, version: str) -> list[dict]:
    """Categories or cooperatives with their names' pinyin, cached per version."""
    key = f"catalog:search:names:2:{model_label}:{version}"
    rows = cache.get(key)
    if rows is None:
        if model_label == "categories":
            objects = Category.objects.filter(is_public=True).only("name", "slug", "path")
        else:
            SearchDocument = get_model("catalogue", "SearchDocument")
            Cooperative = SearchDocument._meta.get_field("cooperative").related_model
            objects = Cooperative.objects.filter(is_active=True).only("name", "slug")
        rows = []
        for obj in objects:
            name = analysis.normalise(obj.name)
            rows.append(
                {
                    "name": obj.name,
                    "url": obj.get_absolute_url(),
                    "keys": (
                        name,
                        analysis.pinyin(name),
                        analysis.initials(name),
                        tuple(analysis.title_pinyin(name).split()),  # 胡萝卜 in a long name
                    ),
                }
            )
        cache.set(key, rows, 3600)
    return rows


def _names_matching(rows, key: str, limit: int) -> list[dict]:
    compact = key.replace(" ", "")
    found = []
    for row in rows:
        name, full, initials, words = row["keys"]
        if (
            compact in name
            or full.startswith(compact)
            or initials.startswith(compact)
            or any(word.startswith(compact) for word in words)
        ):
            found.append({"name": row["name"], "url": row["url"]})
            if len(found) >= limit:
                break
    return found


def suggestions(text: str) -> dict:
    """What to suggest for what has been typed so far (empty lists for nothing useful)."""
    key = analysis.query_key(text)[: analysis.MAX_QUERY_CHARS]
    answer = {"q": key, "products": [], "categories": [], "cooperatives": []}
    if not key:
        return answer
    version = documents.ensure_dictionary()
    digest = hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()
    cache_key = f"catalog:search:suggest:{version}:{digest}"
    cached = cache.get(cache_key)
    if cached is not None:
        return cached
    concepts = analysis.parse_query(key)
    if concepts:
        docs = list(
            engine.match(concepts, title_only=True, scored=False)
            .order_by("-in_stock", "-sales", "-priority", "-product_id")
            .values_list("product_id", "title")[: LIMITS["products"]]
        )
        slugs = dict(
            Product.objects.filter(pk__in=[pk for pk, _ in docs]).values_list("pk", "slug")
        )
        answer["products"] = [
            {
                "title": title,
                "url": reverse("catalogue:detail", kwargs={"product_slug": slugs[pk], "pk": pk}),
            }
            for pk, title in docs
            if pk in slugs
        ]
    for kind in ("categories", "cooperatives"):
        answer[kind] = _names_matching(_named(kind, version), key, LIMITS[kind])
    cache.set(cache_key, answer, ANSWER_SECONDS)
    return answer
