"""Django's Redis cache backend, keeping its Redis client, and surviving a Redis outage.

**One client.** Django's ``RedisCacheClient`` makes a new ``redis.Redis`` around its connection
pool for every cache operation, and each one registers redis-py's ~80 response callbacks: about
0.15 ms of CPU per operation on this project's machine. Every page served from the page cache
makes two (the version and the page), every signed-in request more (the session, the role
links). A ``redis.Redis`` holds no connection of its own (its pool does) and is thread-safe, so
one is kept per pool.

**An outage is an empty cache, not an error page.** The cache holds nothing that is not also
somewhere else: pages are rendered again, sessions are read from the database (``cached_db``),
role links and offer answers are asked of it. So when Redis does not answer (refused, reset,
timed out) an operation behaves as Django's dummy cache does: a read finds nothing, a write
keeps nothing, ``incr`` finds no key. Connections give up fast (``socket_connect_timeout`` and
``socket_timeout`` in the settings, sub-second), and once one has failed, a breaker shared by
the process's threads (``shop.breaker``) sends every operation straight to that answer for
``retry_seconds``, then lets one through to try again: a dead Redis costs one timeout every few
seconds, not one per operation.

**Coming back.** Redis may come back with what it held before (it was unreachable, not
restarted): a session changed, or signed out, during the outage would then be read back as it
was. So each key whose write failed is remembered (up to ``shop.breaker.PENDING_MAX``) and
deleted when Redis answers again, and ``cache_recovered`` is sent once per outage: the page
cache and the role links move their versions on (``shop.apps``), so nothing rendered before the
outage is served after it.
"""

import re

from django.core.cache.backends import redis
from django.dispatch import Signal
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from .breaker import Breaker

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
CREDENTIALS = re.compile(r"//[^/@]*@")
OUTAGE = "pages uncached, sessions from the database"

# Sent once per outage, when Redis answers again.
cache_recovered = Signal()


def _nothing():
    return None


def _false():
    return False


def _not_found():
    raise ValueError("Key not found (the cache is unreachable).")


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, retry_seconds: float = 5.0, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}
        # named by address only: a URL's password must not reach the logs
        where = ",".join(CREDENTIALS.sub("//", server) for server in self._servers)
        self._breaker = Breaker.named(f"Redis cache {where}", retry_seconds)

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client

    def _guard(self, operation, degraded, written=()):
        """``operation()``, or ``degraded()`` when Redis is down; ``written``: the keys the
        operation writes, deleted once Redis is back if it could not write them."""
        breaker = self._breaker
        if not breaker.allows():
            breaker.defer(written)
            return degraded()
        try:
            if breaker.down:
                self._reconnect()  # before the operation: it may read what is deleted now
            return operation()
        except UNREACHABLE as error:
            breaker.trip(error, OUTAGE)
            breaker.defer(written)
            return degraded()

    def _reconnect(self):
        """The first operation after an outage: delete what could not be written during it
        (or just ping), then tell the page cache and the role links (``cache_recovered``).
        Raises what the connection raises if Redis is still down."""
        breaker = self._breaker
        keys = breaker.pending()
        client = self.get_client(write=True)
        if keys:
            client.delete(*keys)
        else:
            client.ping()
        later = breaker.recover(done=keys)
        if later is None:  # another thread got there first
            return
        if later:  # deferred by other threads meanwhile
            try:
                client.delete(*later)
            except UNREACHABLE:
                breaker.defer(later)
                raise
        cache_recovered.send(sender=self.__class__)

    def ping(self) -> bool:
        """Redis itself, past the breaker: raises what the connection raises (``/readyz``)."""
        if self._breaker.down:
            self._reconnect()
        return self.get_client(write=True).ping()

    # Django's operations, each guarded; when Redis is down they answer as its dummy cache does.

    def add(self, key, value, timeout):
        base = super()
        return self._guard(lambda: base.add(key, value, timeout), _false, (key,))

    def get(self, key, default):
        base = super()
        return self._guard(lambda: base.get(key, default), lambda: default)

    def set(self, key, value, timeout):
        base = super()
        return self._guard(lambda: base.set(key, value, timeout), _nothing, (key,))

    def touch(self, key, timeout):
        base = super()
        return self._guard(lambda: base.touch(key, timeout), _false, (key,))

    def delete(self, key):
        base = super()
        return self._guard(lambda: base.delete(key), _false, (key,))

    def get_many(self, keys):
        base, keys = super(), list(keys)
        return self._guard(lambda: base.get_many(keys), dict)

    def has_key(self, key):
        base = super()
        return self._guard(lambda: base.has_key(key), _false)

    def incr(self, key, delta):
        base = super()
        return self._guard(lambda: base.incr(key, delta), _not_found, (key,))

    def set_many(self, data, timeout):
        base = super()
        return self._guard(lambda: base.set_many(data, timeout), _nothing, list(data))

    def delete_many(self, keys):
        base, keys = super(), list(keys)
        return self._guard(lambda: base.delete_many(keys), _nothing, keys)

    def clear(self):
        base = super()
        return self._guard(lambda: base.clear(), _false)


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient

    def ping(self) -> bool:
        """Ask Redis itself, past the breaker (``/readyz``); raises when it does not answer."""
        return self._cache.ping()
