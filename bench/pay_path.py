"""Benchmark: the pay path (``orders.services.mark_paid``) with and without the impact rollups.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_pay \
        .venv/bin/python bench/pay_path.py [--orders 2000] [--workers 4] [--rounds 1]

The flash sale's worst case for the rollups (``impact/rollups.py``, updated by receivers of
``orders.signals.order_paid`` inside the payment's transaction): every order is of one product
of one cooperative, delivered to one Beijing district, paid the same day, so every payment
adds to the same ``SalesRollup`` row and the same ``OrderSetRollup`` row and holds their locks
until it commits.

BENCH_DATABASE_URL is required (PostgreSQL: the lock waits are the point); the database is
dropped, created and migrated. Each run makes ``--orders`` fresh unpaid orders (copies of one
order placed by Oscar's order creator, with a Beijing delivery address) and marks them paid
(as the Stripe webhook task does: ``mark_paid(order, amount=, reference=, source=)``; the
"paid" email, queued after the commit, is not sent):

- sequentially (one process), and
- from ``--workers`` processes at once (each its own connection; the orders dealt out in turn,
  so they all pay the same cooperative's same day),

once with the impact receivers connected and once disconnected (the reference, measured in the
same run, runs interleaved with it). For each: payments/s (wall), ms of CPU per payment in the
paying processes and in their PostgreSQL backends (/proc, when PostgreSQL runs here), and, while
paying, how often a backend of the bench waited on a lock (pg_stat_activity sampled every 5 ms).
Then the ratios with/without rollups, and a check that the rollups add up exactly to the orders
paid with them. Prints the figures and writes var/bench/pay_path.json.
"""

import argparse
import json
import multiprocessing
import os
import platform
import statistics
import sys
import threading
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.databases import production_like, recreate_database  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def setup_django(url: str):
    os.environ.update(production_like(url))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def fixtures():
    """One cooperative (two member households), one product, one order placed the Oscar way
    with a delivery address in 房山区: the template the runs copy."""
    from oscar.core.loading import get_class, get_model

    from cooperatives.models import Cooperative, County, Household, Membership
    from cooperatives.validators import id_check_char, uscc_check_char

    Product = get_model("catalogue", "Product")
    ProductClass = get_model("catalogue", "ProductClass")
    StockRecord = get_model("partner", "StockRecord")
    Basket = get_model("basket", "Basket")
    ShippingAddress = get_model("order", "ShippingAddress")
    Country = get_model("address", "Country")
    OrderCreator = get_class("order.utils", "OrderCreator")
    OrderTotalCalculator = get_class("checkout.calculators", "OrderTotalCalculator")
    Selector = get_class("partner.strategy", "Selector")
    Free = get_class("shipping.methods", "Free")

    county, _ = County.objects.get_or_create(
        name="基准旗", defaults={"league": "乌兰察布市", "region_code": "150927",
                                "beijing_district": "房山区"},
    )  # fmt: skip
    first17 = "93150927MA0000001"
    coop = Cooperative.objects.create(
        name="基准合作社", county=county, credit_code=first17 + uscc_check_char(first17),
        tagline="基准", story="基准", benefit_share=Decimal("0.1000"),
    )  # fmt: skip
    for n in range(2):
        id17 = f"15092719800101{n:03d}"
        household = Household.objects.create(
            number=f"150927{n:08d}", head_name=f"基准户主{n}", id_number=id17 + id_check_char(id17),
            phone="13900000000", county=county, village="基准村", size=3,
        )  # fmt: skip
        Membership.objects.create(household=household, cooperative=coop, weight=Decimal("1"))
    kind, _ = ProductClass.objects.get_or_create(
        name="农产品", defaults={"requires_shipping": True, "track_stock": True}
    )
    product = Product.objects.create(
        title="基准小米", upc="BENCHPAY", product_class=kind, is_public=True,
        structure="standalone",
    )  # fmt: skip
    StockRecord.objects.create(
        product=product, partner=coop.partner, partner_sku="BENCHPAY", price=Decimal("39.90"),
        price_currency="CNY", num_in_stock=10**8,
    )  # fmt: skip
    country = Country.objects.filter(is_shipping_country=True).first()
    if country is None:
        country, _ = Country.objects.get_or_create(
            iso_3166_1_a2="CN", defaults={"name": "China", "printable_name": "中国",
                                          "is_shipping_country": True},
        )  # fmt: skip
    basket = Basket.objects.create()
    basket.strategy = Selector().strategy()
    basket.add_product(product, 2)
    method = Free()
    charge = method.calculate(basket)
    address = ShippingAddress.objects.create(
        first_name="基准", phone_number="+8613900000000", state="北京市", line4="北京市",
        line3="房山区", line1="良乡镇 1 号", country=country,
    )  # fmt: skip
    order = OrderCreator().place_order(
        basket=basket, total=OrderTotalCalculator().calculate(basket, charge),
        shipping_method=method, shipping_charge=charge, shipping_address=address,
        guest_email="bench@example.com",
    )  # fmt: skip
    return order


