"""The one definition of a sale, for every sales figure the store shows: the officials' impact
pages and exports, the manager's sales home (``cooperative_sales``) and the live stats.

A sale is an order line of a paid order (``orders.statuses.PAID_STATUSES``), less what has been
refunded of it: its revenue is the line's price (tax included, after discounts: what the buyer
paid, the figure the benefit ledger shares out) less the amounts of its refund lines whose refund
was made; its units are its quantity less the refunded units. An order counts as a paid order
while any of its units (among the lines counted) remains. A wholly refunded order leaves
PAID_STATUSES and counts nowhere; a partly refunded one counts what is left.

``sale_lines`` states it once, as annotations (``sold_units``, ``sold_revenue``) computed in the
database; ``figures`` sums them, in total or grouped, for every report.

Over time (a day, a month, a date range: ``booked``), a sale is booked when its order was paid
(the "paid" payment event, ``orders.services.mark_paid``) and a refund when it was made
(``Refund.decided``), as the benefit ledger dates its entries: a period's sales are what was paid
in it less what was refunded in it, so a refund in December of a November order lowers
December, never rewrites November, and a month's household income is always the month's sales
times the share (to the fen). Summed over all time the two views agree.
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncDay, TruncMonth
from django.utils import timezone
from oscar.core.loading import get_model

from orders.payments.models import Refund, RefundLine
from orders.statuses import MANAGER_STATUSES, PAID_STATUSES

Line = get_model("order", "Line")
PaymentEventType = get_model("order", "PaymentEventType")
ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=14, decimal_places=2)
FIGURES = ("revenue", "units", "paid_orders")


def _refunded(field: str, output_field):
    """How much of ``field`` (quantity, amount) of the outer line its made refunds took back."""
    made = (
        RefundLine.objects.filter(line=OuterRef("pk"), refund__status=Refund.Status.REFUNDED)
        .values("line")
        .annotate(total=Sum(field))
        .values("total")
    )
    zero = Value(ZERO if isinstance(output_field, DecimalField) else 0, output_field=output_field)
    return Coalesce(Subquery(made, output_field=output_field), zero, output_field=output_field)


def sale_lines(lines: QuerySet | None = None) -> QuerySet:
    """The order lines (of ``lines``, or all) that are sales: those of paid orders, annotated
    with ``sold_units`` and ``sold_revenue``, what is left of them after refunds."""
    lines = Line.objects.all() if lines is None else lines
    return lines.filter(order__status__in=PAID_STATUSES).annotate(
        sold_units=ExpressionWrapper(
            F("quantity") - _refunded("quantity", IntegerField()), output_field=IntegerField()
        ),
        sold_revenue=ExpressionWrapper(
            F("line_price_incl_tax") - _refunded("amount", MONEY), output_field=MONEY
        ),
    )


def money(value) -> Decimal:
    """Yuan to the fen (SQLite's SUM drops a decimal's places; PostgreSQL keeps them)."""
    return Decimal(value or 0).quantize(Decimal("0.01"))


def _refund_made():
    """The outer line's order has a refund made."""
    return Exists(Refund.objects.filter(order=OuterRef("order_id"), status=Refund.Status.REFUNDED))


def figures(lines: QuerySet, *fields, **expressions):
    """Revenue, units and paid orders of the sales among ``lines`` (any order-line queryset):
    a dict, or grouped by ``fields`` and ``expressions`` (as for ``.values()``) a list of dicts
    holding those too, in no particular order.

    Exactly the sums of ``sale_lines(lines)``'s annotations, in two queries: the lines of orders
    with no refund made, whose sale is the whole line (plain sums, which PostgreSQL runs in
    parallel), and the few lines of orders with one, through the annotations; the two share no
    order, so their figures add up. (The annotations on every line, a subquery per line and
    figure, took the officials' report over a million lines from 10 s to 26 s.)
    """
    refund_made = _refund_made()
    parts = [
        (
            lines.filter(~refund_made, order__status__in=PAID_STATUSES),
            {
                "revenue": Sum("line_price_incl_tax"),
                "units": Sum("quantity"),
                "paid_orders": Count("order", distinct=True),
            },
        ),
        (
            sale_lines(lines.filter(refund_made)),
            {
                "revenue": Sum("sold_revenue"),
                "units": Sum("sold_units"),
                "paid_orders": Count("order", distinct=True, filter=Q(sold_units__gt=0)),
            },
        ),
    ]
    if not fields and not expressions:
        found = [part.aggregate(**sums) for part, sums in parts]
        return _added({}, *found)
    names = [*fields, *expressions]
    rows: dict = {}
    for part, sums in parts:
        for row in part.values(*fields, **expressions).annotate(**sums).order_by():
            key = tuple(row[name] for name in names)
            rows[key] = _added(rows.get(key, {name: row[name] for name in names}), row)
    return list(rows.values())


def _added(into: dict, *found: dict) -> dict:
    totals = {
        "revenue": money(sum((f["revenue"] or ZERO for f in found), into.get("revenue", ZERO))),
        "units": sum((f["units"] or 0 for f in found), into.get("units", 0)),
        "paid_orders": sum((f["paid_orders"] for f in found), into.get("paid_orders", 0)),
    }
    return {**into, **totals}


# --- Over time -----------------------------------------------------------------------------------

