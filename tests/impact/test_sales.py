"""One definition of a sale (impact.sales: paid, less refunds), and the three places that show
sales figures agreeing on it: the officials' impact report (and its exports), the manager's sales
home, and a live session's stats."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from impact import sales
from impact import selectors as impact
from livestream.models import LineAttribution, LiveSession, SessionProduct
from livestream.selectors import session_stats
from orders import services, statuses
from orders.payments.models import Refund, RefundLine
from tests.factories import UserFactory, make_order, make_product

pytestmark = pytest.mark.django_db


def refund(line, quantity, amount, status=Refund.Status.REFUNDED):
    """A refund of ``quantity`` units of ``line``, as the payments service records one: the
    ``Refund`` and its line, and when made, the order's lifecycle (``services.refund``: lines
    refunded in full marked so, the ledger and the impact rollups told)."""
    made = Refund.objects.create(
        order=line.order, amount=Decimal(amount), status=status, decided=timezone.now()
    )
    RefundLine.objects.create(refund=made, line=line, quantity=quantity, amount=Decimal(amount))
    if status == Refund.Status.REFUNDED:
        services.refund(
            line.order,
            [services.RefundedPart(line, quantity, Decimal(amount))],
            amount=Decimal(amount),
            reference=f"refund-{made.pk}",
            at=made.decided,
        )
    return made


@pytest.fixture
def shop(cooperative):
    """One cooperative's carrots (¥30) and oats (¥20), sold from an ended live session."""
    carrots = make_product(cooperative, title="胡萝卜", price="30.00", num_in_stock=100)
    oats = make_product(cooperative, title="燕麦米", price="20.00", num_in_stock=100)
    start = timezone.now() - timedelta(hours=2)
    session = LiveSession.objects.create(
        title="胡萝卜专场", host=UserFactory(), cooperative=cooperative, status="ended",
        scheduled_start=start, scheduled_end=start + timedelta(hours=1),
        stream_url="https://live.jingmeng.example/a.m3u8",
    )  # fmt: skip
    SessionProduct.objects.create(session=session, product=carrots, position=1)
    SessionProduct.objects.create(session=session, product=oats, position=2)
    return {"cooperative": cooperative, "carrots": carrots, "oats": oats, "session": session}


def order(shop, items, status=None):
    """An order from the live session (every line attributed to it)."""
    placed = make_order(
        [(shop[name], quantity) for name, quantity in items], user=UserFactory(), status=status
    )
    for line in placed.lines.all():
        LineAttribution.objects.create(line=line, session=shop["session"])
    return placed


def line_of(placed, product):
    return placed.lines.get(product=product)


def figures(shop, staff):
    """(revenue, paid orders, units) as each of the three places counts them."""
    counties = impact.scope_counties(staff)
    report = impact.totals(counties)
    [by_cooperative] = impact.breakdown(counties, "cooperative")
    home = sales.cooperative_sales([shop["cooperative"].partner_id])
    live = session_stats(shop["session"])
    return {
        "impact report": (report.gmv, report.paid_orders, report.units),
        "impact export": (
            by_cooperative["gmv"],
            by_cooperative["paid_orders"],
            by_cooperative["units"],
        ),
        "sales home (month)": (
            home["month"]["revenue"],
            home["month"]["orders"],
            sum(p["units"] for p in home["top"]),
        ),
        "sales home (today)": (
            home["today"]["revenue"],
            home["today"]["orders"],
            sum(p["units"] for p in home["top"]),
        ),
        "live stats": (Decimal(live["gmv"]), live["paid_orders"], live["units"]),
    }


