"""Reads for livestreams: the public lists, a session's products with prices, its stats.

Stats are computed from the orders whose lines are attributed to the session, never from counters,
so they always agree with the order data; sales figures are sales as impact.sales defines them
(paid, less refunds), the same as the officials' and the manager's figures.
"""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone
from oscar.core.loading import get_model

from impact import sales

from .models import BasketAdd, LiveSession, SessionProduct

Line = get_model("order", "Line")
StockRecord = get_model("partner", "StockRecord")


def public_sessions():
    return LiveSession.objects.filter(is_public("")).select_related(
        "cooperative", "cooperative__county"
    )


def is_public(prefix="session__"):
    """The condition for a public session, on a model that reaches it through ``prefix``."""
    return ~Q(**{f"{prefix}status": LiveSession.Status.CANCELLED})


def session_lists(now=None):
    now = now or timezone.now()
    sessions = public_sessions()
    return {
        "live": list(sessions.filter(status=LiveSession.Status.LIVE).order_by("actual_start")),
        "upcoming": list(
            sessions.filter(status=LiveSession.Status.SCHEDULED, scheduled_end__gte=now).order_by(
                "scheduled_start"
            )
        ),
        "past": list(sessions.filter(status=LiveSession.Status.ENDED).order_by("-actual_end")[:24]),
    }


def items_with_prices(session):
    """The session's products in order, each with its normal price and the stock left."""
    items = list(
        session.items.select_related("product")
        .prefetch_related("product__images")
        .order_by("position", "pk")
    )
    records = {
        r.product_id: r
        for r in StockRecord.objects.filter(product__in=[i.product_id for i in items])
    }
    for item in items:
        record = records.get(item.product_id)
        item.normal_price = record.price if record else None
        item.stock_left = (
            max((record.num_in_stock or 0) - (record.num_allocated or 0), 0) if record else 0
        )
        item.has_live_price = bool(
            item.live_price is not None
            and item.normal_price is not None
            and item.live_price < item.normal_price
        )
        # What the room advertises: the live price only while it can really be had.
        item.live_now = bool(item.has_live_price and session.is_live_at() and item.units_left != 0)
    return items


def sessions_featuring(product, now=None):
    """The live and upcoming sessions selling ``product`` (or one of its 规格), each with
    ``live_item``: what it sells of it at a live price on air now (the cheapest), or None."""
    now = now or timezone.now()
    sessions = list(
        public_sessions()
        .filter(Q(items__product=product) | Q(items__product__parent=product))
        .filter(
            Q(status=LiveSession.Status.LIVE)
            | Q(status=LiveSession.Status.SCHEDULED, scheduled_end__gte=now)
        )
        .distinct()
        .order_by("scheduled_start")[:3]
    )
    for session in sessions:
        session.live_item = None
        if session.status != LiveSession.Status.LIVE:
            continue
        on_air = [
            item
            for item in items_with_prices(session)
            if item.live_now
            and (item.product_id == product.pk or item.product.parent_id == product.pk)
        ]
        session.live_item = min(on_air, key=lambda item: item.live_price, default=None)
    return sessions


def chapters(session):
    """The replay's chapters: each product with the moment it was presented."""
    return list(session.pins.select_related("item__product", "session").order_by("pinned_at"))


def _money(value) -> str:
    return str(Decimal(value or 0).quantize(Decimal("0.01")))


def units_sold(session) -> dict:
    """{product id: units sold} from the session: paid, less refunds (``impact.sales``), the
    control room's 已售 and the stats' 件数 of each product. Not the quota's counter
    (``SessionProduct.quota_used``, 已抢): that holds the live-price units of orders still
    waiting for payment too, and gives back only what is cancelled or wholly refunded."""
    lines = Line.objects.filter(live__session=session)
    return {row["product_id"]: row["units"] for row in sales.figures(lines, "product_id")}


def shown_time(moment) -> str:
    """A moment as the store shows it: Asia/Shanghai, 2026-12-07 08:04:03."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")


def session_stats(session) -> dict:
    """The session's figures: orders placed with its lines (paid or not), and its sales (paid,
    less refunds: ``units`` is 件数, each product's ``units`` its 已售 in the control room;
    ``quota_used`` is the live price's 已抢, which counts unpaid orders too)."""
    now = timezone.now()
    lines = Line.objects.filter(live__session=session)
    totals = sales.figures(lines)
    paid_orders = totals["paid_orders"]
    baskets = BasketAdd.objects.filter(session=session).values("basket_id").distinct().count()
    per_product = {row["product_id"]: row for row in sales.figures(lines, "product_id")}
    sold = sales.sale_lines(lines)
    products = []
    for item in session.items.select_related("product").order_by("position", "pk"):
        row = per_product.get(item.product_id, {})
        products.append(
            {
                "product_id": item.product_id,
                "title": item.product.get_title(),
                "paid_orders": row.get("paid_orders", 0),
                "units": row.get("units", 0),
                "gmv": _money(row.get("revenue")),
                "quota": item.quota,
                "quota_used": item.quota_used,
            }
        )
    # Per 10 minutes (Beijing time) by when each order was PAID (its "paid" payment event, as
    # impact.sales.booked dates a sale), so the chart adds up to 已售's GMV; unpaid orders are
    # not sales. One query whatever the number of orders (and one for the event type).
    timeline = defaultdict(lambda: Decimal("0.00"))
    for paid, amount in sales.paid_at(sold).values_list("paid_at", "sold_revenue"):
        local = timezone.localtime(paid)
        bucket = local.replace(minute=local.minute - local.minute % 10, second=0, microsecond=0)
        timeline[bucket.strftime("%H:%M")] += amount
    return {
        "session": session.pk,
        "status": session.status,
        "orders": lines.values("order_id").distinct().count(),
        "paid_orders": paid_orders,
        "units": totals["units"],
        "gmv": _money(totals["revenue"]),
        "unique_buyers": sold.filter(sold_units__gt=0)
        .values("order__user_id", "order__guest_email")
        .distinct()
        .count(),
        "baskets": baskets,
        "conversion": round(paid_orders / baskets, 4) if baskets else None,
        "products": products,
        "timeline": [{"time": k, "gmv": _money(v)} for k, v in sorted(timeline.items())],
        "computed": shown_time(now),  # what the page shows (Asia/Shanghai)
        "computed_at": now.isoformat(),  # for machines
    }


def item_state(session):
    """What the live page polls: the pinned product and the units left at the live price."""
    pinned = session.pinned()
    return {
        "status": session.status,
        "pinned": pinned.pk if pinned else None,
        "items": {
            str(item.pk): item.units_left for item in SessionProduct.objects.filter(session=session)
        },
    }


def sessions_for_host(user):
    """The sessions ``user`` may manage (``LiveSession.objects.for_host``), with their
    cooperative and host."""
    return LiveSession.objects.for_host(user).select_related("cooperative", "host")
