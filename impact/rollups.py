"""The sales rollups the officials' reports read (``impact.models``: ``SalesRollup``,
``OrderSetRollup``), kept current as orders are paid and refunded and
rebuilt from the orders (``rebuild``, ``manage.py rebuild_impact_rollups``).

They hold ``impact.sales.booked``'s figures, summed ahead: a sale is booked on the day (in
Asia/Shanghai) its order was paid, a refund on the day it was made; an order counts among the
paid orders of the day it was paid, in each cooperative and county where something of it is
left (so an order refunded whole, even months later, leaves its day's count). Distinct orders
over any counties are exact: ``OrderSetRollup`` counts orders by the set of counties where
something of each is left, and a report adds an order once wherever its set reaches.

``record_paid`` and ``record_refunded`` run inside the lifecycle's transactions
(``orders.signals.order_paid``/``order_refunded``, connected in ``ImpactConfig.ready``): a
payment's figures and its rollup rows are committed together or not at all. Rows are updated in
a fixed order (so two payments never wait on each other crosswise); two first payments of a new
key at the same moment may make two rows for it, which every report sums.
"""

from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.apps import apps as global_apps
from django.conf import settings
from django.db import transaction
from django.db.models import F, FilteredRelation, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, TruncDate

from orders.statuses import MANAGER_STATUSES, PAID_STATUSES

ZERO = Decimal("0.00")


def local_day(moment: datetime):
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE)).date()


def _models(apps=None):
    apps = apps or global_apps
    return apps.get_model("impact", "SalesRollup"), apps.get_model("impact", "OrderSetRollup")


def _cooperatives(partner_ids, apps=None):
    """{partner id: (cooperative id, county id)} for the partners that are cooperatives."""
    Cooperative = (apps or global_apps).get_model("cooperatives", "Cooperative")
    return {
        row["partner_id"]: (row["pk"], row["county_id"])
        for row in Cooperative.objects.filter(partner_id__in=set(partner_ids)).values(
            "pk", "partner_id", "county_id"
        )
    }


def _add(model, key: dict, **deltas):
    """Add ``deltas`` to the row of ``key`` (one of them, should a race have made two), or make
    it."""
    if not any(deltas.values()):
        return
    # One statement when the row is there (the pay path's usual case): UPDATE ... WHERE pk =
    # (the key's first row); an INSERT only when it is not.
    first = model.objects.filter(**key).order_by("pk").values("pk")[:1]
    changes = {name: F(name) + v for name, v in deltas.items()}
    if not model.objects.filter(pk=Subquery(first)).update(**changes):
        model.objects.create(**key, **deltas)


def county_set(counties) -> str:
    """A set of county ids as ``OrderSetRollup.counties`` holds it: sorted, comma-separated."""
    return ",".join(str(pk) for pk in sorted(counties))


def _buyer(order) -> dict:
    return {"buyer_district": order.buyer_district or "", "organisation_id": order.organisation_id}


def record_paid(order, at) -> None:
    """An order was paid at ``at``: its lines' revenue and units on that day, and the order once
    in each of its cooperatives and counties (and in the span table when it has two or more)."""
    _sales, order_sets = _models()
    # The lines with their cooperative and its county, in one query (null: not a cooperative's).
    lines = order.lines.values(
        "quantity",
        "line_price_incl_tax",
        cooperative=F("partner__cooperative__pk"),
        county=F("partner__cooperative__county_id"),
    )
    day, buyer = local_day(at), _buyer(order)
    per_cooperative: dict = defaultdict(lambda: [ZERO, 0])
    for line in lines:
        if line["cooperative"] is not None:
            into = per_cooperative[(line["cooperative"], line["county"])]
            into[0] += line["line_price_incl_tax"]
            into[1] += line["quantity"]
    counties = set()
    for (cooperative, county), (revenue, units) in sorted(per_cooperative.items()):
        _add(
            _sales,
            {"day": day, "cooperative_id": cooperative, "county_id": county, **buyer},
            revenue=revenue,
            units=units,
            orders=1 if units > 0 else 0,
        )
        if units > 0:
            counties.add(county)
    if counties:
        _add(order_sets, {"day": day, "counties": county_set(counties), **buyer}, orders=1)


