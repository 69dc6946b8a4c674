"""Operations: readiness (/readyz), request ids, structured logs without personal data, metrics."""

import json
import logging
from unittest import mock

import pytest
from django.db.utils import OperationalError
from django.test import RequestFactory

from shop import logs, views
from shop.celery import app as celery_app
from tests.conftest import configure_celery, require_service

pytestmark = pytest.mark.django_db


# --- /readyz ------------------------------------------------------------------------------------


def test_readyz_without_redis_or_broker_checks_the_database_and_says_what_it_skipped(
    client, settings
):
    settings.REDIS_URL = ""  # the unit tests' Celery is eager: no broker either
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["cache"].startswith("skipped") and body["celery"].startswith("skipped")


@pytest.mark.redis
def test_readyz_writes_and_reads_redis_through_the_cache(client, settings):
    require_service(bool(settings.REDIS_URL), "Redis not configured (REDIS_URL=redis://…)")
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["cache"] == "ok"


def test_readyz_answers_only_the_monitoring_network(client):
    assert client.get("/readyz", REMOTE_ADDR="203.0.113.9").status_code == 403


def test_readyz_is_503_when_the_database_is_down(client):
    with mock.patch("shop.views.connection.cursor", side_effect=OperationalError("down")):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["database"] == "error: OperationalError"


@pytest.fixture
def celery_conf():
    """Celery's configuration, changed for one test (``configure_celery``) and put back."""
    saved = {}

    def change(**conf):
        saved.update({k: v for k, v in configure_celery(**conf).items() if k not in saved})

    yield change
    configure_celery(**saved)


def test_readyz_is_503_when_the_broker_is_unreachable(client, settings, celery_conf):
    celery_conf(task_always_eager=False, broker_url="redis://127.0.0.1:1/0")
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["celery"].startswith("error:") and body["database"] == "ok"
    assert "127.0.0.1:1" not in response.content.decode()  # no connection strings out


def test_readyz_is_503_when_no_worker_answers(client, celery_conf):
    celery_conf(task_always_eager=False)
    with (
        mock.patch.object(celery_app, "connection_for_write"),
        mock.patch.object(celery_app.control, "ping", return_value=[]),
    ):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["celery"] == "error: RuntimeError"


# --- Request ids and logs -----------------------------------------------------------------------


def test_every_response_names_its_request_id(client):
    first, second = client.get("/healthz"), client.get("/healthz")
    assert len(first["X-Request-ID"]) == 32
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_the_proxy_request_id_is_kept_when_well_formed(client):
    kept = client.get("/healthz", HTTP_X_REQUEST_ID="nginx-4f1c2d3e4f5a6b7c")
    assert kept["X-Request-ID"] == "nginx-4f1c2d3e4f5a6b7c"
    replaced = client.get("/healthz", HTTP_X_REQUEST_ID="<script>alert(1)</script>")
    assert replaced["X-Request-ID"] != "<script>alert(1)</script>"
    assert len(replaced["X-Request-ID"]) == 32


def _json_record(message, *args, **extra) -> dict:
    formatter = logs.RedactingJsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s", json_ensure_ascii=False
    )
    record = logging.LogRecord("shop.test", logging.INFO, __file__, 1, message, args, None)
    record.__dict__.update(extra)
    logs.RequestIdFilter().filter(record)
    return json.loads(formatter.format(record))


def test_log_lines_are_json_with_the_request_id():
    logs.request_id_var.set("req-0123456789")
    line = _json_record("订单 %s 已付款", "JM100023")
    assert line["request_id"] == "req-0123456789"
    assert line["message"] == "订单 JM100023 已付款"
    assert line["levelname"] == "INFO"


def test_phone_id_numbers_and_emails_are_masked_in_logs():
    from tests.factories import make_id_number

    id_number = make_id_number()
    line = _json_record(
        "收货人 %s 电话 %s 身份证 %s", "wang.fang@example.com", "13912345678", id_number
    )["message"]
    assert "13912345678" not in line and "139****5678" in line
    assert id_number not in line and f"{id_number[:4]}**********{id_number[-4:]}" in line
    assert "wang.fang@example.com" not in line and "w***@example.com" in line


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("+86 139 1234 5678", "139****5678"),
        ("8613912345678", "139****5678"),
        ("139-1234-5678", "139****5678"),
        ("电话13912345678。", "电话139****5678。"),
    ],
)
def test_mobile_numbers_are_masked_however_written(text, masked):
    assert masked in logs.redact(text) and "1234" not in logs.redact(text)


@pytest.mark.parametrize(
    "text",
    [
        "订单 100023 ¥1234.50 2026-11-29 10:15:03",
        "pi_3Nb13800138000",  # a Stripe id with 11 digits inside
        "123456789012345678",  # 18 digits without a valid check character
        "9a1c0f2e-5b7d-4e8f-9a0b-1c2d3e4f5a6b",
        "1764400000.123",
    ],
)
def test_what_is_not_personal_data_is_left_alone(text):
    assert logs.redact(text) == text


def test_the_request_django_attaches_to_error_records_is_masked_too():
    line = _json_record(
        "Not Found: %s", "/track/", request="<WSGIRequest: GET '/track/?phone=13800138000'>"
    )
    assert "13800138000" not in json.dumps(line, ensure_ascii=False)
    assert "138****8000" in line["request"]


def test_error_reports_to_sentry_are_masked():
    event = {
        "message": "退款失败 13800138000",
        "exception": {"values": [{"value": "buyer wang@example.com"}]},
        "extra": {"ids": ("13800138000",)},
    }
    cleaned = logs.redact_event(event)
    assert "13800138000" not in json.dumps(cleaned) and "wang@example.com" not in json.dumps(
        cleaned
    )


def test_a_view_logs_under_its_request_id(client, caplog):
    caplog.handler.addFilter(logs.RequestIdFilter())
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get("/no-such-page/")
    assert response.status_code == 404
    ids = {getattr(r, "request_id", None) for r in caplog.records if r.name == "django.request"}
    assert ids == {response["X-Request-ID"]}


def test_tasks_carry_the_request_id_of_the_request_that_queued_them():
    logs.request_id_var.set("req-abcdef123456")
    headers = {}
    logs._send_request_id(headers=headers)
    assert headers["request_id"] == "req-abcdef123456"

    task = mock.Mock()
    task.request.request_id = "req-abcdef123456"
    logs.request_id_var.set("-")
    logs._receive_request_id(task_id="t1", task=task)
    assert logs.current_request_id() == "req-abcdef123456"
    logs._forget_request_id(task_id="t1")
    assert logs.current_request_id() == "-"


# --- Metrics ------------------------------------------------------------------------------------


def test_metrics_only_for_the_monitoring_network():
    factory = RequestFactory()
    outside = views.metrics(factory.get("/metrics", REMOTE_ADDR="203.0.113.9"))
    assert outside.status_code == 403
    inside = views.metrics(factory.get("/metrics", REMOTE_ADDR="127.0.0.1"))
    assert inside.status_code == 200
    assert b"python_info" in inside.content
