"""Read queries about counties and cooperatives (HackSoft styleguide: selectors for reads)."""

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from oscar.core.loading import get_model

from catalog.selectors import product_cards

from .models import LEAGUES, Cooperative, County

Product = get_model("catalogue", "Product")

PUBLIC_PRODUCTS = Q(products__is_public=True, products__parent__isnull=True)


def cooperative_list(*, league: str = "", county_slug: str = "") -> QuerySet:
    """Active cooperatives with their county and number of products on sale."""
    queryset = (
        Cooperative.objects.active()
        .select_related("county")
        .annotate(product_count=Count("products", filter=PUBLIC_PRODUCTS, distinct=True))
    )
    if league:
        queryset = queryset.filter(county__league=league)
    if county_slug:
        queryset = queryset.filter(county__slug=county_slug)
    return queryset.order_by("county__league", "county__name", "name")


def featured_cooperatives(limit: int = 6) -> list:
    """Cooperatives for the home page: those with the most products on sale first."""
    return list(
        cooperative_list().filter(product_count__gt=0).order_by("-product_count", "name")[:limit]
    )


def leagues_with_cooperatives() -> list[str]:
    """Leagues that have an active cooperative, in Inner Mongolia's usual order."""
    present = set(Cooperative.objects.active().values_list("county__league", flat=True).distinct())
    return [league for league in LEAGUES if league in present]


def counties_with_cooperatives(league: str = "") -> QuerySet:
    queryset = County.objects.filter(cooperatives__is_active=True).distinct()
    if league:
        queryset = queryset.filter(league=league)
    return queryset.order_by("league", "name")


def get_cooperative(slug: str) -> Cooperative:
    return get_object_or_404(Cooperative.objects.active().select_related("county"), slug=slug)


def cooperative_products(cooperative: Cooperative) -> QuerySet:
    return product_cards(Product.objects.filter(cooperative=cooperative)).order_by(
        "-priority", "-date_created", "-id"
    )
