"""What the project itself keeps: tasks a broker outage kept from being queued."""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class UnsentTask(models.Model):
    """A Celery task queued after a commit that the broker did not take (shop/celery.py).

    Its transaction's work (an order, a webhook event, a payment) is committed; the task that
    follows it is kept here and sent by beat (``shop.tasks.send_unsent_tasks``) once the broker
    answers again. Tasks carry ids, never personal data; every task queued this way is
    idempotent, so one sent twice (a broker that took it but answered too late) does no harm.
    """

    name = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list, encoder=DjangoJSONEncoder)
    kwargs = models.JSONField(_("keyword arguments"), default=dict, encoder=DjangoJSONEncoder)
    options = models.JSONField(_("queueing options"), default=dict, encoder=DjangoJSONEncoder)
    error = models.CharField(_("why it was not queued"), max_length=200, blank=True)
    created = models.DateTimeField(_("kept at"), auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("unsent task")
        verbose_name_plural = _("unsent tasks")

    def __str__(self):
        return f"{self.name} {self.args}"
