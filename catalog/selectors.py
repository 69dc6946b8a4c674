"""Read queries for the storefront's product listings (HackSoft styleguide: selectors for reads).

Listings are served from the database, not Haystack (its SimpleEngine lists no products,
django-oscar #4366), and load everything a product card shows in a fixed number of queries:
product class and options (Oscar's ``base_queryset``), stock records, images, cooperative and
county. A page of 24 products costs the same number of queries as a page of 2.
"""

from django.conf import settings
from django.db.models import Count, IntegerField, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from oscar.core.loading import get_model

Product = get_model("catalogue", "Product")
Category = get_model("catalogue", "Category")
StockRecord = get_model("partner", "StockRecord")
ProductReview = get_model("reviews", "ProductReview")

# Products of a deactivated cooperative are no longer sold (string lookups: no app imports).
ON_SALE = Q(cooperative__isnull=True) | Q(cooperative__is_active=True)

SORT_CHOICES = {
    "default": ("-priority", "-date_created", "-id"),
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
    query: str = "",
    county_slug: str = "",
    cooperative_slug: str = "",
    sort: str = "default",
) -> QuerySet:
    """Products for the catalogue, a category (and its subcategories), a search or a filter."""
    queryset = Product.objects.all()
    if category is not None:
        subtree = Category.objects.filter(path__startswith=category.path, depth__gte=category.depth)
        queryset = queryset.filter(categories__in=subtree).distinct()
    for term in (query or "").split():
        queryset = queryset.filter(
            Q(title__icontains=term)
            | Q(description__icontains=term)
            | Q(specification__icontains=term)
            | Q(cooperative__name__icontains=term)
            | Q(origin_county__name__icontains=term)
            | Q(categories__name__icontains=term)
        ).distinct()
    if county_slug:
        queryset = queryset.filter(origin_county__slug=county_slug)
    if cooperative_slug:
        queryset = queryset.filter(cooperative__slug=cooperative_slug)
    ordering = SORT_CHOICES.get(sort, SORT_CHOICES["default"])
    if "min_price" in " ".join(ordering):
        # a product with 规格 (a parent) is priced by its cheapest child
        queryset = queryset.annotate(
            min_price=Coalesce(Min("stockrecords__price"), Min("children__stockrecords__price"))
        )
    return product_cards(queryset).order_by(*ordering)


def certified_products(limit: int = 8) -> list:
    """Products whose poverty-alleviation certification is valid today, newest first."""
    today = timezone.localdate()
    return list(
        product_cards()
        .exclude(certification_number="")
        .filter(certification_valid_until__gte=today)
        .order_by("-priority", "-date_created", "-id")[:limit]
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
    return [cards[pk] for pk in newest_first if pk in cards][:limit]


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
