"""A circuit breaker: once a service has failed to answer, it is not asked again for a while.

The Redis cache (``shop.cache``) and the Celery broker (``shop.celery``) each have one per
process, shared by its threads. While one is open, callers take their fallback at once (an
empty cache; a task kept in the database) instead of waiting for a timeout on every request;
after ``retry_seconds`` the next caller tries the service again. The first success after an
outage is reported once (``recover``), with the keys callers asked to deal with then.
"""

import logging
import threading
import time

logger = logging.getLogger(__name__)

# Keys to deal with after an outage; past this many, the oldest are dropped.
PENDING_MAX = 10_000


class Breaker:
    _all: dict[str, "Breaker"] = {}
    _all_lock = threading.Lock()

    def __init__(self, name: str, retry_seconds: float):
        self.name = name
        self.retry_seconds = retry_seconds
        self._lock = threading.Lock()
        self._retry_at = 0.0  # monotonic time before which nothing is tried
        self._down_since: float | None = None
        self._pending: dict[str, None] = {}  # insertion-ordered set, oldest first

    @classmethod
    def named(cls, name: str, retry_seconds: float) -> "Breaker":
        """The process's breaker for ``name`` (a service and its address)."""
        with cls._all_lock:
            breaker = cls._all.get(name)
            if breaker is None:
                breaker = cls._all[name] = cls(name, retry_seconds)
            breaker.retry_seconds = retry_seconds
            return breaker

    @property
    def down(self) -> bool:
        return self._down_since is not None

    def allows(self) -> bool:
        """May a caller ask the service now (up, or down long enough to try again)?"""
        return self._down_since is None or time.monotonic() >= self._retry_at

    def trip(self, error: BaseException, consequence: str = "") -> None:
        """The service did not answer: open for ``retry_seconds`` (logged once per outage)."""
        with self._lock:
            now = time.monotonic()
            self._retry_at = now + self.retry_seconds
            first = self._down_since is None
            if first:
                self._down_since = now
        if first:
            logger.warning(
                "%s unreachable (%s)%s; trying again every %s s",
                self.name,
                error.__class__.__name__,
                f": {consequence}" if consequence else "",
                self.retry_seconds,
            )

    def defer(self, keys) -> None:
        """Remember ``keys`` to be dealt with once the service is back."""
        with self._lock:
            for key in keys:
                self._pending.pop(key, None)
                self._pending[key] = None
            while len(self._pending) > PENDING_MAX:
                del self._pending[next(iter(self._pending))]

    def pending(self) -> list[str]:
        """The keys deferred so far, oldest first."""
        with self._lock:
            return list(self._pending)

    def recover(self, done=()) -> list[str] | None:
        """After a success: None if the service was not down; else, to the first caller only,
        the keys deferred during the outage besides ``done`` (those already dealt with)."""
        if self._down_since is None:
            return None
        with self._lock:
            if self._down_since is None:
                return None
            seconds = time.monotonic() - self._down_since
            self._down_since = None
            for key in done:
                self._pending.pop(key, None)
            keys, self._pending = list(self._pending), {}
        logger.warning("%s back after %.0f s", self.name, seconds)
        return keys
