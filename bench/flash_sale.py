"""Benchmark: a livestream flash sale, the standard checkout, page speed, SQL counts, webhooks.

    make bench                      # everything, with the defaults below
    .venv/bin/python bench/flash_sale.py --stock 3000 --duration 30 --page-seconds 5  # quicker

Starts what it measures, on this machine: a fresh PostgreSQL database (BENCH_DATABASE_URL,
default postgres://postgres@127.0.0.1:5432/jingmeng_flash) migrated and loaded with the demo,
static files collected, gunicorn (``--workers`` sync workers, production settings: DEBUG off,
Redis cache, persistent connections), a Celery worker on Redis, and a canned Stripe API
(``bench/canned_stripe.py``: localstripe writes its whole store to disk at each call, so the
throughput runs answer Stripe from memory; every correctness test runs against localstripe).
The load generator (aiohttp, one process) runs on the same 2 cores.

1. Flash sale: ``--buyers`` signed-in buyers, each with a saved address, watch the live room and
   tap "buy now" on the pinned product, again and again, until ``--stock`` units are sold or
   ``--duration`` s pass. Each tap is one request that places the order and answers with the
   payment form (its PaymentIntent made). Sold-out taps are rejections; anything else is an
   error. Then the database is checked: units sold vs stock (oversold must be 0), every order
   has its one PaymentIntent. The same sale then runs paced (80 % of that rate), then beside
   the payments issue's oversell and idempotency tests (``TESTS_UNDER_LOAD``: pytest on a
   PostgreSQL test database of their own, against localstripe; they must pass, none skipped),
   then sells out its last units with every tap sent twice.
2. Standard checkout: ``--checkout-buyers`` guests each go product page -> 立即购买 (added to
   the basket, then the one-page checkout) -> email and address, submit -> payment page, for
   ``--checkout-duration`` s; then paced at 80 % of that rate for ``--paced-duration`` s.
3. Pages: requests/s and p50/p99 for home, category, product, live room and the trivial
   ``/healthz`` view (one ``SELECT 1``: the machine's ceiling), ``--page-concurrency`` clients.
   Then bare Django (``bench/bare_django.py``: the issue's "trivial Django view", no middleware)
   on the same gunicorn: how fast this machine is beside the one the issue measured on.
4. SQL queries per page and per order (Django's test client in this process, same database).
5. Webhooks: one signed ``payment_intent.succeeded`` per order of the sale, sent in a burst; the
   endpoint's latency and rate, and how long the Celery worker takes to drain them (orders
   paid).

Prints the figures and writes them to var/bench/flash_sale.json.
"""

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import platform
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from bench.databases import production_like, recreate_database  # noqa: E402
from bench.processes import Processes  # noqa: E402

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/jingmeng_flash"
# The oversell and idempotency tests (the payments issue's, and the live buy now's double taps).
TESTS_UNDER_LOAD = [
    "tests/orders/test_stock_race.py",
    "tests/orders/test_payments.py",
    "tests/livestream/test_buy_now_express.py",
]
WEBHOOK_SECRET = "whsec_bench_flash_sale"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values, fraction):
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def ms(seconds):
    return None if seconds is None else round(seconds * 1000, 1)


def latency(values):
    return {
        "p50_ms": ms(percentile(values, 0.50)),
        "p99_ms": ms(percentile(values, 0.99)),
        "max_ms": ms(max(values)) if values else None,
    }


def record_error(results, message):
    results["errors"] += 1
    if len(results["error_samples"]) < 5:
        results["error_samples"].append(message[:300])


def summary(results, started, done_at, **steps):
    """Orders per second from the start to the last order answered, and each step's latency."""
    elapsed = (max(done_at) if done_at else time.monotonic()) - started
    results.update(
        seconds=round(elapsed, 1),
        orders_per_second=round(results["orders"] / elapsed, 1) if elapsed else 0,
        **{name: latency(times) for name, times in steps.items()},
    )
    return results


# --- Setup -----------------------------------------------------------------------------------


def bench_environment(args, stripe_port, redis_db) -> dict:
    return production_like(
        args.database_url,
        REDIS_URL=f"redis://127.0.0.1:6379/{redis_db}",
        CELERY_BROKER_URL=f"redis://127.0.0.1:6379/{redis_db + 1}",
        CELERY_QUEUE="jingmeng-bench",
        CACHE_KEY_PREFIX="jingmeng-bench",
        STRIPE_API_BASE=f"http://127.0.0.1:{stripe_port}",
        STRIPE_SECRET_KEY="sk_test_bench_canned",
        STRIPE_PUBLISHABLE_KEY="pk_test_bench_canned",
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_WEBHOOK_TOLERANCE="3600",
    )


def flush_redis(env):
    import redis

    for key in ("REDIS_URL", "CELERY_BROKER_URL"):
        redis.Redis.from_url(env[key]).flushdb()


