"""Smoke test of a production-like deployment, as separate processes (CI runs it).

    .venv/bin/python scripts/smoke.py [--keep-logs DIR]

On a PostgreSQL database of its own (``jingmeng_smoke``, created fresh, dropped at the end) and a
Redis database of its own (``/12``, flushed before and after, with its own Celery queue), with
production settings (DEBUG off, random secrets made for this run, HTTPS as seen through a proxy),
it starts what a deploy starts, each with the scripts in deploy/bin:

  release   deploy/bin/release: migrate, collectstatic, check --deploy (must be clean)
  web       deploy/bin/web: gunicorn with deploy/gunicorn.conf.py, 2 workers, on a free port
  worker    deploy/bin/worker: a Celery worker
  beat      deploy/bin/beat: Celery beat
  stripe    localstripe, through the project's launcher, sending signed webhooks to the store

and, in this script, a small HTTP proxy standing in for nginx (deploy/nginx/jingmeng.conf): it
forwards to gunicorn with ``X-Forwarded-Proto: https``, ``X-Forwarded-For`` and ``X-Request-ID``,
and the body untouched, so the store runs exactly as behind TLS (secure cookies, HSTS, the SSL
redirect on) and localstripe's webhooks arrive the way Stripe's do.

The first run on a PostgreSQL server migrates an empty database and keeps it, migrated and
empty, as a template (``jingmeng_smoke_schema_<hash of the migrations and installed packages>``);
later runs copy it, so release's migrate finds nothing to do (migrating takes a minute on a busy
2-core machine). ``--fresh`` (or SMOKE_FRESH=1) always migrates from empty.

Then the demo data are loaded (``manage.py load_demo``) and the demo consumer buys a product over
HTTP, as a browser does: sign in, add to basket, the one-page checkout with the saved address,
make a card payment method on localstripe with the publishable key (as Stripe.js does), confirm
through the store's payment endpoint, and wait until localstripe's webhook has gone through
gunicorn and the Celery worker has made the order 已付款. ``/healthz`` and ``/readyz`` must
answer 200, and the 订单已付款 email must reach the buyer through SMTP (a mail sink in this script
stands in for the relay). Finally every process gets SIGTERM and must exit within 20 s, with no
traceback and neither the buyer's email address nor the email in its log. Exit status 0 only if
all of that held; on a failure the failing process's log tail is printed. The database and the
Redis database are cleaned up whatever happens.
"""

from __future__ import annotations

import argparse
import contextlib
import email
import email.message
import email.policy
import hashlib
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import metadata
from pathlib import Path
from urllib.parse import urljoin, urlparse

import psycopg
import redis
import requests
from requests.adapters import HTTPAdapter

ROOT = Path(__file__).resolve().parent.parent
CONSUMER = ("consumer@jingmeng.example", "demo-consumer-2026")  # README, shop/demo/data.py
TEST_CARD = "4242424242424242"
STOP_SECONDS = 20
PAID = "已付款"
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TOKEN_RE = re.compile(r'name="submission_token" value="([^"]+)"')
SAVED_ADDRESS_RE = re.compile(r'name="address" value="(\d+)"[^>]*checked')
ADD_RE = re.compile(r'action="(/basket/add/\d+/)"')
PRODUCT_RE = re.compile(r'href="(/catalogue/[^"/]+_\d+/)"')
PK_RE = re.compile(r'data-publishable-key="([^"]+)"')


class SmokeFailure(Exception):
    def __init__(self, message, process=None):
        super().__init__(message)
        self.process = process


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def step(name, timings):
    """A context manager that times one step and prints it."""

    class Step:
        def __enter__(self):
            self.started = time.monotonic()
            print(f"… {name}", flush=True)

        def __exit__(self, kind, value, tb):
            seconds = time.monotonic() - self.started
            timings.append((name, seconds, kind is None))
            print(f"{'ok' if kind is None else 'FAILED'}  {name}: {seconds:.1f} s", flush=True)

    return Step()


# --- Services: PostgreSQL and Redis -----------------------------------------------------------


