"""Benchmark: /impact/ over a million order lines on PostgreSQL.

    .venv/bin/python bench/impact.py [--lines 1000000] [--runs 5]

Uses its own database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/jingmeng_bench):
migrates it, loads the demo data, then tops the order lines up to --lines with generated paid and
unpaid orders (two lines each, over the last year) and their benefit-ledger entries (one per line
and member household), all with INSERT ... SELECT. Then it times the officials' report page for a
whole-region official (the largest scope), computed afresh (cache cleared) and from the report
cache, and each of its aggregate queries; prints the figures and writes var/bench/impact.json.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/jingmeng_bench"


def ensure_database(url):
    from urllib.parse import urlparse

    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


GENERATE_ORDERS = """
INSERT INTO order_order (number, currency, total_incl_tax, total_excl_tax, shipping_incl_tax,
    shipping_excl_tax, shipping_method, shipping_code, status, guest_email, date_placed,
    analytics_tracked)
SELECT 'BENCH' || lpad(g::text, 9, '0'), 'CNY', 0, 0, 0, 0, 'Free shipping', 'free-shipping',
    (ARRAY['已付款', '已发货', '已完成', '已完成', '待付款'])[1 + g %% 5], 'bench@example.com',
    now() - ((g %% 365) || ' days')::interval - ((g %% 1440) || ' minutes')::interval, false
FROM generate_series(%(first)s::int, %(last)s::int) AS g
"""

STOCK_RECORDS = """
CREATE TEMP TABLE bench_sr AS
SELECT row_number() OVER (ORDER BY sr.id) - 1 AS idx, sr.id, sr.partner_id, sr.product_id,
       sr.price, sr.partner_sku, p.title, p.upc, pa.name AS partner_name
FROM partner_stockrecord sr JOIN catalogue_product p ON p.id = sr.product_id
JOIN partner_partner pa ON pa.id = sr.partner_id
"""

GENERATE_LINES = """
INSERT INTO order_line (order_id, partner_id, partner_name, partner_sku, partner_line_reference,
    partner_line_notes, stockrecord_id, product_id, title, upc, quantity, line_price_incl_tax,
    line_price_excl_tax, line_price_before_discounts_incl_tax,
    line_price_before_discounts_excl_tax, unit_price_incl_tax, unit_price_excl_tax, status,
    num_allocated, allocation_cancelled)
SELECT o.id, s.partner_id, s.partner_name, s.partner_sku, '', '', s.id, s.product_id, s.title,
       s.upc, q.qty, s.price * q.qty, s.price * q.qty, s.price * q.qty, s.price * q.qty, s.price,
       s.price, o.status, q.qty, false
FROM order_order o
CROSS JOIN generate_series(0, 1) AS k
CROSS JOIN LATERAL (SELECT 1 + (o.id + k) %% 3 AS qty) AS q
JOIN bench_sr s ON s.idx = (o.id * 7 + k * 13) %% (SELECT count(*) FROM bench_sr)
WHERE o.number LIKE 'BENCH%%' AND o.id BETWEEN %(first_id)s AND %(last_id)s
"""

GENERATE_LEDGER = """
INSERT INTO cooperatives_benefitentry (household_id, cooperative_id, order_line_id, amount, kind,
    reference, created)
SELECT m.household_id, c.id, l.id,
       round(l.line_price_incl_tax * c.benefit_share * m.weight / w.total, 2), 'sale_share', '',
       o.date_placed
FROM order_line l
JOIN order_order o ON o.id = l.order_id
JOIN cooperatives_cooperative c ON c.partner_id = l.partner_id
JOIN cooperatives_membership m ON m.cooperative_id = c.id
JOIN (SELECT cooperative_id, sum(weight) AS total FROM cooperatives_membership
      GROUP BY cooperative_id) w ON w.cooperative_id = c.id
WHERE o.number LIKE 'BENCH%%' AND o.status <> '待付款'
  AND l.order_id BETWEEN %(first_id)s AND %(last_id)s
