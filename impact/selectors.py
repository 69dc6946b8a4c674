"""Read queries for officials' impact reports (selectors). Every figure is aggregated in the
database and every query is limited to the counties in the official's scope; sales are counted
as impact.sales defines them (paid, less refunds)."""

import hashlib
from collections import defaultdict
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_model

from cooperatives.models import (
    BenefitEntry,
    BenefitRollup,
    Cooperative,
    County,
    Household,
    Membership,
)
from orders import districts

from . import sales
from .models import OfficialScope, OrderSetRollup, SalesRollup
from .sales import ZERO, money

Line = get_model("order", "Line")

BREAKDOWNS = {
    # name: (label, order-line field, ledger field)
    "county": (_("County"), "partner__cooperative__county__name", "cooperative__county__name"),
    "cooperative": (_("Cooperative"), "partner__cooperative__name", "cooperative__name"),
    "district": (_("Paired Beijing district"), "partner__cooperative__county__beijing_district",
                 "cooperative__county__beijing_district"),
    "month": (_("Month"), "month", "month"),
}  # fmt: skip


class NotAnOfficial(Exception):
    """The user has no official scope (and is not staff)."""


def scope_counties(user) -> QuerySet:
    """The counties ``user`` may report on (``County.objects.for_official``); NotAnOfficial for
    a user who is neither staff nor an official."""
    if not user.is_staff and not OfficialScope.objects.filter(user=user).exists():
        raise NotAnOfficial
    return County.objects.for_official(user)


@dataclass(frozen=True)
class Period:
    """A report's dates, both included, as days in Asia/Shanghai; either end may be open."""

    start: date | None = None
    end: date | None = None

    @classmethod
    def this_year(cls, today: date | None = None) -> "Period":
        today = today or timezone.localdate()
        return cls(date(today.year, 1, 1), date(today.year, 12, 31))

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """The first moment in the period and the first after it, aware (Asia/Shanghai)."""
        zone = ZoneInfo(settings.TIME_ZONE)
        start = datetime.combine(self.start, time.min, zone) if self.start else None
        end = datetime.combine(self.end + timedelta(days=1), time.min, zone) if self.end else None
        return start, end

    @property
    def whole_months(self) -> bool:
        """Starts on a month's first day and ends on a month's last (the rollup's grain)."""
        starts = self.start is None or self.start.day == 1
        ends = self.end is None or (self.end + timedelta(days=1)).day == 1
        return starts and ends

    def key(self) -> str:
        return f"{self.start or ''}..{self.end or ''}"


ALL_TIME = Period()


def order_lines(counties: QuerySet) -> QuerySet:
    """Every order line of the cooperatives in ``counties`` (impact.sales picks the sales)."""
    return Line.objects.filter(partner__cooperative__county__in=counties)


def paid_lines(counties: QuerySet) -> QuerySet:
    """The sales (impact.sales) of the cooperatives in ``counties``, line by line."""
    return sales.sale_lines(order_lines(counties))


def sold(lines: QuerySet, period: Period, *fields, per=None, **expressions):
    """The sales among ``lines`` in ``period``: booked when paid, less refunds when made
    (``impact.sales.booked``, as the ledger dates its entries); over all time, the same figures
    in plain sums (``impact.sales.figures``)."""
    start, end = period.bounds()
    if start is None and end is None and per is None:
        return sales.figures(lines, *fields, **expressions)
    return sales.booked(lines, *fields, start=start, end=end, per=per, **expressions)


def ledger(counties: QuerySet, period: Period = ALL_TIME) -> QuerySet:
    """The benefit ledger in scope, read through its per-household monthly rollup (so a period
    is taken in whole months: see ``income``)."""
    entries = BenefitRollup.objects.filter(cooperative__county__in=counties)
    if period.start:
        entries = entries.filter(month__gte=period.start.replace(day=1))
    if period.end:
        entries = entries.filter(month__lte=period.end.replace(day=1))
    return entries