def prepare_store(args):
    """Migrate and load the demo; return what the runs need (ids, URLs, buyers' cookies)."""
    from datetime import timedelta

    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.utils import timezone
    from oscar.core.loading import get_model

    from livestream import services as live_services
    from livestream.models import LiveSession

    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    User = get_user_model()
    UserAddress = get_model("address", "UserAddress")
    Country = get_model("address", "Country")
    StockRecord = get_model("partner", "StockRecord")
    Product = get_model("catalogue", "Product")
    Category = get_model("catalogue", "Category")

    session = LiveSession.objects.filter(status=LiveSession.Status.LIVE).first()
    now = timezone.now()
    session.scheduled_start = now - timedelta(minutes=5)
    session.scheduled_end = now + timedelta(hours=3)
    session.save()
    item = session.items.select_related("product").first()
    live_services.pin(item)
    # The sale: the whole stock at the live price (a flash quota of as many units), no per-buyer
    # cap (each of the --buyers stands for many shoppers in turn).
    session.items.filter(pk=item.pk).update(quota=args.stock, per_customer_limit=None, quota_used=0)
    StockRecord.objects.filter(product=item.product).update(
        num_in_stock=args.stock, num_allocated=0
    )
    # The standard checkout sells something else, with stock to spare.
    other = (
        Product.objects.filter(stockrecords__isnull=False, structure="standalone")
        .exclude(pk=item.product_id)
        .exclude(live_items__isnull=False)
        .order_by("pk")
        .first()
    )
    StockRecord.objects.filter(product=other).update(num_in_stock=10**6, num_allocated=0)
    category = Category.objects.filter(depth=1).order_by("path").first()

    china = Country.objects.get(iso_3166_1_a2="CN")
    password = make_password("bench-buyer-2026")
    buyers = []
    for i in range(args.buyers):
        user = User.objects.create(
            username=f"bench-buyer-{i}",
            email=f"buyer{i}@bench.jingmeng.example",
            password=password,
        )
        UserAddress.objects.create(
            user=user,
            first_name=f"测试买家{i}",
            phone_number=f"+86138{i:08d}",
            state="北京市",
            line4="北京市",
            line3="朝阳区",
            line1=f"建国路 {i % 200 + 1} 号",
            country=china,
            is_default_for_shipping=True,
        )
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "oscar.apps.customer.auth_backends.EmailBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        buyers.append(store.session_key)
    Order = get_model("order", "Order")
    return {
        "orders_before": Order.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
        "session_id": session.pk,
        "item_id": item.pk,
        "product_id": item.product_id,
        "product_title": item.product.title,
        "product_url": item.product.get_absolute_url(),
        "checkout_product_id": other.pk,
        "checkout_product_url": other.get_absolute_url(),
        "category_url": category.get_absolute_url(),
        "buyers": buyers,
    }


# --- Load ------------------------------------------------------------------------------------

CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TOKEN_RE = re.compile(r'name="submission_token" value="([^"]+)"')
CHECKOUT_ADDRESS = {
    "first_name": "测试顾客",
    "phone_number": "13900139000",
    "state": "北京市",
    "line4": "北京市",
    "line3": "海淀区",
    "line1": "中关村大街 1 号",
    "postcode": "",
    "notes": "",
    "country": "CN",
}


PAY_URL_RE = re.compile(r'data-pay-url="/payments/([^/"]+)/"')


async def next_turn(start, period, deadline):
    """A paced client waits for its turn at ``start``; returns its next turn, ``period`` s later,
    or None if ``start`` is past ``deadline`` (it stops)."""
    if start >= deadline:
        return None
    await asyncio.sleep(max(0, start - time.monotonic()))
    return start + period


async def flash_sale(base, data, duration, double_tap=False, rate=None):
    """Buyers tap "buy now" until ``duration`` s pass or they are told it is sold out. With
    ``double_tap`` every tap is sent twice at once with the same token: both answers must be the
    same order. Without ``rate`` each buyer starts again as soon as they are answered (the
    store's capacity; latencies are then mostly time in the queue); with ``rate`` the buyers
    together start ``rate`` journeys a second (latencies at that load)."""
    import aiohttp

    live_url = f"{base}/live/{data['session_id']}/"
    buy_url = f"{base}/live/{data['session_id']}/buy/{data['item_id']}/"
    csrf = "b" * 32  # an unmasked CSRF secret, sent as cookie and field
    results = {"orders": 0, "rejections": 0, "errors": 0, "error_samples": []}
    if double_tap:
        results["double_taps_split_into_two_orders"] = 0
        results["double_taps_answered_differently"] = 0  # e.g. one the order, one "sold out"
    order_step, journey, done_at = [], [], []
    started = time.monotonic()
    deadline = started + duration
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=60)

    def error(message):
        record_error(results, message)

    async def tap(http, token):
        async with http.post(
            buy_url,
            data={"csrfmiddlewaretoken": csrf, "submission_token": token},
            headers={"Referer": live_url},
            allow_redirects=False,
        ) as response:
            body = await response.text()
            return response.status, response.headers.get("Location", ""), body

    period = len(data["buyers"]) / rate if rate else 0

    async def buyer(index, session_key):
        next_start = started + index * period / len(data["buyers"])
        jar = aiohttp.CookieJar(unsafe=True)
        jar.update_cookies({"sessionid": session_key, "csrftoken": csrf})
        async with aiohttp.ClientSession(
            connector=connector, connector_owner=False, cookie_jar=jar, timeout=timeout
        ) as http:
            while time.monotonic() < deadline:
                if period and (next_start := await next_turn(next_start, period, deadline)) is None:
                    return
                t0 = time.monotonic()
                token = str(uuid.uuid4())
                try:
                    async with http.get(live_url) as page:
                        await page.read()
                        if page.status != 200:
                            error(f"live room: {page.status}")
                            continue
                    t1 = time.monotonic()
                    taps = 2 if double_tap else 1
                    answers = await asyncio.gather(*(tap(http, token) for _ in range(taps)))
                except (TimeoutError, aiohttp.ClientError) as exc:
                    error(repr(exc))
                    continue
                t2 = time.monotonic()
                status, location, body = answers[0]
                numbers = {
                    match.group(1)
                    for _s, _l, b in answers
                    if (match := PAY_URL_RE.search(b)) and 'id="payment-form"' in b
                }
                if status == 200 and numbers:
                    results["orders"] += 1
                    order_step.append(t2 - t1)
                    journey.append(t2 - t0)
                    done_at.append(t2)
                    if double_tap and len(numbers) > 1:
                        results["double_taps_split_into_two_orders"] += 1
                    if double_tap and any(s != 200 for s, _l, _b in answers):
                        results["double_taps_answered_differently"] += 1
                elif status == 302 and location.rstrip("/").endswith(f"/live/{data['session_id']}"):
                    results["rejections"] += 1  # sold out: this buyer stops
                    if double_tap and numbers:  # the other tap's answer was the order
                        results["double_taps_answered_differently"] += 1
                    return
                else:
                    error(f"{status} {location} {body[:200]}")

    await asyncio.gather(*(buyer(i, key) for i, key in enumerate(data["buyers"])))
    await connector.close()
    results["offered_rate"] = rate
    return summary(results, started, done_at, order_step=order_step, journey=journey)