def copies(template, count: int, tag: str) -> list[int]:
    """``count`` unpaid copies of the template order (its line too): their ids."""
    from django.db import transaction

    line = template.lines.get()
    orders = []
    for n in range(count):
        order = type(template).objects.get(pk=template.pk)
        order.pk = order.id = None
        order.number = f"PAY{tag}{n:06d}"
        order.basket = None
        orders.append(order)
    with transaction.atomic():
        made = type(template).objects.bulk_create(orders, batch_size=1000)
        fields = {
            f.attname: getattr(line, f.attname)
            for f in type(line)._meta.concrete_fields
            if f.attname not in {"id", "order_id"}
        }
        type(line).objects.bulk_create(
            (type(line)(**fields, order_id=order.pk) for order in made), batch_size=1000
        )
    return [order.pk for order in made]


def _proc_cpu(pid):
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS
    except (OSError, IndexError, ValueError):
        return None


def pay(ids):
    """In a worker process: mark ``ids`` paid one by one (as the webhook task does); the
    process's CPU and its backend's, and when it started and ended."""
    from django.db import connection
    from oscar.core.loading import get_model

    import shop.celery
    from orders import services

    # The "paid" email is queued after the commit, to the broker in production; here Celery has
    # none and would send it in this process. Not the pay path: not sent.
    shop.celery.send_or_keep = lambda *args, **kwargs: None
    Order = get_model("order", "Order")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    backend_before, cpu_before = _proc_cpu(backend), time.process_time()
    start = time.time()
    paid = 0
    for pk in ids:
        order = Order(pk=pk, total_incl_tax=Decimal("79.80"))
        paid += services.mark_paid(
            order, amount=order.total_incl_tax, reference=f"pi_{pk}", source=("stripe", "Stripe")
        )
    end = time.time()
    backend_after = _proc_cpu(backend)
    connection.close()
    return {
        "paid": paid,
        "start": start,
        "end": end,
        "cpu": time.process_time() - cpu_before,
        "backend_cpu": None if backend_before is None else backend_after - backend_before,
    }


class LockSampler(threading.Thread):
    """Samples pg_stat_activity every 5 ms: how many of the database's backends wait on a lock."""

    def __init__(self, url, dbname):
        super().__init__(daemon=True)
        self.url, self.dbname = url, dbname
        self.stop = threading.Event()
        self.samples = 0
        self.waiting = []
        self.events = Counter()

    def run(self):
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self.stop.is_set():
                rows = conn.execute(
                    "SELECT wait_event FROM pg_stat_activity WHERE datname = %s "
                    "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'",
                    [self.dbname],
                ).fetchall()
                self.samples += 1
                self.waiting.append(len(rows))
                self.events.update(row[0] for row in rows)
                time.sleep(0.005)

    def figures(self):
        return {
            "samples": self.samples,
            "share_with_a_wait": round(sum(1 for w in self.waiting if w) / max(self.samples, 1), 3),
            "mean_waiting": round(statistics.fmean(self.waiting), 2) if self.waiting else 0.0,
            "wait_events": dict(self.events),
        }


def run(label, template, count, workers, url, dbname, tag):
    from django.db import connections

    ids = copies(template, count, tag)
    slices = [ids[n::workers] for n in range(workers)]
    connections.close_all()  # the workers are forked: each opens its own connection
    context = multiprocessing.get_context("fork")
    sampler = LockSampler(url, dbname)
    with context.Pool(workers) as pool:
        pool.apply(time.sleep, (0,))  # the pool is up before the clock starts
        sampler.start()
        results = pool.map(pay, slices, chunksize=1)
    sampler.stop.set()
    sampler.join()
    paid = sum(r["paid"] for r in results)
    assert paid == count, f"{label}: {paid} of {count} paid"
    wall = max(r["end"] for r in results) - min(r["start"] for r in results)
    cpu = sum(r["cpu"] for r in results)
    backend = [r["backend_cpu"] for r in results]
    figures = {
        "payments": count,
        "workers": workers,
        "seconds": round(wall, 3),
        "payments_per_s": round(count / wall, 1),
        "ms_cpu_per_payment": round(cpu * 1000 / count, 2),
        "ms_db_cpu_per_payment": (
            None if None in backend else round(sum(backend) * 1000 / count, 2)
        ),
        "locks": sampler.figures(),
    }
    print(
        f"  {label:<34} {figures['payments_per_s']:>8.1f} payments/s  "
        f"{figures['ms_cpu_per_payment']:>6.2f} ms CPU  "
        f"{figures['ms_db_cpu_per_payment'] or 0:>6.2f} ms DB CPU  "
        f"lock waits in {figures['locks']['share_with_a_wait']:.1%} of samples "
        f"(mean {figures['locks']['mean_waiting']})",
        flush=True,
    )
    return figures


