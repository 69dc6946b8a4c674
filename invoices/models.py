"""发票: what buyers ask for (``InvoiceRequest``, on a paid order or a paid purchase batch) and
what the sellers issue (``Invoice``: one per cooperative that sold lines of it, and one of the
platform's own for the shipping it charged).

An invoice's life::

    待开票 ──the cooperative uploads it──▶ 已开票 ──a refund after that──▶ 待红冲
      │                                                                      │
      └─ everything refunded first ─▶ 已取消        the red invoice uploaded ▼
                                                                          已红冲
                                            (something still paid: a new 待开票 for the rest)

The flow is ``invoices.services``; the reads ``invoices.selectors``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orders.storage import private_media_storage
from organisations.models import PurchaseBatch, visible_orders

from .validators import validate_tax_number


class InvoiceRequestQuerySet(models.QuerySet):
    def for_buyer(self, user):
        """The requests ``user`` may see, by the organisations' one rule (管理员 everything of the
        organisation, 采购员 their own): on orders they placed or an organisation's orders they
        administer (``visible_orders``), on batches they made or their organisation's batches
        they administer (``PurchaseBatch.objects.visible_to``); staff all."""
        if not user.is_authenticated:
            return self.none()
        if user.is_staff:
            return self
        return self.filter(
            visible_orders(user, prefix="order__")
            | Q(batch__in=PurchaseBatch.objects.visible_to(user).values("pk"))
        )


class InvoiceRequest(models.Model):
    """A buyer's request for invoices on one paid order or one paid purchase batch (exactly one
    of the two). One per order or batch: what a refund changes afterwards follows by itself
    (``services.refunded``)."""

    class Kind(models.TextChoices):
        ORDINARY = "ordinary", _("Ordinary VAT invoice (普票)")
        SPECIAL = "special", _("Special VAT invoice (专票)")

    class TitleType(models.TextChoices):
        ORGANISATION = "organisation", _("Organisation")
        PERSON = "person", _("Individual")

    order = models.OneToOneField(
        "order.Order",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoice_request",
    )
    batch = models.OneToOneField(
        "organisations.PurchaseBatch",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoice_request",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(
        _("invoice type"), max_length=10, choices=Kind.choices, default=Kind.ORDINARY
    )
    title_type = models.CharField(
        _("title type"), max_length=12, choices=TitleType.choices, default=TitleType.ORGANISATION
    )
    title = models.CharField(_("invoice title (抬头)"), max_length=100)
    tax_number = models.CharField(
        _("taxpayer number (税号)"), max_length=18, blank=True, validators=[validate_tax_number]
    )
    address = models.CharField(_("registered address"), max_length=200, blank=True)
    phone = models.CharField(_("registered telephone"), max_length=30, blank=True)
    bank_name = models.CharField(_("bank"), max_length=100, blank=True)
    bank_account = models.CharField(_("bank account"), max_length=40, blank=True)
    email = models.EmailField(_("email to receive the invoice"))
    created = models.DateTimeField(default=timezone.now)

    objects = InvoiceRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        verbose_name = _("invoice request")
        verbose_name_plural = _("invoice requests")
        constraints = [
            models.CheckConstraint(
                condition=(Q(order__isnull=False, batch__isnull=True))
                | (Q(order__isnull=True, batch__isnull=False)),
                name="invoice_request_order_xor_batch",
            )
        ]

    def __str__(self):
        return f"{self.subject_label} · {self.title}"

    @property
    def subject_label(self) -> str:
        return self.order.number if self.order_id else self.batch.reference

    @property
    def is_special(self) -> bool:
        return self.kind == self.Kind.SPECIAL

    def orders(self):
        """The orders it covers: its order, or its batch's orders."""
        from oscar.core.loading import get_model

        Order = get_model("order", "Order")
        if self.order_id:
            return Order.objects.filter(pk=self.order_id)
        return Order.objects.filter(batch_id=self.batch_id)


class InvoiceQuerySet(models.QuerySet):
    def for_manager(self, user):
        """The invoices a cooperative manager issues (their partners'); staff every one, the
        platform's own (no partner) too."""
        if user.is_staff:
            return self
        if not user.is_authenticated:
            return self.none()
        return self.filter(partner__users=user)

    def for_buyer(self, user):
        return self.filter(request__in=InvoiceRequest.objects.for_buyer(user).values("pk"))

    def to_do(self):
        return self.filter(status__in=Invoice.TO_DO)


class Invoice(models.Model):
    """One seller's invoice for its part of a request: a cooperative's lines (``partner``), or
    the platform's own charges (``partner`` empty: shipping)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("To be issued (待开票)")
        ISSUED = "issued", _("Issued (已开票)")
        RED_PENDING = "red_pending", _("Red invoice needed (待红冲)")
        RED_ISSUED = "red_issued", _("Reversed (已红冲)")
        CANCELLED = "cancelled", _("Nothing to invoice (已取消)")

    TO_DO = (Status.PENDING, Status.RED_PENDING)
    # The invoice that stands for its seller's part (at most one per request and seller).
    ACTIVE = (Status.PENDING, Status.ISSUED, Status.RED_PENDING)

    request = models.ForeignKey(InvoiceRequest, on_delete=models.CASCADE, related_name="invoices")
    partner = models.ForeignKey(
        "partner.Partner",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoices",
        verbose_name=_("issued by"),
    )
    amount = models.DecimalField(_("amount (¥)"), max_digits=12, decimal_places=2)
    refunded = models.DecimalField(
        _("refunded after issue (¥)"), max_digits=12, decimal_places=2, default=0
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    replaces = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
        verbose_name=_("issued again for what remained of"),
    )
    queued_at = models.DateTimeField(_("waiting since"), default=timezone.now)
    code = models.CharField(_("invoice code (发票代码)"), max_length=12, blank=True)
    number = models.CharField(_("invoice number (发票号码)"), max_length=20, blank=True)
    issued_on = models.DateField(_("date of issue"), null=True, blank=True)
    file = models.FileField(
        _("invoice file"),
        upload_to="invoices/",
        storage=private_media_storage,
        max_length=200,
        blank=True,
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    red_code = models.CharField(_("red invoice code"), max_length=12, blank=True)
    red_number = models.CharField(_("red invoice number"), max_length=20, blank=True)
    red_issued_on = models.DateField(_("red invoice date"), null=True, blank=True)
    red_file = models.FileField(
        _("red invoice file"),
        upload_to="invoices/",
        storage=private_media_storage,
        max_length=200,
        blank=True,
    )
    red_uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(auto_now=True)

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        ordering = ["queued_at", "pk"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        constraints = [
            models.UniqueConstraint(
                fields=["request", "partner"],
                condition=Q(status__in=["pending", "issued", "red_pending"]),
                name="one_active_invoice_per_seller",
            ),
        ]

    def __str__(self):
        return f"{self.request.subject_label} · {self.seller_name} · ¥{self.amount}"

    @property
    def seller_name(self) -> str:
        if self.partner_id is None:
            return str(_("Jingmeng Market (platform)"))
        cooperative = getattr(self.partner, "cooperative", None)
        return cooperative.name if cooperative is not None else self.partner.name

    @property
    def is_to_do(self) -> bool:
        return self.status in self.TO_DO

    @property
    def age_days(self) -> int:
        return max((timezone.now() - self.queued_at).days, 0)

    @property
    def remaining(self):
        return self.amount - self.refunded