async def standard_checkout(base, data, args, duration=None, rate=None):
    """Guests buy through 立即购买 and the one-page checkout, each starting again as soon as
    their payment page is back (the store's capacity) or, with ``rate``, the guests together
    starting ``rate`` journeys a second (the latency a buyer sees at that load)."""
    import aiohttp

    product_url = base + data["checkout_product_url"]
    results = {"orders": 0, "errors": 0, "error_samples": []}
    place, journey, done_at = [], [], []
    started = time.monotonic()
    deadline = started + (duration or args.checkout_duration)
    period = args.checkout_buyers / rate if rate else 0
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=60)

    def fail(message):
        record_error(results, message)

    async def guest(n):
        next_start = started + n * period / args.checkout_buyers
        while time.monotonic() < deadline:
            if period and (next_start := await next_turn(next_start, period, deadline)) is None:
                return
            jar = aiohttp.CookieJar(unsafe=True)
            async with aiohttp.ClientSession(
                connector=connector, connector_owner=False, cookie_jar=jar, timeout=timeout
            ) as http:
                t0 = time.monotonic()
                try:
                    async with http.get(product_url) as r:
                        page = await r.text()
                    token = CSRF_RE.search(page).group(1)
                    headers = {"Referer": product_url}
                    async with http.post(  # 立即购买: added, then the checkout page
                        f"{base}/checkout/buy/{data['checkout_product_id']}/",
                        data={"csrfmiddlewaretoken": token, "quantity": "1"},
                        headers=headers,
                    ) as r:
                        page = await r.text()
                        url = str(r.url)
                    if not url.endswith("/checkout/"):
                        fail(f"expected the checkout page, got {url}")
                        continue
                    token = CSRF_RE.search(page).group(1)
                    submission = TOKEN_RE.search(page).group(1)
                    t1 = time.monotonic()
                    async with http.post(
                        url,
                        data={
                            "csrfmiddlewaretoken": token,
                            "action": "place_order",
                            "submission_token": submission,
                            "email": f"guest{n}-{uuid.uuid4().hex[:8]}@bench.example",
                            **CHECKOUT_ADDRESS,
                        },
                        headers={"Referer": url},
                        allow_redirects=False,
                    ) as r:
                        await r.read()
                        status, location = r.status, r.headers.get("Location", "")
                    t2 = time.monotonic()
                    if status != 302 or "/payments/" not in location:
                        fail(f"place order: {status} {location}")
                        continue
                    async with http.get(base + location) as r:
                        page = await r.text()
                    if 'id="payment-form"' not in page:
                        fail("no payment form: " + page[:200])
                        continue
                except (TimeoutError, aiohttp.ClientError, AttributeError) as error:
                    fail(repr(error))
                    continue
                t3 = time.monotonic()
                results["orders"] += 1
                place.append(t2 - t1)
                journey.append(t3 - t0)
                done_at.append(t3)

    await asyncio.gather(*(guest(n) for n in range(args.checkout_buyers)))
    await connector.close()
    results["offered_rate"] = rate
    return summary(results, started, done_at, place_order_step=place, journey=journey)


async def page_speed(url, args):
    import aiohttp

    times, errors = [], 0
    connector = aiohttp.TCPConnector(limit=0)
    warm_until = time.monotonic() + 1
    deadline = warm_until + args.page_seconds

    async def client():
        nonlocal errors
        async with aiohttp.ClientSession(
            connector=connector, connector_owner=False, cookie_jar=aiohttp.CookieJar(unsafe=True)
        ) as http:
            while time.monotonic() < deadline:
                t0 = time.monotonic()
                try:
                    async with http.get(url) as r:
                        await r.read()
                        ok = r.status == 200
                except aiohttp.ClientError:
                    ok = False
                t1 = time.monotonic()
                if t0 >= warm_until:
                    if ok:
                        times.append(t1 - t0)
                    else:
                        errors += 1

    await asyncio.gather(*(client() for _ in range(args.page_concurrency)))
    await connector.close()
    return {
        "requests_per_second": round(len(times) / args.page_seconds, 1),
        "errors": errors,
        **latency(times),
    }


