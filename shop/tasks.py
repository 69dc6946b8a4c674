"""Celery tasks of the project itself."""

import logging

from celery import shared_task
from django.db import transaction

from .models import UnsentTask

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_unsent_tasks(limit: int = 500) -> int:
    """Celery beat, every minute: queue the tasks a broker outage kept in the database
    (``shop.celery.Task``), oldest first. Each is deleted once the broker took it; if the broker
    fails again, the rest wait for the next run. Rows another run is sending are skipped."""
    from .celery import app

    sent = 0
    for pk in UnsentTask.objects.values_list("pk", flat=True)[:limit]:
        with transaction.atomic():
            unsent = UnsentTask.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            if unsent is None:  # sent by another run meanwhile
                continue
            task = app.tasks.get(unsent.name)
            if task is None:  # renamed or removed by a deploy since: nothing can run it
                logger.error("Unsent task %s is unknown; dropped", unsent.name)
            else:
                # a broker down again raises: this row stays, the rest wait for the next run
                task.apply_async(unsent.args, unsent.kwargs, **unsent.options)
            unsent.delete()
        sent += 1
    if sent:
        logger.info("Queued %d tasks kept during a broker outage", sent)
    return sent


@shared_task
def purge_sms_codes() -> int:
    """Celery beat, hourly: sign-in codes older than a day are deleted (shop/phone_codes.py)."""
    from .phone_codes import purge

    return purge()
