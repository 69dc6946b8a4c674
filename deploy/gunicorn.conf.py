"""gunicorn settings for the store (deploy/bin/web: ``gunicorn -c deploy/gunicorn.conf.py``).

Every value can be overridden from the environment; the defaults suit one host behind nginx
(deploy/nginx/jingmeng.conf) or a load balancer.
"""

import multiprocessing
import os
import re

from gunicorn.glogging import Logger


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


# Where to listen: nginx proxies to it (several hosts: one upstream server line each).
bind = os.environ.get("BIND", "127.0.0.1:8000").split(",")

# Sync workers: the store is CPU-bound Django with short requests (README: Performance). 2 × cores
# + 1, capped: beyond ~12 processes a host runs out of memory (each holds Django + Oscar, ~150 MB)
# and PostgreSQL connections (CONN_MAX_AGE keeps one per worker) before it gains throughput.
workers = _int("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 12))
worker_class = "sync"
threads = 1

# Requests behind nginx: X-Forwarded-* are believed only from these addresses (the proxies).
# Django itself reads X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER); nginx must overwrite it.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# A request that takes longer than this is killed (the worker restarts); Stripe calls have their
# own shorter timeouts. On SIGTERM workers get graceful_timeout seconds to finish what they serve.
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 20)
keepalive = _int("GUNICORN_KEEPALIVE", 5)  # nginx keeps upstream connections open

# Recycle workers now and then (slow leaks in any library), not all at once.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200)

# No preload: each worker imports the app itself, so a deploy's SIGHUP reloads code and no
# database or Redis connection made at import time is shared between forked workers.
preload_app = False

# Heartbeat files on tmpfs, not on a (possibly slow or read-only) disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108

# Logs to stdout/stderr (journald or the container runtime collects them). The access log has
# the path without its query string (searches, tokens and order look-ups carry personal data
# there), no client address, no referrer, and nginx's X-Request-ID to match nginx's own log.
# Paths that carry a secret are logged without it (SecretPathLogger below).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms rid=%({x-request-id}i)s'

# Path segments that are secrets: a password-reset link's token (Django's confirm view; whoever
# reads it can set the account's password) and the hash of a guest's order-status link (the order
# and its address). Logged as "***"; deploy/nginx/jingmeng.conf does the same in nginx's log.
SECRET_PATH = re.compile(
    r"(/password-reset/confirm/|/accounts/order-status(?:-form)?/[^/\s?]*/)[^\s?]+"
)


def redact_path(text: str) -> str:
    return SECRET_PATH.sub(r"\1***/", text) if text else text


class SecretPathLogger(Logger):
    """gunicorn's logger, with the secret segments of such paths masked in the access log (the
    path, and the request line should a format use it)."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("U", "r"):
            atoms[key] = redact_path(atoms.get(key))
        return atoms


logger_class = SecretPathLogger

proc_name = "jingmeng-web"
