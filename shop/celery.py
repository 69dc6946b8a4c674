"""Celery application (cookiecutter-django's wiring).

Configuration comes from Django settings prefixed ``CELERY_``. With no broker configured
(``CELERY_BROKER_URL``/``REDIS_URL`` unset) tasks run eagerly in-process: the demo needs no
Redis.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")

from shop import logs  # noqa: E402,F401  (tasks log under the id of the request that queued them)

app = Celery("shop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
