"""The deployment smoke test (scripts/smoke.py) as part of the suite: release, gunicorn, a Celery
worker and beat, and localstripe as separate processes on PostgreSQL and Redis, one real purchase
over HTTP, and a clean SIGTERM for each. CI runs it (a missing service fails under CI=true)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import require_service

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

ROOT = Path(__file__).resolve().parents[2]


def postgres_available() -> bool:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return False
    from urllib.parse import urlparse

    import psycopg

    server = urlparse(url)._replace(path="/postgres").geturl()  # the smoke makes its own DB
    try:
        psycopg.connect(server, connect_timeout=3).close()
    except psycopg.Error:
        return False
    return True


def redis_available() -> bool:
    import redis

    try:
        return bool(
            redis.Redis.from_url(
                os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0", socket_timeout=2
            ).ping()
        )
    except redis.RedisError:
        return False


def test_smoke_deployment_buys_and_stops_cleanly():
    require_service(postgres_available(), "PostgreSQL not configured (DATABASE_URL=postgres://…)")
    require_service(
        bool(os.environ.get("REDIS_URL")) and redis_available(),
        "Redis not configured (REDIS_URL=redis://…)",
    )
    result = subprocess.run(
        [sys.executable, "scripts/smoke.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert "PASS" in result.stdout
    assert "已付款" in result.stdout