def test_the_three_places_count_paid_sales_less_refunds_alike(shop, staff):
    carrots, oats = shop["carrots"], shop["oats"]
    first = order(shop, [("carrots", 2), ("oats", 1)], statuses.PAID)  # 60 + 20
    refund(line_of(first, oats), 1, "20.00")  # the oats line refunded in full
    second = order(shop, [("carrots", 3)], statuses.PAID)  # 90
    refund(line_of(second, carrots), 1, "30.00")  # one unit of three refunded
    refund(line_of(second, carrots), 1, "30.00", Refund.Status.REQUESTED)  # asked, not made
    order(shop, [("carrots", 1)], statuses.CANCELLED)
    order(shop, [("oats", 2)])  # placed, never paid

    seen = figures(shop, staff)
    expected = (Decimal("120.00"), 2, 4)  # 60 + (90 − 30); both orders keep units; 2 + 2
    assert seen == dict.fromkeys(seen, expected)

    home = sales.cooperative_sales([shop["cooperative"].partner_id])
    assert [(p["title"], p["units"], p["revenue"]) for p in home["top"]] == [
        ("胡萝卜", 4, Decimal("120.00"))
    ]  # the wholly refunded oats are no top product
    assert sum(Decimal(day["revenue"]) for day in home["series"]) == Decimal("120.00")
    live = session_stats(shop["session"])
    assert live["orders"] == 4  # placed orders: paid or not, as before
    per_product = {p["product_id"]: p for p in live["products"]}
    assert (per_product[carrots.pk]["gmv"], per_product[carrots.pk]["units"]) == ("120.00", 4)
    assert (per_product[oats.pk]["gmv"], per_product[oats.pk]["paid_orders"]) == ("0.00", 0)
    assert live["unique_buyers"] == 2
    assert sum(Decimal(t["gmv"]) for t in live["timeline"]) == Decimal("120.00")


def test_a_refund_lowers_all_three_by_what_it_took_back(shop, staff):
    placed = order(shop, [("carrots", 2), ("oats", 3)], statuses.PAID)  # 60 + 60
    before = figures(shop, staff)
    assert set(before.values()) == {(Decimal("120.00"), 1, 5)}

    refund(line_of(placed, shop["oats"]), 2, "40.00")
    assert set(figures(shop, staff).values()) == {(Decimal("80.00"), 1, 3)}

    refund(line_of(placed, shop["carrots"]), 2, "60.00")
    refund(line_of(placed, shop["oats"]), 1, "20.00")
    # Nothing left (the payments service would now mark the order refunded): no paid order.
    assert set(figures(shop, staff).values()) == {(Decimal("0.00"), 0, 0)}


def test_a_sale_is_annotated_on_each_line(shop):
    placed = order(shop, [("carrots", 3)], statuses.PAID)
    line = line_of(placed, shop["carrots"])
    refund(line, 1, "30.00")
    refund(line, 1, "30.00", Refund.Status.FAILED)
    sold = sales.sale_lines().get(pk=line.pk)
    assert (sold.sold_units, sold.sold_revenue) == (2, Decimal("60.00"))
    unpaid = order(shop, [("carrots", 1)])
    assert not sales.sale_lines().filter(order=unpaid).exists()


def test_the_figures_are_the_sums_of_the_annotations(shop):
    """``figures`` adds two queries (orders with no refund made, orders with one) for speed: its
    totals and groups are exactly the sums of ``sale_lines``' annotations."""
    from django.db.models import Count, Q, Sum

    first = order(shop, [("carrots", 2), ("oats", 3)], statuses.PAID)
    refund(line_of(first, shop["oats"]), 3, "60.00")
    refund(line_of(first, shop["carrots"]), 1, "30.00")
    order(shop, [("carrots", 1), ("oats", 1)], statuses.PAID)
    order(shop, [("oats", 4)], statuses.CANCELLED)
    lines = sales.Line.objects.all()
    direct = sales.sale_lines(lines).aggregate(
        revenue=Sum("sold_revenue"),
        units=Sum("sold_units"),
        paid_orders=Count("order", distinct=True, filter=Q(sold_units__gt=0)),
    )
    assert sales.figures(lines) == {**direct, "revenue": sales.money(direct["revenue"])}
    assert sales.figures(lines) == {"revenue": Decimal("80.00"), "units": 3, "paid_orders": 2}
    by_product = {row["product_id"]: row for row in sales.figures(lines, "product_id")}
    assert by_product[shop["carrots"].pk] == {
        "product_id": shop["carrots"].pk, "revenue": Decimal("60.00"), "units": 2,
        "paid_orders": 2,
    }  # fmt: skip
    assert by_product[shop["oats"].pk] == {
        "product_id": shop["oats"].pk, "revenue": Decimal("20.00"), "units": 1, "paid_orders": 1,
    }  # fmt: skip
