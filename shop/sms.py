"""Text messages (短信): one small interface, ``send_code(number, code)``, and its backends.

``SMS_BACKEND`` chooses one (docs/configuration.md):

- ``console`` (``make run``, the tests): sends nothing; logs the code (the number masked by the
  log redaction, shop/logs.py) and keeps it in ``outbox``, a list in memory that tests and the
  browser test (its live server runs in the same process) read the code from.
- ``aliyun``: Alibaba Cloud SMS (短信服务, Dysmsapi ``SendSms``) through its official SDK, with an
  approved signature (签名, ``ALIYUN_SMS_SIGN_NAME``) and a verification-code template
  (``ALIYUN_SMS_TEMPLATE_CODE``) whose one variable is ``${code}``.
- ``none`` (production's default until SMS is configured): sign-in by text message is off.
- or the dotted path of a class with ``send_code(number, code)``.

Numbers are passed in the normalised ``+86…`` form; each backend sends what its API wants.
"""

import json
import logging
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsError(Exception):
    """The message was not sent (the provider refused it or did not answer)."""


@dataclass(frozen=True)
class SentMessage:
    number: str
    code: str


# What the console backend "sent", newest last: read by tests (``outbox[-1].code``).
outbox: list[SentMessage] = []
OUTBOX_LIMIT = 100


class ConsoleBackend:
    """Sends nothing: logs the code and keeps it in ``outbox`` (``make run``, tests)."""

    def send_code(self, number: str, code: str) -> None:
        outbox.append(SentMessage(number, code))
        del outbox[:-OUTBOX_LIMIT]
        # The number is masked by the log formatter; the code stays readable on purpose.
        logger.info("SMS (console, not sent): verification code %s for %s", code, number)


class AliyunBackend:
    """Alibaba Cloud SMS (Dysmsapi 2017-05-25 ``SendSms``) through the official SDK."""

    def __init__(self):
        missing = [
            name
            for name in (
                "ALIYUN_SMS_ACCESS_KEY_ID",
                "ALIYUN_SMS_ACCESS_KEY_SECRET",
                "ALIYUN_SMS_SIGN_NAME",
                "ALIYUN_SMS_TEMPLATE_CODE",
            )
            if not getattr(settings, name, "")
        ]
        if missing:
            raise SmsError(f"SMS_BACKEND=aliyun needs {', '.join(missing)}")

    def _client(self):
        from alibabacloud_dysmsapi20170525.client import Client
        from alibabacloud_tea_openapi.models import Config

        endpoint = settings.ALIYUN_SMS_ENDPOINT
        protocol = "https"
        if "://" in endpoint:  # "http://127.0.0.1:8421" (a stand-in in tests)
            protocol, endpoint = endpoint.split("://", 1)
        return Client(
            Config(
                access_key_id=settings.ALIYUN_SMS_ACCESS_KEY_ID,
                access_key_secret=settings.ALIYUN_SMS_ACCESS_KEY_SECRET,
                endpoint=endpoint.rstrip("/"),
                protocol=protocol,
            )
        )

    def send_code(self, number: str, code: str) -> None:
        from alibabacloud_dysmsapi20170525.models import SendSmsRequest
        from darabonba.runtime import RuntimeOptions

        request = SendSmsRequest(
            phone_numbers=number.removeprefix("+86"),  # mainland numbers: 11 digits
            sign_name=settings.ALIYUN_SMS_SIGN_NAME,
            template_code=settings.ALIYUN_SMS_TEMPLATE_CODE,
            template_param=json.dumps({"code": code}),
        )
        timeout_ms = int(settings.SMS_TIMEOUT_SECONDS * 1000)
        runtime = RuntimeOptions(
            connect_timeout=timeout_ms, read_timeout=timeout_ms, autoretry=False
        )
        try:
            response = self._client().send_sms_with_options(request, runtime)
        except Exception as error:  # the SDK raises its own and urllib3's errors
            # Not the message: the SDK's may quote the request, and with it the number.
            raise SmsError(f"Aliyun SMS did not answer: {type(error).__name__}") from None
        body = response.body
        if getattr(body, "code", None) != "OK":
            # Codes such as isv.BUSINESS_LIMIT_CONTROL (Aliyun's own per-number limits)
            raise SmsError(f"Aliyun SMS refused the message: {getattr(body, 'code', None)}")
        logger.info("SMS sent by Aliyun (request %s)", getattr(body, "request_id", ""))


BACKENDS = {"console": ConsoleBackend, "aliyun": AliyunBackend}


def enabled() -> bool:
    return settings.SMS_BACKEND not in ("", "none")


def get_backend():
    name = settings.SMS_BACKEND
    if not enabled():
        raise SmsError("Sign-in by text message is off (SMS_BACKEND=none).")
    backend = BACKENDS.get(name) or import_string(name)
    return backend()


def send_code(number: str, code: str) -> None:
    """Send ``code`` to ``number`` (``+86…``) with the configured backend; SmsError if not sent."""
    get_backend().send_code(number, code)