def paid_day(order):
    """The day (Asia/Shanghai) the order was paid: its "paid" payment event, else its placing
    (as ``impact.sales.paid_at``)."""
    event = (
        order.payment_events.filter(event_type__code="paid")
        .order_by("pk")
        .values_list("date_created", flat=True)
        .first()
    )
    return local_day(event or order.date_placed)


def _left(lines, refunded, found):
    """The (cooperative, county) pairs with units left, given {line id: units refunded}."""
    return {
        found[line["partner_id"]]
        for line in lines
        if line["partner_id"] in found and line["quantity"] - refunded.get(line["pk"], 0) > 0
    }


def record_refunded(order, parts, at) -> None:
    """Units of an order given back at ``at`` (``parts``: line, quantity, amount): their revenue
    and units off that day; the order off its paid day's count of each cooperative and county
    where nothing of it is left now."""
    if not parts:
        return
    sales_rollup, order_sets = _models()
    PaymentEventQuantity = global_apps.get_model("order", "PaymentEventQuantity")
    lines = list(order.lines.values("pk", "partner_id", "quantity"))
    found = _cooperatives(line["partner_id"] for line in lines)
    day, buyer = local_day(at), _buyer(order)
    partners = {line["pk"]: line["partner_id"] for line in lines}
    per_cooperative: dict = defaultdict(lambda: [ZERO, 0])
    for part in parts:
        partner = partners.get(part.line.pk)
        if partner in found:
            into = per_cooperative[found[partner]]
            into[0] += part.amount
            into[1] += part.quantity
    for (cooperative, county), (amount, quantity) in sorted(per_cooperative.items()):
        _add(
            sales_rollup,
            {"day": day, "cooperative_id": cooperative, "county_id": county, **buyer},
            revenue=-amount,
            units=-quantity,
        )
    refunded_now = dict(
        PaymentEventQuantity.objects.filter(
            line_id__in=partners, event__event_type__code="refunded"
        )
        .values("line_id")
        .annotate(total=Sum("quantity"))
        .values_list("line_id", "total")
    )
    refunded_before = dict(refunded_now)
    for part in parts:
        refunded_before[part.line.pk] = refunded_before.get(part.line.pk, 0) - part.quantity
    before, after = _left(lines, refunded_before, found), _left(lines, refunded_now, found)
    gone = sorted(before - after)
    if not gone:
        return
    paid = paid_day(order)
    for cooperative, county in gone:
        _add(
            sales_rollup,
            {"day": paid, "cooperative_id": cooperative, "county_id": county, **buyer},
            orders=-1,
        )
    counties_before = {county for _c, county in before}
    counties_after = {county for _c, county in after}
    if counties_before != counties_after:
        key = {"day": paid, **buyer}
        _add(order_sets, {**key, "counties": county_set(counties_before)}, orders=-1)
        if counties_after:
            _add(order_sets, {**key, "counties": county_set(counties_after)}, orders=1)


# --- Rebuilt from the orders ---------------------------------------------------------------------