def check_rollups(paid_with: int):
    """The rollups hold exactly the orders paid while they were connected (the others were
    paid with the receivers off, as a reference)."""
    from django.db.models import Count, Sum

    from impact.models import OrderSetRollup, SalesRollup

    sales = SalesRollup.objects.aggregate(
        orders=Sum("orders"), units=Sum("units"), revenue=Sum("revenue"), rows=Count("pk")
    )
    sets = OrderSetRollup.objects.aggregate(orders=Sum("orders"))
    expected = {
        "orders": paid_with,
        "units": 2 * paid_with,
        "revenue": Decimal("79.80") * paid_with,
    }
    ok = (
        sales["orders"] == expected["orders"]
        and sales["units"] == expected["units"]
        and sales["revenue"] == expected["revenue"]
        and sets["orders"] == paid_with
    )
    return {
        "exact": ok,
        "sales_rollup_rows": sales["rows"],
        "orders": sales["orders"],
        "order_sets": sets["orders"],
        "expected_orders": paid_with,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url or not url.startswith("postgres"):
        sys.exit("BENCH_DATABASE_URL (a PostgreSQL URL) is required: its database is recreated")
    from urllib.parse import urlparse

    dbname = urlparse(url).path.lstrip("/")
    started = time.perf_counter()
    recreate_database(url)
    setup_django(url)
    from django.db import connection

    from impact import rollups
    from orders import signals

    template = fixtures()
    version = connection.cursor().connection.info.server_version
    print(f"pay path: {args.orders} orders per run, 1 and {args.workers} workers, "
          f"PostgreSQL {version // 10000}, {os.cpu_count()} cores", flush=True)  # fmt: skip

    results: dict = {"with": {"sequential": [], "concurrent": []},
                     "without": {"sequential": [], "concurrent": []}}  # fmt: skip
    paid_with = 0
    n = 0
    for _round in range(args.rounds):
        for mode, workers in (("sequential", 1), ("concurrent", args.workers)):
            for rollups_on in (False, True):
                n += 1
                key = "with" if rollups_on else "without"
                if rollups_on:
                    rollups.connect()
                else:
                    signals.order_paid.disconnect(dispatch_uid="impact-rollups-paid")
                try:
                    label = f"{mode} ({workers}), {key} rollups"
                    results[key][mode].append(
                        run(label, template, args.orders, workers, url, dbname, f"{n:02d}")
                    )
                finally:
                    rollups.connect()
                paid_with += args.orders if rollups_on else 0

    def best(key, mode):  # the faster of the rounds (the least disturbed)
        return max(results[key][mode], key=lambda f: f["payments_per_s"])

    ratios = {}
    for mode in ("sequential", "concurrent"):
        with_, without = best("with", mode), best("without", mode)
        ratios[mode] = {
            "throughput_with_over_without": round(
                with_["payments_per_s"] / without["payments_per_s"], 3
            ),
            "cpu_with_over_without": round(
                with_["ms_cpu_per_payment"] / without["ms_cpu_per_payment"], 3
            ),
            "db_cpu_with_over_without": (
                round(with_["ms_db_cpu_per_payment"] / without["ms_db_cpu_per_payment"], 3)
                if with_["ms_db_cpu_per_payment"] and without["ms_db_cpu_per_payment"]
                else None
            ),
        }
    for key in ("with", "without"):
        ratios[f"concurrent_over_sequential_{key}"] = round(
            best(key, "concurrent")["payments_per_s"] / best(key, "sequential")["payments_per_s"], 3
        )
    check = check_rollups(paid_with)
    figures = {
        "machine": {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "postgresql": version,
        },  # fmt: skip
        "orders_per_run": args.orders,
        "workers": args.workers,
        "rounds": args.rounds,
        "runs": results,
        "ratios": ratios,
        "rollups_check": check,
        "total_seconds": round(time.perf_counter() - started, 1),
    }
    print()
    for mode in ("sequential", "concurrent"):
        r = ratios[mode]
        print(
            f"  {mode}: with/without rollups: throughput ×{r['throughput_with_over_without']}, "
            f"CPU ×{r['cpu_with_over_without']}, DB CPU ×{r['db_cpu_with_over_without']}"
        )
    print(
        f"  concurrent/sequential: with rollups ×{ratios['concurrent_over_sequential_with']}, "
        f"without ×{ratios['concurrent_over_sequential_without']}"
    )
    print(f"  rollups exact: {check['exact']} ({check})")
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "pay_path.json").write_text(json.dumps(figures, indent=2, default=str))
    print(f"  written to {out / 'pay_path.json'} in {figures['total_seconds']} s")


if __name__ == "__main__":
    main()
