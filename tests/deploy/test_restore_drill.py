"""The restore drill (scripts/restore-drill.py) on a database with real orders: dumped, restored
into a scratch database, and found to hold the same orders, seen through the store itself."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from orders import statuses
from tests.factories import make_order, make_product

ROOT = Path(__file__).resolve().parents[2]


def run_drill(env, *args):
    return subprocess.run(
        [sys.executable, "scripts/restore-drill.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_drill_refuses_sqlite(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    result = run_drill(env)
    assert result.returncode == 2
    assert "needs PostgreSQL" in result.stdout


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_keep_every_order(cooperative, consumer, china, tmp_path):
    from tests.conftest import require_service

    require_service(
        connection.vendor == "postgresql", "PostgreSQL not configured (DATABASE_URL=postgres://…)"
    )
    carrots = make_product(
        cooperative, title="察右中旗胡萝卜 5斤装", price="29.90", num_in_stock=50
    )
    oats = make_product(cooperative, title="武川燕麦米", price="18.00", num_in_stock=50)
    numbers = [
        make_order([(carrots, 2)], user=consumer).number,
        make_order([(oats, 1), (carrots, 1)], user=consumer, status=statuses.PAID).number,
        make_order([(oats, 3)], user=consumer, status=statuses.CANCELLED).number,
    ]
    media = tmp_path / "media"
    (media / "products").mkdir(parents=True)
    (media / "products" / "carrots.jpg").write_bytes(b"\xff\xd8 not really a jpeg " * 100)
    (media / "logo.png").write_bytes(b"\x89PNG logo")

    # The test database (committed data: a transactional test) is the "production" here.
    settings = connection.settings_dict
    url = (
        f"postgres://{settings['USER'] or 'postgres'}"
        + (f":{settings['PASSWORD']}" if settings["PASSWORD"] else "")
        + f"@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"
    )
    env = {**os.environ, "DATABASE_URL": url, "MEDIA_ROOT": str(media)}
    result = run_drill(env, "--out", str(tmp_path / "backup"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PASS" in result.stdout
    assert "orders: 3," in result.stdout
    assert "media: 2 files" in result.stdout
    assert "3 order pages" in result.stdout
    assert (tmp_path / "backup" / f"{settings['NAME']}.dump").stat().st_size > 0
    # The scratch database is gone, the original untouched.
    with connection.cursor() as cursor:
        cursor.execute("SELECT number FROM order_order ORDER BY number")
        assert [row[0] for row in cursor.fetchall()] == sorted(str(n) for n in numbers)
        cursor.execute(
            "SELECT count(*) FROM pg_database WHERE datname = %s",
            [f"{settings['NAME']}_restore_drill"],
        )
        assert cursor.fetchone()[0] == 0
