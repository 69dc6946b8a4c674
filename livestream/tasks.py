"""Celery tasks for livestreams: beat's sweep of sessions left live, and the reminders (in
``livestream.reminders``, which the services queue; imported here so that Celery finds them)."""

from celery import shared_task

from . import services
from .reminders import send_live_reminders

__all__ = ["send_live_reminders"]  # (registered with Celery)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def end_overdue_sessions() -> int:
    return services.end_overdue_sessions()
