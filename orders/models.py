"""Oscar's order app, forked: Chinese address order (省 市 区 详细地址), idempotent placement."""

from django.conf import settings
from django.core.signing import BadSignature, Signer
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oscar.apps.address.abstract_models import AbstractBillingAddress, AbstractShippingAddress
from oscar.apps.order.abstract_models import AbstractLine, AbstractOrder

from orders import statuses
from orders.address.chinese import ChineseAddressMixin
from orders.storage import private_media_storage


class ShippingAddress(ChineseAddressMixin, AbstractShippingAddress):
    pass


class BillingAddress(ChineseAddressMixin, AbstractBillingAddress):
    pass


# --- Who may see which orders (each view, export and selector asks here) ------------------------

# The orders a browser placed or looked up as a guest, remembered in its session (``remember``).
BUYER_SESSION_KEY = "payable_order_ids"


def remember_buyer(request, order):
    """Let this browser see and pay an order it placed, or that its buyer looked up by number
    and contact (the last 20)."""
    ids = set(request.session.get(BUYER_SESSION_KEY, []))
    ids.add(order.pk)
    request.session[BUYER_SESSION_KEY] = sorted(ids)[-20:]


def _signed_basket_id(request):
    """The basket in Oscar's signed cookie (a guest's), or None."""
    try:
        return int(Signer().unsign(request.COOKIES[settings.OSCAR_BASKET_COOKIE_OPEN]))
    except (KeyError, BadSignature, ValueError):
        return None


class OrderQuerySet(models.QuerySet):
    def for_buyer(self, request):
        """The orders this request's buyer may see and pay: their own when signed in; as a
        guest, those this browser placed or looked up (``remember_buyer``) or whose basket it
        still holds (Oscar's signed basket cookie: a double click's second request). A number
        or a submission token alone leads nobody else to an order."""
        rule = Q(pk__in=request.session.get(BUYER_SESSION_KEY, []))
        if request.user.is_authenticated:
            rule |= Q(user=request.user)
        basket_id = _signed_basket_id(request)
        if basket_id is not None:
            rule |= Q(user__isnull=True, basket_id=basket_id)
        return self.filter(rule)

    def for_manager(self, user):
        """The orders a cooperative manager works on: paid (and what became of them: shipped,
        completed, refunded), with a line of a cooperative they manage; staff: every order."""
        if user.is_staff:
            return self
        if not user.is_authenticated:
            return self.none()
        own = Line.objects.for_manager(user).values("order_id")
        return self.filter(status__in=statuses.MANAGER_STATUSES, pk__in=own)


class LineQuerySet(models.QuerySet):
    def for_manager(self, user):
        """The lines a cooperative manager sells (their partners'); staff: every line."""
        if user.is_staff:
            return self
        if not user.is_authenticated:
            return self.none()
        return self.filter(partner__users=user)


class Order(AbstractOrder):
    # The checkout form's one-time token: a double click or a retried request finds the order it
    # already placed instead of placing another (unique, so two racing requests cannot both win).
    submission_token = models.UUIDField(
        _("submission token"), null=True, blank=True, unique=True, editable=False
    )

    # Bought for an organisation (organisations app), and as one order of its purchase batch (a
    # gift sheet's recipient): both empty for a person's own order.
    organisation = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("bought for"),
    )
    batch = models.ForeignKey(
        "organisations.PurchaseBatch",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("purchase batch"),
    )
    # Where the buyer is (``orders.districts``): the organisation's Beijing district, else the
    # delivery address's 区 when in Beijing, else 京外. Set when the order is paid.
    buyer_district = models.CharField(
        _("buyer's district"), max_length=8, blank=True, db_index=True
    )

    objects = OrderQuerySet.as_manager()


class Line(AbstractLine):
    objects = LineQuerySet.as_manager()


