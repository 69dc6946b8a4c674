"""Livestream commerce (直播带货): sessions, the products on them, pins, quotas, attribution.

Live prices are Oscar offers (``livestream.offers``): each session with live prices owns one
``ConditionalOffer`` whose window is the session's live window. Flash quotas are claimed inside
the order-placement transaction with conditional updates, like stock. Attribution follows a basket
line from the session page into the order line; stats are computed from those order lines.
"""

from urllib.parse import urlparse

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import hosts


def validate_stream_url(value: str):
    """https only, on a host of ``LIVESTREAM_ALLOWED_HOSTS`` (``.example.com``: its subdomains;
    livestream.hosts)."""
    parsed = urlparse(value)
    if parsed.scheme != "https" or not parsed.hostname:
        raise ValidationError(_("The address must start with https://."), code="scheme")
    # Browsers and Python disagree about "\\", "@" (user info) and ports: allow none of them, so
    # the host checked here is the host a browser will fetch from.
    try:
        port = parsed.port
    except ValueError:
        port = "bad"
    if "\\" in value or "@" in parsed.netloc or port is not None:
        raise ValidationError(
            _("The address may not contain a user name, a port or a backslash."), code="netloc"
        )
    host = parsed.hostname.lower()
    if not hosts.is_allowed(host):  # the same reading as the Content-Security-Policy's
        raise ValidationError(
            _("%(host)s is not an allowed streaming host (allowed: %(allowed)s).")
            % {"host": host, "allowed": ", ".join(hosts.allowed_hosts())},
            code="host",
        )


class Host(models.Model):
    """A livestream host (主播) and the cooperatives they may sell for (set by staff)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="live_host"
    )
    cooperatives = models.ManyToManyField("cooperatives.Cooperative", related_name="live_hosts")

    class Meta:
        verbose_name = _("livestream host")

    def __str__(self):
        return str(self.user)


class LiveSessionQuerySet(models.QuerySet):
    def for_host(self, user):
        """The sessions a user may manage: staff all; a host their own, for the cooperatives
        they may still sell for. Every host view, action and tag filters through this."""
        if user.is_staff:
            return self
        if not user.is_authenticated:
            return self.none()
        return self.filter(host=user, cooperative__live_hosts__user=user).distinct()


class LiveSession(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Upcoming")
        LIVE = "live", _("Live now")
        ENDED = "ended", _("Ended")
        CANCELLED = "cancelled", _("Cancelled")

    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="live_sessions"
    )
    cooperative = models.ForeignKey(
        "cooperatives.Cooperative", on_delete=models.PROTECT, related_name="live_sessions"
    )
    scheduled_start = models.DateTimeField(_("starts"))
    scheduled_end = models.DateTimeField(_("ends"))
    actual_start = models.DateTimeField(null=True, blank=True)
    actual_end = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    stream_url = models.URLField(
        _("stream address (HLS .m3u8)"), max_length=500, validators=[validate_stream_url]
    )
    replay_url = models.URLField(
        _("replay address"), max_length=500, blank=True, validators=[validate_stream_url]
    )
    cover = models.ImageField(_("cover image"), upload_to="live/", blank=True)
    offer = models.OneToOneField(
        "offer.ConditionalOffer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="live_session",
        editable=False,
    )
    created = models.DateTimeField(auto_now_add=True)

    objects = LiveSessionQuerySet.as_manager()

    class Meta:
        ordering = ["-scheduled_start"]
        verbose_name = _("live session")

    def __str__(self):
        return self.title

    def clean(self):
        if (
            self.scheduled_start
            and self.scheduled_end
            and self.scheduled_end <= self.scheduled_start
        ):
            raise ValidationError({"scheduled_end": _("The end must come after the start.")})

    @property
    def window(self):
        """When live prices apply: from going live to ending (the schedule until then)."""
        start = self.actual_start or self.scheduled_start
        end = self.actual_end or self.scheduled_end
        return start, end

    def is_live_at(self, moment=None) -> bool:
        moment = moment or timezone.now()
        start, end = self.window
        return self.status == self.Status.LIVE and start <= moment <= end

    def pinned(self):
        pin = self.pins.filter(unpinned_at__isnull=True).select_related("item__product").first()
        return pin.item if pin else None


class SessionProduct(models.Model):
    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(
        "catalogue.Product", on_delete=models.PROTECT, related_name="live_items"
    )
    position = models.PositiveIntegerField(default=0)
    live_price = models.DecimalField(
        _("live price"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    quota = models.PositiveIntegerField(
        _("flash quota (units at the live price)"), null=True, blank=True
    )
    per_customer_limit = models.PositiveIntegerField(_("per-customer limit"), null=True, blank=True)
    # Units claimed at the live price by placed orders (conditional updates; released when an
    # order is cancelled). The only counter here: stats are computed from orders.
    quota_used = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "product"], name="product_once_per_session"),
            models.CheckConstraint(
                condition=models.Q(quota__isnull=True)
                | models.Q(quota_used__lte=models.F("quota")),
                name="quota_never_oversold",
            ),
        ]

    def __str__(self):
        return f"{self.session} · {self.product}"

    @property
    def units_left(self):
        if self.quota is None:
            return None
        return max(self.quota - self.quota_used, 0)


class CustomerQuota(models.Model):
    """Units a customer (user id or guest email) has claimed at an item's live price."""

    item = models.ForeignKey(SessionProduct, on_delete=models.CASCADE, related_name="claims")
    customer = models.CharField(max_length=255)
    units = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "customer"], name="one_claim_row_per_customer")
        ]


