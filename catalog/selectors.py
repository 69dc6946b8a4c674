"""Read queries for the storefront's product listings (HackSoft styleguide: selectors for reads).

Listings are served from the database, not Haystack (its SimpleEngine lists no products,
django-oscar #4366), and load everything a product card shows in a fixed number of queries:
product class and options (Oscar's ``base_queryset``), stock records, images, cooperative and
county. A page of 24 products costs the same number of queries as a page of 2.
"""

from dataclasses import dataclass, field
from functools import cached_property

from django.conf import settings
from django.db.models import (
    Count,
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from oscar.core.loading import get_model

from .search import analysis, documents, engine

Product = get_model("catalogue", "Product")
Category = get_model("catalogue", "Category")
StockRecord = get_model("partner", "StockRecord")
ProductReview = get_model("reviews", "ProductReview")
SearchDocument = get_model("catalogue", "SearchDocument")

# Products of a deactivated cooperative are no longer sold (string lookups: no app imports).
ON_SALE = Q(cooperative__isnull=True) | Q(cooperative__is_active=True)

SORT_CHOICES = {
    "default": ("-priority", "-date_created", "-id"),
    "sales": ("-sales", "-priority", "-id"),
    "newest": ("-date_created", "-id"),
    "price-asc": ("min_price", "-priority", "-id"),
    "price-desc": ("-min_price", "-priority", "-id"),
    "title": ("title", "id"),
}


def with_review_count(queryset: QuerySet) -> QuerySet:
    """``review_count``: the product's approved reviews, counted in the same query (a subquery,
    so no join multiplies the rows); the average is Oscar's ``Product.rating``, kept on the
    product whenever a review is saved (approved or not)."""
    approved = (
        ProductReview.objects.filter(product=OuterRef("pk"), status=ProductReview.APPROVED)
        .order_by()
        .values("product")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return queryset.annotate(
        review_count=Coalesce(Subquery(approved, output_field=IntegerField()), 0)
    )


def product_cards(queryset: QuerySet | None = None) -> QuerySet:
    """Browsable products with everything a product card needs, loaded in bulk (the rating's
    count included)."""
    if queryset is None:
        queryset = Product.objects.all()
    cheapest_child = (
        StockRecord.objects.filter(product__parent=OuterRef("pk"), product__is_public=True)
        .order_by("price")
        .values("price")[:1]
    )
    return with_review_count(
        queryset.browsable()
        .filter(ON_SALE)
        .base_queryset()
        .select_related("cooperative", "origin_county")
        # a product with 规格 (an Oscar parent) shows its cheapest one's price ("from")
        .annotate(from_price=Subquery(cheapest_child))
    )


def product_list(
    *,
    category=None,
    county_slug: str = "",
    cooperative_slug: str = "",
    sort: str = "default",
) -> QuerySet:
    """Products for the catalogue or a category (and its subcategories), without search words
    or facets (``search`` serves those)."""
    queryset = Product.objects.all()
    if category is not None:
        subtree = Category.objects.filter(path__startswith=category.path, depth__gte=category.depth)
        queryset = queryset.filter(categories__in=subtree).distinct()
    if county_slug:
        queryset = queryset.filter(origin_county__slug=county_slug)
    if cooperative_slug:
        queryset = queryset.filter(cooperative__slug=cooperative_slug)
    if sort == "sales":
        queryset = queryset.annotate(sales=Coalesce("search_document__sales", 0))
    ordering = SORT_CHOICES.get(sort, SORT_CHOICES["default"])
    if "min_price" in " ".join(ordering):
        # a product with 规格 (a parent) is priced by its cheapest child
        queryset = queryset.annotate(
            min_price=Coalesce(Min("stockrecords__price"), Min("children__stockrecords__price"))
        )
    return product_cards(queryset).order_by(*ordering)


@dataclass
class SearchOutcome:
    """A search: the matching documents in order (``SearchDocument`` rows; ``cards`` turns a
    page of them into product cards), how the query was read, and the facets of the results."""

    query: str
    concepts: list
    documents: QuerySet
    corrections: list = field(default_factory=list)  # (typed, read as)

    @cached_property
    def count(self) -> int:
        return self.facets["total"]  # counted with the facets (one statement on PostgreSQL)

    @cached_property
    def facets(self) -> dict:
        return engine.facets(self.documents)


def search(*, query: str = "", filters=None, sort: str = "default") -> SearchOutcome:
    """Products matching the query's words (analysed: jieba, pinyin, synonyms) within the
    facets picked, ranked by relevance (engine), or by the sort asked for."""
    documents.ensure_dictionary()
    concepts = analysis.parse_query(query)
    base = (filters or engine.Filters()).apply(SearchDocument.objects.all())
    if query.strip() and not concepts:  # punctuation only, operators: nothing to look for
        base = base.none()
    matched = engine.ordered(engine.match(concepts, queryset=base), sort)
    corrections = [
        (c.source, sorted(analysis.segmenter().by_pinyin.get(c.corrected, ()))[0])
        for c in concepts
        if c.corrected and analysis.segmenter().by_pinyin.get(c.corrected)
    ]
    return SearchOutcome(query, concepts, matched, corrections)


def with_public_children(products: list) -> list:
    """A parent's card asks Oscar's strategy for its children's stock (``get_public_children``):
    the parents among these products get them in two queries, none when there is no parent."""
    parents = [p for p in products if p.structure == Product.PARENT]
    if parents:
        prefetch_related_objects(
            parents,
            Prefetch(
                "children",
                queryset=Product.objects.public().prefetch_related("stockrecords"),
                to_attr="_prefetched_public_children",
            ),
        )
    return products


def category_subtree_ids(pk: int) -> list[int]:
    """A category's id and its subcategories' (none when it does not exist or is hidden)."""
    category = Category.objects.filter(pk=pk, is_public=True).only("path", "depth").first()
    if category is None:
        return []
    return list(
        Category.objects.filter(path__startswith=category.path, is_public=True).values_list(
            "pk", flat=True
        )
    )


def cards(documents_or_ids) -> list:
    """Product cards for documents (or product ids), in their order, loaded in bulk."""
    ids = [getattr(d, "product_id", d) for d in documents_or_ids]
    if not ids:
        return []
    loaded = product_cards(Product.objects.filter(pk__in=ids)).in_bulk()
    return with_public_children([loaded[pk] for pk in ids if pk in loaded])


NEAREST_CANDIDATES = 200


def nearest(outcome: SearchOutcome, *, limit: int = 8) -> list:
    """For a search that found nothing: products matching some of its words, else products
    whose names sound like it (trigram similarity of the pinyin)."""
    if not outcome.query.strip():
        return []
    docs = []
    if outcome.concepts:
        # the most relevant of the best sellers matching any word: scoring every document that
        # matches one word of a long query (内蒙古 榴莲) is what took the time
        candidates = (
            engine.match(outcome.concepts, every=False)
            .order_by("-sales", "-product_id")
            .values("product_id")[:NEAREST_CANDIDATES]
        )
        some = engine.match(
            outcome.concepts,
            every=False,
            queryset=SearchDocument.objects.filter(product_id__in=candidates),
        )
        docs = list(engine.ordered(some, "default")[:limit])
    if not docs:
        docs = list(engine.fuzzy(outcome.query).order_by("-score", "-sales", "-product_id")[:limit])
    return cards(docs)


def popular(*, limit: int = 8) -> list:
    """Best sellers in stock (for the empty search page and a search that found nothing)."""
    docs = SearchDocument.objects.order_by("-in_stock", "-sales", "-priority", "-product_id")
    return cards(docs.values_list("product_id", flat=True)[:limit])


def certified_products(limit: int = 8) -> list:
    """Products whose poverty-alleviation certification is valid today, newest first."""
    today = timezone.localdate()
    return with_public_children(
        list(
            product_cards()
            .exclude(certification_number="")
            .filter(certification_valid_until__gte=today)
            .order_by("-priority", "-date_created", "-id")[:limit]
        )
    )


def recently_viewed(ids, *, exclude=None, limit: int = 6) -> list:
    """Product cards for a visitor's browsing history (``ids`` oldest first, as Oscar's history
    cookie keeps them, at most ``OSCAR_RECENTLY_VIEWED_PRODUCTS``): newest first, each once,
    without ``exclude`` and products no longer on sale, at most ``limit``."""
    newest_first = [pk for pk in dict.fromkeys(reversed(ids)) if pk != exclude]
    newest_first = newest_first[: settings.OSCAR_RECENTLY_VIEWED_PRODUCTS]  # Oscar keeps so many
    if not newest_first:
        return []
    cards = product_cards(Product.objects.filter(pk__in=newest_first)).in_bulk()
    return with_public_children([cards[pk] for pk in newest_first if pk in cards][:limit])


def product_detail_queryset() -> QuerySet:
    """Products for the product page, with origin, cooperative and the count of approved
    reviews in the same query."""
    return with_review_count(
        Product.objects.filter(ON_SALE)
        .select_related(
            "product_class", "cooperative", "cooperative__county", "origin_county", "parent"
        )
        .prefetch_related("stockrecords", "images")
    )