async def webhook_burst(base, args, intent_ids):
    import aiohttp

    url = f"{base}/payments/stripe/webhook/"
    times, errors = [], 0
    queue = list(intent_ids)
    connector = aiohttp.TCPConnector(limit=0)

    def signed(intent_id):
        payload = json.dumps(
            {
                "id": "evt_" + uuid.uuid4().hex[:24],
                "object": "event",
                "type": "payment_intent.succeeded",
                "created": int(time.time()),
                "livemode": False,
                "api_version": "2024-06-20",
                "data": {
                    "object": {"id": intent_id, "object": "payment_intent", "status": "succeeded"}
                },
            }
        )
        stamp = int(time.time())
        signature = hmac.new(
            WEBHOOK_SECRET.encode(), f"{stamp}.{payload}".encode(), hashlib.sha256
        ).hexdigest()
        return payload, {"Stripe-Signature": f"t={stamp},v1={signature}"}

    async def sender():
        nonlocal errors
        async with aiohttp.ClientSession(connector=connector, connector_owner=False) as http:
            while queue:
                payload, headers = signed(queue.pop())
                headers["Content-Type"] = "application/json"
                t0 = time.monotonic()
                async with http.post(url, data=payload, headers=headers) as r:
                    await r.read()
                    if r.status != 200:
                        errors += 1
                times.append(time.monotonic() - t0)

    started = time.monotonic()
    await asyncio.gather(*(sender() for _ in range(args.webhook_concurrency)))
    await connector.close()
    sent = time.monotonic() - started
    return started, {
        "sent": len(times),
        "errors": errors,
        "send_seconds": round(sent, 1),
        "requests_per_second": round(len(times) / sent, 1) if sent else 0,
        **latency(times),
    }


# --- Database checks and query counts --------------------------------------------------------


def cpu_by_part(procs) -> dict | None:
    """CPU seconds (user + system) used so far by each part of the run, from /proc: the
    processes this harness started with their children (gunicorn's workers, Celery's pool),
    PostgreSQL's and Redis's server processes (by name: every such process on this machine, so
    nothing else should run beside the bench), and this process (the load generator). None
    where there is no /proc."""
    if not os.path.isdir("/proc/self"):
        return None
    hz = os.sysconf("SC_CLK_TCK")
    started = {proc.pid: name for name, proc in procs.procs}
    stats = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_bytes().decode(errors="replace")
        except OSError:  # gone meanwhile
            continue
        comm, fields = raw[raw.index("(") + 1 : raw.rindex(")")], raw[raw.rindex(")") + 2 :].split()
        # its own time and its children's that have exited (PostgreSQL's backends, replaced
        # as connections reach CONN_MAX_AGE; workers restarted): each process counted once
        ticks = sum(int(fields[i]) for i in (11, 12, 13, 14))
        stats[int(entry)] = (comm, int(fields[1]), ticks / hz)
    parts = {}
    for pid, (comm, _ppid, seconds) in stats.items():
        part, ancestor = None, pid
        while part is None and ancestor in stats and ancestor > 1:
            part = started.get(ancestor)
            ancestor = stats[ancestor][1]
        if pid == os.getpid():
            part = "load_generator"
        elif part is None and comm.startswith("postgres"):
            part = "postgresql"
        elif part is None and comm.startswith("redis-server"):
            part = "redis"
        if part is not None:
            parts[part] = parts.get(part, 0.0) + seconds
    return parts


def cpu_per_order(before, after, run) -> dict | None:
    """Milliseconds of CPU per order each part spent between ``before`` and ``after``."""
    if before is None or after is None or not run["orders"]:
        return None
    spent = {part: after[part] - before.get(part, 0.0) for part in after}
    figures = {part: round(1000 * spent[part] / run["orders"], 1) for part in sorted(spent)}
    figures["total"] = round(1000 * sum(spent.values()) / run["orders"], 1)
    return figures


def with_cpu(procs, env, run):
    """Run the coroutine ``run`` (a sale or a checkout) and add its CPU per order by process,
    measured from an empty Celery queue (what runs before left queued is not its CPU) to the
    queue emptied again (its emails and counters are)."""
    wait_for_celery(env, settle=1)
    before = cpu_by_part(procs)
    figures = asyncio.run(run)
    wait_for_celery(env, settle=1)
    figures["cpu_ms_per_order"] = cpu_per_order(before, cpu_by_part(procs), figures)
    return figures


def report_cpu(figures):
    if figures:
        parts = ", ".join(f"{part} {ms}" for part, ms in figures.items() if part != "total")
        print(f"  CPU per order (ms): {parts}; total {figures['total']}")


def gunicorn_argv(app, port, args):
    """gunicorn serving ``app`` as the bench runs the store: ``--workers`` sync workers."""
    return [
        str(BIN / "gunicorn"),
        app,
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(args.workers),
        "--worker-class",
        "sync",
        "--backlog",
        "2048",
        "--timeout",
        "60",
    ]


# The issue's "trivial Django view with persistent connections" on the machine it measured on.
ISSUE_TRIVIAL_VIEW = 5900


def calibrate(procs, env, args, ceiling):
    """Bare Django (``bench/bare_django.py``) on the same gunicorn and load as the pages: how this
    machine compares with the one the issue's figures come from, and what the store's
    middleware costs a request (its ``/healthz`` beside this)."""
    port = free_port()
    proc = procs.start(
        "bare_django", gunicorn_argv("bench.bare_django:application", port, args), env, port
    )
    try:
        figures = asyncio.run(page_speed(f"http://127.0.0.1:{port}/trivial", args))
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    rate = figures["requests_per_second"] or 1
    figures["machine_vs_issue"] = round(rate / ISSUE_TRIVIAL_VIEW, 3)
    figures["store_ceiling_vs_bare"] = round(ceiling / rate, 3)
    return figures


def warm_up(base, data, env, limit=120):
    """Before the first measured run: the Celery worker answers (the store's ``/readyz`` pings
    it) and every gunicorn worker has loaded its templates, so that starting up is not counted
    as the sale's time and CPU."""
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + limit
    while True:
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=5) as answer:  # noqa: S310
                if answer.status == 200:
                    break
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            raise SystemExit("the store was not ready (database, Redis, Celery): see /readyz")
        time.sleep(0.5)
    for _round in range(10):  # the requests spread over the workers
        for path in (
            "/",
            data["category_url"],
            data["product_url"],
            f"/live/{data['session_id']}/",
        ):
            with urllib.request.urlopen(base + path, timeout=30) as answer:  # noqa: S310
                answer.read()
    wait_for_celery(env, settle=1)


