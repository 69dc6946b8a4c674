"""Benchmark: Google Lighthouse (mobile) on the store's main pages, served as in production.

    make lighthouse                                   # every page 3 times, the median kept
    make lighthouse LIGHTHOUSE_ARGS="--runs 1"        # a quicker look
    .venv/bin/python bench/lighthouse.py --pages product,checkout --top 8

Starts what it measures, on this machine, from nothing: a throwaway SQLite database
(var/lighthouse/db.sqlite3, made anew each run) migrated and loaded with the demo, static files
collected into var/lighthouse/static (WhiteNoise's manifest storage: hashed names, gzip), media
(the demo's product pictures) in var/lighthouse/media; **gunicorn** with deploy/gunicorn.conf.py
(``WEB_CONCURRENCY`` sync workers) and production settings (``DEBUG`` off, a generated
``SECRET_KEY`` and field keys, Stripe keys that are not the demo's, a mail server URL: whatever
shop/checks.py refuses is satisfied, and ``check --deploy`` runs first); and **nginx** in front
as deploy/nginx/jingmeng.conf has it (gzip for pages, /static/ with gzip_static and a year's
caching, /media/ for a week, the X-Forwarded-* headers), on plain http on 127.0.0.1.

Plain http: production redirects http to https and sets Secure cookies. The bench turns those
off with the settings that exist for it (``SECURE_SSL_REDIRECT``, ``SESSION_COOKIE_SECURE``,
``CSRF_COOKIE_SECURE``, docs/configuration.md); HSTS keeps its production value (Django sends it
only over https). Nothing else changes. No Redis: the cache is per process (locmem) and Celery
runs tasks in-process, as the demo does; the figures are the browser's, not the server's.

Then Lighthouse (npm ``lighthouse`` 12.2.3, pinned in bench/lighthouse/package.json and its
lock, installed with ``npm ci --prefix bench/lighthouse``; 13 wants Node 22, Debian 12 has 18)
drives Debian's Chromium (``CHROME_PATH``, default /usr/bin/chromium) in its default mobile
profile (a mid-range phone, simulated slow 4G and 4× CPU slowdown) over: home, a category, a
product, the checkout (a guest with one product in the basket: the guest's cookies, Oscar's
basket cookie among them, go with ``--extra-headers``) and the live room of the demo's session
that is live now. It prints the four scores per page beside the targets, the median of each
over the pages, and for every score under its target the audits that cost the most (the
elements, and for contrast the colours); each report is kept as JSON in var/lighthouse/ (open
one in Lighthouse's online viewer to see it whole) with var/lighthouse/summary.json.

A benchmark, not a test: it exits 0 whatever the scores, non-zero only if it could not measure.
"""

import argparse
import http.cookiejar
import io
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from bench.processes import Processes  # noqa: E402

OUT = ROOT / "var" / "lighthouse"
LIGHTHOUSE = ROOT / "bench" / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
PAGES = ("home", "category", "product", "checkout", "live")
CATEGORIES = {  # Lighthouse's id: (column, target)
    "performance": ("performance", 90),
    "accessibility": ("accessibility", 95),
    "best-practices": ("best practices", 95),
    "seo": ("SEO", 90),
}
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu"
# Audits that say nothing is wrong, or that a person has to judge: never listed as failing.
NOT_FAILURES = {"notApplicable", "manual", "informative", "error"}


