"""Oscar's order app, forked: Chinese address order (省 市 区 详细地址), idempotent placement."""

from django.db import models
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


from oscar.apps.order.models import *  # noqa: E402
