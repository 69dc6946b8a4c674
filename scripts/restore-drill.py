"""Restore drill: back up the store's PostgreSQL database and media, restore them, and check that
the restored store holds the same orders.

    DATABASE_URL=postgres://…/jingmeng .venv/bin/python scripts/restore-drill.py [--out DIR]

1. Fingerprint the orders (count, sum of totals, SHA-256 over every number, status and total;
   also order lines, payment sources and benefit-ledger total).
2. ``pg_dump --format=custom`` the database; archive MEDIA_ROOT (tar.gz).
3. Restore with ``pg_restore`` into a NEW database ``<name>_restore_drill`` (the production
   database is only read). ``--in-place`` instead drops and recreates the database itself and
   restores into it: only for a scratch copy, and only when asked for by name.
4. Fingerprint the restored database again, and ask the store itself (``manage.py shell`` with
   DATABASE_URL pointing at the restored database): Django's models count and list the same
   orders, ``/healthz`` answers 200 and each sampled order's page shows its number to its buyer.
5. Unpack the media archive into a scratch folder and compare every file's SHA-256.

Prints PASS or FAIL with the figures (sizes, seconds); exit status 0 only on PASS. The restored
database is dropped at the end unless ``--keep``. The dump and the media archive stay in --out
(default: a temporary folder, removed) — in production, point --out at the backup volume and
copy them off the machine.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

import psycopg

ROOT = Path(__file__).resolve().parent.parent

FINGERPRINT_SQL = {
    "orders": "SELECT number, status, total_incl_tax FROM order_order ORDER BY number",
    "lines": "SELECT count(*), coalesce(sum(quantity), 0) FROM order_line",
    "sources": "SELECT count(*), coalesce(sum(amount_debited), 0) FROM payment_source",
    "ledger": "SELECT count(*), coalesce(sum(amount), 0) FROM cooperatives_benefitentry",
}

# Run by `manage.py shell` against the restored database: the store's own view of it.
STORE_CHECK = r"""
import hashlib, json
from django.db.models import Sum
from django.test import Client
from oscar.core.loading import get_model
Order = get_model("order", "Order")
rows = list(Order.objects.order_by("number").values_list("number", "status", "total_incl_tax"))
digest = hashlib.sha256("".join(f"{n}|{s}|{t}\n" for n, s, t in rows).encode()).hexdigest()
from django.conf import settings
from django.test import override_settings
client = Client()
pages = {}
# The data are under test, not this host's collected static files: plain static URLs.
plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
with override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain}):
    health = client.get("/healthz", secure=True).status_code
    for order in Order.objects.filter(user__isnull=False).order_by("-number")[:3]:
        client.force_login(order.user)
        response = client.get(f"/accounts/orders/{order.number}/", secure=True)
        pages[order.number] = response.status_code == 200 and order.number in response.text
