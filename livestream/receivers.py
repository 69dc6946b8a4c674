"""How livestreams plug into Oscar: its signals, never imports from the other apps' views."""

from django.dispatch import receiver
from oscar.apps.basket.signals import basket_addition
from oscar.apps.order.signals import order_placed, order_status_changed

from orders.statuses import CANCELLED, REFUNDED

from . import services


@receiver(basket_addition, dispatch_uid="livestream.attribute_basket_line")
def attribute_basket_line(sender, product, user, request, **kwargs):
    services.attribute_basket_line(request, product)


@receiver(order_placed, dispatch_uid="livestream.attribute_order")
def attribute_order(sender, order, **kwargs):
    services.attribute_order(order)


@receiver(order_status_changed, dispatch_uid="livestream.release_quota_of_cancelled_orders")
def release_quota(sender, order, old_status, new_status, **kwargs):
    if new_status in (CANCELLED, REFUNDED):
        services.release_claims(order)