def free_port() -> int:
    """A free port, never 8000-8002 (the demo's and the other engineers' servers)."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port not in (8000, 8001, 8002):
            return port


# --- Setup -----------------------------------------------------------------------------------


def bench_environment(args) -> dict:
    """Production settings (shop/settings.py), with fresh secrets, on plain http on localhost."""
    env = {
        key: value
        for key, value in os.environ.items()
        # Self-contained: none of the caller's services or stores (a developer's exported
        # PostgreSQL, Redis or bucket is not this bench's).
        if key
        not in {
            "DATABASE_URL",
            "REDIS_URL",
            "CELERY_BROKER_URL",
            "CELERY_RESULT_BACKEND",
            "AWS_STORAGE_BUCKET_NAME",
            "DEBUG",
            "TESTING",
        }
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "shop.settings",
            "DEBUG": "false",
            "DATABASE_URL": f"sqlite:///{OUT / 'db.sqlite3'}",
            "STATIC_ROOT": str(OUT / "static"),
            "MEDIA_ROOT": str(OUT / "media"),
            "PRIVATE_STORAGE_ROOT": str(OUT / "private"),
            # Generated for this run: shop/checks.py refuses the demo defaults.
            "SECRET_KEY": secrets.token_urlsafe(50),
            "FIELD_ENCRYPTION_KEY": secrets.token_urlsafe(32),
            "FIELD_HASH_KEY": secrets.token_urlsafe(32),
            "STRIPE_SECRET_KEY": "sk_test_lighthouse_" + secrets.token_hex(12),
            "STRIPE_PUBLISHABLE_KEY": "pk_test_lighthouse_" + secrets.token_hex(12),
            "STRIPE_WEBHOOK_SECRET": "whsec_lighthouse_" + secrets.token_hex(12),
            # A mail server (check --deploy refuses console, file, memory and dummy backends); on
            # a loopback port where nothing listens: the pages measured send no email.
            "EMAIL_URL": f"smtp://127.0.0.1:{args.mail_port}",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            # Plain http on localhost: the existing switches (docs/configuration.md).
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "TRUSTED_PROXY_COUNT": "1",  # behind nginx, as deploy/env.example says
            "LOG_LEVEL": "WARNING",
        }
    )
    return env


def deploy_check(env) -> list[str]:
    """``manage.py check --deploy`` as deploy/bin/release runs it; the warnings' ids (plain http
    is expected to give security.W008, W012 and W016). Errors stop the bench."""
    done = subprocess.run(
        [str(BIN / "python"), "manage.py", "check", "--deploy", "--fail-level", "ERROR"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"check --deploy failed:\n{done.stdout}{done.stderr}")
    found = []
    for line in (done.stdout + done.stderr).splitlines():
        if line.startswith("?: (") and ")" in line:
            found.append(line[4 : line.index(")")])
    return found


def prepare_store() -> dict:
    """Migrate, load the demo, collect static files; the pages' paths."""
    from django.core.management import call_command
    from django.test import override_settings
    from django.urls import reverse
    from oscar.core.loading import get_model

    from livestream.models import LiveSession

    call_command("migrate", verbosity=0)
    # The demo's 150 orders queue their emails: kept in memory here (the served store has its
    # mail server URL, and the pages measured send no email).
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        call_command("load_demo", verbosity=0, stdout=io.StringIO())  # not its sign-ins
    call_command("collectstatic", verbosity=0, interactive=False)
    Product = get_model("catalogue", "Product")
    Category = get_model("catalogue", "Category")

    category = Category.objects.filter(depth=1).order_by("path").first()
    # A product as most are: standalone, in stock, with its picture (the demo's first such).
    product = (
        Product.objects.filter(
            structure="standalone",
            stockrecords__num_in_stock__gt=0,
            images__isnull=False,
            is_public=True,
        )
        .order_by("pk")
        .first()
    )
    live = LiveSession.objects.filter(status=LiveSession.Status.LIVE).order_by("pk").first()
    if not (category and product and live):
        raise SystemExit("the demo has no category, product or live session to measure")
    return {
        "paths": {
            "home": "/",
            "category": category.get_absolute_url(),
            "product": product.get_absolute_url(),
            "checkout": reverse("checkout:index"),
            "live": reverse("livestream:detail", args=[live.pk]),
        },
        "product_id": product.pk,
        "product_title": product.title,
        "live_title": live.title,
    }


