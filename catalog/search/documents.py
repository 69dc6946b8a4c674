"""Building and keeping the search documents (services: writes).

A product's document is rebuilt after commit, by Celery, when the product, its 规格, stock
records, categories, cooperative or county change (``catalog.receivers``), and every document
when the synonym table changes; ``manage.py rebuild_search`` rebuilds all of them.
"""

from __future__ import annotations

import threading
import uuid
from collections import defaultdict

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils.html import strip_tags
from oscar.core.loading import get_model

from . import analysis

Product = get_model("catalogue", "Product")
Category = get_model("catalogue", "Category")
SearchDocument = get_model("catalogue", "SearchDocument")
Synonym = get_model("catalogue", "Synonym")

VERSION_KEY = "catalog:search:version"
WORDS_KEY = "catalog:search:words:{}"
REGION_WORDS = ["内蒙古", "内蒙古自治区", "内蒙"]
CERTIFIED_WORDS = ["扶贫产品", "扶贫", "消费帮扶", "认定"]
FIELDS = ("title_lexemes", "detail_lexemes", "place_lexemes", "text_lexemes")
FIGURES = ("price", "in_stock")


def version() -> str:
    """Moves on whenever documents or the words they are analysed with change: part of every
    cached search answer's key. A random token, so an emptied cache starts a new one rather than
    repeating an old number that a process still holds documents for."""
    current = cache.get(VERSION_KEY)
    if current is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, None)
        current = cache.get(VERSION_KEY) or "unversioned"
    return current


def next_version() -> None:
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)


# Writes this process made, counted at once (not after commit): what it holds in memory
# (engine's documents on SQLite) is keyed by both, so it never reads past its own writes.
_local = {"writes": 0}


def local_writes() -> int:
    return _local["writes"]


def _wrote() -> None:
    _local["writes"] += 1
    transaction.on_commit(next_version)


