"""Who may see what of the officials' reports, and the log of who saw households' personal data.

Both models were made in ``cooperatives`` and moved here with their tables (``db_table`` keeps
the old names, so moving them touched no row: see migrations/0001_initial.py).
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cooperatives.models import BEIJING_DISTRICT_CHOICES, AppendOnlyQuerySet, County, Household


class OfficialScope(models.Model):
    """What an official (帮扶干部) may see: the region, leagues, counties or a Beijing district."""

    class Kind(models.TextChoices):
        REGION = "region", _("whole region")
        LEAGUES = "leagues", _("leagues")
        COUNTIES = "counties", _("counties")
        DISTRICT = "district", _("Beijing district (its paired counties)")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="official_scope",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("scope"), max_length=16, choices=Kind.choices)
    leagues = models.JSONField(_("leagues"), default=list, blank=True)
    counties = models.ManyToManyField(
        County,
        blank=True,
        verbose_name=_("counties"),
        db_table="cooperatives_officialscope_counties",
    )
    beijing_district = models.CharField(
        _("Beijing district"), max_length=8, choices=BEIJING_DISTRICT_CHOICES, blank=True
    )

    class Meta:
        db_table = "cooperatives_officialscope"
        verbose_name = _("official scope")
        verbose_name_plural = _("official scopes")

    def __str__(self):
        return f"{self.user} · {self.get_kind_display()}"

    def county_queryset(self):
        """The counties this official may see (a queryset, to filter other querysets with)."""
        if self.kind == self.Kind.REGION:
            return County.objects.all()
        if self.kind == self.Kind.LEAGUES:
            return County.objects.filter(league__in=self.leagues)
        if self.kind == self.Kind.DISTRICT:
            return County.objects.filter(beijing_district=self.beijing_district).exclude(
                beijing_district=""
            )
        return self.counties.all()


class PersonalDataAccess(models.Model):
    """Audit log: who saw or exported which household's full personal data, when and why."""

    class Action(models.TextChoices):
        VIEW = "view", _("viewed")
        EXPORT = "export", _("exported")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user")
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="accesses", verbose_name=_("household")
    )
    action = models.CharField(_("action"), max_length=8, choices=Action.choices)
    purpose = models.CharField(_("purpose"), max_length=200)
    created = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        db_table = "cooperatives_personaldataaccess"
        ordering = ["-created", "-id"]
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")

    def __str__(self):
        return f"{self.user} {self.get_action_display()} {self.household} {self.created:%Y-%m-%d}"


class RecipientDataAccess(models.Model):
    """Audit log, like the households' ``PersonalDataAccess`` above: who was shown the
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


# --- Sales rollups (impact.rollups keeps them current; the reports read them) ---------------------


class SalesRollup(models.Model):
    """Sales booked per day (Asia/Shanghai), cooperative and buyer (district, organisation): the
    revenue and units paid that day less those refunded that day (``impact.sales.booked``'s
    definition), and the orders paid that day that still have something of that cooperative's
    lines left (each order counted once per cooperative).

    Kept current by ``impact.rollups`` on ``orders.signals.order_paid``/``order_refunded`` (inside
    the lifecycle's transactions) and rebuilt from the orders by ``rebuild_impact_rollups``. Rows
    are folded together (one per key) but sums stay right if two ever share a key."""

    day = models.DateField()
    cooperative = models.ForeignKey(
        "cooperatives.Cooperative", on_delete=models.CASCADE, related_name="+"
    )
    county = models.ForeignKey("cooperatives.County", on_delete=models.CASCADE, related_name="+")
    buyer_district = models.CharField(max_length=8, blank=True)
    organisation = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
    )
    revenue = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    units = models.IntegerField(default=0)
    orders = models.IntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["day", "cooperative", "buyer_district"], name="sales_rollup_key"),
            models.Index(fields=["buyer_district", "day"], name="sales_rollup_buyer"),
        ]
        verbose_name = _("sales summary")
        verbose_name_plural = _("sales summaries")

    def __str__(self):
        return f"{self.day} {self.cooperative_id} {self.buyer_district} {self.revenue}"


class OrderSetRollup(models.Model):
    """Orders paid per day and buyer, by the set of supplying counties where something of each
    is left (``counties``: their ids, sorted, comma-separated; nearly always one county). Any
    distinct count of orders over any set of counties is a sum of these rows: an order counts
    in a scope when its set meets the scope's counties, and once per county, paired Beijing
    district or buyer district × county that its set reaches (``impact.selectors.rolled``)."""

    day = models.DateField()
    buyer_district = models.CharField(max_length=8, blank=True)
    organisation = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
    )
    counties = models.CharField(max_length=200)
    orders = models.IntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["day", "buyer_district"], name="order_set_key"),
            models.Index(fields=["buyer_district", "day"], name="order_set_buyer"),
        ]