def rebuild(apps=None, batch_size=5000) -> dict:
    """Empty the rollups and sum them again from the orders, as ``impact.sales.booked`` counts
    (paid lines on their payment's day, made refunds on theirs, orders with something left): for
    the migration that made them, a bench that wrote orders with SQL, or to check the receivers.
    Returns the rows written per table."""
    apps = apps or global_apps
    sales_rollup, order_sets = _models(apps)
    Line = apps.get_model("order", "Line")
    RefundLine = apps.get_model("payments", "RefundLine")
    PaymentEventType = apps.get_model("order", "PaymentEventType")
    zone = ZoneInfo(settings.TIME_ZONE)
    found = _cooperatives(
        Line.objects.values_list("partner_id", flat=True).distinct().order_by(), apps
    )
    paid_type = PaymentEventType.objects.filter(code="paid").values_list("pk", flat=True).first()
    lines = Line.objects.filter(partner_id__in=list(found)).annotate(
        paid_event=FilteredRelation(
            "order__payment_events",
            condition=Q(order__payment_events__event_type_id=paid_type or 0),
        ),
        paid_at=Coalesce(F("paid_event__date_created"), F("order__date_placed")),
        day=TruncDate("paid_at", tzinfo=zone),
    )
    keys = ("partner_id", "order__buyer_district", "order__organisation_id")
    sums: dict = defaultdict(lambda: [ZERO, 0, 0])

    def key(row, day):
        cooperative, county = found[row["partner_id"]]
        return (day, cooperative, county, row["order__buyer_district"] or "",
                row["order__organisation_id"])  # fmt: skip

    gross = (
        lines.filter(order__status__in=MANAGER_STATUSES)
        .values("day", *keys)
        .annotate(revenue=Sum("line_price_incl_tax"), units=Sum("quantity"))
        .order_by()
    )
    for row in gross:
        into = sums[key(row, row["day"])]
        into[0] += Decimal(row["revenue"] or 0)
        into[1] += row["units"] or 0
    refunds = (
        RefundLine.objects.filter(refund__status="refunded", line__partner_id__in=list(found))
        .annotate(day=TruncDate(Coalesce("refund__decided", "refund__created"), tzinfo=zone))
        .values("day", *(f"line__{name}" for name in keys))
        .annotate(revenue=Sum("amount"), units=Sum("quantity"))
        .order_by()
    )
    for row in refunds:
        row = {name: row[f"line__{name}"] for name in keys} | row
        into = sums[key(row, row["day"])]
        into[0] -= Decimal(row["revenue"] or 0)
        into[1] -= row["units"] or 0
    # Orders with something left: per cooperative, and by their set of counties.
    refunded = (
        RefundLine.objects.filter(line=OuterRef("pk"), refund__status="refunded")
        .values("line")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    left = (
        lines.filter(order__status__in=PAID_STATUSES)
        .annotate(
            refunded=Coalesce(Subquery(refunded, output_field=IntegerField()), 0),
        )
        .filter(quantity__gt=F("refunded"))
        .values_list("order_id", "day", *keys)
        .order_by("order_id")
    )
    counties_of: dict = defaultdict(set)
    cooperatives_of: dict = defaultdict(set)
    order_key = {}
    for order_id, day, partner, district, organisation in left.iterator(chunk_size=batch_size):
        cooperative, county = found[partner]
        cooperatives_of[order_id].add((cooperative, county))
        counties_of[order_id].add(county)
        order_key[order_id] = (day, district or "", organisation)
    per_set: dict = defaultdict(int)
    for order_id, (day, district, organisation) in order_key.items():
        for cooperative, county in cooperatives_of[order_id]:
            sums[(day, cooperative, county, district, organisation)][2] += 1
        per_set[(day, district, organisation, county_set(counties_of[order_id]))] += 1
    with transaction.atomic():
        for model in (sales_rollup, order_sets):
            model.objects.all().delete()
        sales_rollup.objects.bulk_create(
            (
                sales_rollup(day=day, cooperative_id=cooperative, county_id=county,
                             buyer_district=district, organisation_id=organisation,
                             revenue=revenue, units=units, orders=orders)
                for (day, cooperative, county, district, organisation), (revenue, units, orders)
                in sums.items()
                if revenue or units or orders
            ),
            batch_size=batch_size,
        )  # fmt: skip
        order_sets.objects.bulk_create(
            (
                order_sets(day=day, buyer_district=district, organisation_id=organisation,
                           counties=counties, orders=orders)
                for (day, district, organisation, counties), orders in per_set.items()
            ),
            batch_size=batch_size,
        )  # fmt: skip
    return {"sales": sales_rollup.objects.count(), "order_sets": order_sets.objects.count()}


def connect():
    """Keep the rollups current with the orders' lifecycle (``ImpactConfig.ready``)."""
    from orders import signals

    signals.order_paid.connect(_paid, dispatch_uid="impact-rollups-paid")
    signals.order_refunded.connect(_refunded, dispatch_uid="impact-rollups-refunded")


def _paid(sender, order, at, **kwargs):
    record_paid(order, at)


def _refunded(sender, order, event, parts, at, **kwargs):
    record_refunded(order, parts, at)