def wait_for_celery(env, limit=300, settle=0) -> float:
    """Until the worker has taken every queued task (the sale's order emails), so that the page
    figures are not measured beside it, and ``settle`` s more for the last ones it took to finish;
    the seconds waited."""
    import redis

    broker = redis.Redis.from_url(env["CELERY_BROKER_URL"])
    started = time.monotonic()
    while broker.llen(env["CELERY_QUEUE"]) and time.monotonic() - started < limit:
        time.sleep(0.5)
    time.sleep(settle)
    return time.monotonic() - started


def set_last_units(data, units):
    from django.db.models import F
    from oscar.core.loading import get_model

    StockRecord = get_model("partner", "StockRecord")
    StockRecord.objects.filter(product_id=data["product_id"]).update(
        num_in_stock=F("num_allocated") + units
    )
    return StockRecord.objects.get(product_id=data["product_id"]).num_in_stock


def sale_outcome(data):
    from django.db.models import Count, Sum
    from oscar.core.loading import get_model

    from orders.payments.models import PaymentIntentRecord

    Line = get_model("order", "Line")
    StockRecord = get_model("partner", "StockRecord")
    record = StockRecord.objects.get(product_id=data["product_id"])
    lines = Line.objects.filter(product_id=data["product_id"], order_id__gt=data["orders_before"])
    sold = lines.aggregate(units=Sum("quantity"))["units"] or 0
    orders = lines.values("order_id").distinct().count()
    per_order = (
        PaymentIntentRecord.objects.filter(
            order__lines__product_id=data["product_id"], order_id__gt=data["orders_before"]
        )
        .values("order_id")
        .annotate(n=Count("pk"))
    )
    with_intent = per_order.count()
    stock = record.num_in_stock
    return {
        "stock": stock,
        "units_sold": sold,
        "orders_in_database": orders,
        "oversold_units": max(0, sold - stock),
        "orders_without_payment_intent": orders - with_intent,
        "orders_with_two_intents": per_order.filter(n__gt=1).count(),
        "final_stock_record": {
            "num_in_stock": record.num_in_stock,
            "num_allocated": record.num_allocated,
        },
    }


def tests_database_url(url):
    """The bench database's URL with "_tests" added to the database's name."""
    from urllib.parse import urlparse

    parts = urlparse(url)
    return parts._replace(path=parts.path.rstrip("/") + "_tests").geturl()