"""


def top_up(lines_wanted, say):
    from django.db import connection, transaction
    from oscar.core.loading import get_model

    Line = get_model("order", "Line")
    have = Line.objects.count()
    if have >= lines_wanted:
        say(f"{have:,} order lines already there")
        return
    orders = (lines_wanted - have + 1) // 2
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM order_order WHERE number LIKE 'BENCH%'")
        first = cursor.fetchone()[0] + 1
        step = 100_000
        for chunk_first in range(first, first + orders, step):
            chunk_last = min(chunk_first + step - 1, first + orders - 1)
            with transaction.atomic():
                cursor.execute(GENERATE_ORDERS, {"first": chunk_first, "last": chunk_last})
                cursor.execute(
                    "SELECT min(id), max(id) FROM order_order WHERE number BETWEEN %s AND %s",
                    [f"BENCH{chunk_first:09d}", f"BENCH{chunk_last:09d}"],
                )
                first_id, last_id = cursor.fetchone()
                cursor.execute("DROP TABLE IF EXISTS bench_sr")
                cursor.execute(STOCK_RECORDS)
                cursor.execute(GENERATE_LINES, {"first_id": first_id, "last_id": last_id})
                cursor.execute(GENERATE_LEDGER, {"first_id": first_id, "last_id": last_id})
            say(f"  … {chunk_last - first + 1:,} of {orders:,} orders")
        cursor.execute("ANALYZE")
    say(f"generated {orders:,} orders in {time.perf_counter() - start:.0f} s")


def timed(fn, runs):
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return {
        "p50_ms": round(statistics.median(samples), 1),
        "min_ms": round(min(samples), 1),
        "max_ms": round(max(samples), 1),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    ensure_database(url)
    os.environ.update(DATABASE_URL=url, DEBUG="true", DJANGO_SETTINGS_MODULE="shop.settings")
    os.environ.pop("REDIS_URL", None)

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from oscar.core.loading import get_model

    from cooperatives import rollup
    from cooperatives.models import BenefitEntry
    from impact import selectors as impact
    from impact.models import OfficialScope

    say = print
    call_command("migrate", verbosity=0)
    with open(os.devnull, "w") as quiet:
        call_command("load_demo", verbosity=0, stdout=quiet)
    top_up(args.lines, say)
    start = time.perf_counter()
    say(
        f"rollup: {rollup.rebuild():,} rows rebuilt from the ledger in "
        f"{time.perf_counter() - start:.0f} s"
    )  # the generator wrote the ledger with raw SQL

    Line = get_model("order", "Line")
    user, _ = get_user_model().objects.get_or_create(
        username="bench-official", defaults={"email": "bench-official@example.com"}
    )
    OfficialScope.objects.update_or_create(user=user, defaults={"kind": "region"})
    counties = impact.scope_counties(user)

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    client.get("/impact/")  # warm up connections and templates
    cache.clear()
    queries = []

    def count(execute, sql, *rest):
        queries.append(sql)
        return execute(sql, *rest)

    with connection.execute_wrapper(count):
        assert client.get("/impact/").status_code == 200
    figures = {
        "order_lines": Line.objects.count(),
        "paid_lines": impact.paid_lines(counties).count(),
        "ledger_entries": BenefitEntry.objects.count(),
        "impact_page_cold": {**timed(lambda: (cache.clear(), client.get("/impact/")), args.runs),
                             "sql_queries": len(queries)},
        "impact_page_cached": timed(lambda: client.get("/impact/"), args.runs),
        "totals": timed(lambda: impact.totals(counties), args.runs),
        **{f"breakdown_{by}": timed(lambda by=by: impact.breakdown(counties, by), args.runs)
           for by in impact.BREAKDOWNS},
        "database": connection.vendor,
    }  # fmt: skip
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "impact.json").write_text(json.dumps(figures, indent=2))
    say(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