def income(counties: QuerySet, period: Period, key: str | None = None, **filters) -> dict:
    """Income attributed to households in ``period``: ``{key value: (income, households)}``
    grouped by ``key`` (a BREAKDOWNS ledger field), or ``{None: ...}`` in all. Households are
    those whose share for a month (and cooperative) is above nothing.

    A period of whole months (the default, a calendar year) reads the monthly rollup, grouped
    in the database. Any other period reads the ledger entries dated in it (an entry is dated
    at its order's payment or its refund), summed in the database per household, cooperative
    and month, then folded here the same way.
    """
    if period.whole_months:
        entries = ledger(counties, period).filter(**filters)
        sums = {
            "income": Sum("amount"),
            "households": Count("household", distinct=True, filter=Q(amount__gt=0)),
        }
        rows = entries.values(key=F(key)).annotate(**sums).order_by() if key else []
        if not key:
            rows = [{"key": None, **entries.aggregate(**sums)}]
        return {row["key"]: (money(row["income"]), row["households"]) for row in rows}
    entries = BenefitEntry.objects.filter(cooperative__county__in=counties, **filters)
    start, end = period.bounds()
    if start:
        entries = entries.filter(created__gte=start)
    if end:
        entries = entries.filter(created__lt=end)
    fields = ["household", "cooperative", "month"] + ([key] if key and key != "month" else [])
    parts = (
        entries.annotate(month=_month("created"))
        .values(*fields)
        .annotate(amount=Sum("amount"))
        .order_by()
    )
    sums: dict = defaultdict(lambda: ZERO)
    households: dict = defaultdict(set)
    for part in parts:
        value = part[key] if key else None
        if isinstance(value, datetime):
            value = value.astimezone(ZoneInfo(settings.TIME_ZONE)).date()
        sums[value] += part["amount"]
        if part["amount"] > 0:
            households[value].add(part["household"])
    return {value: (money(total), len(households[value])) for value, total in sums.items()}


@dataclass
class Totals:
    gmv: Decimal
    paid_orders: int
    units: int
    households: int
    income: Decimal

    @property
    def average_per_household(self) -> Decimal:
        if not self.households:
            return ZERO
        return (self.income / self.households).quantize(Decimal("0.01"))


def totals(
    counties: QuerySet, cooperative: Cooperative | None = None, period: Period = ALL_TIME
) -> Totals:
    """Scope-wide totals, or one cooperative's, over ``period`` (sales booked, income dated)."""
    where, filters = {"county__in": counties}, {}
    if cooperative is not None:
        where["cooperative"] = cooperative
        filters["cooperative"] = cooperative
    found = rolled(where, period, by="cooperative" if cooperative is not None else None)
    found = next(iter(found.values()), {"revenue": ZERO, "units": 0, "paid_orders": 0})
    earned, households = income(counties, period, **filters).get(None, (ZERO, 0))
    return Totals(found["revenue"], found["paid_orders"], found["units"], households, earned)


# --- Sales from the rollups (impact.rollups) -----------------------------------------------------

# What the rollups group by, per report key: order-level fields (every rollup has them) and a
# county-level one (the sales rollup has the county; the order-set rollup reaches it through its
# set of counties).
ROLLUP_KEYS = {
    None: ((), None),
    "county": ((), "name"),
    "cooperative": (("cooperative__name",), None),
    "district": ((), "beijing_district"),
    "month": (("month",), None),
    "buyer_district": (("buyer_district",), None),
    "organisation": (("organisation_id", "organisation__name"), None),
    "organisation_kind": (("organisation__kind",), None),
    "cross": (("buyer_district",), "name"),
}


def _rollup_rows(model, where: dict, period: Period):
    rows = model.objects.filter(**where)
    if period.start:
        rows = rows.filter(day__gte=period.start)
    if period.end:
        rows = rows.filter(day__lte=period.end)
    return rows.annotate(month=TruncMonth("day"))


def _grouped(queryset, fields, **sums):
    if not fields:
        return [{**queryset.aggregate(**sums)}]
    return queryset.values(*fields).annotate(**sums).order_by()


def _key(values: tuple):
    return values[0] if len(values) == 1 else (values or None)


# Within one report's computation (``report``): rolled()'s answers by their arguments, so the
# buyer side of a county scope reuses the seller side's totals and months.
_rolled_memo: ContextVar[dict | None] = ContextVar("impact_rolled_memo", default=None)


def rolled(where: dict, period: Period, by: str | None = None) -> dict:
    """``_rolled``'s figures, once per report for the same arguments."""
    memo = _rolled_memo.get()
    if memo is None:
        return _rolled(where, period, by)
    key = (by, period, tuple(sorted(
        (name, str(value.query) if isinstance(value, QuerySet) else value)
        for name, value in where.items()
    )))  # fmt: skip
    if key not in memo:
        memo[key] = _rolled(where, period, by)
    return {name: dict(figures) for name, figures in memo[key].items()}