class Parcel(models.Model):
    """What one cooperative sent in one box: carrier and tracking number of a shipping event."""

    order = models.ForeignKey("order.Order", on_delete=models.CASCADE, related_name="parcels")
    event = models.OneToOneField(
        "order.ShippingEvent", on_delete=models.CASCADE, related_name="parcel"
    )
    partner = models.ForeignKey("partner.Partner", on_delete=models.PROTECT, related_name="+")
    lines = models.ManyToManyField("order.Line", related_name="parcels")
    carrier = models.CharField(_("carrier"), max_length=10)
    tracking_number = models.CharField(_("tracking number"), max_length=40)
    shipped_at = models.DateTimeField(default=timezone.now)
    shipped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        app_label = "order"
        ordering = ["shipped_at", "pk"]
        verbose_name = _("parcel")

    def __str__(self):
        return f"{self.carrier} {self.tracking_number}"

    @property
    def carrier_label(self):
        from orders.fulfilment import CARRIERS

        return CARRIERS.get(self.carrier, (self.carrier, None))[0]


from oscar.apps.order.models import *  # noqa: E402


class AfterSalesQuerySet(models.QuerySet):
    def for_manager(self, user):
        """The cases a cooperative manager decides: their cooperatives' (their partners');
        staff: every case."""
        if user.is_staff:
            return self
        if not user.is_authenticated:
            return self.none()
        return self.filter(partner__users=user)

    def for_buyer(self, request):
        """The cases of the orders this request's buyer may see (``Order.for_buyer``)."""
        return self.filter(order__in=Order.objects.for_buyer(request).values("pk"))

    def open(self):
        return self.filter(status__in=AfterSalesRequest.OPEN)


class AfterSalesRequest(models.Model):
    """An after-sales case (售后): a buyer asks for a refund (仅退款) or a return (退货退款) of
    units of lines one cooperative sold (``AfterSalesLine``), with a reason, a description and
    photos. The cooperative's managers agree or refuse within ``AFTER_SALES_DECISION_HOURS``;
    past that staff decide (``escalated``). An agreed refund, or a return received, is refunded
    through payments (its ``Refund`` by id: orders/ does not reach payments). Each step is an
    ``AfterSalesEvent`` (both sides' timelines). The flow: ``orders.aftersales``."""

    class Kind(models.TextChoices):
        REFUND = "refund", _("Refund only")
        RETURN = "return", _("Return and refund")

    class Reason(models.TextChoices):
        DAMAGED = "damaged", _("Arrived damaged or spoiled")
        WRONG = "wrong", _("Wrong or missing item")
        QUALITY = "quality", _("Quality not as described")
        NOT_RECEIVED = "not_received", _("Not received")
        CHANGED_MIND = "changed_mind", _("No longer wanted")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the cooperative")
        AWAITING_RETURN = "awaiting_return", _("Waiting for the buyer to send it back")
        RETURN_SHIPPED = "return_shipped", _("Sent back")
        REFUNDING = "refunding", _("Agreed; refunding")
        REFUNDED = "refunded", _("Refunded")
        REJECTED = "rejected", _("Refused")

    OPEN = (Status.PENDING, Status.AWAITING_RETURN, Status.RETURN_SHIPPED, Status.REFUNDING)

    order = models.ForeignKey(
        "order.Order", on_delete=models.CASCADE, related_name="after_sales_requests"
    )
    # The cooperative that decides (every line of a case is its).
    partner = models.ForeignKey(
        "partner.Partner", null=True, on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices, default=Kind.REFUND)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    description = models.TextField(_("description"), max_length=1000)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    # The refund made for it (payments' Refund, by its id), once agreed.
    refund_id = models.PositiveIntegerField(null=True, blank=True, editable=False)
    created = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    decided = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    refusal_reason = models.CharField(_("reason for refusing"), max_length=500, blank=True)
    # Past the cooperative's deadline: staff decide.
    escalated = models.DateTimeField(_("passed to staff"), null=True, blank=True)
    # Where a return goes, given by the cooperative when it agrees to one.
    return_address = models.CharField(_("return address"), max_length=300, blank=True)
    return_carrier = models.CharField(_("carrier"), max_length=10, blank=True)
    return_tracking_number = models.CharField(_("tracking number"), max_length=40, blank=True)

    objects = AfterSalesQuerySet.as_manager()

    class Meta:
        app_label = "order"
        ordering = ["-created", "-pk"]
        verbose_name = _("after-sales request")
        verbose_name_plural = _("after-sales requests")

    def __str__(self):
        return f"{self.order.number} {self.get_kind_display()} ({self.get_status_display()})"

    @property
    def is_open(self):
        return self.status in self.OPEN

    @property
    def status_label(self):
        """The status as the buyer and the dashboard read it (a pending case past the
        cooperative's deadline waits for staff)."""
        if self.status == self.Status.PENDING and self.escalated:
            return _("Waiting for the platform's staff")
        return self.get_status_display()

    @property
    def deadline(self):
        from datetime import timedelta

        return self.created + timedelta(hours=settings.AFTER_SALES_DECISION_HOURS)

    @property
    def return_carrier_label(self):
        from orders.fulfilment import CARRIERS

        return CARRIERS.get(self.return_carrier, (self.return_carrier, None))[0]


