"""Celery application (cookiecutter-django's wiring).

Configuration comes from Django settings prefixed ``CELERY_``. With no broker configured
(``CELERY_BROKER_URL``/``REDIS_URL`` unset) tasks run eagerly in-process: the demo needs no
Redis.
"""

import os

from celery import Celery
from celery.contrib.django.task import DjangoTask
from celery.signals import task_postrun, task_prerun
from django.conf import settings
from django.db import close_old_connections, transaction
from kombu.exceptions import OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")

from shop import logs  # noqa: E402,F401  (tasks log under the id of the request that queued them)
from shop.breaker import Breaker  # noqa: E402


class Task(DjangoTask):
    """Celery's Django task, queued after commit *robustly*: the transaction's work (an order,
    a payment, an import) is committed by then, so a broker that cannot take the task must not
    turn it into an error page, nor lose the task.

    A broker that does not answer (refused, timed out: ``CELERY_BROKER_TIMEOUT``, one short
    retry) trips a breaker (``shop.breaker``): the task is kept in the database
    (``shop.models.UnsentTask``) and, for ``OUTAGE_RETRY_SECONDS``, every other task queued
    after a commit goes straight there instead of waiting for the broker again. Beat sends them
    once the broker answers (``shop.tasks.send_unsent_tasks``). What must not be lost also has
    its own way back (webhook events are stored first and queued again by beat)."""

    def delay_on_commit(self, *args, **kwargs) -> None:
        self.apply_async_on_commit(args, kwargs)

    def apply_async_on_commit(self, args=None, kwargs=None, **options) -> None:
        def queue():
            send_or_keep(self, tuple(args or ()), dict(kwargs or {}), options)

        queue.__qualname__ = f"{self.name}.apply_async"  # what Django's error log names
        transaction.on_commit(queue, robust=True)


def _broker() -> Breaker:
    return Breaker.named("Celery broker", settings.OUTAGE_RETRY_SECONDS)


def send_or_keep(task, args: tuple, kwargs: dict, options: dict) -> None:
    """Queue ``task``; if the broker does not take it, keep it for beat to send later."""
    if task.app.conf.task_always_eager:
        _send(task, args, kwargs, options)
        return
    broker = _broker()
    if broker.allows():
        try:
            _send(task, args, kwargs, options)
        except OperationalError as error:  # kombu's, once its connection retries are spent
            broker.trip(error, "tasks kept in the database")
            keep(task.name, args, kwargs, options, error)
        else:
            broker.recover()
        return
    keep(task.name, args, kwargs, options, None)


def _send(task, args, kwargs, options):
    if options:
        task.apply_async(args, kwargs, **options)
    else:
        task.delay(*args, **kwargs)


def keep(name, args, kwargs, options, error) -> None:
    from .models import UnsentTask

    UnsentTask.objects.create(
        name=name,
        args=list(args),
        kwargs=kwargs,
        options=options,
        error=(error.__class__.__name__ if error else "broker known to be down")[:200],
    )


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
