"""Text messages (短信): one small interface, ``send_code(number, code)``, and its backends.

``SMS_BACKEND`` chooses one (docs/configuration.md):

- ``console`` (``make run``, the tests): sends nothing; logs the code (the number masked by the
  log redaction, shop/logs.py) and keeps it in ``outbox``, a list in memory that tests and the
  browser test (its live server runs in the same process) read the code from.
- ``aliyun``: Alibaba Cloud SMS (短信服务, Dysmsapi ``SendSms``) through its official SDK, with an
  approved signature (签名, ``ALIYUN_SMS_SIGN_NAME``) and a verification-code template
  (``ALIYUN_SMS_TEMPLATE_CODE``) whose one variable is ``${code}``.
- ``none`` (production's default until SMS is configured): sign-in by text message is off.
- or the dotted path of a class with ``send_code(number, code)`` (and, to text order
  notifications, ``send_notification(number, event, params)``).

Order notifications (``send_notification``): a buyer with no email address is texted when their
order is placed (unpaid: with the signed pay link), paid and shipped (shop/order_texts.py). Each
event has its own Aliyun template (``ALIYUN_SMS_TEMPLATE_ORDER_PLACED``, ``…_PAID``,
``…_SHIPPED``; empty: that text is not sent) whose variables are the keys of ``params``
(``order``; ``link`` for placed; ``carrier`` and ``tracking`` for shipped), sent as
``TemplateParam`` JSON; the console backend renders the store's own wording (``NOTIFICATIONS``,
translated) into ``outbox``.

Numbers are passed in the normalised ``+86…`` form; each backend sends what its API wants.
"""

import json
import logging
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext, gettext_noop

logger = logging.getLogger(__name__)


class SmsError(Exception):
    """The message was not sent (the provider refused it or did not answer)."""


@dataclass(frozen=True)
class SentMessage:
    number: str
    code: str = ""  # a verification code's
    event: str = ""  # an order notification's ("placed", "paid", "shipped", "after_sales")
    text: str = ""  # the notification as the console renders it
    params: dict = field(default_factory=dict)  # its template variables


# What the console backend "sent", newest last: read by tests (``outbox[-1].code``).
outbox: list[SentMessage] = []
OUTBOX_LIMIT = 100

# Order notifications: event -> (the setting naming its Aliyun template, the store's wording,
# which the approved template should match; the console renders it in Chinese).
NOTIFICATIONS = {
    "placed": (
        "ALIYUN_SMS_TEMPLATE_ORDER_PLACED",
        gettext_noop(
            "Your order %(order)s has been placed. Pay for it here: %(link)s Unpaid orders are "
            "cancelled automatically."
        ),
    ),
    "paid": (
        "ALIYUN_SMS_TEMPLATE_ORDER_PAID",
        gettext_noop("Your order %(order)s has been paid. The cooperative will ship it soon."),
    ),
    "shipped": (
        "ALIYUN_SMS_TEMPLATE_ORDER_SHIPPED",
        gettext_noop(
            "A parcel of your order %(order)s has shipped: %(carrier)s, tracking number "
            "%(tracking)s."
        ),
    ),
    "after_sales": (
        "ALIYUN_SMS_TEMPLATE_AFTER_SALES",
        gettext_noop("After-sales for your order %(order)s: %(step)s. Details: %(link)s"),
    ),
}


def notification_text(event: str, params: dict) -> str:
    """The notification's words in Chinese, its variables filled in."""
    with translation.override("zh-hans"):
        return gettext(NOTIFICATIONS[event][1]) % params


class ConsoleBackend:
    """Sends nothing: logs the code and keeps it in ``outbox`` (``make run``, tests)."""

    def send_code(self, number: str, code: str) -> None:
        outbox.append(SentMessage(number, code))
        del outbox[:-OUTBOX_LIMIT]
        # The number is masked by the log formatter; the code stays readable on purpose.
        logger.info("SMS (console, not sent): verification code %s for %s", code, number)

    def send_notification(self, number: str, event: str, params: dict) -> bool:
        text = notification_text(event, params)
        outbox.append(SentMessage(number, event=event, text=text, params=dict(params)))
        del outbox[:-OUTBOX_LIMIT]
        # The number is masked by the log formatter (the pay link: console is refused in
        # production, jingmeng.E005).
        logger.info("SMS (console, not sent): order %s text for %s: %s", event, number, text)
        return True


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
        self._send(number, settings.ALIYUN_SMS_TEMPLATE_CODE, {"code": code})

    def send_notification(self, number: str, event: str, params: dict) -> bool:
        """The event's template with ``params``; False (nothing sent) when it has none."""
        template = getattr(settings, NOTIFICATIONS[event][0], "")
        if not template:
            return False
        params = dict(params)
        if "link" in params:
            # Aliyun wants a link's (ICP-filed) host fixed in the template, not in a variable:
            # the template reads "https://<the store's host>/${link}", the variable the rest.
            url = urlsplit(params["link"])
            params["link"] = (url.path + (f"?{url.query}" if url.query else "")).lstrip("/")
        self._send(number, template, params)
        return True

    def _send(self, number: str, template_code: str, params: dict) -> None:
        from alibabacloud_dysmsapi20170525.models import SendSmsRequest
        from darabonba.runtime import RuntimeOptions

        request = SendSmsRequest(
            phone_numbers=number.removeprefix("+86"),  # mainland numbers: 11 digits
            sign_name=settings.ALIYUN_SMS_SIGN_NAME,
            template_code=template_code,
            template_param=json.dumps(params),
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


def send_notification(number: str, event: str, params: dict) -> bool:
    """Text ``number`` the order notification ``event`` (a key of ``NOTIFICATIONS``) with its
    ``params``. True when sent; False when the backend sends no such text (Aliyun without the
    event's template, a backend without ``send_notification``); SmsError if not sent."""
    if event not in NOTIFICATIONS:
        raise ValueError(f"No such order notification: {event}")
    send = getattr(get_backend(), "send_notification", None)
    return bool(send and send(number, event, params))
