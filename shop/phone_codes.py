"""Text-message codes for signing in by mobile number: issuing them within limits, checking them.

- A code is 6 random digits, good for ``SMS_CODE_MINUTES`` (5), once, and only while it is the
  newest code of its number (asking again replaces it). Only its HMAC (keyed by SECRET_KEY and
  bound to the number) is stored.
- Issuing is limited per number (``SMS_CODES_PER_MINUTE``, ``SMS_CODES_PER_HOUR``: one a minute,
  five an hour) and per client address (``SMS_CODES_PER_ADDRESS_…``), counted from the codes'
  own rows in the database: a Redis outage leaves the limits working, and no limit fails open.
- ``SMS_CODE_MAX_ATTEMPTS`` wrong tries burn a code, wherever they come from; the sign-in
  (shop/phone_login.py) also counts each wrong code as a wrong password with django-axes, which
  locks the number from that address like an account.
"""

import hashlib
import math
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from orders.address.chinese import normalise_mainland_mobile

from . import sms
from .models import SmsCode

CODE_DIGITS = 6


class TooSoon(Exception):
    """A code was asked for too soon; ``wait`` seconds until one may be."""

    def __init__(self, wait: int):
        super().__init__(f"wait {wait} s")
        self.wait = wait


def normalise(value: str) -> str:
    """``+86`` and the 11 digits of a mainland mobile number, or ValidationError (the checkout's
    and the address book's validator, orders/address/chinese.py)."""
    return "+86" + normalise_mainland_mobile(value)


def masked(number: str) -> str:
    digits = number.removeprefix("+86")
    return digits[:3] + "****" + digits[-4:]


def hash_code(number: str, code: str) -> str:
    return salted_hmac("shop.phone_codes", f"{number}:{code}", algorithm="sha256").hexdigest()


def _limits(number: str, client_ip: str | None):
    yield {"number": number}, settings.SMS_CODES_PER_MINUTE, 60
    yield {"number": number}, settings.SMS_CODES_PER_HOUR, 3600
    if client_ip:
        yield {"client_ip": client_ip}, settings.SMS_CODES_PER_ADDRESS_MINUTE, 60
        yield {"client_ip": client_ip}, settings.SMS_CODES_PER_ADDRESS_HOUR, 3600


def seconds_to_wait(number: str, client_ip: str | None, now=None) -> int:
    """0 if a code may be sent to ``number`` for ``client_ip`` now, else how long until one may."""
    now = now or timezone.now()
    wait = 0.0
    for where, limit, window in _limits(number, client_ip):
        recent = list(
            SmsCode.objects.filter(created__gt=now - timedelta(seconds=window), **where)
            .order_by("-created")
            .values_list("created", flat=True)[:limit]
        )
        if len(recent) >= limit:  # a slot frees when the oldest of the last `limit` leaves
            wait = max(wait, (recent[-1] + timedelta(seconds=window) - now).total_seconds())
    return math.ceil(wait) if wait > 0 else 0


def _serialise(*keys: str) -> None:
    """Until the transaction ends, make other requests for the same number or address wait
    (PostgreSQL's advisory locks, taken in one order): parallel requests must not each count
    the codes before any of them adds its own, and text a number many times at once. SQLite
    (the demo) lets one transaction write at a time and refuses the other."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for key in sorted(set(keys)):
            digest = hashlib.sha256(f"shop.phone_codes:{key}".encode()).digest()
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest[:8], "big", signed=True)]
            )


@transaction.atomic
def issue(number: str, client_ip: str | None = None, now=None) -> None:
    """Text a new code to ``number`` (normalised). TooSoon past a limit; sms.SmsError if the
    provider did not take it (then it does not count towards the limits)."""
    _serialise(f"number:{number}", *([f"address:{client_ip}"] if client_ip else []))
    now = now or timezone.now()
    wait = seconds_to_wait(number, client_ip, now)
    if wait:
        raise TooSoon(wait)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    row = SmsCode.objects.create(
        number=number,
        code_hash=hash_code(number, code),
        client_ip=client_ip or None,
        created=now,
        expires=now + timedelta(minutes=settings.SMS_CODE_MINUTES),
    )
    try:
        sms.send_code(number, code)
    except sms.SmsError:
        row.delete()
        raise
    # Codes older than a day serve no limit any more.
    SmsCode.objects.filter(number=number, created__lt=now - timedelta(days=1)).delete()


def purge(now=None) -> int:
    """Forget codes older than a day (their numbers and client addresses with them): they serve
    no limit any more. Celery beat runs it hourly (``shop.tasks.purge_sms_codes``)."""
    now = now or timezone.now()
    deleted, _ = SmsCode.objects.filter(created__lt=now - timedelta(days=1)).delete()
    return deleted


def verify(number: str, code: str, now=None) -> bool:
    """Whether ``code`` is the newest live code of ``number``; a right one is used up, a wrong
    one counts towards burning the code."""
    now = now or timezone.now()
    try:
        number = normalise(number)
    except ValidationError:
        return False
    code = str(code or "").strip()
    latest = (
        SmsCode.objects.select_for_update().filter(number=number).order_by("-created", "-pk")
    ).first()
    if (
        latest is None
        or latest.used is not None
        or latest.expires <= now
        or latest.failed_attempts >= settings.SMS_CODE_MAX_ATTEMPTS
    ):
        return False
    if (
        len(code) != CODE_DIGITS
        or not code.isdigit()
        or not constant_time_compare(latest.code_hash, hash_code(number, code))
    ):
        SmsCode.objects.filter(pk=latest.pk).update(failed_attempts=F("failed_attempts") + 1)
        return False
    # Conditional: of two requests racing with the same code, one signs in.
    return SmsCode.objects.filter(pk=latest.pk, used__isnull=True).update(used=now) == 1
