"""The Redis cache backend: Django's own, keeping one `redis.Redis` client per connection pool.

Django's client builds a new `redis.Redis` around its pool for every cache call; on a page that
reads the session and two fragments that construction was about a twentieth of the request
(README, "Figures"). A `redis.Redis` is safe to share between threads (each command borrows a
connection from the pool), so one per pool is kept.
"""

from django.core.cache.backends import redis


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
