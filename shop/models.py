"""What the project itself keeps: tasks a broker outage kept from being queued, and sign-in by
mobile number (the numbers, the text-message codes)."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
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


class PhoneAccount(models.Model):
    """A user's mainland mobile number, proven by a text-message code (shop/phone_login.py).

    One number, one account: signing in with a number signs in to its account, and the first
    sign-in with a new number creates one (no usable password, no email until the buyer adds it).
    Stored normalised: ``+86`` and the 11 digits."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="phone_account"
    )
    number = models.CharField(_("mobile number"), max_length=16, unique=True)
    verified = models.DateTimeField(_("last proven"), default=timezone.now)

    class Meta:
        verbose_name = _("mobile number")
        verbose_name_plural = _("mobile numbers")

    def __str__(self):
        return self.masked

    @property
    def masked(self) -> str:
        digits = self.number.removeprefix("+86")
        return digits[:3] + "****" + digits[-4:]


class SmsCode(models.Model):
    """A 6-digit code texted to a number (shop/phone_login.py). Only its HMAC is kept (the key
    is SECRET_KEY: a leaked table alone does not give the codes away); it is good for
    SMS_CODE_MINUTES, once, and only while it is the number's newest; SMS_CODE_MAX_ATTEMPTS
    wrong tries burn it. The rows are also the issuing limits' counts (per number, per client
    address), kept in the database so that a Redis outage leaves them working."""

    number = models.CharField(_("mobile number"), max_length=16)
    code_hash = models.CharField(max_length=64)
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)
    expires = models.DateTimeField()
    used = models.DateTimeField(null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created", "-pk"]
        indexes = [
            models.Index(fields=["number", "created"], name="shop_smscode_number"),
            models.Index(fields=["client_ip", "created"], name="shop_smscode_client"),
        ]
        verbose_name = _("text-message code")
        verbose_name_plural = _("text-message codes")

    def __str__(self):
        return f"{self.number[:6]}****{self.number[-4:]} {self.created:%Y-%m-%d %H:%M}"