def short_place(name: str) -> str:
    """锡林郭勒盟 → 锡林郭勒, 乌兰察布市 → 乌兰察布, 房山区 → 房山 (what people say)."""
    for suffix in ("自治旗", "盟", "市", "区", "县"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def data_words() -> list[str]:
    """The user dictionary's words from our data: places, categories and the synonym table."""
    County = SearchDocument._meta.get_field("county").related_model  # no import of that app
    words: set[str] = set(REGION_WORDS) | set(CERTIFIED_WORDS)
    for name, league, district in County.objects.values_list("name", "league", "beijing_district"):
        for place in (name, league, district):
            if place:
                words.update((place, short_place(place)))
    words.update(Category.objects.values_list("name", flat=True))
    for term, means in Synonym.objects.values_list("term", "means"):
        words.update((term, means))
    return sorted(words)


_taught = threading.local()


def ensure_dictionary() -> str:
    """Teach this process's segmenter the data's words once per version; the version."""
    current = version()
    if getattr(_taught, "version", None) != current:
        key = WORDS_KEY.format(current)
        words = cache.get(key)
        if words is None:
            words = data_words()
            cache.set(key, words, 3600)
        analysis.segmenter().teach(words)
        _taught.version = current
    return current


def synonym_map() -> dict[str, set[str]]:
    """For each catalogue word, the words shoppers type for it (and back, for two-way rows)."""
    mapping: dict[str, set[str]] = defaultdict(set)
    for term, means, two_way in Synonym.objects.values_list("term", "means", "two_way"):
        term, means = analysis.normalise(term).strip(), analysis.normalise(means).strip()
        mapping[means].add(term)
        if two_way:
            mapping[term].add(means)
    return mapping


def _products(product_ids):
    queryset = (
        Product.objects.browsable()
        .filter(Q(cooperative__isnull=True) | Q(cooperative__is_active=True))
        .select_related("cooperative", "origin_county", "cooperative__county")
        .prefetch_related("categories", "stockrecords", "children__stockrecords")
    )
    if product_ids is not None:
        queryset = queryset.filter(pk__in=product_ids)
    return queryset


def _category_names(categories, names_by_path) -> list[str]:
    names = []
    for category in categories:
        for depth in range(1, category.depth + 1):
            prefix = category.path[: depth * Category.steplen]
            names.append(names_by_path.get(prefix, ""))
    return [n for n in dict.fromkeys(names) if n]


def build(product, *, synonyms, names_by_path) -> SearchDocument:
    """The document of one browsable product (children, stock records and categories
    prefetched)."""
    children = [c for c in product.children.all() if c.is_public]
    county = product.origin_county or (product.cooperative.county if product.cooperative else None)
    places = list(REGION_WORDS)
    if product.cooperative:
        places.append(product.cooperative.name)
    if county:
        places += [county.name, short_place(county.name), county.league, short_place(county.league)]
        if county.beijing_district:
            places += ["北京", county.beijing_district, short_place(county.beijing_district)]
    if product.is_certified:
        places += [*CERTIFIED_WORDS, product.certification_number]
    details = [product.specification, *(c.specification for c in children)]
    details += [c.title for c in children]
    details += _category_names(product.categories.all(), names_by_path)
    text = [strip_tags(product.description or ""), product.harvest_season]

    def lexemes(parts, **kwargs) -> str:
        words = []
        for part in parts:
            words.extend(analysis.field_words(part or "", **kwargs))
        return " ".join(analysis.expand(words, synonyms))

    records = list(product.stockrecords.all())
    for child in children:
        records.extend(child.stockrecords.all())
    prices = [r.price for r in records if r.price is not None]
    in_stock = any((r.num_in_stock or 0) - (r.num_allocated or 0) > 0 for r in records)
    return SearchDocument(
        product_id=product.pk,
        title_lexemes=lexemes([product.title], characters=True, bigrams=True),
        detail_lexemes=lexemes(details, bigrams=True),
        place_lexemes=lexemes(places, bigrams=True),
        text_lexemes=lexemes(text),
        title=product.title[:255],
        title_pinyin=analysis.title_pinyin(product.title)[:512],
        county_id=county.pk if county else None,
        league=county.league if county else "",
        cooperative_id=product.cooperative_id,
        category_ids=" " + " ".join(str(c.pk) for c in product.categories.all()) + " ",
        certified_until=product.certification_valid_until if product.certification_number else None,
        price=min(prices) if prices else None,
        in_stock=in_stock,
        priority=product.priority,
        date_created=product.date_created,
    )


def rebuild(product_ids=None, *, batch: int = 500) -> int:
    """Rebuild the documents of these products (all when None); products no longer on sale lose
    theirs. Sales figures are kept (``set_sales`` writes them). The number written."""
    ensure_dictionary()
    synonyms = synonym_map()
    names_by_path = dict(Category.objects.values_list("path", "name"))
    written = 0
    ids = None if product_ids is None else {int(pk) for pk in product_ids}
    with transaction.atomic():
        queryset = _products(ids).order_by("pk")
        kept: list[int] = []
        chunk: list[SearchDocument] = []
        for product in queryset.iterator(chunk_size=batch):
            chunk.append(build(product, synonyms=synonyms, names_by_path=names_by_path))
            kept.append(product.pk)
            if len(chunk) >= batch:
                written += _save(chunk)
                chunk = []
        written += _save(chunk)
        stale = (
            SearchDocument.objects.exclude(product_id__in=kept)
            if ids is None
            else (SearchDocument.objects.filter(product_id__in=ids - set(kept)))
        )
        stale.delete()
    _wrote()
    return written


def _save(documents) -> int:
    if not documents:
        return 0
    fields = [f.name for f in SearchDocument._meta.concrete_fields]
    update = [f for f in fields if f not in ("product", "sales", "updated")]
    SearchDocument.objects.bulk_create(
        documents, update_conflicts=True, unique_fields=["product"], update_fields=update
    )
    return len(documents)


def set_sales(sales_by_product: dict[int, int]) -> int:
    """Write each product's sales (units sold, paid less refunded: the orders app counts them)
    into its document, for ranking and the 销量 sort. The number of documents changed."""
    changed = 0
    current = dict(SearchDocument.objects.values_list("product_id", "sales"))
    updates = [
        SearchDocument(product_id=pk, sales=max(int(units), 0))
        for pk, units in sales_by_product.items()
        if pk in current and current[pk] != max(int(units), 0)
    ]
    updates += [
        SearchDocument(product_id=pk, sales=0)
        for pk, units in current.items()
        if units and pk not in sales_by_product
    ]
    if updates:
        changed = SearchDocument.objects.bulk_update(updates, ["sales"], batch_size=1000)
        _wrote()
    return changed


def refresh_stock() -> int:
    """Bring each document's price and in-stock flag up to date with the stock records (orders
    move stock with conditional updates, which send no signal). The number changed."""
    StockRecord = get_model("partner", "StockRecord")
    price: dict[int, object] = {}
    in_stock: dict[int, bool] = {}
    rows = StockRecord.objects.filter(product__is_public=True).values_list(
        "product_id", "product__parent_id", "price", "num_in_stock", "num_allocated"
    )
    for product_id, parent_id, amount, num_in_stock, num_allocated in rows:
        owner = parent_id or product_id
        if amount is not None and (owner not in price or amount < price[owner]):
            price[owner] = amount
        available = (num_in_stock or 0) - (num_allocated or 0) > 0
        in_stock[owner] = in_stock.get(owner, False) or available
    changed = [
        SearchDocument(product_id=pk, price=price.get(pk), in_stock=in_stock.get(pk, False))
        for pk, old_price, old_in_stock in SearchDocument.objects.values_list(
            "product_id", "price", "in_stock"
        )
        if (price.get(pk), in_stock.get(pk, False)) != (old_price, old_in_stock)
    ]
    if changed:
        SearchDocument.objects.bulk_update(changed, ["price", "in_stock"], batch_size=1000)
        _wrote()
    return len(changed)
