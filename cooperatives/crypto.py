"""Encryption at rest for personal data, on ``cryptography``'s MultiFernet with a dedicated key.

Why not django-fernet-encrypted-fields: it derives its key from SECRET_KEY (rotating the session
secret would strand the data), returns ciphertext silently when the key is wrong, and keeps
returning ciphertext after a failed ``clean()``. This field is small, raises on a wrong key, and
rotates keys the Fernet way.

``FIELD_ENCRYPTION_KEY`` is one or more comma-separated secrets (any long random strings); the
first encrypts, all decrypt, so a new key goes first and the old one stays until data is re-saved.
``FIELD_HASH_KEY`` (default: derived from the first encryption key) keys the HMAC used to look up
and de-duplicate ID numbers; keep it stable when rotating encryption keys.
"""

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


def _fernet_key(secret: str) -> bytes:
    return base64.urlsafe_b64encode(hashlib.sha256(b"jingmeng-fernet:" + secret.encode()).digest())


@lru_cache(maxsize=4)
def _fernet(keys: str) -> MultiFernet:
    secrets = [k.strip() for k in keys.split(",") if k.strip()]
    if not secrets:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY is empty.")
    return MultiFernet([Fernet(_fernet_key(s)) for s in secrets])


def fernet() -> MultiFernet:
    return _fernet(settings.FIELD_ENCRYPTION_KEY)


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "Encrypted personal data cannot be read with FIELD_ENCRYPTION_KEY (wrong key?)."
        ) from exc


def keyed_hash(value: str) -> str:
    """HMAC-SHA256 of ``value`` (hex): look-ups and uniqueness without storing the value."""
    key = getattr(settings, "FIELD_HASH_KEY", "") or (
        "hash:" + settings.FIELD_ENCRYPTION_KEY.split(",")[0].strip()
    )
    return hmac.new(key.encode(), value.encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """A text column stored as a Fernet token; reads give the clear text back.

    Encrypted columns cannot be filtered or sorted on (each token is different); look rows up by
    a keyed hash column instead. Empty strings are stored as empty strings.
    """

    description = "Text encrypted at rest (Fernet)"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))

    def get_lookup(self, lookup_name):
        if lookup_name not in {"isnull", "exact"}:
            return None  # no contains/startswith/etc. on ciphertext
        return super().get_lookup(lookup_name)
