"""Oscar's order app, forked: Chinese address order (省 市 区 详细地址), idempotent placement."""

from django.conf import settings
from django.core.signing import BadSignature, Signer
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oscar.apps.address.abstract_models import AbstractBillingAddress, AbstractShippingAddress
from oscar.apps.order.abstract_models import AbstractLine, AbstractOrder

from orders import statuses
from orders.address.chinese import ChineseAddressMixin


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


class AfterSalesRequest(models.Model):
    """A buyer's after-sales request (申请售后) about a paid order, or one line of it: a reason
    and a description, sent to staff as a refund request (the dashboard's refund path). Kept
    small so the cooperative's side of after-sales can grow from it."""

    class Reason(models.TextChoices):
        DAMAGED = "damaged", _("Arrived damaged or spoiled")
        WRONG = "wrong", _("Wrong or missing item")
        QUALITY = "quality", _("Quality not as described")
        NOT_RECEIVED = "not_received", _("Not received")
        CHANGED_MIND = "changed_mind", _("No longer wanted")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        REFUNDED = "refunded", _("Refunded")
        REJECTED = "rejected", _("Rejected")

    order = models.ForeignKey(
        "order.Order", on_delete=models.CASCADE, related_name="after_sales_requests"
    )
    line = models.ForeignKey(
        "order.Line",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="after_sales_requests",
        help_text=_("Empty: the whole order."),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    description = models.TextField(_("description"), max_length=1000)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    # The refund request staff decide on (payments' Refund, by its id: orders/ does not reach
    # payments), when one could be made.
    refund_id = models.PositiveIntegerField(null=True, blank=True, editable=False)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    decided = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        app_label = "order"
        ordering = ["-created", "-pk"]
        verbose_name = _("after-sales request")
        verbose_name_plural = _("after-sales requests")

    def __str__(self):
        return f"{self.order.number} {self.get_reason_display()} ({self.get_status_display()})"
