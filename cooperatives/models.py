"""Counties (旗县) and the cooperatives (合作社) that grow what the store sells."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_model

from shop.text import pinyin_slugify

from .validators import validate_uscc

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


class County(models.Model):
    """A banner or county (旗县) of Inner Mongolia, possibly paired with a Beijing district."""

    name = models.CharField(_("county"), max_length=64, unique=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True, blank=True)
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

    class Meta:
        ordering = ["league", "name"]
        verbose_name = _("county")
        verbose_name_plural = _("counties")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = pinyin_slugify(self.name)
        super().save(*args, **kwargs)


class CooperativeQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def managed_by(self, user):
        """The cooperatives whose Oscar partner lists this user among its users."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(partner__users=user)


class Cooperative(models.Model):
    """A farmers' cooperative (农民专业合作社). Its Oscar partner holds its stock records."""

    name = models.CharField(_("name"), max_length=128, unique=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True, blank=True)
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
        if not self.slug:
            self.slug = pinyin_slugify(self.name)
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
