"""What the store keeps of Stripe: one row per PaymentIntent, per webhook event, per refund.

Money moved is recorded the Oscar way too (payment ``Source`` and ``PaymentEvent`` rows on the
order); these tables hold what Oscar has no place for: which PaymentIntent belongs to which order,
which events have been seen, and refunds requested and made.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PaymentIntentRecord(models.Model):
    # States from which the buyer can still pay with the same intent (Stripe's), and ours for an
    # intent whose last attempt failed (a retry gets a new intent); the others are Stripe's.
    OPEN_STATES = {"requires_payment_method", "requires_confirmation", "requires_action"}
    FAILED = "failed"

    """A Stripe PaymentIntent made for an order (a new one per attempt after a failure)."""

    order = models.ForeignKey("order.Order", on_delete=models.PROTECT, related_name="intents")
    intent_id = models.CharField(max_length=255, unique=True)
    client_secret = models.CharField(max_length=255)
    attempt = models.PositiveSmallIntegerField(default=1)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="CNY")
    status = models.CharField(max_length=40)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["order", "-attempt"]
        constraints = [
            models.UniqueConstraint(fields=["order", "attempt"], name="one_intent_per_attempt")
        ]
        verbose_name = _("payment intent")

    def __str__(self):
        return f"{self.intent_id} ({self.status})"


class WebhookEvent(models.Model):
    """A Stripe event, stored once: a replayed or retried delivery finds its row and stops."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=255, blank=True)
    received = models.DateTimeField(auto_now_add=True)
    processed = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-received"]
        verbose_name = _("webhook event")

    def __str__(self):
        return f"{self.event_id} {self.type}"


class Refund(models.Model):
    """A refund of some lines of a paid order: requested (by staff or a manager), then made."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        PROCESSING = "processing", _("Processing")
        REFUNDED = "refunded", _("Refunded")
        REJECTED = "rejected", _("Rejected")
        FAILED = "failed", _("Failed")

    order = models.ForeignKey("order.Order", on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    shipping = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REQUESTED)
    stripe_refund_id = models.CharField(max_length=255, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    automatic = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)
    decided = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("refund")

    def __str__(self):
        return f"{self.order.number} ¥{self.amount} ({self.status})"

    @property
    def reference(self):
        return f"refund-{self.pk}"


class RefundLine(models.Model):
    refund = models.ForeignKey(Refund, on_delete=models.CASCADE, related_name="lines")
    line = models.ForeignKey("order.Line", on_delete=models.PROTECT, related_name="refund_lines")
    quantity = models.PositiveIntegerField()
    amount = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["refund", "line"], name="one_refund_line_per_line")
        ]