class QuotaClaim(models.Model):
    """What one order claimed, so that cancelling it gives the units back exactly once."""

    order = models.ForeignKey("order.Order", on_delete=models.CASCADE, related_name="live_claims")
    item = models.ForeignKey(SessionProduct, on_delete=models.CASCADE, related_name="+")
    customer = models.CharField(max_length=255)
    units = models.PositiveIntegerField()
    released = models.BooleanField(default=False)


class Pin(models.Model):
    """The product on screen: pinned, then unpinned when the next one is (replay chapters)."""

    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="pins")
    item = models.ForeignKey(SessionProduct, on_delete=models.CASCADE, related_name="pins")
    pinned_at = models.DateTimeField(default=timezone.now)
    unpinned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pinned_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session"],
                condition=models.Q(unpinned_at__isnull=True),
                name="one_pinned_product_per_session",
            )
        ]

    @property
    def offset_seconds(self) -> int:
        start = self.session.actual_start or self.session.scheduled_start
        return max(int((self.pinned_at - start).total_seconds()), 0)


class BasketAttribution(models.Model):
    """A basket line added from a session (its page, or a ``?live=<id>`` link)."""

    line = models.OneToOneField("basket.Line", on_delete=models.CASCADE, related_name="live")
    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="+")
    created = models.DateTimeField(auto_now_add=True)


class LineAttribution(models.Model):
    """An order line that came from a session: what the session's stats are computed from."""

    line = models.OneToOneField("order.Line", on_delete=models.CASCADE, related_name="live")
    session = models.ForeignKey(
        LiveSession, on_delete=models.CASCADE, related_name="attributed_lines"
    )


class BasketAdd(models.Model):
    """An add-to-basket from a session (the top of the conversion funnel)."""

    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="adds")
    product = models.ForeignKey("catalogue.Product", on_delete=models.CASCADE, related_name="+")
    basket = models.ForeignKey("basket.Basket", on_delete=models.CASCADE, related_name="+")
    created = models.DateTimeField(auto_now_add=True)


class Reminder(models.Model):
    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="reminders")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="live_reminders"
    )
    created = models.DateTimeField(auto_now_add=True)
    sent = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="one_reminder_per_user")
        ]