NGINX_CONF = """\
# Generated by bench/lighthouse.py: deploy/nginx/jingmeng.conf's server, on plain http.
{user}
worker_processes 1;
daemon off;
pid {out}/nginx/nginx.pid;
error_log {out}/nginx/error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    access_log {out}/nginx/access.log;
    client_body_temp_path {out}/nginx/tmp/body;
    proxy_temp_path {out}/nginx/tmp/proxy;
    fastcgi_temp_path {out}/nginx/tmp/fastcgi;
    uwsgi_temp_path {out}/nginx/tmp/uwsgi;
    scgi_temp_path {out}/nginx/tmp/scgi;

    upstream jingmeng_web {{
        server 127.0.0.1:{web_port};
        keepalive 32;
    }}
    server {{
        listen 127.0.0.1:{port};
        server_name localhost 127.0.0.1;
        client_max_body_size 10m;

        gzip on;
        gzip_types text/css application/javascript application/json image/svg+xml;
        gzip_min_length 1024;

        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header X-Request-ID $request_id;
        proxy_connect_timeout 5s;
        proxy_read_timeout 65s;
        proxy_redirect off;

        location /static/ {{
            alias {static}/;
            gzip_static on;
            expires 1y;
            add_header Cache-Control "public, max-age=31536000, immutable";
            access_log off;
        }}
        location /media/ {{
            alias {media}/;
            expires 7d;
            add_header Cache-Control "public, max-age=604800";
            add_header X-Content-Type-Options nosniff;
            access_log off;
        }}
        location / {{
            proxy_pass http://jingmeng_web;
        }}
    }}
}}
"""


def nginx_config(port, web_port) -> Path:
    folder = OUT / "nginx"
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / "tmp" / sub).mkdir(parents=True, exist_ok=True)
    # As root nginx's workers would drop to "nobody", who may not read the project's var/.
    user = "user root root;" if os.geteuid() == 0 else ""
    conf = folder / "nginx.conf"
    conf.write_text(
        NGINX_CONF.format(
            user=user,
            out=OUT,
            port=port,
            web_port=web_port,
            static=OUT / "static",
            media=OUT / "media",
        )
    )
    return conf


def fetch(opener, url, data=None, timeout=30):
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with opener.open(url, data=body, timeout=timeout) as answer:  # noqa: S310 (our own server)
        return answer.status, answer.geturl(), answer.read()


def warm_up(base, paths, rounds=6):
    """Every gunicorn worker has loaded its templates and the thumbnails exist before the first
    measured load (the first visit to a page makes its pictures' thumbnails)."""
    opener = urllib.request.build_opener()
    for _round in range(rounds):
        for name, path in paths.items():
            if name != "checkout":
                fetch(opener, base + path)


