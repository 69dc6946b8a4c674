"""Read queries for officials' impact reports (selectors). Every figure is aggregated in the
database and every query is limited to the counties in the official's scope; sales are counted
as impact.sales defines them (paid, less refunds)."""

import hashlib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_model

from cooperatives.models import BenefitRollup, Cooperative, County, Household, Membership

from . import sales
from .models import OfficialScope
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


def order_lines(counties: QuerySet) -> QuerySet:
    """Every order line of the cooperatives in ``counties`` (impact.sales picks the sales)."""
    return Line.objects.filter(partner__cooperative__county__in=counties)


def paid_lines(counties: QuerySet) -> QuerySet:
    """The sales (impact.sales) of the cooperatives in ``counties``, line by line."""
    return sales.sale_lines(order_lines(counties))


def ledger(counties: QuerySet) -> QuerySet:
    """The benefit ledger in scope, read through its per-household monthly rollup."""
    return BenefitRollup.objects.filter(cooperative__county__in=counties)


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


def totals(counties: QuerySet, cooperative: Cooperative | None = None) -> Totals:
    """Scope-wide totals, or one cooperative's."""
    lines, entries = order_lines(counties), ledger(counties)
    if cooperative is not None:
        lines = lines.filter(partner__cooperative=cooperative)
        entries = entries.filter(cooperative=cooperative)
    sold = sales.figures(lines)
    income = entries.aggregate(
        income=Coalesce(Sum("amount"), ZERO),
        households=Count("household", distinct=True, filter=Q(amount__gt=0)),
    )
    return Totals(sold["revenue"], sold["paid_orders"], sold["units"], income["households"],
                  money(income["income"]))  # fmt: skip


def _month(field):
    return TruncMonth(field, tzinfo=ZoneInfo(settings.TIME_ZONE))


def breakdown(counties: QuerySet, by: str) -> list[dict]:
    """Rows of {key, gmv, paid_orders, units, income, households} grouped ``by`` one of BREAKDOWNS.

    Grouped queries (sales, ledger) merged by key: as many Python steps as groups, not rows.
    """
    if by not in BREAKDOWNS:
        raise Http404("Unknown breakdown")
    _, line_key, ledger_key = BREAKDOWNS[by]
    lines, entries = order_lines(counties), ledger(counties)
    if by == "month":  # sales by the month placed, income by the month posted (paid)
        lines = lines.annotate(month=_month("order__date_placed"))
    sold = [
        {"key": row["key"], "gmv": row["revenue"], "paid_orders": row["paid_orders"],
         "units": row["units"]}
        for row in sales.figures(lines, key=F(line_key))
    ]  # fmt: skip
    income = (
        entries.values(key=F(ledger_key))
        .annotate(
            income=Sum("amount"),
            households=Count("household", distinct=True, filter=Q(amount__gt=0)),
        )
        .order_by()
    )
    rows: dict = {}
    empty = {"gmv": ZERO, "paid_orders": 0, "units": 0, "income": ZERO, "households": 0}
    for row in [*sold, *income]:
        if isinstance(row["key"], datetime):  # a month from TruncMonth: compare as a date
            row["key"] = row["key"].astimezone(ZoneInfo(settings.TIME_ZONE)).date()
        rows.setdefault(row["key"], {**empty, "key": row["key"]}).update(row)
    for row in rows.values():
        row["gmv"], row["income"] = money(row["gmv"]), money(row["income"])
    return sorted(rows.values(), key=_sort_key(by))


def _sort_key(by):
    if by == "month":
        return lambda row: row["key"]
    return lambda row: (-row["gmv"], str(row["key"]))


def cooperatives_in_scope(user) -> QuerySet:
    return Cooperative.objects.for_official(user).select_related("county")


def cooperative_in_scope(user, slug: str) -> Cooperative:
    """The cooperative, or 404 when it is outside the official's counties."""
    return get_object_or_404(cooperatives_in_scope(user), slug=slug)


def member_households(cooperative: Cooperative, user) -> QuerySet:
    """A cooperative's member households with the income the ledger attributes to each; only
    households of the official's counties (a member may live in a county outside the scope)."""
    income = (
        BenefitRollup.objects.filter(cooperative=cooperative, household=OuterRef("household"))
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


def report(counties: QuerySet) -> dict:
    """Totals and every breakdown for a scope, cached for IMPACT_CACHE_SECONDS (default 300).

    Officials' figures need not be to the second, and over a million order lines the queries take
    seconds; the page says when its figures were computed. The key is the scope's counties.
    """
    ids = ",".join(str(pk) for pk in sorted(counties.values_list("pk", flat=True)))
    key = "impact-report:" + hashlib.sha256(ids.encode()).hexdigest()

    def compute():
        return {
            "totals": totals(counties),
            "breakdowns": {by: breakdown(counties, by) for by in BREAKDOWNS},
            "computed_at": timezone.now(),
        }

    return cache.get_or_set(key, compute, getattr(settings, "IMPACT_CACHE_SECONDS", 300))