# Orders whose money came in (and may have gone back since): every one was paid once.
EVER_PAID = MANAGER_STATUSES
TRUNC = {"day": TruncDay, "month": TruncMonth}


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def day_start(day: date) -> datetime:
    """Midnight of ``day`` in Asia/Shanghai (the store's TIME_ZONE), as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=local_zone())


def paid_at(lines: QuerySet) -> QuerySet:
    """``lines`` annotated with ``paid_at``: when their order was paid (its one "paid" payment
    event, which ``mark_paid`` dates at the payment), else when it was placed (orders paid
    before payment events were dated, or written directly by a bench)."""
    paid_type = PaymentEventType.objects.filter(code="paid").values_list("pk", flat=True).first()
    return lines.annotate(
        paid_event=FilteredRelation(
            "order__payment_events",
            condition=Q(order__payment_events__event_type_id=paid_type or 0),
        ),
        paid_at=Coalesce(F("paid_event__date_created"), F("order__date_placed")),
    )


def _between(start, end, field):
    found = Q()
    if start is not None:
        found &= Q(**{f"{field}__gte": start})
    if end is not None:
        found &= Q(**{f"{field}__lt": end})
    return found


def booked(lines: QuerySet, *fields, start=None, end=None, per=None, **expressions):
    """The sales among ``lines`` booked from ``start`` to before ``end`` (aware datetimes; open
    when None): revenue and units paid in the period less those refunded in it, and the paid
    orders of the period (orders paid in it with something of the lines left). A dict, or with
    ``per`` ("day" or "month", Asia/Shanghai: a ``period`` key, the local date it starts) and/or
    ``fields``/``expressions`` (as for ``.values()``), a list of dicts.

    Two grouped queries and a small third: the lines paid in the period (gross), the refunds
    made in it, and the period's paid orders that have something left.
    """
    names = [*fields, *expressions]
    paid = paid_at(lines.filter(order__status__in=EVER_PAID)).filter(
        _between(start, end, "paid_at")
    )
    refunded = (
        lines.filter(refund_lines__refund__status=Refund.Status.REFUNDED)
        .annotate(  # the same join as the filter's: the refund made, when it was made
            refunded_at=Coalesce("refund_lines__refund__decided", "refund_lines__refund__created")
        )
        .filter(_between(start, end, "refunded_at"))
    )
    keys = dict(expressions)
    if per is not None:
        trunc = TRUNC[per]
        paid = paid.annotate(period=trunc("paid_at", tzinfo=local_zone()))
        refunded = refunded.annotate(period=trunc("refunded_at", tzinfo=local_zone()))
        names = ["period", *names]
    rows: dict = {}

    def add(queryset, sums, sign=1):
        if names:
            found = queryset.values(*fields, *(["period"] if per else []), **keys)
            found = found.annotate(**sums).order_by()
        else:
            found = [queryset.aggregate(**sums)]
        for row in found:
            key = tuple(_key(row[name]) for name in names)
            into = rows.setdefault(
                key, {**dict(zip(names, key, strict=True)), **dict.fromkeys(FIGURES, 0)}
            )
            into["revenue"] += sign * (row.get("revenue") or ZERO)
            into["units"] += sign * (row.get("units") or 0)
            into["paid_orders"] += row.get("paid_orders") or 0

    add(paid, {"revenue": Sum("line_price_incl_tax"), "units": Sum("quantity")})
    add(
        refunded,
        {"revenue": Sum("refund_lines__amount"), "units": Sum("refund_lines__quantity")},
        sign=-1,
    )
    # Paid orders: those paid in the period with something of ``lines`` left (as ``figures``:
    # orders with no refund made counted plainly, the few with one through the annotations).
    paid = paid.filter(order__status__in=PAID_STATUSES)
    add(paid.filter(~_refund_made()), {"paid_orders": Count("order", distinct=True)})
    left = sale_lines(paid.filter(_refund_made())).filter(sold_units__gt=0)
    add(left, {"paid_orders": Count("order", distinct=True)})
    for row in rows.values():
        row["revenue"] = money(row["revenue"])
    if not names:
        return rows.get((), {"revenue": ZERO, "units": 0, "paid_orders": 0})
    return list(rows.values())


def _key(value):
    """A period from TruncDay/TruncMonth as the local date it starts (SQLite gives a datetime
    in the zone asked for, PostgreSQL the same; a date stays a date)."""
    if isinstance(value, datetime):
        return value.astimezone(local_zone()).date()
    return value


def cooperative_sales(partner_ids, *, today=None, days=30) -> dict:
    """The manager's sales home: a cooperative's sales booked today, this month (Asia/Shanghai)
    and each day over ``days`` (paid less refunded, ``booked``), and the month's top products."""
    today = today or timezone.localdate()
    lines = Line.objects.filter(partner_id__in=partner_ids)

    def summary(start, end=None):
        found = booked(lines, start=day_start(start), end=end and day_start(end))
        return {"orders": found["paid_orders"], "revenue": found["revenue"]}

    month_start = today.replace(day=1)
    first = today - timedelta(days=days - 1)
    tomorrow = today + timedelta(days=1)
    by_day = {
        row["period"]: row["revenue"]
        for row in booked(lines, start=day_start(first), end=day_start(tomorrow), per="day")
    }
    series = [
        {"day": (first + timedelta(days=n)).isoformat(),
         "revenue": str(by_day.get(first + timedelta(days=n), ZERO))}
        for n in range(days)
    ]  # fmt: skip
    products = booked(lines, "product_id", "title", start=day_start(month_start))
    top = sorted(
        (row for row in products if row["units"] > 0 or row["revenue"] > 0),
        key=lambda row: (-row["revenue"], row["title"]),
    )[:5]
    return {
        "today": summary(today, tomorrow),
        "month": summary(month_start, tomorrow),
        "month_start": month_start,
        "series": series,
        "top": top,
    }
