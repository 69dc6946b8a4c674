"""When an order becomes paid, its households' shares are posted to the benefit ledger."""

from django.dispatch import receiver
from oscar.apps.order.signals import order_status_changed

from cooperatives.tasks import post_order_benefits

from .statuses import PAID


@receiver(order_status_changed, dispatch_uid="orders.post_benefits_when_paid")
def post_benefits_when_paid(sender, order, old_status, new_status, **kwargs):
    if new_status == PAID:
        post_order_benefits.delay_on_commit(order.pk)