def tests_under_load(base, data, args, test_env, limit=1200):
    """Run ``TESTS_UNDER_LOAD`` while the flash sale goes on at full speed (in 10 s rounds until
    pytest is done, stock and quota topped up before each round; pytest is stopped after
    ``limit`` s). Their test database is made first, before the load: it is their setup, not what
    is tested."""
    from django.db.models import F

    from livestream.models import SessionProduct

    def top_up():  # units to sell in the next round, whatever the last one sold
        set_last_units(data, args.stock)
        SessionProduct.objects.filter(pk=data["item_id"]).update(quota=F("quota_used") + args.stock)

    log = ROOT / "var" / "bench" / "tests_under_load.log"
    pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    with open(log, "w") as out:
        subprocess.run(  # creates the test database (a quick test of the same files)
            [*pytest, "--create-db", "-k", "database_refuses", TESTS_UNDER_LOAD[0]],
            cwd=ROOT,
            env=test_env,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        )
        started = time.monotonic()
        proc = subprocess.Popen(
            [*pytest, "--reuse-db", *TESTS_UNDER_LOAD],
            cwd=ROOT,
            env=test_env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        orders, errors, samples = 0, 0, []
        while proc.poll() is None:
            if time.monotonic() - started > limit:
                proc.kill()
                proc.wait()
                out.write(f"\nStopped by the bench after {limit} s\n")
                break
            top_up()
            chunk = asyncio.run(flash_sale(base, data, 10))
            orders, errors = orders + chunk["orders"], errors + chunk["errors"]
            samples.extend(chunk["error_samples"][: 5 - len(samples)])
        seconds = time.monotonic() - started
    lines = [
        line for line in log.read_text().splitlines() if re.search(r"\d+ (passed|failed)", line)
    ]
    summary_line = lines[-1].strip("= ") if lines else "no pytest summary (see the log)"
    counts = {
        kind: int(n) for n, kind in re.findall(r"(\d+) (passed|failed|error|skipped)", summary_line)
    }
    return {
        "tests": TESTS_UNDER_LOAD,
        "returncode": proc.returncode,
        "summary": summary_line,
        "passed": counts.get("passed", 0),
        "failed": counts.get("failed", 0) + counts.get("error", 0),  # "error" or "errors"
        "skipped": counts.get("skipped", 0),
        "seconds": round(seconds, 1),
        "sale_orders": orders,
        "sale_orders_per_second": round(orders / seconds, 1) if seconds else 0,
        "errors": errors,
        "error_samples": samples,
        "database": sale_outcome(data),
        "log": str(log.relative_to(ROOT)),
    }


def query_counts(data, pages):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    def count(client, method, url, **kwargs):
        with CaptureQueriesContext(connection) as ctx:
            response = getattr(client, method)(url, **kwargs)
        assert response.status_code in (200, 302), (url, response.status_code)
        return len(ctx.captured_queries)

    from shop.pagecache import bump

    anonymous = Client()
    for url in pages.values():  # thumbnails made, fragments cached: the steady state
        anonymous.get(url)
    bump()  # the first request of each page renders it afresh
    figures = {}
    for name, url in pages.items():
        cold = count(anonymous, "get", url)
        figures[name] = {"rendered": cold, "from_page_cache": count(anonymous, "get", url)}
    signed_in = Client()
    signed_in.cookies["sessionid"] = data["buyers"][-1]
    bump()
    for name, url in pages.items():
        figures[name]["signed_in"] = count(signed_in, "get", url)
        figures[name]["signed_in_again"] = count(signed_in, "get", url)  # the shared live room
    # a guest with a basket (the checkout's product): pages shared between guests, each with
    # their own basket in the header; the second guest is served the first one's render
    guests = [Client(), Client()]
    for guest in guests:
        guest.post(f"/basket/add/{data['checkout_product_id']}/", {"quantity": 1})
        guest.get("/basket/")  # the "added to your basket" message, shown
    bump()
    for name, url in pages.items():
        figures[name]["guest"] = count(guests[0], "get", url)
        figures[name]["guest_served"] = count(guests[1], "get", url)
    buy = f"/live/{data['session_id']}/buy/{data['item_id']}/"
    # units to buy, whatever the sale left, above the low-stock threshold: a typical order (one
    # that leaves the stock low also raises the alert, after commit: 5 queries more)
    from oscar.core.loading import get_model

    threshold = (
        get_model("partner", "StockRecord")
        .objects.filter(product_id=data["product_id"])
        .values_list("low_stock_threshold", flat=True)
        .first()
    )
    set_last_units(data, (threshold or 0) + 6)
    # the sale's typical tap: its "no other offer" answer is cached (the first tap after a bump
    # adds its 2 queries: the offers, and when the next one starts)
    signed_in.post(buy, data={"submission_token": str(uuid.uuid4())})
    figures["live_buy_now_order"] = count(
        signed_in, "post", buy, data={"submission_token": str(uuid.uuid4())}
    )
    figures["standard_checkout_order"] = checkout_queries(data)
    return figures


def checkout_queries(data):
    """The standard checkout's requests, as the bench's guests make them (redirects followed),
    with the SQL queries of each: {"requests": [[method, path, queries], ...], "total": n}."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    guest = Client()
    steps = []

    def request(method, url, data=None, **headers):
        while True:
            with CaptureQueriesContext(connection) as ctx:
                response = getattr(guest, method)(url, data or {}, headers=headers)
            steps.append([method.upper(), url, len(ctx.captured_queries)])
            assert response.status_code in (200, 302), (url, response.status_code)
            if response.status_code != 302:
                return response
            method, url, data, headers = "get", response.url, None, {}

    request("get", data["checkout_product_url"])
    page = request("post", f"/checkout/buy/{data['checkout_product_id']}/", {"quantity": 1})
    token = TOKEN_RE.search(page.content.decode()).group(1)
    answers = {"email": "counted@bench.example", **CHECKOUT_ADDRESS}
    request("post", "/checkout/", {"action": "place_order", "submission_token": token, **answers})
    return {"requests": steps, "total": sum(n for _, _, n in steps)}


def orders_paid(data):
    from oscar.core.loading import get_model

    from orders import statuses

    Order = get_model("order", "Order")
    return Order.objects.filter(
        lines__product_id=data["product_id"],
        pk__gt=data["orders_before"],
        status__in=statuses.PAID_STATUSES,
    ).count()


# --- Main ------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--celery-concurrency", type=int, default=2)
    parser.add_argument("--celery-pool", default="prefork", help="prefork, threads or solo")
    parser.add_argument("--buyers", type=int, default=200)
    parser.add_argument("--stock", type=int, default=25000)
    parser.add_argument("--duration", type=float, default=120, help="flash sale length (s)")
    parser.add_argument("--last-units", type=int, default=300, help="sell-out phase stock")
    parser.add_argument("--rate", type=float, default=0, help="paced phase (default 80%% of max)")
    parser.add_argument("--paced-duration", type=float, default=60)
    parser.add_argument("--checkout-buyers", type=int, default=64)
    parser.add_argument("--checkout-duration", type=float, default=60)
    parser.add_argument(
        "--checkout-rate", type=float, default=0, help="paced checkout (default 80%% of max)"
    )
    parser.add_argument("--page-seconds", type=float, default=10)
    parser.add_argument("--page-concurrency", type=int, default=32)
    parser.add_argument("--webhook-concurrency", type=int, default=32)
    parser.add_argument(
        "--skip", action="append", default=[], help="sale/tests/checkout/pages/webhooks"
    )
    parser.add_argument("--output", default=str(ROOT / "var" / "bench" / "flash_sale.json"))
    args = parser.parse_args()
    (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)

    stripe_port, web_port = free_port(), free_port()
    test_env = {  # for the tests run under load: the caller's environment, a database of their own
        **os.environ,
        "DATABASE_URL": tests_database_url(args.database_url),
        "CI": "1",  # a service the tests need and cannot reach fails them instead of skipping
    }
    env = {**os.environ, **bench_environment(args, stripe_port, redis_db=5)}
    os.environ.update(env)
    flush_redis(env)
    print(f"Preparing {args.database_url} (migrate, demo data, {args.buyers} buyers)…", flush=True)
    recreate_database(args.database_url)
    import django

    django.setup()
    from django.db import connections

    data = prepare_store(args)
    connections.close_all()

    procs = Processes(ROOT / "var" / "bench")
    results = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "postgresql": None,
        },
        "settings": {
            "gunicorn_workers": args.workers,
            "celery_concurrency": args.celery_concurrency,
            "celery_pool": args.celery_pool,
            "stripe": "canned in-memory Stripe API (bench/canned_stripe.py), not localstripe",
        },
    }
    with connections["default"].cursor() as cursor:
        cursor.execute("SHOW server_version")
        results["machine"]["postgresql"] = cursor.fetchone()[0]
    connections.close_all()
    try:
        procs.start(
            "canned_stripe",
            [sys.executable, "bench/canned_stripe.py", "--port", str(stripe_port)],
            env,
            ready_port=stripe_port,
        )
        procs.start(
            "gunicorn", gunicorn_argv("shop.wsgi:application", web_port, args), env, web_port
        )
        procs.start(
            "celery",
            [
                str(BIN / "celery"),
                "-A",
                "shop",
                "worker",
                "--concurrency",
                str(args.celery_concurrency),
                "--pool",
                args.celery_pool,
                "--loglevel",
                "WARNING",
            ],
            env,
        )
        base = f"http://127.0.0.1:{web_port}"
        pages = {
            "home": "/",
            "category": data["category_url"],
            "product": data["product_url"],
            "live_room": f"/live/{data['session_id']}/",
            "trivial_view_healthz": "/healthz",
        }
        if "sale" not in args.skip:
            print(
                f"Flash sale: {args.buyers} buyers, {args.stock} units of {data['product_title']}…",
                flush=True,
            )
            warm_up(base, data, env)
            # as fast as answered
            sale = with_cpu(procs, env, flash_sale(base, data, args.duration))
            sale["database"] = sale_outcome(data)
            results["flash_sale_buy_now"] = sale
            report_sale("buy now", sale)
            # The same sale at a pace the store keeps up with (buyers who watch between taps):
            # the latency a buyer sees when the store is not saturated.
            rate = args.rate or max(1.0, round(0.8 * sale["orders_per_second"], 1))
            print(f"Paced: {rate} taps/s offered for {args.paced_duration:.0f} s…", flush=True)
            paced = asyncio.run(flash_sale(base, data, args.paced_duration, rate=rate))
            paced["database"] = sale_outcome(data)
            results["flash_sale_paced"] = paced
            report_sale(f"paced at {rate}/s", paced)
            if "tests" not in args.skip:
                print(
                    f"Oversell and idempotency tests under load (the sale at full speed): "
                    f"{', '.join(TESTS_UNDER_LOAD)}…",
                    flush=True,
                )
                results["tests_under_load"] = tests_under_load(base, data, args, test_env)
                report_tests(results["tests_under_load"])
            # The last units: stock set to what is held + --last-units, every tap sent twice.
            last = set_last_units(data, args.last_units)
            print(f"Sell-out: the last {args.last_units} units, every tap doubled…", flush=True)
            sellout = asyncio.run(flash_sale(base, data, 120, double_tap=True))
            sellout["database"] = sale_outcome(data)
            sellout["units_offered"] = args.last_units
            sellout["stock_before"] = last
            results["sell_out_double_taps"] = sellout
            report_sale("sell-out", sellout)
        if "checkout" not in args.skip:
            print(f"Standard checkout: {args.checkout_buyers} guests…", flush=True)
            checkout = with_cpu(procs, env, standard_checkout(base, data, args))
            results["standard_checkout"] = checkout
            report_checkout("standard checkout", checkout)
            # Paced, as the sale is: the place-order latency a guest sees when the store keeps up.
            rate = args.checkout_rate or max(0.5, round(0.8 * checkout["orders_per_second"], 1))
            print(f"Checkout paced: {rate} guests/s for {args.paced_duration:.0f} s…", flush=True)
            paced = asyncio.run(standard_checkout(base, data, args, args.paced_duration, rate))
            results["standard_checkout_paced"] = paced
            report_checkout(f"paced at {rate}/s", paced)
        if "pages" not in args.skip:
            waited = wait_for_celery(env)
            print(
                f"Pages: {args.page_concurrency} clients, {args.page_seconds} s each (after "
                f"{waited:.0f} s for the Celery queue to empty)…"
            )
            speeds = {}
            for name, url in pages.items():
                speeds[name] = asyncio.run(page_speed(base + url, args))
            ceiling = speeds["trivial_view_healthz"]["requests_per_second"] or 1
            for figures in speeds.values():
                figures["ratio_to_ceiling"] = round(figures["requests_per_second"] / ceiling, 3)
            results["pages"] = speeds
            report_pages(speeds)
            try:
                results["calibration"] = calibrate(procs, env, args, ceiling)
            except (SystemExit, subprocess.TimeoutExpired, OSError) as failure:
                results["calibration"] = {"error": str(failure) or failure.__class__.__name__}
            report_calibration(results["calibration"])
        results["sql_queries"] = query_counts(data, pages)
        report_queries(results["sql_queries"])
        if "webhooks" not in args.skip and "sale" not in args.skip:
            results["webhooks"] = run_webhooks(base, data, args, stripe_port)
            report_webhooks(results["webhooks"])
    finally:
        procs.stop()
    Path(args.output).write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"\nFigures written to {args.output}")
    failed = []
    for name in ("flash_sale_buy_now", "flash_sale_paced", "sell_out_double_taps"):
        sale = results.get(name)
        if sale and (sale["database"]["oversold_units"] or sale["errors"]):
            failed.append(f"{name}: oversold or errors")
        if sale and sale.get("double_taps_split_into_two_orders"):
            failed.append(f"{name}: a double tap made two orders")
        if sale and sale.get("double_taps_answered_differently"):
            failed.append(f"{name}: a double tap's two answers differed")
    under_load = results.get("tests_under_load")
    if under_load and (
        under_load["returncode"]
        or under_load["failed"]
        or under_load["skipped"]
        or not under_load["passed"]
    ):
        failed.append(f"tests under load: {under_load['summary']} ({under_load['log']})")
    if under_load and (under_load["database"]["oversold_units"] or under_load["errors"]):
        failed.append("the sale beside the tests: oversold or errors")
    if failed:
        raise SystemExit("; ".join(failed))


def run_webhooks(base, data, args, stripe_port):
    import urllib.request

    from orders.payments.models import PaymentIntentRecord

    ids = list(
        PaymentIntentRecord.objects.filter(
            order__lines__product_id=data["product_id"], order_id__gt=data["orders_before"]
        ).values_list("intent_id", flat=True)
    )
    request = urllib.request.Request(
        f"http://127.0.0.1:{stripe_port}/_bench/paid", data="\n".join(ids).encode()
    )
    urllib.request.urlopen(request, timeout=60).read()
    print(f"Webhooks: {len(ids)} payment_intent.succeeded in a burst…", flush=True)
    started, figures = asyncio.run(webhook_burst(base, args, ids))
    deadline = time.monotonic() + max(600, len(ids) / 5)
    paid = 0
    while time.monotonic() < deadline:
        paid = orders_paid(data)
        if paid >= len(ids):
            break
        time.sleep(0.5)
    drained = time.monotonic() - started
    figures.update(
        orders_paid=paid,
        drain_seconds=round(drained, 1),
        drained_per_second=round(paid / drained, 1) if drained else 0,
    )
    return figures


def report_sale(name, sale):
    db = sale["database"]
    print(
        f"  {name}: {sale['orders']} orders in {sale['seconds']} s = "
        f"{sale['orders_per_second']} orders/s; order step p50 {sale['order_step']['p50_ms']} ms, "
        f"p99 {sale['order_step']['p99_ms']} ms; journey p50 {sale['journey']['p50_ms']} ms, "
        f"p99 {sale['journey']['p99_ms']} ms\n"
        f"  rejections {sale['rejections']}, errors {sale['errors']}, oversold "
        f"{db['oversold_units']} (sold {db['units_sold']} of {db['stock']}), final stock record "
        f"{db['final_stock_record']}, orders without a PaymentIntent "
        f"{db['orders_without_payment_intent']}"
    )
    report_cpu(sale.get("cpu_ms_per_order"))
    if "double_taps_split_into_two_orders" in sale:
        print(
            f"  double taps that made two orders: {sale['double_taps_split_into_two_orders']}, "
            f"answered differently: {sale['double_taps_answered_differently']}"
        )
    for sample in sale["error_samples"]:
        print("    error:", sample)


def report_tests(figures):
    db = figures["database"]
    print(
        f"  tests: {figures['summary']} (exit {figures['returncode']}) in {figures['seconds']} s;"
        f" meanwhile the sale placed {figures['sale_orders']} orders "
        f"({figures['sale_orders_per_second']}/s), errors {figures['errors']}, oversold "
        f"{db['oversold_units']}; pytest's output: {figures['log']}"
    )
    for sample in figures["error_samples"]:
        print("    error:", sample)


def report_checkout(name, checkout):
    print(
        f"  {name}: {checkout['orders']} orders in {checkout['seconds']} s = "
        f"{checkout['orders_per_second']} orders/s; place order p50 "
        f"{checkout['place_order_step']['p50_ms']} ms, p99 "
        f"{checkout['place_order_step']['p99_ms']} ms; journey p50 "
        f"{checkout['journey']['p50_ms']} ms, p99 {checkout['journey']['p99_ms']} ms; errors "
        f"{checkout['errors']}"
    )
    report_cpu(checkout.get("cpu_ms_per_order"))
    for sample in checkout["error_samples"]:
        print("    error:", sample)


def report_pages(speeds):
    for name, figures in speeds.items():
        print(
            f"  {name:22} {figures['requests_per_second']:8.1f} req/s  p50 "
            f"{figures['p50_ms']} ms  p99 {figures['p99_ms']} ms  "
            f"{figures['ratio_to_ceiling']:.2f}× ceiling  errors {figures['errors']}"
        )


def report_calibration(figures):
    if "error" in figures:
        print(f"  bare Django (bench/bare_django.py): not measured: {figures['error']}")
        return
    print(
        f"  bare Django (bench/bare_django.py: no middleware, SELECT 1): "
        f"{figures['requests_per_second']:.1f} req/s, p99 {figures['p99_ms']} ms; the issue's "
        f"machine ≈ {ISSUE_TRIVIAL_VIEW:,} req/s, so this one runs at "
        f"{figures['machine_vs_issue']:.2f}× it; the store's /healthz is "
        f"{figures['store_ceiling_vs_bare']:.2f}× bare Django"
    )


def report_queries(counts):
    print(
        "SQL queries (anonymous: rendered / from the page cache; signed in: rendered / again, "
        "which for the live room is the page shared between signed-in buyers; a guest with a "
        "basket: rendered / another guest served it):"
    )
    for name, figures in counts.items():
        if name == "standard_checkout_order":
            print(f"  {name:22} {figures['total']} in {len(figures['requests'])} requests:")
            for method, path, queries in figures["requests"]:
                print(f"    {method:4} {path:40} {queries:3}")
        elif isinstance(figures, dict):
            print(
                f"  {name:22} {figures['rendered']:3} / {figures['from_page_cache']:3};"
                f" {figures['signed_in']:3} / {figures['signed_in_again']:3};"
                f" {figures['guest']:3} / {figures['guest_served']:3}"
            )
        else:
            print(f"  {name:22} {figures}")


def report_webhooks(figures):
    print(
        f"  webhooks: {figures['sent']} sent in {figures['send_seconds']} s = "
        f"{figures['requests_per_second']}/s, p50 {figures['p50_ms']} ms, p99 "
        f"{figures['p99_ms']} ms, errors {figures['errors']}; drained (orders paid "
        f"{figures['orders_paid']}) in {figures['drain_seconds']} s = "
        f"{figures['drained_per_second']}/s"
    )


if __name__ == "__main__":
    main()
