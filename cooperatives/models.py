"""Counties (旗县) and the cooperatives (合作社) that grow what the store sells."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_model
from oscar.models.fields import AutoSlugField

from .crypto import EncryptedTextField, keyed_hash
from .validators import normalise_id_number, validate_id_number, validate_uscc

# The twelve leagues and cities (盟市) of Inner Mongolia.
LEAGUES = [
    "呼和浩特市", "包头市", "乌海市", "赤峰市", "通辽市", "鄂尔多斯市",
    "呼伦贝尔市", "巴彦淖尔市", "乌兰察布市", "兴安盟", "锡林郭勒盟", "阿拉善盟",
]  # fmt: skip
LEAGUE_CHOICES = [(name, name) for name in LEAGUES]

# Beijing's sixteen districts; each pairs with Inner Mongolian counties (京蒙对口帮扶).
BEIJING_DISTRICTS = [
    "东城区", "西城区", "朝阳区", "丰台区", "石景山区", "海淀区", "门头沟区", "房山区",
    "通州区", "顺义区", "昌平区", "大兴区", "怀柔区", "平谷区", "密云区", "延庆区",
]  # fmt: skip
BEIJING_DISTRICT_CHOICES = [(name, name) for name in BEIJING_DISTRICTS]


def _official_scope(user):
    """The user's official scope (``impact.OfficialScope``, reached by its one-to-one accessor:
    this app does not import the reporting app above it), or None."""
    if not user.is_authenticated:
        return None
    return getattr(user, "official_scope", None)  # the accessor raises an AttributeError


class CountyQuerySet(models.QuerySet):
    def for_official(self, user):
        """The counties an official may report on: staff all; an official those of their scope
        (a region, leagues, counties, or a Beijing district's pairs); anyone else none."""
        if user.is_staff:
            return self
        scope = _official_scope(user)
        if scope is None:
            return self.none()
        return self.filter(pk__in=scope.county_queryset().values("pk"))


class County(models.Model):
    """A banner or county (旗县) of Inner Mongolia, possibly paired with a Beijing district."""

    name = models.CharField(_("county"), max_length=64, unique=True)
    slug = AutoSlugField(_("slug"), max_length=80, unique=True, populate_from="name")
    league = models.CharField(_("league / city"), max_length=16, choices=LEAGUE_CHOICES)
    region_code = models.CharField(
        _("region code"), max_length=6, blank=True, help_text=_("Six-digit GB/T 2260 code.")
    )
    beijing_district = models.CharField(
        _("paired Beijing district"),
        max_length=8,
        choices=BEIJING_DISTRICT_CHOICES,
        blank=True,
    )

    objects = CountyQuerySet.as_manager()

    class Meta:
        ordering = ["league", "name"]
        verbose_name = _("county")
        verbose_name_plural = _("counties")

    def __str__(self):
        return self.name


class CooperativeQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def for_manager(self, user):
        """The cooperatives a manager works for (their Oscar partner lists the user); staff
        all."""
        if user.is_staff:
            return self
        if not user.is_authenticated:
            return self.none()
        return self.filter(partner__users=user)

    def for_official(self, user):
        """The cooperatives of the counties an official may report on."""
        return self.filter(county__in=County.objects.for_official(user))


class HouseholdQuerySet(models.QuerySet):
    def for_manager(self, user):
        """The member households of the cooperatives a manager works for; staff all."""
        if user.is_staff:
            return self
        return self.filter(
            memberships__cooperative__in=Cooperative.objects.for_manager(user)
        ).distinct()

    def for_official(self, user):
        """The households living in the counties an official may report on (a cooperative's
        member may live outside them)."""
        return self.filter(county__in=County.objects.for_official(user))


class Cooperative(models.Model):
    """A farmers' cooperative (农民专业合作社). Its Oscar partner holds its stock records."""

    name = models.CharField(_("name"), max_length=128, unique=True)
    slug = AutoSlugField(_("slug"), max_length=80, unique=True, populate_from="name")
    county = models.ForeignKey(
        County, on_delete=models.PROTECT, related_name="cooperatives", verbose_name=_("county")
    )
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        validators=[validate_uscc],
    )
    tagline = models.CharField(_("tagline"), max_length=128, blank=True)
    story = models.TextField(_("story"), blank=True)
    village = models.CharField(_("township / village"), max_length=128, blank=True)
    logo = models.ImageField(_("logo"), upload_to="cooperatives/logos/", blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    partner = models.OneToOneField(
        "partner.Partner",
        on_delete=models.PROTECT,
        related_name="cooperative",
        verbose_name=_("Oscar partner"),
        editable=False,
    )
    benefit_share = models.DecimalField(
        _("household benefit share"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.1000"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text=_(
            "Share of each sale's net revenue attributed to member households, "
            "split between them by member weight (0.1 = 10%)."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    objects = CooperativeQuerySet.as_manager()

    class Meta:
        ordering = ["county__league", "county__name", "name"]
        verbose_name = _("cooperative")
        verbose_name_plural = _("cooperatives")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        """Every cooperative is an Oscar partner, created with it; their names stay equal."""
        Partner = get_model("partner", "Partner")
        with transaction.atomic():
            if self.partner_id is None:
                self.partner = Partner.objects.create(name=self.name)
            elif self.partner.name != self.name:
                Partner.objects.filter(pk=self.partner_id).update(name=self.name)
            super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("cooperatives:detail", kwargs={"slug": self.slug})

    @property
    def benefit_percent(self):
        return (self.benefit_share * 100).normalize()

    def clean(self):
        if self.credit_code:
            self.credit_code = self.credit_code.strip().upper()


# --- Households and the benefit ledger ---------------------------------------------------------


def mask_id_number(value: str) -> str:
    """1505**********1234: region prefix and last four only."""
    if not value:
        return ""
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_name(value: str) -> str:
    """王*明 / 王*: the family name and, for three or more characters, the last one."""
    if not value:
        return ""
    if len(value) <= 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]


def mask_phone(value: str) -> str:
    """138****8000."""
    if not value:
        return ""
    return value[:3] + "****" + value[-4:] if len(value) >= 7 else "****"


class Household(models.Model):
    """A registered poor household (建档立卡户). Name, ID number and phone are encrypted at rest."""

    class Status(models.TextChoices):
        IN_POVERTY = "in_poverty", _("not yet out of poverty")  # 未脱贫
        LIFTED = "lifted", _("lifted out of poverty")  # 已脱贫
        MONITORED = "monitored", _("under monitoring")  # 监测户

    number = models.CharField(_("household number"), max_length=32, unique=True)
    head_name = EncryptedTextField(_("head of household"))
    id_number = EncryptedTextField(_("ID number"), validators=[validate_id_number])
    id_hash = models.CharField(_("ID number hash"), max_length=64, unique=True, editable=False)
    phone = EncryptedTextField(_("phone"), blank=True)
    county = models.ForeignKey(
        County, on_delete=models.PROTECT, related_name="households", verbose_name=_("county")
    )
    village = models.CharField(_("village (嘎查/村)"), max_length=64)
    size = models.PositiveSmallIntegerField(_("household size"), default=1)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.LIFTED
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        ordering = ["county__name", "village", "number"]
        verbose_name = _("household")
        verbose_name_plural = _("households")
        permissions = [
            ("view_household_personal_data", _("Can see households' full personal data")),
        ]

    def __str__(self):
        return self.number

    def save(self, *args, **kwargs):
        self.id_number = normalise_id_number(self.id_number)
        self.id_hash = keyed_hash(self.id_number)
        super().save(*args, **kwargs)

    @property
    def masked_id_number(self):
        return mask_id_number(self.id_number)

    @property
    def masked_name(self):
        return mask_name(self.head_name)

    @property
    def masked_phone(self):
        return mask_phone(self.phone)


class Membership(models.Model):
    """A household's membership of a cooperative; its weight sets its part of the benefit."""

    class Role(models.TextChoices):
        MEMBER = "member", _("member")
        SUPPLIER = "supplier", _("supplier")
        WORKER = "worker", _("worker")

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("household")
    )
    cooperative = models.ForeignKey(
        Cooperative,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("cooperative"),
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    weight = models.DecimalField(
        _("weight"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    since = models.DateField(_("member since"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["household", "cooperative"], name="unique_membership"),
            models.CheckConstraint(condition=models.Q(weight__gt=0), name="membership_weight_gt_0"),
        ]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self):
        return f"{self.household} @ {self.cooperative}"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The benefit ledger is append-only: post a reversing entry instead.")

    def delete(self):
        raise PermissionError("The benefit ledger is append-only: post a reversing entry instead.")


class BenefitEntry(models.Model):
    """A line of the benefit ledger (帮扶收益台账). Append-only: never updated, never deleted."""

    class Kind(models.TextChoices):
        SALE_SHARE = "sale_share", _("sale share")
        REFUND_REVERSAL = "refund_reversal", _("refund reversal")

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="benefits", verbose_name=_("household")
    )
    cooperative = models.ForeignKey(
        Cooperative,
        on_delete=models.PROTECT,
        related_name="benefits",
        verbose_name=_("cooperative"),
    )
    order_line = models.ForeignKey(
        "order.Line",
        on_delete=models.PROTECT,
        related_name="benefits",
        verbose_name=_("order line"),
    )
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    reference = models.CharField(
        _("reference"), max_length=64, blank=True, help_text=_("e.g. the refund it reverses")
    )
    # When the entry takes effect, not when its row was written: a sale share is dated at its
    # order's payment and a reversal at its refund (the lifecycle passes the moment; posting
    # late, or the demo's history, still lands in the right month). Now, unless told.
    created = models.DateTimeField(_("dated"), default=timezone.now, db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["created", "id"]
        verbose_name = _("benefit entry")
        verbose_name_plural = _("benefit ledger")
        constraints = [
            # A sale is shared once per line and household, whoever posts it and however often.
            models.UniqueConstraint(
                fields=["order_line", "household"],
                condition=models.Q(kind="sale_share"),
                name="benefit_sale_share_once",
            ),
            models.UniqueConstraint(
                fields=["order_line", "household", "reference"],
                condition=models.Q(kind="refund_reversal"),
                name="benefit_reversal_once",
            ),
        ]

    def __str__(self):
        return f"{self.household} {self.amount} ({self.get_kind_display()})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The benefit ledger is append-only: post a reversing entry.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The benefit ledger is append-only: post a reversing entry.")


class HouseholdImport(models.Model):
    """A large household import, run by a Celery worker; its page shows the progress."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed: nothing imported")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user")
    )
    filename = models.CharField(_("file name"), max_length=200)
    stored_as = models.CharField(max_length=200, editable=False)  # private storage; deleted after
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    created_households = models.PositiveIntegerField(_("households imported"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    finished = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("household import")
        verbose_name_plural = _("household imports")

    def __str__(self):
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return self.done * 100 // self.total if self.total else 0


class BenefitRollup(models.Model):
    """The ledger summed per household, cooperative and month (the month an entry was posted).

    Kept in step with the append-only ledger by the ledger service (an upsert in the same
    transaction as each posting), and rebuildable from it (``rebuild_benefit_rollup``), so the
    officials' reports read hundreds of rows instead of millions of ledger entries.
    """

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="+")
    month = models.DateField()
    amount = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["household", "cooperative", "month"], name="benefit_rollup_unique"
            )
        ]
        indexes = [models.Index(fields=["cooperative", "month"])]
        verbose_name = _("benefit summary")
        verbose_name_plural = _("benefit summaries")

    def __str__(self):
        return f"{self.household} {self.cooperative} {self.month:%Y-%m} {self.amount}"


class CooperativePhoto(models.Model):
    """A photo on the cooperative's page (fields, packing shed, members at work)."""

    cooperative = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to="cooperatives/photos/")
    caption = models.CharField(_("caption"), max_length=120, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created", "pk"]
        verbose_name = _("cooperative photo")


def private_storage():
    """Files kept outside MEDIA_ROOT, never served as media: household lists, certificates."""
    from django.core.files.storage import FileSystemStorage

    return FileSystemStorage(location=settings.PRIVATE_STORAGE_ROOT, base_url=None)


class CertificationRequest(models.Model):
    """A manager's change to a product's poverty-alleviation certification, for staff to review.

    Managers never edit the certification number or its expiry themselves: they upload the
    certificate with the new values, and staff approve (which writes them to the product) or
    reject it."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Waiting for review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    product = models.ForeignKey(
        "catalogue.Product", on_delete=models.CASCADE, related_name="certification_requests"
    )
    number = models.CharField(_("certification number"), max_length=64)
    valid_until = models.DateField(_("valid until"))
    # Kept outside MEDIA_ROOT, served only to staff (as a download) by the review page.
    document = models.FileField(
        _("certificate (PDF or image)"),
        upload_to="certificates/",
        storage=private_storage,
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    decided = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("certification request")
