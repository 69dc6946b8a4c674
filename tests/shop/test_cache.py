"""The Redis cache backend (shop/cache.py): Django's, with one Redis client per connection pool
instead of one per operation."""

import threading

import pytest
from django.core.cache import caches

from shop.cache import RedisCache
from tests.conftest import require_service


@pytest.fixture
def redis_cache(settings):
    require_service(bool(settings.REDIS_URL), "Redis not configured (REDIS_URL=redis://…)")
    return RedisCache(settings.REDIS_URL, {"KEY_PREFIX": "test-shop-cache"})


@pytest.mark.redis
def test_the_store_uses_it_when_redis_is_configured(settings):
    require_service(bool(settings.REDIS_URL), "Redis not configured (REDIS_URL=redis://…)")
    assert isinstance(caches["default"], RedisCache)


@pytest.mark.redis
def test_one_client_serves_every_operation(redis_cache):
    client = redis_cache._cache.get_client("a")
    assert redis_cache._cache.get_client("b", write=True) is client
    redis_cache.set("greeting", {"text": "上车"}, 30)
    assert redis_cache.get("greeting") == {"text": "上车"}
    assert redis_cache.get_many(["greeting", "missing"]) == {"greeting": {"text": "上车"}}
    redis_cache.delete("greeting")
    assert redis_cache.get("greeting") is None
    assert redis_cache._cache.get_client("c") is client


@pytest.mark.redis
def test_threads_share_it_safely(redis_cache):
    errors = []

    def work(n):
        try:
            for i in range(50):
                redis_cache.set(f"t{n}-{i}", i, 30)
                assert redis_cache.get(f"t{n}-{i}") == i
        except Exception as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