def service_urls(database: str, redis_db: int) -> tuple[str, str, str]:
    """(admin URL, smoke database URL, Redis URL) on the servers DATABASE_URL / REDIS_URL name."""
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        base = "postgres://postgres@127.0.0.1:5432/postgres"
    parts = urlparse(base)
    admin = parts._replace(path="/postgres").geturl()
    smoke = parts._replace(path=f"/{database}").geturl()
    redis_parts = urlparse(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")
    return admin, smoke, redis_parts._replace(path=f"/{redis_db}").geturl()


def migrations_fingerprint() -> str:
    """What decides the schema: our migrations and every installed package's version."""
    digest = hashlib.sha256()
    for path in sorted(ROOT.glob("*/**/migrations/*.py")):
        if ".venv" not in path.parts:
            digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    for dist in sorted(f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions()):
        digest.update(dist.encode() + b"\n")
    return digest.hexdigest()[:12]


def create_database(admin_url: str, name: str, template: str | None) -> bool:
    """A fresh database ``name``: a copy of the migrated ``template`` when it exists (then
    release's migrate has nothing to do), else empty. True if the template was used."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if template:
            for (stale,) in conn.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s AND datname <> %s",
                (f"{name}_schema_%", template),
            ).fetchall():
                conn.execute(f'DROP DATABASE IF EXISTS "{stale}" WITH (FORCE)')
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (template,)
            ).fetchone()
            if exists:
                conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
                return True
        conn.execute(f'CREATE DATABASE "{name}"')
        return False


def save_template(admin_url: str, name: str, template: str) -> None:
    """Keep the freshly migrated database (no data yet) as the template for the next runs."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{template}"')
        conn.execute(f'CREATE DATABASE "{template}" TEMPLATE "{name}"')


def drop_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- The processes ----------------------------------------------------------------------------


def production_environment(
    work: Path, database_url, redis_url, web_port, stripe_port, mail_port
) -> dict:
    """What /etc/jingmeng/env holds in production (deploy/env.example), with this run's values.
    Built from scratch: nothing of the caller's environment (a test run's TESTING, say) leaks in."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "USER")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    run = uuid.uuid4().hex[:8]
    env.update(
        VENV=sys.prefix,
        DJANGO_SETTINGS_MODULE="shop.settings",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        FIELD_ENCRYPTION_KEY=secrets.token_urlsafe(32),
        FIELD_HASH_KEY=secrets.token_urlsafe(32),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        CELERY_QUEUE=f"jingmeng-smoke-{run}",
        CACHE_KEY_PREFIX=f"jingmeng-smoke-{run}",
        STRIPE_API_BASE=f"http://127.0.0.1:{stripe_port}",
        STRIPE_SECRET_KEY=f"sk_test_{secrets.token_hex(24)}",
        STRIPE_PUBLISHABLE_KEY=f"pk_test_{secrets.token_hex(24)}",
        STRIPE_WEBHOOK_SECRET=f"whsec_{secrets.token_hex(24)}",
        # A mail server, as production has (check --deploy refuses the console, file, memory
        # and dummy backends): the sink below, which keeps what it is sent.
        EMAIL_URL=f"smtp://127.0.0.1:{mail_port}",
        MEDIA_ROOT=str(work / "media"),
        STATIC_ROOT=str(work / "static"),
        PRIVATE_STORAGE_ROOT=str(work / "private"),
        CELERY_BEAT_SCHEDULE_FILE=str(work / "celerybeat-schedule"),
        BIND=f"127.0.0.1:{web_port}",
        WEB_CONCURRENCY="2",
        TRUSTED_PROXY_COUNT="1",  # the proxy below, as nginx (deploy/env.example)
        CELERY_WORKER_CONCURRENCY="2",
        # The .mo files are committed; the checkout may be shared: leave locale/ alone.
        SKIP_COMPILEMESSAGES="1",
        PYTHONUNBUFFERED="1",
    )
    return env


class Processes:
    """Long-running processes, each in its own session with its log in ``logs``."""

    def __init__(self, logs: Path):
        self.logs = logs
        self.procs: dict[str, subprocess.Popen] = {}

    def log(self, name) -> Path:
        return self.logs / f"{name}.log"

    def start(self, name, argv, env) -> subprocess.Popen:
        with self.log(name).open("wb") as log:
            proc = subprocess.Popen(  # noqa: S603 (our own scripts, fixed arguments)
                argv,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.procs[name] = proc
        return proc

    def check_alive(self):
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                raise SmokeFailure(f"{name} exited early (status {proc.returncode})", name)

    def wait_for_port(self, name, port, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.1)
        raise SmokeFailure(f"{name} did not listen on port {port} within {timeout} s", name)

    def wait_for_log(self, name, pattern, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            if re.search(pattern, self.log(name).read_text(errors="replace")):
                return
            time.sleep(0.2)
        raise SmokeFailure(f"{name}: no {pattern!r} in its log within {timeout} s", name)

    def terminate_all(self) -> dict[str, tuple[float, int | None]]:
        """SIGTERM to each; (seconds to exit, status) per process, status None if it hung."""
        started = {}
        for name, proc in self.procs.items():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)  # the process itself, as systemd's main PID
            started[name] = time.monotonic()
        results = {}
        deadline = time.monotonic() + STOP_SECONDS
        while len(results) < len(started) and time.monotonic() < deadline:
            for name, proc in self.procs.items():
                if name not in results and proc.poll() is not None:
                    results[name] = (time.monotonic() - started[name], proc.returncode)
            time.sleep(0.05)
        for name in started:
            results.setdefault(name, (time.monotonic() - started[name], None))
        return results

    def kill_all(self):
        for proc in self.procs.values():
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


def run_once(name, argv, env, logs: Path, timeout=240) -> None:
    log = logs / f"{name}.log"
    with log.open("wb") as out:
        try:
            result = subprocess.run(  # noqa: S603 (our own scripts, fixed arguments)
                argv,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as error:
            raise SmokeFailure(f"{name} took over {timeout} s", name) from error
    if result.returncode != 0:
        raise SmokeFailure(f"{name} failed (status {result.returncode})", name)


# --- The proxy standing in for nginx ----------------------------------------------------------

HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "content-length",
}


def start_proxy(port: int, upstream_port: int) -> ThreadingHTTPServer:
    """What deploy/nginx/jingmeng.conf does for the app: TLS is terminated in front (the client
    speaks https to it, see HttpsOverHttpAdapter), headers set, the raw body passed on as is."""

    class Proxy(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args):  # noqa: A002 (BaseHTTPRequestHandler's name)
            pass

        def forward(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            headers["X-Forwarded-Proto"] = "https"
            # nginx's $proxy_add_x_forwarded_for: what the client sent, then its address.
            sent_for = self.headers.get("X-Forwarded-For")
            client = self.client_address[0]
            headers["X-Forwarded-For"] = f"{sent_for}, {client}" if sent_for else client
            headers["X-Request-ID"] = self.headers.get("X-Request-ID") or uuid.uuid4().hex
            upstream = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=60)
            try:
                upstream.request(self.command, self.path, body=body, headers=headers)
                response = upstream.getresponse()
                data = response.read()
            except OSError:
                self.send_error(502)
                return
            finally:
                upstream.close()
            self.send_response(response.status, response.reason)
            for key, value in response.getheaders():
                if key.lower() not in HOP_BY_HOP:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = forward

    server = ThreadingHTTPServer(("127.0.0.1", port), Proxy)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# --- The mail server standing in for the SMTP relay ------------------------------------------


class MailSink(socketserver.ThreadingTCPServer):
    """Just enough SMTP for Django's SMTP backend (EHLO, MAIL, RCPT, DATA, QUIT): every message
    is kept in ``messages``, so the smoke sees the order email leave by SMTP, as in production,
    and can tell that none went into a process's log instead."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int):
        self.messages: list[email.message.EmailMessage] = []
        super().__init__(("127.0.0.1", port), self.Session)

    class Session(socketserver.StreamRequestHandler):
        def reply(self, line: str):
            self.wfile.write(line.encode() + b"\r\n")
            self.wfile.flush()

        def handle(self):
            self.reply("220 smoke ESMTP")
            while line := self.rfile.readline():
                verb = line[:4].upper()
                if verb == b"DATA":
                    self.reply("354 end with <CRLF>.<CRLF>")
                    lines = []
                    while (data := self.rfile.readline()) not in (b".\r\n", b""):
                        lines.append(data[1:] if data.startswith(b".") else data)  # unstuff
                    self.server.messages.append(
                        email.message_from_bytes(b"".join(lines), policy=email.policy.default)
                    )
                    self.reply("250 kept")
                elif verb == b"QUIT":
                    self.reply("221 bye")
                    return
                elif verb in (b"EHLO", b"HELO", b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                    self.reply("250 ok")
                else:
                    self.reply("502 not here")


def start_mail_sink(port: int) -> MailSink:
    server = MailSink(port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class HttpsOverHttpAdapter(HTTPAdapter):
    """The client believes it speaks https (secure cookies, https Origin/Referer, https redirects
    from SECURE_SSL_REDIRECT); the bytes go over plain HTTP to the local TLS-terminating proxy."""

    def send(self, request, **kwargs):
        plain = request.copy()
        plain.url = "http://" + request.url.removeprefix("https://")
        response = super().send(plain, **kwargs)
        # As the browser sees it: redirects resolve against https, secure cookies go along.
        response.url, response.request = request.url, request
        return response


# --- The purchase -----------------------------------------------------------------------------


class Browser:
    """requests, the way a browser behaves on the store: cookies, CSRF token, Origin/Referer."""

    def __init__(self, origin: str):
        self.origin = origin  # https://127.0.0.1:<proxy port>
        self.http = requests.Session()
        self.http.mount("https://", HttpsOverHttpAdapter())
        self.http.headers["User-Agent"] = "jingmeng-smoke/1.0"
        self.http.headers["Accept-Language"] = "zh-CN,zh;q=0.9"
        self.url = origin + "/"

    def get(self, path, expect=200):
        response = self.http.get(urljoin(self.origin, path), timeout=30)
        return self._check(response, expect, "GET", path)

    def post(self, path, data=None, json_body=None, referer=None, expect=200, follow=True):
        url = urljoin(self.origin, path)
        headers = {"Origin": self.origin, "Referer": referer or self.url}
        if json_body is not None:
            headers["X-CSRFToken"] = self.http.cookies.get("csrftoken", "")
        response = self.http.post(
            url, data=data, json=json_body, headers=headers, timeout=30, allow_redirects=follow
        )
        return self._check(response, expect, "POST", path)

    def _check(self, response, expect, method, path):
        if response.status_code != expect:
            raise SmokeFailure(
                f"{method} {path}: {response.status_code} (expected {expect}) at {response.url}: "
                f"{response.text[:300]!r}",
                "web",
            )
        self.url = response.url
        return response


ALERT_RE = re.compile(r'<div class="alert[^"]*"[^>]*>(.*?)</div>', re.S)


def page_messages(text: str) -> str:
    """The store's messages on a page (why a step sent the buyer back), as plain text."""
    found = [re.sub(r"<[^>]+>|\s+", " ", m).strip() for m in ALERT_RE.findall(text)]
    return "; ".join(m for m in found if m) or "(no message)"


def find(pattern: re.Pattern, text: str, what: str) -> str:
    match = pattern.search(text)
    if not match:
        raise SmokeFailure(f"no {what} on the page", "web")
    return match.group(1)


def purchase(origin: str, stripe_base: str, env: dict, database_url: str) -> dict:
    browser = Browser(origin)
    figures = {}
    started = time.monotonic()

    page = browser.get("/accounts/login/")
    browser.post(
        "/accounts/login/",
        data={
            "csrfmiddlewaretoken": find(CSRF_RE, page.text, "CSRF token"),
            "login-username": CONSUMER[0],
            "login-password": CONSUMER[1],
            "login_submit": "Log In",
        },
    )
    if "sessionid" not in browser.http.cookies:
        raise SmokeFailure("signing in as the demo consumer gave no session", "web")

    listing = browser.get("/catalogue/")
    product_path = find(PRODUCT_RE, listing.text, "product link in /catalogue/")
    product = browser.get(product_path)
    add_path = find(ADD_RE, product.text, "add-to-basket form")
    browser.post(
        add_path,
        data={"csrfmiddlewaretoken": find(CSRF_RE, product.text, "CSRF token"), "quantity": "1"},
        referer=urljoin(origin, product_path),
    )

    page = browser.get("/checkout/")  # the one-page checkout, the saved address ticked
    if urlparse(page.url).path != "/checkout/" or "提交订单" not in page.text:
        raise SmokeFailure(
            f"/checkout/ led to {page.url}, not the checkout page: {page_messages(page.text)}",
            "web",
        )
    placed = browser.post(
        "/checkout/",
        data={
            "csrfmiddlewaretoken": find(CSRF_RE, page.text, "CSRF token"),
            "action": "place_order",
            "submission_token": find(TOKEN_RE, page.text, "submission token"),
            "address": find(SAVED_ADDRESS_RE, page.text, "saved address, ticked"),
        },
        expect=302,
        follow=False,
    )
    pay_path = urlparse(placed.headers["Location"]).path
    number = pay_path.strip("/").split("/")[-1]
    if not pay_path.startswith("/payments/") or not number:
        raise SmokeFailure(f"placing the order led to {pay_path}", "web")
    figures["order"] = number
    pay = browser.get(pay_path)
    if 'id="payment-form"' not in pay.text:
        raise SmokeFailure("the payment page has no payment form", "web")
    publishable_key = find(PK_RE, pay.text, "publishable key")
    if publishable_key != env["STRIPE_PUBLISHABLE_KEY"]:
        raise SmokeFailure("the payment page has another publishable key", "web")

    # Stripe.js's part, in the browser: a card payment method made with the publishable key.
    method = requests.post(
        f"{stripe_base}/v1/payment_methods",
        json={
            "key": publishable_key,
            "type": "card",
            "card": {"number": TEST_CARD, "exp_month": "12", "exp_year": "2034", "cvc": "123"},
        },
        timeout=10,
    )
    if method.status_code != 200:
        raise SmokeFailure(f"localstripe refused the card: {method.text[:200]}", "stripe")
    confirmed = browser.post(
        f"{pay_path}confirm/",
        json_body={"payment_method": method.json()["id"]},
        referer=urljoin(origin, pay_path),
    ).json()
    if confirmed.get("error") or confirmed.get("status") not in ("succeeded", "processing"):
        raise SmokeFailure(f"confirm answered {confirmed}", "web")
    figures["checkout_seconds"] = time.monotonic() - started

    # Paid only by the webhook: localstripe → proxy → gunicorn → Redis → Celery worker.
    confirmed_at = time.monotonic()
    deadline = confirmed_at + 45
    state = None
    while time.monotonic() < deadline:
        state = browser.get(f"{pay_path}status/").json()
        if state["state"] == "paid":
            break
        time.sleep(0.25)
    else:
        raise SmokeFailure(f"order {number} not paid 45 s after confirming: {state}", "worker")
    figures["webhook_to_paid_seconds"] = time.monotonic() - confirmed_at

    order_page = browser.get(f"/accounts/orders/{number}/")
    if PAID not in order_page.text:
        raise SmokeFailure(f"the customer's order page does not say {PAID}", "web")
    with psycopg.connect(database_url) as conn:
        status, total = conn.execute(
            "SELECT status, total_incl_tax FROM order_order WHERE number = %s", (number,)
        ).fetchone()
        sources = conn.execute(
            "SELECT count(*) FROM payment_source s JOIN order_order o ON o.id = s.order_id "
            "WHERE o.number = %s AND s.reference LIKE 'pi_%%'",
            (number,),
        ).fetchone()[0]
    if status != PAID or sources != 1:
        raise SmokeFailure(f"in the database order {number} is {status}, {sources} sources")
    figures["total"] = f"¥{total}"
    return figures


def wait_for_paid_email(mail: MailSink, number: str, timeout=45):
    """The worker's 订单已付款 email to the buyer, as the mail server received it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in list(mail.messages):
            subject = str(message["Subject"] or "")
            if number in subject and PAID in subject and CONSUMER[0] in str(message["To"]):
                return message
        time.sleep(0.25)
    got = [str(m["Subject"]) for m in mail.messages]
    raise SmokeFailure(f"no {PAID} email for order {number} in {timeout} s (got {got})", "worker")


def check_probes(web_port: int, origin: str) -> dict:
    """The probes as monitoring sends them: to gunicorn directly, over plain HTTP (both paths are
    exempt from the HTTPS redirect); through the public proxy nginx answers 404 for /readyz."""
    answers = {}
    for path in ("/healthz", "/readyz"):
        started = time.monotonic()
        response = requests.get(
            f"http://127.0.0.1:{web_port}{path}", timeout=30, allow_redirects=False
        )
        answers[path] = (response.status_code, time.monotonic() - started)
        if response.status_code != 200:
            raise SmokeFailure(f"{path} answered {response.status_code}: {response.text[:300]}")
        if not response.headers.get("X-Request-ID"):
            raise SmokeFailure(f"{path} answered without an X-Request-ID")
    # Through the proxy, as the public: the id nginx made is the one the app logs and returns.
    sent = uuid.uuid4().hex
    response = Browser(origin).http.get(
        urljoin(origin, "/healthz"), headers={"X-Request-ID": sent}, timeout=30
    )
    if response.headers.get("X-Request-ID") != sent:
        raise SmokeFailure("the proxy's X-Request-ID did not come back from the app")
    return answers


# --- Main -------------------------------------------------------------------------------------


def tail(path: Path, lines=40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default=os.environ.get("SMOKE_DATABASE", "jingmeng_smoke"))
    parser.add_argument("--redis-db", type=int, default=int(os.environ.get("SMOKE_REDIS_DB", "12")))
    parser.add_argument(
        "--fresh",
        action="store_true",
        default=os.environ.get("SMOKE_FRESH", "") == "1",
        help="migrate an empty database even if a migrated template of this schema exists",
    )
    parser.add_argument("--keep-logs", type=Path, help="copy the processes' logs here")
    args = parser.parse_args(argv)

    overall = time.monotonic()
    admin_url, database_url, redis_url = service_urls(args.database, args.redis_db)
    work = Path(tempfile.mkdtemp(prefix="jingmeng-smoke-"))
    logs = work / "logs"
    logs.mkdir()
    web_port, proxy_port, stripe_port, mail_port = (free_port() for _ in range(4))
    env = production_environment(work, database_url, redis_url, web_port, stripe_port, mail_port)
    origin = f"https://127.0.0.1:{proxy_port}"
    stripe_base = env["STRIPE_API_BASE"]
    procs = Processes(logs)
    timings: list[tuple[str, float, bool]] = []
    failure: SmokeFailure | None = None
    figures: dict = {}
    stops: dict = {}
    proxy = mail = None
    python, venv_bin = sys.executable, Path(sys.prefix) / "bin"

    try:
        template = None if args.fresh else f"{args.database}_schema_{migrations_fingerprint()}"
        with step("fresh PostgreSQL database and Redis db", timings):
            from_template = create_database(admin_url, args.database, template)
            redis.Redis.from_url(redis_url).flushdb()
        migrations = "migrations already applied (template)" if from_template else "every migration"
        with step(f"deploy/bin/release: migrate ({migrations}), collectstatic, check", timings):
            run_once("release", ["deploy/bin/release"], env, logs)
        if template and not from_template:
            save_template(admin_url, args.database, template)
        with step("start web (gunicorn), worker, beat, localstripe", timings):
            procs.start(
                "stripe",
                [
                    python,
                    "-m",
                    "orders.payments.localstripe_server",
                    "--port",
                    str(stripe_port),
                    "--state",
                    str(work / "localstripe.pickle"),
                    "--webhook-url",
                    f"http://127.0.0.1:{proxy_port}/payments/stripe/webhook/",
                    "--webhook-secret",
                    env["STRIPE_WEBHOOK_SECRET"],
                ],
                env,
            )
            mail = start_mail_sink(mail_port)
            procs.start("web", ["deploy/bin/web"], env)
            procs.start("worker", ["deploy/bin/worker"], env)
            procs.start("beat", ["deploy/bin/beat"], env)
            proxy = start_proxy(proxy_port, web_port)
        with step("load_demo (while the processes start)", timings):
            run_once("load_demo", [python, "manage.py", "load_demo"], env, logs)
        with step("all processes ready", timings):
            procs.wait_for_port("stripe", stripe_port)
            procs.wait_for_port("web", web_port)
            procs.wait_for_log("web", r"Booting worker with pid")
            procs.wait_for_log("worker", r"\bready\b")
            procs.wait_for_log("beat", r"beat: Starting")
        with step("/healthz and /readyz", timings):
            figures["probes"] = check_probes(web_port, origin)
        with step("purchase: sign in, basket, checkout, pay, webhook → 已付款", timings):
            figures.update(purchase(origin, stripe_base, env, database_url))
        with step("the paid-order email left by SMTP", timings):
            paid_email = wait_for_paid_email(mail, figures["order"])
        with step("SIGTERM to every process", timings):
            stops = procs.terminate_all()
            for name, (_seconds, status) in stops.items():
                if status is None:
                    raise SmokeFailure(f"{name} still running {STOP_SECONDS} s after SIGTERM", name)
                if status not in (0, -signal.SIGTERM):
                    raise SmokeFailure(f"{name} exited with status {status} on SIGTERM", name)
            for name in ("release", "load_demo", *procs.procs):
                text = (logs / f"{name}.log").read_text(errors="replace")
                if "Traceback (most recent call last)" in text:
                    raise SmokeFailure(f"a traceback in {name}'s log", name)
                # No personal data in the logs (load_demo prints the demo's sign-ins on purpose).
                if name != "load_demo" and (CONSUMER[0] in text or paid_email["Subject"] in text):
                    raise SmokeFailure(f"the buyer's email address or email in {name}'s log", name)
    except SmokeFailure as error:
        failure = error
    except Exception as error:  # noqa: BLE001 (reported below, after the clean-up)
        failure = SmokeFailure(f"{type(error).__name__}: {error}")
    finally:
        for server in (proxy, mail):
            if server is not None:
                server.shutdown()
        procs.kill_all()
        cleanup_errors = []
        try:
            drop_database(admin_url, args.database)
        except psycopg.Error as error:
            cleanup_errors.append(f"drop database: {error}")
        try:
            redis.Redis.from_url(redis_url).flushdb()
        except redis.RedisError as error:
            cleanup_errors.append(f"flush redis: {error}")
        if args.keep_logs:
            shutil.copytree(logs, args.keep_logs, dirs_exist_ok=True)

    print("\nSmoke test summary")
    for name, seconds, ok in timings:
        print(f"  {'ok ' if ok else 'BAD'} {seconds:6.1f} s  {name}")
    if "order" in figures:
        print(
            f"  order {figures['order']} ({figures.get('total', '?')}): checkout "
            f"{figures.get('checkout_seconds', 0):.1f} s, confirm → 已付款 "
            f"{figures.get('webhook_to_paid_seconds', 0):.1f} s"
        )
    for path, (status, seconds) in figures.get("probes", {}).items():
        print(f"  {path}: {status} in {seconds * 1000:.0f} ms")
    for name, (seconds, status) in stops.items():
        print(f"  {name}: exited {status} {seconds:.1f} s after SIGTERM")
    for message in cleanup_errors:
        print(f"  clean-up: {message}")
    print(f"  total {time.monotonic() - overall:.1f} s (web {venv_bin / 'gunicorn'}, 2 workers)")

    if failure is not None:
        print(f"\nFAIL: {failure}")
        names = [failure.process] if failure.process else []
        names += [n for n in ("web", "worker", "beat", "stripe", "release") if n not in names]
        for name in names[:2] if failure.process else names:
            print(f"\n--- last lines of {name}'s log ---\n{tail(logs / f'{name}.log')}")
        shutil.rmtree(work, ignore_errors=True)
        return 1
    shutil.rmtree(work, ignore_errors=True)
    if cleanup_errors:
        print("\nFAIL: clean-up")
        return 1
    print("\nPASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
