"""Figures that add up: a month's income to member households is that month's sales times the
cooperative's share, whatever orders were paid and refunded when (issue 25).

Sales are booked when their order is paid and a refund when it is made (``impact.sales.booked``);
the benefit ledger dates its entries the same way (``orders.services.mark_paid`` / ``refund``
with ``at``). Each posting rounds to the fen (an order's share per cooperative half up, a refund's
reversal as a fraction of what was received), so "never exceeds" holds to that rounding: half a
fen per sale posting and one fen per reversal in the month, stated here, never more.
"""

import io
import re
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.db.models import F, Sum
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oscar.core.loading import get_model

from cooperatives.models import BenefitEntry, County
from dashboard.cooperatives.sales import household_income
from impact import rollups, sales
from impact import selectors as impact
from livestream.models import LiveSession, QuotaClaim
from orders import services, statuses
from orders.payments.models import Refund, RefundLine
from orders.payments.refunds import line_refund_amount, refundable_lines
from organisations.models import Organisation
from shop.demo import data
from tests.factories import (
    CooperativeFactory,
    CountyFactory,
    MembershipFactory,
    UserFactory,
    make_credit_code,
    make_order,
    make_product,
    shipping_address,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
HALF_FEN = Decimal("0.005")
FEN = Decimal("0.01")


def month_bounds(day):
    start = datetime(day.year, day.month, 1, tzinfo=SHANGHAI)
    end = (start + timedelta(days=32)).replace(day=1)
    return start, end


def refund_made(order, parts, at):
    """A refund made at ``at`` of ``parts`` [(line, quantity)], recorded as the payments service
    records one (``Refund``/``RefundLine``, then the lifecycle with the refund's time)."""
    available = {item.line.pk: item for item in refundable_lines(order)}
    made = Refund.objects.create(order=order, amount=0, status=Refund.Status.REFUNDED, decided=at)
    refunded = []
    for line, quantity in parts:
        amount = line_refund_amount(available[line.pk], quantity)
        RefundLine.objects.create(refund=made, line=line, quantity=quantity, amount=amount)
        refunded.append(services.RefundedPart(line, quantity, amount))
    made.amount = sum(part.amount for part in refunded)
    made.save()
    services.refund(order, refunded, amount=made.amount, reference=f"refund-{made.pk}", at=at)
    return made


def month_figures(cooperative, start, end):
    """(income, sales × share, rounding allowed) of a cooperative for [start, end)."""
    entries = BenefitEntry.objects.filter(
        cooperative=cooperative, created__gte=start, created__lt=end
    )
    income = sum((e.amount for e in entries), Decimal("0"))
    sold = sales.booked(
        sales.Line.objects.filter(partner_id=cooperative.partner_id), start=start, end=end
    )
    # Roundings: one per order paid in the month (its share for the cooperative, rounded even
    # when it rounds to nothing and nothing is posted), one per refunded line made in it.
    lines = sales.Line.objects.filter(partner_id=cooperative.partner_id)
    postings = (
        lines.filter(
            order__payment_events__event_type__code="paid",
            order__payment_events__date_created__gte=start,
            order__payment_events__date_created__lt=end,
        )
        .values("order")
        .distinct()
        .count()
    )
    reversals = RefundLine.objects.filter(
        line__in=lines, refund__decided__gte=start, refund__decided__lt=end
    ).count()
    allowed = HALF_FEN * postings + FEN * reversals
    return income, sold["revenue"] * cooperative.benefit_share, allowed


MOMENTS = st.datetimes(
    min_value=datetime(2026, 8, 28), max_value=datetime(2026, 11, 3), timezones=st.just(SHANGHAI)
)


@pytest.mark.django_db
@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_a_months_household_income_never_exceeds_its_sales_times_the_share(data):
    """Random cooperatives (shares, members' weights), orders over two cooperatives paid at any
    moment around month ends, refunds (part or whole, days or weeks later, into the next month):
    in every month, each cooperative's ledger is its booked sales × share, to the rounding."""
    cooperatives = []
    for _ in range(data.draw(st.integers(1, 2), label="cooperatives")):
        share = data.draw(st.decimals(min_value="0.01", max_value="0.5", places=4), label="share")
        cooperative = CooperativeFactory(benefit_share=share)
        for weight in data.draw(
            st.lists(st.sampled_from(["0.5", "1", "1.5", "2", "3"]), min_size=1, max_size=4),
            label="weights",
        ):
            MembershipFactory(cooperative=cooperative, weight=Decimal(weight))
        price = data.draw(st.decimals(min_value="0.01", max_value="499.99", places=2))
        cooperative.product = make_product(cooperative, price=str(price), num_in_stock=10_000)
        cooperatives.append(cooperative)

    for _ in range(data.draw(st.integers(1, 5), label="orders")):
        buying = data.draw(
            st.lists(st.sampled_from(cooperatives), min_size=1, max_size=2, unique_by=id)
        )
        order = make_order([(c.product, data.draw(st.integers(1, 6))) for c in buying])
        paid = data.draw(MOMENTS, label="paid")
        services.mark_paid(
            order, amount=order.total_incl_tax, reference=f"p-{order.number}",
            source=("test", "Test"), at=paid,
        )  # fmt: skip
        moment = paid
        for _ in range(data.draw(st.integers(0, 2), label="refunds")):
            left = [item for item in refundable_lines(order) if item.quantity]
            if not left:
                break
            item = data.draw(st.sampled_from(left))
            quantity = data.draw(st.integers(1, item.quantity))
            moment += timedelta(hours=data.draw(st.integers(0, 24 * 40)))
            refund_made(order, [(item.line, quantity)], moment)

    for cooperative in cooperatives:
        for year, month in [(2026, m) for m in range(8, 13)] + [(2027, 1)]:
            start, end = month_bounds(datetime(year, month, 1))
            income, expected, allowed = month_figures(cooperative, start, end)
            assert income <= expected + allowed, (cooperative.benefit_share, month)
            assert income >= expected - allowed, (cooperative.benefit_share, month)


@pytest.mark.django_db
def test_the_sales_home_refunds_in_the_month_they_are_made(cooperative):
    """The issue's case: November's order refunded in December. November keeps its sale and its
    income; December shows the refund, negative, in both; neither month's income is above its
    sales × share, and the sales home says so for the month it is in."""
    cooperative.benefit_share = Decimal("0.12")
    cooperative.save()
    for weight in ("1", "2"):
        MembershipFactory(cooperative=cooperative, weight=Decimal(weight))
    carrots = make_product(cooperative, price="29.90", num_in_stock=100)
    order = make_order([(carrots, 3)])  # ¥89.70
    paid = datetime(2026, 11, 30, 23, 50, tzinfo=SHANGHAI)  # 15:50 UTC: still November here
    services.mark_paid(
        order, amount=order.total_incl_tax, reference="p", source=("test", "Test"), at=paid
    )
    refund_made(order, [(order.lines.get(), 1)], paid + timedelta(minutes=20))  # 1 December
    second = make_order([(carrots, 1)])
    services.mark_paid(
        second, amount=second.total_incl_tax, reference="q", source=("test", "Test"),
        at=datetime(2026, 12, 6, 20, 0, tzinfo=SHANGHAI),
    )  # fmt: skip

    partner = [cooperative.partner_id]
    november = sales.cooperative_sales(partner, today=datetime(2026, 11, 30).date())
    december = sales.cooperative_sales(partner, today=datetime(2026, 12, 7).date())
    assert november["month"] == {"orders": 1, "revenue": Decimal("89.70")}
    assert december["month"]["revenue"] == Decimal("0.00")  # a sale of 29.90, a refund of 29.90
    assert december["month"]["orders"] == 1  # the order paid in December
    income = {
        name: household_income([cooperative], today=day)
        for name, day in (("nov", datetime(2026, 11, 30).date()),
                          ("dec", datetime(2026, 12, 7).date()))
    }  # fmt: skip
    assert income["nov"]["month"] == Decimal("10.76")  # 89.70 × 12 %
    assert income["dec"]["month"] == Decimal("0.00")  # +3.59 (29.90 × 12 %), −3.59 (10.76 / 3)
    assert income["dec"]["total"] == Decimal("10.76")
    # The November order's line in the day series: booked on the 30th, refunded on the 1st.
    days = {row["day"]: Decimal(row["revenue"]) for row in december["series"]}
    assert days["2026-11-30"] == Decimal("89.70") and days["2026-12-01"] == Decimal("-29.90")


# --- The demo's figures, recomputed from its order lines ------------------------------------------


def booked_rows(lines):
    """Every booking of ``lines``, straight from the rows: (moment, revenue, units, line), a
    line of an order that was paid at its payment ("paid" payment event, else when placed), a
    refund line made at its refund (negative)."""
    PaymentEvent = get_model("order", "PaymentEvent")
    paid_at = dict(
        PaymentEvent.objects.filter(event_type__code="paid").values_list("order_id", "date_created")
    )
    rows = [
        (paid_at.get(line.order_id, line.order.date_placed), line.line_price_incl_tax,
         line.quantity, line)
        for line in lines.select_related("order")
        if line.order.status in statuses.MANAGER_STATUSES
    ]  # fmt: skip
    made = RefundLine.objects.filter(line__in=lines, refund__status=Refund.Status.REFUNDED)
    rows += [
        (part.refund.decided or part.refund.created, -part.amount, -part.quantity, part.line)
        for part in made.select_related("refund", "line", "line__order")
    ]
    return rows


def recomputed(lines, key=lambda moment, line: None, start=None, end=None):
    """{key: {revenue, units, paid_orders}} summed in Python from ``booked_rows``; paid orders:
    orders paid in the period (and key) with something of ``lines`` left."""
    refunded = defaultdict(int)
    for part in RefundLine.objects.filter(line__in=lines, refund__status=Refund.Status.REFUNDED):
        refunded[part.line_id] += part.quantity
    found = defaultdict(lambda: {"revenue": Decimal("0.00"), "units": 0, "orders": set()})
    for moment, revenue, units, line in booked_rows(lines):
        if (start and moment < start) or (end and moment >= end):
            continue
        row = found[key(moment, line)]
        row["revenue"] += revenue
        row["units"] += units
        if units > 0 and line.order.status in statuses.PAID_STATUSES:
            left = sum(
                other.quantity - refunded[other.pk] for other in lines.filter(order=line.order)
            )
            if left > 0:
                row["orders"].add(line.order_id)
    return {
        k: {"revenue": v["revenue"], "units": v["units"], "paid_orders": len(v["orders"])}
        for k, v in found.items()
    }


def local_month(moment, line=None):
    return timezone.localtime(moment, SHANGHAI).date().replace(day=1)


def local_day(moment, line=None):
    return timezone.localtime(moment, SHANGHAI).date()


def ledger_by_month(entries):
    found = defaultdict(Decimal)
    for entry in entries:
        found[local_month(entry.created)] += entry.amount
    return found


@pytest.mark.django_db
def test_every_figure_on_the_demo_agrees_with_its_order_lines(client):
    """load_demo, then the manager's sales home (both demo managers), every session's live stats
    and control room, and /impact/'s totals and months, each against the same figures summed
    here from order lines, refund lines and ledger entries."""
    call_command("load_demo", stdout=io.StringIO())
    today = timezone.localdate()
    month_start = datetime(today.year, today.month, 1, tzinfo=SHANGHAI)
    tomorrow = datetime.combine(today + timedelta(days=1), datetime.min.time(), SHANGHAI)
    zero = {"revenue": Decimal("0.00"), "units": 0, "paid_orders": 0}

    # The sales home.
    for email, password, *_ in [u[1:] for u in data.USERS if u[0] in data.MANAGED]:
        assert client.login(request=HttpRequest(), username=email, password=password)
        context = client.get(reverse("dashboard:cooperative-sales")).context
        [cooperative] = context["cooperatives"]
        lines = sales.Line.objects.filter(partner_id=cooperative.partner_id)
        shown, income = context["sales"], context["income"]
        month = recomputed(lines, start=month_start, end=tomorrow).get(None, zero)
        day = recomputed(lines, start=datetime.combine(today, datetime.min.time(), SHANGHAI),
                         end=tomorrow).get(None, zero)  # fmt: skip
        assert shown["month"] == {"orders": month["paid_orders"], "revenue": month["revenue"]}
        assert shown["today"] == {"orders": day["paid_orders"], "revenue": day["revenue"]}
        by_day = recomputed(lines, local_day, start=month_start - timedelta(days=31))
        for row in shown["series"]:
            day_figures = by_day.get(date.fromisoformat(row["day"]), zero)
            assert Decimal(row["revenue"]) == day_figures["revenue"], row
        by_product = recomputed(
            lines, lambda moment, line: line.product_id, start=month_start, end=tomorrow
        )
        assert shown["top"], "the demo's manager sells something this month"
        for row in shown["top"]:
            assert (row["revenue"], row["units"]) == (
                by_product[row["product_id"]]["revenue"], by_product[row["product_id"]]["units"]
            )  # fmt: skip
        entries = list(BenefitEntry.objects.filter(cooperative=cooperative))
        assert income["total"] == sum(e.amount for e in entries)
        assert income["month"] == ledger_by_month(entries)[month_start.date()]
        # …and the month's income is the month's sales × the share, to the rounding.
        for start in {local_month(e.created) for e in entries}:
            begin = datetime(start.year, start.month, 1, tzinfo=SHANGHAI)
            earned, expected, allowed = month_figures(cooperative, begin, month_bounds(start)[1])
            assert abs(earned - expected) <= allowed, (cooperative.name, start)
        client.logout()

    # The live stats and the host's control room.
    host_email, host_password = next((u[1], u[2]) for u in data.USERS if u[0] == "host")
    assert client.login(request=HttpRequest(), username=host_email, password=host_password)
    for session in LiveSession.objects.all():
        lines = sales.Line.objects.filter(live__session=session)
        stats = client.get(reverse("livestream:stats-json", kwargs={"pk": session.pk})).json()
        everything = recomputed(lines).get(None, zero)
        assert (Decimal(stats["gmv"]), stats["units"], stats["paid_orders"]) == (
            everything["revenue"], everything["units"], everything["paid_orders"]
        )  # fmt: skip
        assert stats["orders"] == len({line.order_id for line in lines})
        per_product = recomputed(lines, lambda moment, line: line.product_id)
        room = client.get(reverse("livestream:host-session", kwargs={"pk": session.pk}))
        sold = {item.product_id: item.units_sold for item in room.context["items"]}
        for row in stats["products"]:
            expected = per_product.get(row["product_id"], zero)
            assert (row["units"], Decimal(row["gmv"])) == (expected["units"], expected["revenue"])
            assert sold[row["product_id"]] == row["units"]  # 已售 is 件数
            claimed = QuotaClaim.objects.filter(
                item__session=session, item__product_id=row["product_id"], released=False
            ).aggregate(units=Sum("units"))["units"]
            assert row["quota_used"] == (claimed or 0)  # 已抢: claimed, paid or not
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", stats["computed"])
    live = LiveSession.objects.get(status=LiveSession.Status.LIVE)
    live_stats = client.get(reverse("livestream:stats-json", kwargs={"pk": live.pk})).json()
    assert live_stats["units"] > 0  # the demo's live session has sold something…
    assert any(p["quota_used"] > p["units"] for p in live_stats["products"])  # …and holds more
    client.logout()

    # /impact/: totals and months for the whole region.
    region = get_user_model().objects.get(username="official-region")
    counties = impact.scope_counties(region)
    lines = sales.Line.objects.filter(partner__cooperative__county__in=counties)
    entries = BenefitEntry.objects.filter(cooperative__county__in=counties)
    everything = recomputed(lines).get(None, zero)
    totals = impact.totals(counties)
    assert (totals.gmv, totals.units, totals.paid_orders) == (
        everything["revenue"], everything["units"], everything["paid_orders"]
    )  # fmt: skip
    assert totals.income == sum(e.amount for e in entries)
    months = recomputed(lines, local_month)
    income = ledger_by_month(entries)
    rows = impact.breakdown(counties, "month")
    assert len(rows) >= 6  # six months of sales
    assert {row["key"] for row in rows} == set(months) | set(income)
    for row in rows:
        expected = months.get(row["key"], zero)
        assert (row["gmv"], row["units"], row["paid_orders"]) == (
            expected["revenue"], expected["units"], expected["paid_orders"]
        ), row["key"]  # fmt: skip
        assert row["income"] == income[row["key"]], row["key"]
        assert row["income"] > 0 and row["gmv"] > 0, row["key"]  # no month of ¥0 income


@pytest.mark.django_db
def test_a_late_posting_is_dated_at_the_payment(cooperative):
    """The shares of an order whose payment was recorded without them (a release that posted
    after the commit) are dated at the payment when the old task posts them, not when it runs."""
    from orders.tasks import post_order_benefits

    MembershipFactory(cooperative=cooperative)
    order = make_order([(make_product(cooperative, price="50.00"), 2)])
    paid = datetime(2026, 10, 31, 23, 59, tzinfo=SHANGHAI)
    event_type = get_model("order", "PaymentEventType").objects.create(code="paid", name="已支付")
    event = order.payment_events.create(amount=order.total_incl_tax, event_type=event_type)
    type(event).objects.filter(pk=event.pk).update(date_created=paid)

    assert post_order_benefits(order.pk) == 1
    [entry] = BenefitEntry.objects.filter(order_line__order=order)
    assert entry.created == paid and local_month(entry.created) == date(2026, 10, 1)


# --- The rollups the page reads (issue 26): the same figures as booked(), kept current ----------

ROLLUP_BOOKED_KEYS = {
    None: None,
    "county": "partner__cooperative__county__name",
    "cooperative": "partner__cooperative__name",
    "district": "partner__cooperative__county__beijing_district",
    "buyer_district": "order__buyer_district",
    "organisation": "order__organisation_id",
    "organisation_kind": "order__organisation__kind",
}


def _nonzero(found: dict) -> dict:
    return {key: row for key, row in found.items()
            if row["revenue"] or row["units"] or row["paid_orders"]}  # fmt: skip


def from_booked(lines, period, by):
    """booked()'s figures for ``lines`` over ``period``, keyed as ``impact.rolled`` keys them."""
    start, end = period.bounds()
    if by == "month":
        rows = sales.booked(lines, start=start, end=end, per="month")
        found = {row["period"]: row for row in rows}
    elif by is None:
        found = {None: sales.booked(lines, start=start, end=end)}
    else:
        rows = sales.booked(lines, start=start, end=end, key=F(ROLLUP_BOOKED_KEYS[by]))
        found = {row["key"] if row["key"] is not None or by != "district" else "": row
                 for row in rows}  # fmt: skip
    return _nonzero({key: {name: row[name] for name in sales.FIGURES}
                     for key, row in found.items()})  # fmt: skip


def from_rollups(where, period, by):
    found = impact.rolled(where, period, by=by)
    if by == "organisation":
        found = {key[0]: row for key, row in found.items()}
    return _nonzero(found)


DAYS = st.dates(min_value=date(2026, 8, 25), max_value=date(2026, 12, 31))
BUYERS = st.sampled_from(["房山区", "通州区", "京外", "organisation"])


@pytest.mark.django_db
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_the_rollups_hold_bookeds_figures_after_any_pays_and_refunds(data, china):
    """Orders over three cooperatives in two counties (so some span two counties, and two
    cooperatives of one county), bought from 房山区, 通州区, outside Beijing or by an organisation,
    paid at any moment and refunded in parts or whole, later: for any period and any scope, the
    rollups give booked()'s revenue, units and exact paid orders, grouped every way the page
    groups them; and rebuilding them from the orders gives the same rollups. (Each example is
    rolled back: the examples share one test database.)"""
    with transaction.atomic():
        check_rollups_against_booked(data, china)
        transaction.set_rollback(True)


def check_rollups_against_booked(data, china):
    fangshan = CountyFactory(name="察右中旗", beijing_district="房山区")
    tongzhou = CountyFactory(name="奈曼旗", beijing_district="通州区")
    cooperatives = [CooperativeFactory(county=fangshan), CooperativeFactory(county=fangshan),
                    CooperativeFactory(county=tongzhou)]  # fmt: skip
    products = [make_product(c, price="12.30", num_in_stock=10_000) for c in cooperatives]
    union = Organisation.objects.create(
        name="房山区总工会", kind="union", credit_code=make_credit_code(), district="房山区",
        contact_name="张三", contact_phone="13900000001", status="approved",
        applied_by=UserFactory(),
    )  # fmt: skip
    for _ in range(data.draw(st.integers(1, 6), label="orders")):
        buying = data.draw(st.lists(st.sampled_from(products), min_size=1, max_size=3, unique=True))
        buyer = data.draw(BUYERS, label="buyer")
        address = shipping_address(china, line3=buyer)
        if buyer == "京外":
            address = shipping_address(china, state="河北省", line3="涿州市")
        order = make_order(
            [(product, data.draw(st.integers(1, 4))) for product in buying],
            shipping_address=address,
            organisation=union if buyer == "organisation" else None,
        )
        paid = data.draw(MOMENTS, label="paid")
        services.mark_paid(
            order, amount=order.total_incl_tax, reference=f"p-{order.number}",
            source=("test", "Test"), at=paid,
        )  # fmt: skip
        moment = paid
        for _ in range(data.draw(st.integers(0, 3), label="refunds")):
            left = [item for item in refundable_lines(order) if item.quantity]
            if not left:
                break
            item = data.draw(st.sampled_from(left))
            quantity = data.draw(st.integers(1, item.quantity))
            moment += timedelta(hours=data.draw(st.integers(0, 24 * 40)))
            refund_made(order, [(item.line, quantity)], moment)

    first, last = sorted([data.draw(DAYS, label="from"), data.draw(DAYS, label="to")])
    periods = [impact.ALL_TIME, impact.Period(first, last), impact.Period(first.replace(day=1))]
    scopes = [
        ({"county__in": County.objects.all()},
         sales.Line.objects.all()),
        ({"county__in": County.objects.filter(pk=fangshan.pk)},
         sales.Line.objects.filter(partner__cooperative__county=fangshan)),
        ({"buyer_district": "房山区"}, sales.Line.objects.filter(order__buyer_district="房山区")),
    ]  # fmt: skip

    def everything():
        return [
            from_rollups(where, period, by)
            for where, _lines in scopes
            for period in periods
            for by in [*ROLLUP_BOOKED_KEYS, "month"]
        ]

    for where, lines in scopes:
        for period in periods:
            for by in [*ROLLUP_BOOKED_KEYS, "month"]:
                assert from_rollups(where, period, by) == from_booked(lines, period, by), (
                    where, period, by,
                )  # fmt: skip
    kept = everything()
    rollups.rebuild()
    assert everything() == kept
