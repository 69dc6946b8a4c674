"""Oscar's order app, forked: Chinese address order (省 市 区 详细地址), idempotent placement."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oscar.apps.address.abstract_models import AbstractBillingAddress, AbstractShippingAddress
from oscar.apps.order.abstract_models import AbstractOrder

from orders.address.chinese import ChineseAddressMixin


class ShippingAddress(ChineseAddressMixin, AbstractShippingAddress):
    pass


class BillingAddress(ChineseAddressMixin, AbstractBillingAddress):
    pass


class Order(AbstractOrder):
    # The checkout form's one-time token: a double click or a retried request finds the order it
    # already placed instead of placing another (unique, so two racing requests cannot both win).
    submission_token = models.UUIDField(
        _("submission token"), null=True, blank=True, unique=True, editable=False
    )


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
