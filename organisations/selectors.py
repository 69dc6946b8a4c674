"""Organisation buyers' reads. Who may see what is in the querysets: an organisation's pages are
its members' (``Organisation.objects.for_member``), its members and target its administrators'
(``for_admin``); anyone else finds nothing (404)."""

from datetime import date
from decimal import Decimal

from django.db.models import Case, IntegerField, Value, When
from oscar.core.loading import get_model

from impact.sales import ZERO, booked, day_start

from .models import Member, Organisation, ReservedShare

Order = get_model("order", "Order")
Line = get_model("order", "Line")


def applications_of(user):
    """The applications ``user`` made (any status), newest first."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    return Organisation.objects.filter(applied_by=user).order_by("-created")


def memberships_of(user):
    """``user``'s memberships of approved organisations, with their organisation."""
    if not user.is_authenticated:
        return Member.objects.none()
    return (
        Member.objects.filter(user=user, organisation__status=Organisation.Status.APPROVED)
        .select_related("organisation")
        .order_by("organisation__name")
    )


def membership(user, pk) -> Member | None:
    """``user``'s membership of the approved organisation ``pk``, or None (not theirs)."""
    return memberships_of(user).filter(organisation_id=pk).first()


def members_of(organisation):
    return organisation.members.select_related("user", "user__phone_account").order_by(
        "-role", "created"
    )


def orders_for(organisation, member: Member):
    """The organisation's orders ``member`` may see: all of them for an administrator, those
    they placed for it for a purchaser."""
    orders = Order.objects.filter(organisation=organisation)
    if member.role != Member.Role.ADMIN:
        orders = orders.filter(user_id=member.user_id)
    return orders.order_by("-date_placed")


def target_for(organisation, year: int) -> Decimal | None:
    share = ReservedShare.objects.filter(organisation=organisation, year=year).first()
    return share.target if share else None


def reserved_share(organisation, year: int) -> dict:
    """The year's reserved share and how far it is: the organisation's sales (``impact.sales.
    booked``: paid, less refunds, Asia/Shanghai) booked in ``year``, in total, by month and by
    the county helped (the supplying cooperative's)."""
    lines = Line.objects.filter(order__organisation=organisation)
    start, end = day_start(date(year, 1, 1)), day_start(date(year + 1, 1, 1))
    total = booked(lines, start=start, end=end)
    months = {row["period"].month: row for row in booked(lines, start=start, end=end, per="month")}
    county = "partner__cooperative__county__name"
    counties = sorted(
        (
            {**row, "county": row[county]}
            for row in booked(lines, county, start=start, end=end)
            if row["revenue"] or row["units"]
        ),
        key=lambda row: (-row["revenue"], row["county"] or ""),
    )
    target = target_for(organisation, year)
    paid = total["revenue"]
    percent = None
    if target:
        percent = min(int(paid * 100 / target), 999)
    return {
        "year": year,
        "target": target,
        "paid": paid,
        "orders": total["paid_orders"],
        "percent": percent,
        "bar": min(percent or 0, 100),
        "left": max(target - paid, ZERO) if target else None,
        "months": [
            {"month": m, "revenue": months[m]["revenue"] if m in months else ZERO}
            for m in range(1, 13)
        ],
        "counties": counties,
    }


def reserved_share_rows(organisation, year: int) -> list[dict]:
    """The year's sales of the organisation by month and county helped (``booked``, as the home
    page's figures): ``period`` (the month's first day), ``county``, ``revenue``, ``units``."""
    lines = Line.objects.filter(order__organisation=organisation)
    start, end = day_start(date(year, 1, 1)), day_start(date(year + 1, 1, 1))
    county = "partner__cooperative__county__name"
    rows = [
        {**row, "county": row[county]}
        for row in booked(lines, county, start=start, end=end, per="month")
        if row["revenue"] or row["units"]
    ]
    return sorted(rows, key=lambda row: (row["period"], row["county"] or ""))


def pending_first(queryset=None, status: str = ""):
    """The dashboard's list: pending applications first, then the rest, newest first;
    ``status`` filters."""
    queryset = Organisation.objects.all() if queryset is None else queryset
    if status in Organisation.Status.values:
        queryset = queryset.filter(status=status)
    pending = Case(
        When(status=Organisation.Status.PENDING, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return queryset.select_related("applied_by").order_by(pending, "-created")
