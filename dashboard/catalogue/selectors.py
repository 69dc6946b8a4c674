"""Reads for the catalogue dashboard."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from oscar.core.loading import get_model

from cooperatives.models import Cooperative

StockRecord = get_model("partner", "StockRecord")


def visible_stockrecords(user) -> QuerySet:
    """The stock records ``user`` may see on the product list: staff all, a manager their own
    cooperatives' (a product sold by two cooperatives shows each its own price and stock)."""
    records = StockRecord.objects.order_by("price", "pk")
    if user.is_staff:
        return records
    return records.filter(partner__in=Cooperative.objects.for_manager(user).values("partner"))


def with_stock(products: QuerySet, user) -> QuerySet:
    """The product list's rows, each with ``visible_stockrecords`` (and its variants', for a
    parent): two queries for the page, whatever its length."""
    records = visible_stockrecords(user)
    return products.prefetch_related(
        Prefetch("stockrecords", queryset=records, to_attr="visible_stockrecords"),
        Prefetch("children__stockrecords", queryset=records, to_attr="visible_stockrecords"),
    )


@dataclass(frozen=True)
class StockSummary:
    """A row's price and stock over the stock records its viewer may see."""

    lowest_price: Decimal | None
    highest_price: Decimal | None
    available: int | None  # in stock less what placed orders hold; None: stock not tracked
    to_ship: int  # held by placed orders
    low: bool  # at or below a record's low-stock threshold, or none left
    records: int


def stock_summary(product) -> StockSummary:
    """Sums a row prepared by ``with_stock``: a parent's variants, or the product itself."""
    if product.is_parent:
        records = [r for child in product.children.all() for r in child.visible_stockrecords]
    else:
        records = list(product.visible_stockrecords)
    prices = [r.price for r in records if r.price is not None]
    tracked = [r for r in records if r.num_in_stock is not None]
    available = sum(r.num_in_stock - (r.num_allocated or 0) for r in tracked) if tracked else None
    low = any(
        (r.num_in_stock - (r.num_allocated or 0)) <= max(r.low_stock_threshold or 0, 0)
        for r in tracked
    )
    return StockSummary(
        lowest_price=min(prices) if prices else None,
        highest_price=max(prices) if prices else None,
        available=available,
        to_ship=sum(r.num_allocated or 0 for r in tracked),
        low=low,
        records=len(records),
    )
