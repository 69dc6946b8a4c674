"""When an order becomes paid, its households' shares are posted to the benefit ledger; Oscar's
purchase counters are kept, and the buyer's "order placed" email sent, after the order's commit,
by one Celery task per order."""

from django.db.models.signals import post_save
from django.dispatch import receiver
from oscar.apps.analytics import receivers as oscar_analytics
from oscar.apps.order.signals import order_placed, order_status_changed
from oscar.apps.partner import receivers as oscar_partner

from cooperatives.tasks import post_order_benefits

from .statuses import PAID
from .tasks import after_order_placed
from .utils import StockRecord, confirmation_wanted, update_stock_alerts

# Oscar counts purchases per product inside the order's transaction: one hot row per product,
# held until commit, that every buyer of a flash sale waits for. Counted after commit instead.
order_placed.disconnect(oscar_analytics.receive_order_placed)


# Oscar's low-stock alert receiver, made safe for concurrent buyers (orders.utils.sync_stock_alert).
post_save.disconnect(oscar_partner.update_stock_alerts, sender=StockRecord)
post_save.connect(update_stock_alerts, sender=StockRecord, dispatch_uid="orders.stock_alerts")


@receiver(order_placed, dispatch_uid="orders.after_order_placed")
def queue_after_order_placed(sender, order, user, **kwargs):
    if not kwargs.get("raw", False):
        after_order_placed.delay_on_commit(order.pk, confirmation=confirmation_wanted())


@receiver(order_status_changed, dispatch_uid="orders.post_benefits_when_paid")
def post_benefits_when_paid(sender, order, old_status, new_status, **kwargs):
    if new_status == PAID:
        post_order_benefits.delay_on_commit(order.pk)
