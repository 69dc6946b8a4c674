"""A purchase batch's status follows its orders (connected in ``OrganisationsConfig.ready``).

Paid (``paid_at``: when the last of them was) once none of its orders waits for payment and at
least one was paid; cancelled once all of them are cancelled. Both inside the order step's own
transaction (``orders.signals.order_paid``; Oscar's ``order_status_changed`` for a
cancellation). Once paid, the batch's one "paid" email goes after the commit
(``tasks.batch_paid_email``): its orders send no "paid" or "shipped" notice each
(``orders.services.BATCHED_NOTICES``).
"""

from django.dispatch import receiver
from django.utils import timezone
from oscar.apps.order.signals import order_status_changed

from orders import signals, statuses

from .models import PurchaseBatch
from .tasks import batch_paid_email


def sync_batch_status(batch_id, *, at=None) -> None:
    batch = PurchaseBatch.objects.select_for_update().filter(pk=batch_id).first()
    if batch is None or batch.status != PurchaseBatch.Status.PENDING_PAYMENT:
        return
    orders = batch.orders.all()
    if orders.filter(status=statuses.PENDING_PAYMENT).exists():
        return
    if orders.exclude(status=statuses.CANCELLED).exists():
        batch.status, batch.paid_at = PurchaseBatch.Status.PAID, at or timezone.now()
        # one email for the batch, after the commit (its orders send none each)
        batch_paid_email.delay_on_commit(batch.pk)
    else:
        batch.status = PurchaseBatch.Status.CANCELLED
    batch.save(update_fields=["status", "paid_at"])


@receiver(signals.order_paid, dispatch_uid="organisations.batch_paid")
def batch_order_paid(sender, order, at, **kwargs):
    if order.batch_id:
        sync_batch_status(order.batch_id, at=at)


@receiver(order_status_changed, dispatch_uid="organisations.batch_order_cancelled")
def batch_order_cancelled(sender, order, old_status, new_status, **kwargs):
    if order.batch_id and new_status == statuses.CANCELLED:
        sync_batch_status(order.batch_id)
