"""Organisation buyers (预算单位 · 工会 · 企业): who they are, who buys for them, what they
set aside for produce from helped regions (预留份额), and their purchase batches (采购单: one
order per gift recipient, paid once).

An order placed for an organisation carries it (``order.Order.organisation``); an order made by a
batch carries the batch too (``order.Order.batch``). The order app refers to these models by
string only and knows nothing else of them.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cooperatives.models import BEIJING_DISTRICT_CHOICES
from cooperatives.validators import validate_uscc
from orders.storage import private_media_storage


class OrganisationQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=Organisation.Status.APPROVED)

    def for_member(self, user):
        """The approved organisations ``user`` buys for (any role)."""
        if not user.is_authenticated:
            return self.none()
        return self.approved().filter(members__user=user)

    def for_admin(self, user):
        """The approved organisations ``user`` manages (role 管理员)."""
        if not user.is_authenticated:
            return self.none()
        return self.approved().filter(members__user=user, members__role=Member.Role.ADMIN)


class Organisation(models.Model):
    class Kind(models.TextChoices):
        BUDGET_UNIT = "budget_unit", _("Budget unit (预算单位)")
        UNION = "union", _("Trade union (工会)")
        COMPANY = "company", _("Company (企业)")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    name = models.CharField(_("organisation name"), max_length=100)
    kind = models.CharField(_("organisation type"), max_length=16, choices=Kind.choices)
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[validate_uscc]
    )
    district = models.CharField(
        _("Beijing district"), max_length=8, choices=BEIJING_DISTRICT_CHOICES
    )
    contact_name = models.CharField(_("contact person"), max_length=50)
    contact_phone = models.CharField(_("contact mobile"), max_length=20)
    contact_email = models.EmailField(_("contact email"), blank=True)
    # Private (``orders.storage``): served only to staff and the organisation's administrators,
    # by ``organisations.views.LicenceView`` and the dashboard's.
    licence = models.FileField(
        _("business licence picture"),
        upload_to="organisations/licences/",
        storage=private_media_storage,
        max_length=200,
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    rejection_reason = models.CharField(_("reason for rejection"), max_length=200, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self):
        return self.name

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED


class Member(models.Model):
    class Role(models.TextChoices):
        BUYER = "buyer", _("Purchaser (采购员)")
        ADMIN = "admin", _("Administrator (管理员)")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="organisation_memberships"
    )
    role = models.CharField(_("role"), max_length=8, choices=Role.choices, default=Role.BUYER)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organisation", "role", "created"]
        verbose_name = _("organisation member")
        verbose_name_plural = _("organisation members")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user"], name="one_membership_per_user")
        ]

    def __str__(self):
        return f"{self.organisation} · {self.user} ({self.get_role_display()})"


class ReservedShare(models.Model):
    """What an organisation sets aside in a year for produce from helped regions (预留份额)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="reserved_shares"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    target = models.DecimalField(_("target (¥)"), max_digits=12, decimal_places=2)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("reserved share")
        verbose_name_plural = _("reserved shares")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="one_target_per_year")
        ]


class PurchaseBatchQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The batches ``user`` may see and act on: every batch of the approved organisations
        they administer (管理员), and those they made themselves for an approved organisation they
        still buy for (采购员); none for anyone else."""
        if not user.is_authenticated:
            return self.none()
        admin_of = Organisation.objects.for_admin(user).values("pk")
        member_of = Organisation.objects.for_member(user).values("pk")
        return self.filter(
            models.Q(organisation__in=admin_of)
            | models.Q(organisation__in=member_of, created_by=user)
        )


def visible_orders(user, prefix: str = "") -> models.Q:
    """The rule "管理员 see all the organisation's orders, 采购员 their own", as a ``Q`` over orders
    (``prefix``: the path to the order, e.g. ``"order__"``): the orders ``user`` placed, and every
    order placed for an approved organisation they administer."""
    if not user.is_authenticated:
        return models.Q(pk__in=[])
    admin_of = Organisation.objects.for_admin(user).values("pk")
    return models.Q(**{f"{prefix}user": user}) | models.Q(**{f"{prefix}organisation__in": admin_of})


class PurchaseBatch(models.Model):
    """采购单: one order per recipient of a gift sheet, stock held for all or none, paid once.

    Its orders are ``batch.orders`` (``order.Order.batch``); its status follows them: waiting for
    payment until paid (all its orders together), or cancelled (all together)."""

    class Status(models.TextChoices):
        PENDING_PAYMENT = "pending", _("Waiting for payment")
        PAID = "paid", _("Paid")
        CANCELLED = "cancelled", _("Cancelled")

    reference = models.CharField(_("batch number"), max_length=20, unique=True)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="batches")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING_PAYMENT
    )
    title = models.CharField(_("purpose"), max_length=100, blank=True)
    total = models.DecimalField(_("total (¥)"), max_digits=12, decimal_places=2)
    recipients = models.PositiveIntegerField(_("recipients"))
    created = models.DateTimeField(default=timezone.now)
    paid_at = models.DateTimeField(null=True, blank=True)
    # The new-batch form's one-time token (as the checkout's ``Order.submission_token``): a
    # double click or a retried request finds the batch it already made instead of making
    # another (unique, so two racing requests cannot both win).
    submission_token = models.UUIDField(
        _("submission token"), null=True, blank=True, unique=True, editable=False
    )

    objects = PurchaseBatchQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        verbose_name = _("purchase batch")
        verbose_name_plural = _("purchase batches")

    def __str__(self):
        return self.reference