class AfterSalesLine(models.Model):
    """Units of one order line a case is about."""

    request = models.ForeignKey(AfterSalesRequest, on_delete=models.CASCADE, related_name="lines")
    line = models.ForeignKey("order.Line", on_delete=models.CASCADE, related_name="after_sales")
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        app_label = "order"
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["request", "line"], name="after_sales_line_once")
        ]

    def __str__(self):
        return f"{self.line.title} × {self.quantity}"


class AfterSalesPhoto(models.Model):
    """A buyer's photo of the problem, re-encoded on upload (``cooperatives.uploads``)."""

    request = models.ForeignKey(AfterSalesRequest, on_delete=models.CASCADE, related_name="photos")
    # Private (orders/storage.py): served only to the buyer, the case's managers and staff.
    image = models.ImageField(
        _("photo"),
        upload_to="after-sales/%Y/%m/",
        storage=private_media_storage,
        max_length=255,
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        app_label = "order"
        ordering = ["position", "pk"]
        verbose_name = _("after-sales photo")

    def __str__(self):
        return self.image.name

    def get_absolute_url(self):
        return reverse("tracking:after-sales-photo", args=[self.pk])


class AfterSalesEvent(models.Model):
    """One step of a case, for both sides' timelines."""

    class Kind(models.TextChoices):
        ASKED = "asked", _("After-sales requested")
        AGREED = "agreed", _("Cooperative agreed")
        REFUSED = "refused", _("Refused")
        ESCALATED = "escalated", _("Passed to the platform's staff")
        RETURN_SHIPPED = "return_shipped", _("Buyer sent the parcel back")
        RECEIVED = "received", _("Returned parcel received")
        REFUNDED = "refunded", _("Refunded")
        REFUND_FAILED = "refund_failed", _("Refund failed; staff will retry")

    request = models.ForeignKey(AfterSalesRequest, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    note = models.CharField(max_length=500, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_staff = models.BooleanField(default=False)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "order"
        ordering = ["created", "pk"]
        verbose_name = _("after-sales event")

    def __str__(self):
        return f"{self.request_id} {self.kind}"

    def title(self, *, for_buyer=False) -> str:
        """The step's title on the timelines; ``for_buyer``: a failed refund reads as one in
        progress (its technical reason, the note, is for the dashboard only: ``buyer_note``)."""
        from django.utils.translation import gettext

        case = self.request
        step = self.get_kind_display()
        if for_buyer and self.kind == self.Kind.REFUND_FAILED:
            step = gettext("Refund in progress; the platform's staff are following it up")
        title = gettext("After-sales (%(kind)s): %(step)s") % {
            "kind": case.get_kind_display(),
            "step": step,
        }
        if self.kind == self.Kind.AGREED and case.kind == AfterSalesRequest.Kind.RETURN:
            title += gettext("; please send the parcel back and enter its tracking number")
        if self.by_staff and self.kind in (self.Kind.AGREED, self.Kind.REFUSED, self.Kind.RECEIVED):
            title += gettext(" (platform staff)")
        return title

    @property
    def buyer_note(self) -> str:
        """The note as the buyer sees it: none for a failed refund (an internal error)."""
        return "" if self.kind == self.Kind.REFUND_FAILED else self.note
