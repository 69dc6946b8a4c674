"""Celery application (cookiecutter-django's wiring).

Configuration comes from Django settings prefixed ``CELERY_``. With no broker configured
(``CELERY_BROKER_URL``/``REDIS_URL`` unset) tasks run eagerly in-process: the demo needs no
Redis.
"""

import os

from celery import Celery
from celery.contrib.django.task import DjangoTask
from celery.signals import task_postrun, task_prerun
from django.db import close_old_connections, transaction

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")

from shop import logs  # noqa: E402,F401  (tasks log under the id of the request that queued them)


class Task(DjangoTask):
    """Celery's Django task, queued after commit *robustly*: the transaction's work (an order,
    a payment, an import) is committed by then, so a broker that cannot take the task is logged
    at ERROR instead of turning it into an error page, and the transaction's other after-commit
    callbacks still run. What must not be lost has its own way back (webhook events are stored
    first and queued again by beat)."""

    def delay_on_commit(self, *args, **kwargs) -> None:
        self._on_commit(self.delay, args, kwargs)

    def apply_async_on_commit(self, *args, **kwargs) -> None:
        self._on_commit(self.apply_async, args, kwargs)

    def _on_commit(self, send, args, kwargs):
        def queue():
            send(*args, **kwargs)

        queue.__qualname__ = f"{self.name}.{send.__name__}"  # what Django's error log names
        transaction.on_commit(queue, robust=True)


app = Celery("shop", task_cls="shop.celery:Task")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def close_old_database_connections(sender=None, **kwargs):
    """A task is a request: its database connections are kept, as the web workers keep theirs,
    until ``CONN_MAX_AGE`` has passed or they have failed, and their health is checked again
    before the next task uses them (``CONN_HEALTH_CHECKS``).

    Celery's own Django fixup instead closes every connection before and after each task unless
    ``db_reuse_max`` is set (``CELERY_DB_REUSE_MAX`` in the settings, which hands it this job):
    a new PostgreSQL connection, and backend, for every task. In a flash sale that was two per
    order, and a seventh of the worker's time."""
    if sender is not None and getattr(sender.request, "is_eager", False):
        return  # eager tasks run inside the caller's request or test, on its connection
    close_old_connections()