def _rolled(where: dict, period: Period, by: str | None = None) -> dict:
    """The sales booked in ``period`` among the rollup rows matching ``where`` (``county__in``,
    ``buyer_district``, ``cooperative``), grouped ``by`` a ROLLUP_KEYS name: {key: {revenue,
    units, paid_orders}}, the key a value or a tuple of values (``None`` ungrouped).

    Revenue and units are sums of the sales rollup. Paid orders are exact distinct counts: per
    cooperative, the sales rollup's count; otherwise sums of the order-set rollup, whose rows
    count orders by the set of counties where something of each is left: an order counts where
    its set meets the scope's counties, once per key its set reaches (a county, a paired
    district, a buyer district × county)."""
    fields, county_field = ROLLUP_KEYS[by]
    sales_fields = (*fields, f"county__{county_field}") if county_field else fields
    found: dict = {}

    def into(key):
        return found.setdefault(key, {"revenue": ZERO, "units": 0, "paid_orders": 0})

    for row in _grouped(
        _rollup_rows(SalesRollup, where, period),
        sales_fields,
        revenue=Sum("revenue"),
        units=Sum("units"),
        **({"paid_orders": Sum("orders")} if by == "cooperative" else {}),
    ):
        figures = into(_key(tuple(row[name] for name in sales_fields)))
        figures["revenue"] += row["revenue"] or ZERO
        figures["units"] += row["units"] or 0
        figures["paid_orders"] += row.get("paid_orders") or 0
    if by != "cooperative":
        order_where = {name: value for name, value in where.items()
                       if name not in ("cooperative", "county__in")}  # fmt: skip
        scope = None
        if "county__in" in where:
            scope = set(where["county__in"].values_list("pk", flat=True))
        counties = dict(County.objects.values_list("pk", county_field)) if county_field else {}
        for row in _grouped(
            _rollup_rows(OrderSetRollup, order_where, period),
            (*fields, "counties"),
            orders=Sum("orders"),
        ):
            reached = {int(pk) for pk in row["counties"].split(",") if pk}
            if scope is not None:
                reached &= scope
            if not reached or not row["orders"]:
                continue
            values = tuple(row[name] for name in fields)
            if county_field is None:
                into(_key(values))["paid_orders"] += row["orders"]
                continue
            for value in {counties.get(pk) for pk in reached}:
                into(_key((*values, value)))["paid_orders"] += row["orders"]
    for figures in found.values():
        figures["revenue"] = money(figures["revenue"])
    return found


def _month(field):
    return TruncMonth(field, tzinfo=ZoneInfo(settings.TIME_ZONE))


def breakdown(counties: QuerySet, by: str, period: Period = ALL_TIME) -> list[dict]:
    """Rows of {key, gmv, paid_orders, units, income, households} grouped ``by`` one of BREAKDOWNS,
    over ``period``.

    Grouped queries (sales, ledger) merged by key: as many Python steps as groups, not rows.
    """
    if by not in BREAKDOWNS:
        raise Http404("Unknown breakdown")
    ledger_key = BREAKDOWNS[by][2]
    found = rolled({"county__in": counties}, period, by=by)
    sold_rows = [
        {"key": key, "gmv": row["revenue"], "paid_orders": row["paid_orders"],
         "units": row["units"]}
        for key, row in found.items()
    ]  # fmt: skip
    earned = [
        {"key": key, "income": amount, "households": households}
        for key, (amount, households) in income(counties, period, ledger_key).items()
    ]
    rows: dict = {}
    empty = {"gmv": ZERO, "paid_orders": 0, "units": 0, "income": ZERO, "households": 0}
    for row in [*sold_rows, *earned]:
        if isinstance(row["key"], datetime):  # a month from TruncMonth: compare as a date
            row["key"] = row["key"].astimezone(ZoneInfo(settings.TIME_ZONE)).date()
        if by == "district" and not row["key"]:
            row["key"] = None  # an unpaired county: no Beijing district ("" or NULL)
        found = rows.setdefault(row["key"], {**empty, "key": row["key"]})
        for name, value in row.items():
            found[name] = value if name == "key" else found[name] + value
    for row in rows.values():
        row["gmv"], row["income"] = money(row["gmv"]), money(row["income"])
    return sorted(rows.values(), key=_sort_key(by))


def _sort_key(by):
    if by == "month":
        return lambda row: row["key"]
    return lambda row: (row["key"] is None, -row["gmv"], str(row["key"]))