def guest_with_basket(base, data) -> dict:
    """A guest with the product in the basket, as a phone gets there: the product page (CSRF
    cookie), then 加入购物车 (POST /basket/add/<pk>/: Oscar's open-basket cookie, and the
    session). Their cookies, for Lighthouse's requests."""
    from django.conf import settings

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    fetch(opener, base + data["paths"]["product"])
    cookies = {cookie.name: cookie.value for cookie in jar}
    if "csrftoken" not in cookies:
        raise SystemExit("the product page set no csrftoken cookie")
    opener.addheaders = [("Referer", base + data["paths"]["product"])]
    fetch(
        opener,
        f"{base}/basket/add/{data['product_id']}/",
        {"csrfmiddlewaretoken": cookies["csrftoken"], "quantity": "1"},
    )
    cookies = {cookie.name: cookie.value for cookie in jar}
    if settings.OSCAR_BASKET_COOKIE_OPEN not in cookies:
        raise SystemExit(f"adding to the basket set no basket cookie (cookies: {sorted(cookies)})")
    status, final, _body = fetch(opener, base + data["paths"]["checkout"])
    if status != 200 or urllib.parse.urlparse(final).path != data["paths"]["checkout"]:
        raise SystemExit(f"the guest's checkout answered {status} at {final}, not the checkout")
    return {"Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items())}


# --- Lighthouse ------------------------------------------------------------------------------


def run_lighthouse(url, report, chrome_path, headers_file=None, timeout=240, attempts=3) -> dict:
    argv = [
        str(LIGHTHOUSE),
        url,
        f"--chrome-flags={CHROME_FLAGS}",
        "--only-categories=performance,accessibility,best-practices,seo",
        "--output=json",
        f"--output-path={report}",
        "--quiet",
    ]
    if headers_file:
        argv.append(f"--extra-headers={headers_file}")
    # Lighthouse now and then fails to record a load ("NO_NAVSTART", "PROTOCOL_TIMEOUT"), more
    # often on a busy 2-core machine: such a run is tried again, up to ``attempts`` times.
    problem = ""
    for _attempt in range(attempts):
        report.unlink(missing_ok=True)
        try:
            done = subprocess.run(
                argv,
                cwd=ROOT,
                env={**os.environ, "CHROME_PATH": chrome_path},
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            problem = f"no report after {timeout} s"
            continue
        if done.returncode or not report.exists():
            problem = (done.stdout[-1500:] + done.stderr[-1500:]).strip()
        elif (lhr := json.loads(report.read_text())).get("runtimeError"):
            problem = lhr["runtimeError"].get("message", "runtime error")
        else:
            return lhr
        print(f"  Lighthouse failed ({problem.splitlines()[-1] if problem else '?'}); again")
    raise SystemExit(f"lighthouse failed on {url} {attempts} times:\n{problem}")


def scores(lhr) -> dict:
    return {
        key: None
        if lhr["categories"][key]["score"] is None
        else round(lhr["categories"][key]["score"] * 100)
        for key in CATEGORIES
    }


def failing_audits(lhr, category, top) -> list[dict]:
    """The category's audits that did not pass, those that cost the score most first (weight ×
    what was lost), then the unweighted ones (performance's opportunities and insights) by
    their score."""
    found = []
    for ref in lhr["categories"][category]["auditRefs"]:
        audit = lhr["audits"].get(ref["id"])
        if not audit or audit.get("scoreDisplayMode") in NOT_FAILURES:
            continue
        score = audit.get("score")
        if score is None or score >= 0.9:
            continue
        found.append(
            {
                "id": audit["id"],
                "title": audit["title"],
                "score": round(score, 2),
                "displayValue": audit.get("displayValue", ""),
                "weight": ref.get("weight", 0),
                "items": [
                    item_label(item)
                    for item in (audit.get("details") or {}).get("items", [])[:3]
                    if item_label(item)
                ],
            }
        )
    found.sort(key=lambda a: (-a["weight"] * (1 - a["score"]), a["score"]))
    return found[:top]


def item_label(item) -> str:
    """What an audit's detail row is about: a URL, or an element (its selector, and what is
    wrong with it when the audit says: a contrast ratio and its colours, say)."""
    if not isinstance(item, dict):
        return ""
    node = item.get("node") or {}
    source = item.get("source") if isinstance(item.get("source"), dict) else {}
    label = next(
        (
            value
            for value in (
                item.get("url"),
                source.get("url"),
                node.get("selector"),
                node.get("snippet"),
                item.get("description"),
            )
            if isinstance(value, str) and value
        ),
        "",
    )[:120]
    reasons = [
        line.strip()
        for line in (node.get("explanation") or "").splitlines()[1:]
        if line.strip() and not line.strip().startswith("Fix ")
    ]
    if label and reasons:
        label = f"{label}: {reasons[0][:240]}"
    return label


def median_run(runs):
    """The run whose performance score is the median one (what its audits are read from)."""
    ordered = sorted(runs, key=lambda run: run["scores"]["performance"] or 0)
    return ordered[(len(ordered) - 1) // 2]


# --- Report ----------------------------------------------------------------------------------


def cell(score, target) -> str:
    if score is None:
        return "–"
    return f"{score:>3} {'✓' if score >= target else '✗'}"


def print_table(results):
    widths = [10] + [16] * len(CATEGORIES)
    runs = max(len(page["runs"]) for page in results["pages"].values())

    def line(cells, extra=""):
        text = "  ".join(f"{cell:<{width}}" for cell, width in zip(cells, widths, strict=True))
        print(f"{text}{extra}" if runs > 1 else text.rstrip())

    line(["page", *(column for column, _target in CATEGORIES.values())], "performance by run")
    line(["target", *(f"≥ {target}" for _column, target in CATEGORIES.values())])
    for name, page in results["pages"].items():
        line(
            [name, *(cell(page["scores"][key], t) for key, (_c, t) in CATEGORIES.items())],
            " ".join(str(run["performance"]) for run in page["runs"]),
        )
    median = results["median"]
    line(["median", *(cell(median[key], t) for key, (_c, t) in CATEGORIES.items())])


def print_failures(results):
    for name, page in results["pages"].items():
        under = page["under_target"]
        print(f"\n{name} ({page['url']}), report {page['report']}:")
        if page.get("metrics"):
            print("  metrics: " + ", ".join(f"{k} {v}" for k, v in page["metrics"].items()))
        if not under:
            print("  every score on target")
        for category, audits in under.items():
            column, target = CATEGORIES[category]
            score = page["scores"][category]
            print(f"  {column} {score} (target {target}):")
            for audit in audits:
                value = f" — {audit['displayValue']}" if audit["displayValue"] else ""
                print(f"    {audit['id']} ({audit['score']}): {audit['title']}{value}")
                for label in audit["items"]:
                    print(f"        {label}")
        # On target but not 100: what still costs points, by id (details in the report).
        for category, ids in page["short_of_100"].items():
            print(
                f"  {CATEGORIES[category][0]} {page['scores'][category]}, on target; "
                f"failing: {', '.join(ids)}"
            )


METRICS = {
    "first-contentful-paint": "FCP",
    "largest-contentful-paint": "LCP",
    "total-blocking-time": "TBT",
    "cumulative-layout-shift": "CLS",
    "speed-index": "SI",
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", default=",".join(PAGES), help="comma-separated, of: %(default)s")
    parser.add_argument("--runs", type=int, default=3, help="runs per page (the median kept)")
    parser.add_argument("--top", type=int, default=6, help="failing audits listed per category")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (0: its config's)")
    parser.add_argument("--chrome-path", default=os.environ.get("CHROME_PATH", "/usr/bin/chromium"))
    args = parser.parse_args()
    pages = [name.strip() for name in args.pages.split(",") if name.strip()]
    if unknown := set(pages) - set(PAGES):
        parser.error(f"unknown pages: {', '.join(sorted(unknown))}")
    if not LIGHTHOUSE.exists():
        raise SystemExit("Lighthouse is not installed: npm ci --prefix bench/lighthouse")
    if not Path(args.chrome_path).exists():
        raise SystemExit(f"no Chromium at {args.chrome_path} (scripts/system-deps.sh installs it)")
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "")
    if not nginx:
        raise SystemExit("no nginx (scripts/system-deps.sh installs nginx-light)")

    # Anew each run: the database, static files and media of the last run go.
    for stale in ("db.sqlite3", "db.sqlite3-wal", "db.sqlite3-shm"):
        (OUT / stale).unlink(missing_ok=True)
    for folder in ("static", "media", "private", "nginx"):
        shutil.rmtree(OUT / folder, ignore_errors=True)
    for report in OUT.glob("*.report.json"):
        report.unlink()
    OUT.mkdir(parents=True, exist_ok=True)

    args.mail_port = free_port()
    env = bench_environment(args)
    web_port, port = free_port(), free_port()
    env.update(BIND=f"127.0.0.1:{web_port}", GUNICORN_ACCESS_LOG="")
    if args.workers:
        env["WEB_CONCURRENCY"] = str(args.workers)
    os.environ.update(env)
    print("Preparing var/lighthouse/db.sqlite3 (migrate, demo data, collectstatic)…", flush=True)
    started = time.monotonic()
    import django

    django.setup()
    from django.db import connections

    data = prepare_store()
    connections.close_all()
    warnings = deploy_check(env)
    print(
        f"  ready in {time.monotonic() - started:.0f} s; check --deploy: no errors, warnings "
        f"{', '.join(warnings) or 'none'} (plain http: W008 redirect, W012/W016 Secure cookies)",
        flush=True,
    )

    base = f"http://127.0.0.1:{port}"
    procs = Processes(OUT)
    results = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "lighthouse": None,
        "chromium": subprocess.run(
            [args.chrome_path, "--version"], capture_output=True, text=True, check=False
        ).stdout.strip(),
        "form_factor": "mobile (Lighthouse's default: simulated slow 4G, 4× CPU slowdown)",
        "served": "nginx (deploy/nginx/jingmeng.conf on plain http) → gunicorn "
        "(deploy/gunicorn.conf.py), DEBUG off, WhiteNoise manifest static files",
        "deploy_check_warnings": warnings,
        "targets": {key: target for key, (_column, target) in CATEGORIES.items()},
        "pages": {},
    }
    headers_file = OUT / "checkout-headers.json"
    try:
        procs.start(
            "gunicorn",
            [str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "shop.wsgi:application"],
            env,
            web_port,
        )
        conf = nginx_config(port, web_port)
        procs.start("nginx", [nginx, "-p", str(OUT / "nginx"), "-c", str(conf)], env, port)
        warm_up(base, data["paths"])
        if "checkout" in pages:
            headers_file.write_text(json.dumps(guest_with_basket(base, data)))
            headers_file.chmod(0o600)
        for name in pages:
            url = base + data["paths"][name]
            runs = []
            for number in range(args.runs):
                suffix = f"-{number + 1}" if args.runs > 1 else ""
                report = OUT / f"{name}{suffix}.report.json"
                print(f"Lighthouse: {name} {url} (run {number + 1} of {args.runs})…", flush=True)
                lhr = run_lighthouse(
                    url,
                    report,
                    args.chrome_path,
                    headers_file if name == "checkout" else None,
                )
                final = lhr.get("finalDisplayedUrl") or url
                if urllib.parse.urlparse(final).path != data["paths"][name]:
                    print(f"  note: the page ended at {final}")
                results["lighthouse"] = lhr.get("lighthouseVersion")
                runs.append({"scores": scores(lhr), "report": report, "lhr": lhr})
            chosen = median_run(runs)
            lhr = chosen["lhr"]
            page_scores = {
                key: round(statistics.median(run["scores"][key] or 0 for run in runs))
                for key in CATEGORIES
            }
            results["pages"][name] = {
                "url": data["paths"][name],
                "scores": page_scores,
                "runs": [run["scores"] for run in runs],
                "report": str(chosen["report"].relative_to(ROOT)),
                "metrics": {
                    short: lhr["audits"][audit_id].get("displayValue", "")
                    for audit_id, short in METRICS.items()
                    if audit_id in lhr["audits"]
                },
                # Audits Lighthouse could not run (this Lighthouse with a newer Chromium: its
                # trace's root-cause gatherers); diagnostics, not in the scores when unweighted.
                "audits_in_error": sorted(
                    audit_id
                    for audit_id, audit in lhr["audits"].items()
                    if audit.get("scoreDisplayMode") == "error"
                ),
                "short_of_100": {
                    key: [audit["id"] for audit in failing_audits(lhr, key, args.top)]
                    for key, (_column, target) in CATEGORIES.items()
                    if target <= page_scores[key] < 100 and failing_audits(lhr, key, 1)
                },
                "under_target": {
                    key: failing_audits(lhr, key, args.top)
                    for key, (_column, target) in CATEGORIES.items()
                    if page_scores[key] < target
                },
            }
    finally:
        headers_file.unlink(missing_ok=True)
        procs.stop()

    results["median"] = {
        key: round(statistics.median(page["scores"][key] for page in results["pages"].values()))
        for key in CATEGORIES
    }
    # Lighthouse's mobile figures scale the CPU time it observed (4× slowdown): other work on
    # this machine's 2 cores shows up as blocking time. The load average says how quiet it was.
    results["load_average"] = [round(value, 2) for value in os.getloadavg()]
    print(
        f"\nLighthouse {results['lighthouse']}, {results['chromium']}, mobile; "
        f"{args.runs} run(s) per page; {base}; load average "
        f"{' '.join(str(value) for value in results['load_average'])}\n"
    )
    print_table(results)
    print_failures(results)
    if errored := sorted(
        {a for page in results["pages"].values() for a in page["audits_in_error"]}
    ):
        print(f"\nAudits Lighthouse could not run (not in the scores): {', '.join(errored)}")
    (OUT / "summary.json").write_text(json.dumps(results, ensure_ascii=False, indent=2))
    print("\nReports: var/lighthouse/*.report.json; figures: var/lighthouse/summary.json")


if __name__ == "__main__":
    main()
