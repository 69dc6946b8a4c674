"""The cooperative workspace's own record: who saw order recipients' personal data in full."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cooperatives.models import AppendOnlyQuerySet


class RecipientDataAccess(models.Model):
    """Audit log, like the households' ``impact.PersonalDataAccess``: who was shown the
    recipients (name, full mobile number, address) of which orders, when, and where (an order
    page, the fulfilment list, a packing list, labels, a courier export). One row per page shown
    or file made; append-only."""

    class Action(models.TextChoices):
        VIEW = "view", _("viewed")
        EXPORT = "export", _("exported")
        PRINT = "print", _("printed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user")
    )
    action = models.CharField(_("action"), max_length=8, choices=Action.choices)
    page = models.CharField(_("where"), max_length=40)
    orders = models.ManyToManyField(
        "order.Order", related_name="recipient_accesses", verbose_name=_("orders")
    )
    created = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = _("recipient data access")
        verbose_name_plural = _("recipient data accesses")

    def __str__(self):
        return f"{self.user} {self.get_action_display()} {self.page} {self.created:%Y-%m-%d}"
