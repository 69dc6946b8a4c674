"""What the benchmarks share: their own PostgreSQL database, dropped and created afresh, and the
environment that runs the store as in production (DEBUG off, fresh secrets, plain HTTP)."""

import uuid
from urllib.parse import urlparse

import psycopg


def recreate_database(url: str) -> None:
    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def production_like(database_url: str, **extra: str) -> dict:
    """The store's environment for a bench: production settings over plain HTTP on this
    machine, secrets made for the run, mail sent nowhere, quiet logs; ``extra`` adds or
    overrides."""
    return {
        "DJANGO_SETTINGS_MODULE": "shop.settings",
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "SECRET_KEY": "bench-" + uuid.uuid4().hex * 2,
        "FIELD_ENCRYPTION_KEY": "bench-field-" + uuid.uuid4().hex,
        "FIELD_HASH_KEY": "bench-hash-" + uuid.uuid4().hex,
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        # Prints and sends nothing: the bench measures the store, not a mail server (the web
        # refuses the console backend in production; the bench runs no `check --deploy`).
        "EMAIL_URL": "dummymail://",
        "LOG_LEVEL": "WARNING",
        **extra,
    }
