"""What the store keeps of Stripe: one row per PaymentIntent, per webhook event, per refund.

Money moved is recorded the Oscar way too (payment ``Source`` and ``PaymentEvent`` rows on the
order); these tables hold what Oscar has no place for: which PaymentIntent belongs to which order,
which events have been seen, and refunds requested and made.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
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


# --- 对公转账: bank transfers (issue 26) --------------------------------------------------------


class TransferInstruction(models.Model):
    """What a buyer is told to pay by bank transfer (对公转账) for one unpaid order or for a
    purchase batch (采购单, all its orders at once): the payee account (settings), this
    instruction's ``reference`` to write in the transfer's 附言/用途, the exact amount, and the
    due date; unpaid by then, the order(s) are cancelled (``orders.payments.transfers``)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for the transfer")
        PAID = "paid", _("Paid")
        CANCELLED = "cancelled", _("Cancelled")
        CLOSED = "closed", _("Closed (paid another way)")

    reference = models.CharField(_("transfer reference"), max_length=16, unique=True)
    order = models.OneToOneField(
        "order.Order",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfer_instruction",
    )
    batch = models.OneToOneField(
        "organisations.PurchaseBatch",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfer_instruction",
    )
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="CNY")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    due = models.DateTimeField(_("pay by"))
    reminded_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("bank transfer instruction")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(order__isnull=False, batch__isnull=True)
                    | models.Q(order__isnull=True, batch__isnull=False)
                ),
                name="transfer_for_an_order_or_a_batch",
            )
        ]

    def __str__(self):
        return f"{self.reference} ¥{self.amount} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    def orders(self):
        """The orders this transfer pays (the batch's, or the one)."""
        if self.batch_id:
            return self.batch.orders.all()
        return self.order.__class__.objects.filter(pk=self.order_id)


class StatementImport(models.Model):
    """One bank statement (CSV/XLSX) imported by staff."""

    filename = models.CharField(max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    lines_read = models.PositiveIntegerField(default=0)
    lines_new = models.PositiveIntegerField(default=0)
    lines_matched = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("bank statement import")

    @property
    def lines_seen(self) -> int:
        """Lines imported before (by an earlier statement): skipped."""
        return max(0, self.lines_read - self.lines_new)


class StatementLine(models.Model):
    """A credit on the store's bank account, from a statement: stored once (``fingerprint``:
    the bank's 流水号 with the date, amount and payer account, else date, amount, payer
    account and memo; with its place among identical lines of its file), then matched to a
    transfer instruction or listed for a person."""

    class Status(models.TextChoices):
        MATCHED = "matched", _("Matched: paid")
        SHORT = "short", _("Less than due")
        OVER = "over", _("More than due")
        UNMATCHED = "unmatched", _("No reference")
        AMBIGUOUS = "ambiguous", _("Several references")
        CLOSED = "closed", _("Order already paid or cancelled")
        SET_ASIDE = "set_aside", _("Set aside")

    # Lines a person has to settle.
    NEEDS_A_PERSON = (
        Status.SHORT,
        Status.OVER,
        Status.UNMATCHED,
        Status.AMBIGUOUS,
        Status.CLOSED,
    )

    statement = models.ForeignKey(StatementImport, on_delete=models.PROTECT, related_name="lines")
    row = models.PositiveIntegerField()
    fingerprint = models.CharField(max_length=64, unique=True)
    bank_serial = models.CharField(_("bank serial number"), max_length=64, blank=True)
    date = models.DateField(_("transfer date"))
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    payer_name = models.CharField(_("payer"), max_length=200, blank=True)
    payer_account = models.CharField(_("payer account"), max_length=64, blank=True)
    memo = models.CharField(_("memo"), max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, db_index=True)
    instruction = models.ForeignKey(
        TransferInstruction,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lines",
    )
    # References found in the memo (for an ambiguous line), space-separated.
    found_references = models.CharField(max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("bank statement line")

    def __str__(self):
        return f"{self.date} ¥{self.amount} ({self.status})"

    @property
    def needs_a_person(self) -> bool:
        return self.status in self.NEEDS_A_PERSON

    @property
    def payment_reference(self) -> str:
        """What the order's payment source records: the bank's 流水号, else this line's id."""
        return self.bank_serial or f"statement-line-{self.pk}"


class TransferAction(models.Model):
    """The log of what happened to a statement line or an instruction: who, when, what."""

    class Kind(models.TextChoices):
        IMPORTED = "imported", _("Imported")
        MATCHED = "matched", _("Matched automatically")
        MATCHED_BY_HAND = "matched_by_hand", _("Matched by hand")
        SET_ASIDE = "set_aside", _("Set aside")
        REMINDED = "reminded", _("Reminder sent")
        CANCELLED = "cancelled", _("Cancelled: not paid in time")

    line = models.ForeignKey(
        StatementLine, null=True, blank=True, on_delete=models.CASCADE, related_name="actions"
    )
    instruction = models.ForeignKey(
        TransferInstruction,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="actions",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("bank transfer action")