def cooperatives_in_scope(user) -> QuerySet:
    return Cooperative.objects.for_official(user).select_related("county")


def cooperative_in_scope(user, slug: str) -> Cooperative:
    """The cooperative, or 404 when it is outside the official's counties."""
    return get_object_or_404(cooperatives_in_scope(user), slug=slug)


def member_households(cooperative: Cooperative, user, period: Period = ALL_TIME) -> QuerySet:
    """A cooperative's member households with the income the ledger attributes to each in
    ``period`` (as ``income``: whole months from the monthly rollup, other ranges from the
    entries dated in them); only households of the official's counties (a member may live in a
    county outside the scope)."""
    if period.whole_months:
        entries = BenefitRollup.objects.all()
        if period.start:
            entries = entries.filter(month__gte=period.start.replace(day=1))
        if period.end:
            entries = entries.filter(month__lte=period.end.replace(day=1))
    else:
        start, end = period.bounds()
        entries = BenefitEntry.objects.all()
        if start:
            entries = entries.filter(created__gte=start)
        if end:
            entries = entries.filter(created__lt=end)
    income = (
        entries.filter(cooperative=cooperative, household=OuterRef("household"))
        .values("household")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return (
        Membership.objects.filter(
            cooperative=cooperative, household__in=Household.objects.for_official(user)
        )
        .select_related("household", "household__county")
        .annotate(income=Coalesce(Subquery(income), ZERO))
        .order_by("household__village", "household__number")
    )


def household_in_scope(user, pk: int) -> Household:
    """The household, or 404 when it lives outside the official's counties."""
    return get_object_or_404(Household.objects.for_official(user), pk=pk)


def household_income(household: Household) -> list[dict]:
    return list(
        BenefitRollup.objects.filter(household=household)
        .values("cooperative__name")
        .annotate(income=Sum("amount"))
        .order_by("cooperative__name")
    )


# --- The buyer's side: where the buyers are, and who they are ------------------------------------

BUYER_BREAKDOWNS = {
    "buyer_district": _("Buyer's district"),
    "organisation": _("Organisation"),
    "organisation_kind": _("Organisation type"),
    "month": _("Month"),
}


def official_district(user) -> str | None:
    """The Beijing district of a district official (OfficialScope kind DISTRICT), else None."""
    scope = OfficialScope.objects.filter(user=user).first()
    if scope is not None and scope.kind == OfficialScope.Kind.DISTRICT and scope.beijing_district:
        return scope.beijing_district
    return None


def buyer_where(counties: QuerySet, district: str | None) -> dict:
    """Which purchases the buyer's side covers. A Beijing district's official: the purchases OF
    the district (orders whose buyer is in it), whichever counties supplied them. Everyone else
    (whole region, leagues, counties, staff): the buyers of the sales in their counties."""
    if district:
        return {"buyer_district": district}
    return {"county__in": counties}


def organisation_kinds() -> dict:
    """{kind: label} of the organisations (read through the rollup's relation: impact does not
    import organisations)."""
    field = SalesRollup._meta.get_field("organisation").related_model._meta.get_field("kind")
    return {value: str(label) for value, label in field.choices}


def buyer_side(where: dict, period: Period = ALL_TIME) -> dict:
    """The buyer's side for ``where`` (``buyer_where``) over ``period``: totals, and rows of
    {key, label, gmv, paid_orders, units} by buyer district, organisation (individuals' own
    orders as one row), organisation type and month; and the cross table buyer district ×
    supplying county, its paired cells (the county's Beijing district is the buyer's) marked."""
    total = rolled(where, period).get(None) or {"revenue": ZERO, "units": 0, "paid_orders": 0}
    kinds = organisation_kinds()
    individuals = gettext("Individuals (own orders)")
    breakdowns = {}
    for by in BUYER_BREAKDOWNS:
        rows = []
        for key, found in rolled(where, period, by=by).items():
            if by == "organisation":
                key, label = key[0], key[1] or individuals
            elif by == "organisation_kind":
                label = kinds.get(key, key) if key else individuals
            elif by == "buyer_district":
                label = str(districts.LABELS.get(key, key)) if key else "—"
            else:
                label = key
            rows.append({"key": key, "label": label, "gmv": found["revenue"],
                         "paid_orders": found["paid_orders"], "units": found["units"]})  # fmt: skip
        if by == "month":
            rows.sort(key=lambda row: row["key"])
        else:
            rows.sort(key=lambda row: (row["key"] is None, -row["gmv"], str(row["label"])))
        breakdowns[by] = rows
    return {
        "totals": {"gmv": total["revenue"], "paid_orders": total["paid_orders"],
                   "units": total["units"]},
        "breakdowns": breakdowns,
        "cross": cross_table(where, period),
    }  # fmt: skip


def cross_table(where: dict, period: Period = ALL_TIME) -> dict:
    """Buyer district × supplying county: {districts, counties, rows: [{district, label, cells:
    [{gmv, paid_orders, paired}], gmv}], totals: [per county]} with the paired cells marked."""
    found = rolled(where, period, by="cross")
    pairing = dict(County.objects.values_list("name", "beijing_district"))
    buyers = sorted({district for district, _c in found},
                    key=lambda d: (d == districts.OUTSIDE_BEIJING, d))  # fmt: skip
    counties = sorted({county for _d, county in found})
    rows = []
    for district in buyers:
        cells = []
        for county in counties:
            cell = found.get((district, county)) or {"revenue": ZERO, "paid_orders": 0}
            paired = bool(district) and pairing.get(county) == district
            cells.append(
                {"gmv": cell["revenue"], "paid_orders": cell["paid_orders"], "paired": paired}
            )
        rows.append({
            "district": district,
            "label": str(districts.LABELS.get(district, district)) if district else "—",
            "cells": cells,
            "gmv": money(sum((cell["gmv"] for cell in cells), ZERO)),
        })  # fmt: skip
    return {"counties": counties, "rows": rows}


def report(
    counties: QuerySet, period: Period = ALL_TIME, buyer_district: str | None = None
) -> dict:
    """Totals and every breakdown for a scope and period, both sides (the supplying counties'
    sales and household income; the buyers': ``buyer_side``), cached for IMPACT_CACHE_SECONDS
    (default 300).

    The sales are read from the rollups kept current as orders are paid and refunded
    (``impact.rollups``), so computing the page afresh stays well under a second at a million
    order lines; the page says when its figures were computed. The key is the scope's counties,
    the buyer's district (a district official's) and the period.
    """
    ids = ",".join(str(pk) for pk in sorted(counties.values_list("pk", flat=True)))
    scope = f"{ids}|{buyer_district or ''}|{period.key()}"
    key = "impact-report:" + hashlib.sha256(scope.encode()).hexdigest()

    def compute():
        token = _rolled_memo.set({})
        try:
            return {
                "totals": totals(counties, period=period),
                "breakdowns": {by: breakdown(counties, by, period) for by in BREAKDOWNS},
                "buyer": buyer_side(buyer_where(counties, buyer_district), period),
                "buyer_district": buyer_district,
                "computed_at": timezone.now(),
            }
        finally:
            _rolled_memo.reset(token)

    return cache.get_or_set(key, compute, getattr(settings, "IMPACT_CACHE_SECONDS", 300))


SCOPE_NAMES_ALL = 8  # up to this many counties are all named in a report's scope row
SCOPE_NAMES_SHOWN = 6  # beyond it, the first this many and how many more


def county_names(names: list[str]) -> str:
    """察右中旗、奈曼旗 (all of them up to SCOPE_NAMES_ALL), else the first SCOPE_NAMES_SHOWN
    and 等 N 个: never "等" for one name that would have fitted."""
    if len(names) <= SCOPE_NAMES_ALL:
        return "、".join(names)
    rest = len(names) - SCOPE_NAMES_SHOWN
    return "、".join(names[:SCOPE_NAMES_SHOWN]) + gettext(" and %(n)s more") % {"n": rest}


def scope_label(user, counties: QuerySet) -> str:
    """Whose figures, as a report's title row says it: the official's scope (全区, its leagues,
    its Beijing district) and its counties, named (``county_names``)."""
    names = list(counties.order_by("league", "name").values_list("name", flat=True))
    shown = county_names(names)
    counted = gettext("%(n)s counties: %(names)s") % {"n": len(names), "names": shown or "—"}
    scope = OfficialScope.objects.filter(user=user).first()
    if scope is None:
        kind = gettext("all counties")
    elif scope.kind == OfficialScope.Kind.LEAGUES:
        kind = "、".join(scope.leagues)
    elif scope.kind == OfficialScope.Kind.DISTRICT:
        kind = gettext("counties paired with %(district)s") % {"district": scope.beijing_district}
    elif scope.kind == OfficialScope.Kind.REGION:
        kind = scope.get_kind_display()
    else:
        return counted
    return f"{kind} · {counted}"
