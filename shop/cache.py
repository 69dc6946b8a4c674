"""Django's Redis cache backend, keeping its Redis client.

Django's ``RedisCacheClient`` makes a new ``redis.Redis`` around its connection pool for every
cache operation, and each one registers redis-py's ~80 response callbacks: about 0.15 ms of CPU
per operation on this project's machine. Every page served from the page cache makes two (the
version and the page), every signed-in request more (the session, the role links). A
``redis.Redis`` holds no connection of its own (its pool does) and is thread-safe, so one is
kept per pool.
"""

from django.core.cache.backends import redis


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