print("STORE-CHECK " + json.dumps({
    "count": len(rows),
    "total": str(Order.objects.aggregate(t=Sum("total_incl_tax"))["t"] or 0),
    "sha256": digest,
    "healthz": health,
    "order_pages": pages,
}))
"""


class DrillError(Exception):
    pass


def database_url_parts(url: str):
    parts = urlparse(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        raise DrillError(
            "The restore drill needs PostgreSQL: DATABASE_URL is "
            f"{parts.scheme or 'unset'}:… . An SQLite demo database is backed up by copying "
            "var/db.sqlite3 while the store is stopped; production runs on PostgreSQL."
        )
    return parts


def with_database(url: str, name: str) -> str:
    return urlparse(url)._replace(path=f"/{name}").geturl()


def libpq_env(url: str) -> dict:
    """pg_dump/pg_restore connection settings from a URL, without the password on the command
    line (ps would show it)."""
    parts = urlparse(url)
    env = dict(os.environ)
    env.update(PGHOST=parts.hostname or "127.0.0.1", PGPORT=str(parts.port or 5432))
    if parts.username:
        env["PGUSER"] = parts.username
    if parts.password:
        env["PGPASSWORD"] = parts.password
    return env


def fingerprint(url: str) -> dict:
    with psycopg.connect(url) as conn:
        rows = conn.execute(FINGERPRINT_SQL["orders"]).fetchall()
        lines = conn.execute(FINGERPRINT_SQL["lines"]).fetchone()
        sources = conn.execute(FINGERPRINT_SQL["sources"]).fetchone()
        ledger = conn.execute(FINGERPRINT_SQL["ledger"]).fetchone()
    digest = hashlib.sha256("".join(f"{n}|{s}|{t}\n" for n, s, t in rows).encode()).hexdigest()
    return {
        "count": len(rows),
        "total": str(sum((t for _, _, t in rows), start=0)),
        "sha256": digest,
        "lines": [lines[0], int(lines[1])],
        "sources": [sources[0], str(sources[1])],
        "ledger": [ledger[0], str(ledger[1])],
    }


def run(argv, env=None, what="command"):
    result = subprocess.run(  # noqa: S603 (pg_dump/pg_restore/manage.py with fixed arguments)
        argv, env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise DrillError(f"{what} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")
    return result


def tree_digest(folder: Path) -> dict[str, str]:
    if not folder.exists():
        return {}
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def recreate(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def store_check(restored_url: str) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=restored_url,
        DJANGO_SETTINGS_MODULE="shop.settings",
        # The check talks to Django in-process, not over the network: its test client's host.
        ALLOWED_HOSTS="testserver",
        PAGE_CACHE_SECONDS="0",
    )
    env.pop("REDIS_URL", None)  # no cache or broker of the running store is touched
    env.pop("CELERY_BROKER_URL", None)
    result = run(
        [sys.executable, "manage.py", "shell", "-c", STORE_CHECK], env=env, what="store check"
    )
    for line in result.stdout.splitlines():
        if line.startswith("STORE-CHECK "):
            return json.loads(line.removeprefix("STORE-CHECK "))
    raise DrillError(f"the store check printed nothing: {result.stdout[-500:]}")


def media_root() -> Path:
    return Path(os.environ.get("MEDIA_ROOT") or ROOT / "var" / "media")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="keep the dump and media archive here")
    parser.add_argument(
        "--in-place",
        metavar="DATABASE_NAME",
        help="restore over the database itself (give its name to confirm): scratch copies only",
    )
    parser.add_argument("--keep", action="store_true", help="keep the restored database")
    args = parser.parse_args(argv)

    try:
        source = os.environ.get("DATABASE_URL", "")
        parts = database_url_parts(source)
        name = parts.path.lstrip("/")
        if args.in_place and args.in_place != name:
            raise DrillError(f"--in-place {args.in_place} does not name DATABASE_URL's {name}")
        for tool in ("pg_dump", "pg_restore"):
            if shutil.which(tool) is None:
                raise DrillError(f"{tool} not found (apt install postgresql-client)")
    except DrillError as error:
        print(f"FAIL: {error}")
        return 2

    admin_url = with_database(source, "postgres")
    target = name if args.in_place else f"{name}_restore_drill"
    target_url = with_database(source, target)
    out = args.out or Path(tempfile.mkdtemp(prefix="jingmeng-restore-drill-"))
    out.mkdir(parents=True, exist_ok=True)
    dump = out / f"{name}.dump"
    media_archive = out / "media.tar.gz"
    figures: dict = {}
    problems: list[str] = []
    restored = False
    try:
        before = fingerprint(source)
        figures["orders"] = before["count"]
        figures["orders_total"] = before["total"]

        started = time.monotonic()
        run(
            ["pg_dump", "--format=custom", "--no-owner", "--file", str(dump), name],
            env=libpq_env(source),
            what="pg_dump",
        )
        figures["dump_seconds"] = time.monotonic() - started
        figures["dump_bytes"] = dump.stat().st_size

        media = media_root()
        started = time.monotonic()
        media_before = tree_digest(media)
        with tarfile.open(media_archive, "w:gz") as archive:
            if media.exists():
                archive.add(media, arcname="media")
        figures["media_files"] = len(media_before)
        figures["media_archive_bytes"] = media_archive.stat().st_size
        figures["media_seconds"] = time.monotonic() - started

        # The restore: a new database (or, asked for by name, the same one wiped).
        started = time.monotonic()
        recreate(admin_url, target)
        restored = True
        run(
            ["pg_restore", "--no-owner", "--exit-on-error", "--dbname", target, str(dump)],
            env=libpq_env(target_url),
            what="pg_restore",
        )
        figures["restore_seconds"] = time.monotonic() - started

        after = fingerprint(target_url)
        for key in before:
            if before[key] != after[key]:
                problems.append(f"{key}: {before[key]} before, {after[key]} restored")

        started = time.monotonic()
        store = store_check(target_url)
        figures["store_check_seconds"] = time.monotonic() - started
        if (store["count"], store["sha256"]) != (before["count"], before["sha256"]):
            problems.append(f"the store sees {store['count']} orders, other numbers or statuses")
        if store["total"] != before["total"]:
            problems.append(f"the store's total is {store['total']}, not {before['total']}")
        if store["healthz"] != 200:
            problems.append(f"/healthz answered {store['healthz']} on the restored database")
        if before["count"] and not store["order_pages"]:
            problems.append("no order page could be shown")
        for number, shown in store["order_pages"].items():
            if not shown:
                problems.append(f"order {number}'s page is not shown to its buyer")
        figures["order_pages_checked"] = len(store["order_pages"])

        scratch = out / "media-restored"
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir()
        with tarfile.open(media_archive, "r:gz") as archive:
            archive.extractall(scratch, filter="data")
        media_after = tree_digest(scratch / "media")
        if media_after != media_before:
            missing = set(media_before) - set(media_after)
            changed = {k for k in media_before if media_after.get(k) not in (None, media_before[k])}
            problems.append(f"media: {len(missing)} files missing, {len(changed)} differ")
        shutil.rmtree(scratch, ignore_errors=True)
    except (DrillError, psycopg.Error, OSError, tarfile.TarError) as error:
        problems.append(f"{type(error).__name__}: {error}")
    finally:
        if restored and not args.keep and not args.in_place:
            try:
                drop(admin_url, target)
            except psycopg.Error as error:
                problems.append(f"could not drop {target}: {error}")
        if args.out is None:
            shutil.rmtree(out, ignore_errors=True)

    print(f"Restore drill of {name} → {target}")
    if "orders" in figures:
        print(f"  orders: {figures['orders']}, total ¥{figures['orders_total']}")
    if "dump_bytes" in figures:
        print(
            f"  pg_dump: {figures['dump_bytes'] / 1e6:.2f} MB in {figures['dump_seconds']:.1f} s"
            + (f" ({dump})" if args.out else "")
        )
    if "media_files" in figures:
        print(
            f"  media: {figures['media_files']} files, archive "
            f"{figures['media_archive_bytes'] / 1e6:.2f} MB in {figures['media_seconds']:.1f} s"
        )
    if "restore_seconds" in figures:
        print(f"  pg_restore: {figures['restore_seconds']:.1f} s")
    if "store_check_seconds" in figures:
        print(
            f"  store check (Django on the restored database): "
            f"{figures['order_pages_checked']} order pages, {figures['store_check_seconds']:.1f} s"
        )
    if problems:
        print("FAIL")
        for problem in problems:
            print(f"  - {problem}")
        return 1
    print("PASS: same orders, statuses, totals, lines, payments, ledger and media after restore")
    return 0


if __name__ == "__main__":
    sys.exit(main())
