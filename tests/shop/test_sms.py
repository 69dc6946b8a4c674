"""Text messages (shop/sms.py): the console backend keeps and logs the code; the Aliyun backend
sends Dysmsapi's SendSms through the official SDK, checked against a local stand-in for the API."""

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from shop import sms
from shop.logs import RedactingFormatter


@pytest.fixture(autouse=True)
def _empty_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def test_the_console_backend_keeps_the_code_and_logs_it_with_the_number_masked(settings, caplog):
    settings.SMS_BACKEND = "console"
    with caplog.at_level(logging.INFO, logger="shop.sms"):
        sms.send_code("+8613800138000", "123456")
    assert sms.outbox == [sms.SentMessage("+8613800138000", "123456")]
    line = RedactingFormatter("%(message)s").format(caplog.records[-1])
    assert "123456" in line  # readable in make run's log
    assert "13800138000" not in line and "138****8000" in line


def test_the_outbox_keeps_only_the_latest(settings):
    settings.SMS_BACKEND = "console"
    for n in range(sms.OUTBOX_LIMIT + 5):
        sms.send_code("+8613800138000", f"{n:06d}")
    assert len(sms.outbox) == sms.OUTBOX_LIMIT
    assert sms.outbox[-1].code == f"{sms.OUTBOX_LIMIT + 4:06d}"


def test_none_turns_sms_off(settings):
    settings.SMS_BACKEND = "none"
    assert not sms.enabled()
    with pytest.raises(sms.SmsError):
        sms.send_code("+8613800138000", "123456")


def test_a_backend_by_dotted_path(settings):
    settings.SMS_BACKEND = "shop.sms.ConsoleBackend"
    sms.send_code("+8613800138000", "654321")
    assert sms.outbox[-1].code == "654321"


# --- Alibaba Cloud SMS, against a local stand-in for dysmsapi.aliyuncs.com -----------------------


class FakeDysmsapi:
    """A tiny HTTP server answering like Dysmsapi; keeps each request it got."""

    def __init__(self, answer=None, status=200):
        self.requests = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                url = urlsplit(self.path)
                fake.requests.append(
                    {
                        "path": url.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "params": {
                            k: v[0] for k, v in {**parse_qs(url.query), **parse_qs(body)}.items()
                        },
                    }
                )
                out = json.dumps(
                    answer or {"Code": "OK", "Message": "OK", "BizId": "9^0", "RequestId": "REQ-1"}
                ).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=utf-8")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def aliyun(settings):
    settings.SMS_BACKEND = "aliyun"
    settings.ALIYUN_SMS_ACCESS_KEY_ID = "LTAI-test-key-id"
    settings.ALIYUN_SMS_ACCESS_KEY_SECRET = "test-key-secret"
    settings.ALIYUN_SMS_SIGN_NAME = "京蒙优选"
    settings.ALIYUN_SMS_TEMPLATE_CODE = "SMS_123456789"
    settings.SMS_TIMEOUT_SECONDS = 3
    return settings


def test_aliyun_sends_send_sms_with_the_number_sign_template_and_code(aliyun):
    with FakeDysmsapi() as api:
        aliyun.ALIYUN_SMS_ENDPOINT = api.url
        sms.send_code("+8613800138000", "123456")
    [request] = api.requests
    assert request["headers"]["x-acs-action"] == "SendSms"
    assert request["headers"]["x-acs-version"] == "2017-05-25"
    # Signed with the access key (ACS3-HMAC-SHA256), the secret itself never sent.
    assert "LTAI-test-key-id" in request["headers"]["authorization"]
    assert "test-key-secret" not in json.dumps(request)
    params = request["params"]
    assert params["PhoneNumbers"] == "13800138000"  # Aliyun wants the 11 digits
    assert params["SignName"] == "京蒙优选"
    assert params["TemplateCode"] == "SMS_123456789"
    assert json.loads(params["TemplateParam"]) == {"code": "123456"}
    assert not sms.outbox


def test_aliyun_refusing_the_message_is_an_error(aliyun):
    refusal = {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控", "RequestId": "R"}
    with FakeDysmsapi(answer=refusal) as api:
        aliyun.ALIYUN_SMS_ENDPOINT = api.url
        with pytest.raises(sms.SmsError, match="BUSINESS_LIMIT_CONTROL"):
            sms.send_code("+8613800138000", "123456")


def test_aliyun_not_answering_is_an_error_without_the_number(aliyun):
    aliyun.ALIYUN_SMS_ENDPOINT = "http://127.0.0.1:9"  # discard: nothing listens
    with pytest.raises(sms.SmsError) as error:
        sms.send_code("+8613800138000", "123456")
    assert "13800138000" not in str(error.value)


def test_aliyun_without_its_settings_says_which(settings):
    settings.SMS_BACKEND = "aliyun"
    settings.ALIYUN_SMS_ACCESS_KEY_ID = ""
    settings.ALIYUN_SMS_SIGN_NAME = ""
    with pytest.raises(sms.SmsError, match="ALIYUN_SMS_ACCESS_KEY_ID.*ALIYUN_SMS_SIGN_NAME"):
        sms.send_code("+8613800138000", "123456")
