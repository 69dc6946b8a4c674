"""Reads for the catalogue dashboard."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Func, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from oscar.core.loading import get_model

from cooperatives.models import Cooperative
from orders import statuses

StockRecord = get_model("partner", "StockRecord")
Line = get_model("order", "Line")
PaymentEventQuantity = get_model("order", "PaymentEventQuantity")


def _sum(queryset, field) -> Coalesce:
    """SUM(``field``) of ``queryset`` (correlated to the outer row) as a subquery, 0 for none."""
    total = queryset.order_by().annotate(total=Func(F(field), function="SUM")).values("total")
    return Coalesce(Subquery(total[:1], output_field=IntegerField()), 0)


def units_to_ship():
    """A stock record's units waiting to ship, as an annotation: lines of paid orders (已付款,
    部分发货) sold from it that are in no parcel yet, less their refunded units (the fulfilment
    list's lines, ``orders.fulfilment.unshipped_lines``). Not ``num_allocated``: that also holds
    unpaid orders and shipped ones not yet completed."""
    waiting = {
        "order__status__in": (statuses.PAID, statuses.PARTLY_SHIPPED),
        "parcels__isnull": True,
    }
    lines = Line.objects.filter(stockrecord=OuterRef("pk"), **waiting).exclude(
        status__in=(statuses.REFUNDED, statuses.SHIPPED)
    )
    refunded = PaymentEventQuantity.objects.filter(
        event__event_type__code="refunded",
        line__stockrecord=OuterRef("pk"),
        **{f"line__{key}": value for key, value in waiting.items()},
    ).exclude(line__status__in=(statuses.REFUNDED, statuses.SHIPPED))
    return _sum(lines, "quantity") - _sum(refunded, "quantity")


def visible_stockrecords(user) -> QuerySet:
    """The stock records ``user`` may see on the product list: staff all, a manager their own
    cooperatives' (a product sold by two cooperatives shows each its own price and stock), each
    with its ``units_to_ship``."""
    records = StockRecord.objects.annotate(units_to_ship=units_to_ship()).order_by("price", "pk")
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
    to_ship: int  # paid, not yet in a parcel, less refunds (``units_to_ship``)
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
        to_ship=sum(max(getattr(r, "units_to_ship", 0) or 0, 0) for r in records),
        low=low,
        records=len(records),
    )
