"""Structured logs: one JSON object per line, each with the request id it belongs to, and no
personal data.

- Request ids: taken from nginx's ``X-Request-ID`` (deploy/nginx) when it is well formed, else made
  here; returned in the response's ``X-Request-ID`` header, put on every log record made while the
  request runs, and carried into the Celery tasks it queues (a task's logs share its request's id).
- Redaction: whatever a message or its arguments hold, mainland mobile numbers, ID card numbers
  and email addresses are masked before a record is written (a last line of defence: the code
  does not log them on purpose).
"""

import contextlib
import contextvars
import logging
import re
import uuid

from celery.signals import before_task_publish, task_postrun, task_prerun

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


MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
ID_CARD = re.compile(r"(?<![0-9A-Za-z])(\d{4})\d{10}(\d{3}[\dXx])(?![0-9A-Za-z])")
EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")


def redact(text: str) -> str:
    text = ID_CARD.sub(r"\1**********\2", text)
    text = MOBILE.sub(r"\1****\2", text)
    return EMAIL.sub(r"\1***@\2", text)


class RedactPersonalDataFilter(logging.Filter):
    """Mask phone numbers, ID numbers and emails in the final message (arguments included)."""

    def filter(self, record):
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is the logging module's to report
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


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
