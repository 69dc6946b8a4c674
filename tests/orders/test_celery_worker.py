"""A real Celery worker on Redis processes a Stripe webhook event end to end (PostgreSQL, since the
worker is another process and must see the test's committed rows)."""

import os
import subprocess
import sys
import time
import uuid

import pytest
from django.db import connection

from cooperatives.models import BenefitEntry
from orders import statuses
from orders.payments.models import WebhookEvent
from shop.celery import app
from tests.conftest import require_service
from tests.factories import MembershipFactory, make_order, make_product

from .stripe_support import pay

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


def redis_is_up() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def worker(stripe_server, tmp_path):
    require_service(connection.vendor == "postgresql", "needs PostgreSQL (set DATABASE_URL)")
    require_service(redis_is_up(), f"needs Redis at {REDIS_URL}")
    db = connection.settings_dict
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_RESULT_BACKEND": REDIS_URL,
        "CELERY_QUEUE": queue,
        "STRIPE_API_BASE": stripe_server,
        "CONN_MAX_AGE": "0",
    }
    log = tmp_path / "worker.log"
    process = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "shop",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    previous = (app.conf.task_always_eager, app.conf.broker_url, app.conf.task_default_queue)
    app.conf.task_always_eager = False
    app.conf.broker_url = REDIS_URL
    app.conf.task_default_queue = queue
    try:
        yield process, log
    finally:
        app.conf.task_always_eager, app.conf.broker_url, app.conf.task_default_queue = previous
        process.terminate()
        process.wait(timeout=30)


def test_a_real_worker_makes_the_order_paid_from_the_webhook(worker, cooperative, consumer):
    process, log = worker
    MembershipFactory(cooperative=cooperative)
    carrots = make_product(cooperative, title="察右中旗胡萝卜", price="29.90")
    order = make_order([(carrots, 1)], user=consumer)

    pay(order)  # the webhook is stored and its task queued on Redis; nothing done in-process

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        order.refresh_from_db()
        if (
            order.status == statuses.PAID
            and BenefitEntry.objects.filter(order_line__order=order).exists()
        ):
            break
        assert process.poll() is None, log.read_text()
        time.sleep(0.3)
    assert order.status == statuses.PAID, log.read_text()[-3000:]
    assert order.sources.get().reference.startswith("pi_")
    assert BenefitEntry.objects.filter(order_line__order=order).count() == 1
    text = log.read_text()
    assert "Task orders.payments.tasks.process_webhook_event[" in text  # taken by the worker
    assert "Task cooperatives.tasks.post_order_benefits[" in text
    event = WebhookEvent.objects.get()
    assert event.outcome == "paid" and event.processed is not None
