"""Structured logs: one JSON object per line, each with the request id it belongs to, and no
personal data.

- Request ids: taken from nginx's ``X-Request-ID`` (deploy/nginx) when it is well formed, else made
  here; returned in the response's ``X-Request-ID`` header, put on every log record made while the
  request runs, and carried into the Celery tasks it queues (a task's logs share its request's id).
- Redaction: whatever a record holds (message, arguments, traceback, extras such as the request
  Django attaches to 4xx/5xx records), mainland mobile numbers, resident ID numbers and email
  addresses are masked in the formatted line, and in Sentry's reports (a last line of defence:
  the code does not log them on purpose).
"""

import contextlib
import contextvars
import logging
import re
import uuid

from celery.signals import before_task_publish, task_postrun, task_prerun
from pythonjsonlogger.json import JsonFormatter

from cooperatives.validators import id_check_char

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
HEADER = "X-Request-ID"
VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def current_request_id() -> str:
    return request_id_var.get()


class RequestIdMiddleware:
    """First in MIDDLEWARE: every later log line of the request carries its id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if VALID_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        # Not reset on the way out: Django logs the response ("Not Found: …") after the
        # middleware has returned. The next request on this thread sets its own id first.
        request_id_var.set(request_id)
        response = self.get_response(request)
        response[HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.request_id = request_id_var.get()
        return True


_EDGE_BEFORE, _EDGE_AFTER = r"(?<![0-9A-Za-z_])", r"(?![0-9A-Za-z_])"
# Mainland mobiles, with or without +86, in one run or split 3-4-4 by spaces or hyphens.
MOBILE = re.compile(
    _EDGE_BEFORE + r"(?:\+?86[ -]?)?(1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})" + _EDGE_AFTER
)
# 18-character resident ID numbers (GB 11643), masked only when the check character fits, so
# that other 18-digit numbers (amounts in fen, ids) are left alone.
ID_CARD = re.compile(_EDGE_BEFORE + r"(\d{4})(\d{13})([\dXx])" + _EDGE_AFTER)
EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")


def _mask_id(match) -> str:
    head, middle, check = match.groups()
    if id_check_char(head + middle) != check.upper():
        return match.group(0)
    return f"{head}**********{middle[-3:]}{check}"


def redact(text: str) -> str:
    """Mask mainland mobile numbers, resident ID numbers and email addresses in ``text``."""
    text = ID_CARD.sub(_mask_id, text)
    text = MOBILE.sub(r"\1****\3", text)
    return EMAIL.sub(r"\1***@\2", text)


class RedactingFormatter(logging.Formatter):
    """Text logs (LOG_FORMAT=plain), masked after formatting: message, arguments, tracebacks
    and extras (Django's 4xx/5xx records carry the request, query string included)."""

    def format(self, record):
        return redact(super().format(record))


class RedactingJsonFormatter(JsonFormatter):
    """JSON lines (LOG_FORMAT=json), masked the same way."""

    def format(self, record):
        return redact(super().format(record))


def redact_event(event, _hint=None):
    """Sentry's before_send: the same masking over every string of an error report."""

    def clean(value):
        if isinstance(value, str):
            return redact(value)
        if isinstance(value, dict):
            return {key: clean(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [clean(item) for item in value]
        return value

    return clean(event)


# --- Celery: a task logs under the id of the request that queued it --------------------------


@before_task_publish.connect
def _send_request_id(headers=None, **_kwargs):
    if headers is not None and request_id_var.get() != "-":
        headers.setdefault("request_id", request_id_var.get())


_task_tokens: dict[str, contextvars.Token] = {}


@task_prerun.connect
def _receive_request_id(task_id=None, task=None, **_kwargs):
    request_id = getattr(task.request, "request_id", None) if task is not None else None
    _task_tokens[task_id] = request_id_var.set(request_id or f"task-{task_id}")


@task_postrun.connect
def _forget_request_id(task_id=None, **_kwargs):
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        # ValueError: set in another context (an eager task inside a request): leave it.
        with contextlib.suppress(ValueError):
            request_id_var.reset(token)
