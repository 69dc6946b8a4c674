"""Reminders: when a session goes live, everyone who asked to be reminded of it is emailed."""

from celery import shared_task
from django.utils import timezone, translation
from oscar.core.loading import get_class

from .models import LiveSession, Reminder

Dispatcher = get_class("communication.utils", "Dispatcher")


@shared_task(
    name="livestream.tasks.send_live_reminders",  # as beat and queued messages name it
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=5,
)
def send_live_reminders(session_id: int | None = None) -> int:
    """Email everyone who asked to be reminded of a session that is live now. Each reminder is
    claimed with a conditional update before it is sent, so none goes out twice. Celery beat runs
    it every minute as well, for reminders asked for after the session went live."""
    sessions = LiveSession.objects.filter(status=LiveSession.Status.LIVE)
    if session_id is not None:
        sessions = sessions.filter(pk=session_id)
    sent = 0
    dispatcher = Dispatcher()
    for reminder in Reminder.objects.filter(session__in=sessions, sent__isnull=True).select_related(
        "session", "user"
    ):
        if not Reminder.objects.filter(pk=reminder.pk, sent__isnull=True).update(
            sent=timezone.now()
        ):
            continue
        try:
            with translation.override("zh-hans"):
                messages = dispatcher.get_messages(
                    "LIVE_REMINDER", {"session": reminder.session, "user": reminder.user}
                )
                dispatcher.dispatch_user_messages(reminder.user, messages)
        except Exception:
            Reminder.objects.filter(pk=reminder.pk).update(sent=None)  # the retry sends it
            raise
        sent += 1
    return sent
