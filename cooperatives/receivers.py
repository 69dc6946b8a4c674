"""Signal receivers: a product's cooperative follows the partner of its stock record."""

from django.db.models.signals import post_save
from django.dispatch import receiver
from oscar.core.loading import get_model

from .services import attach_product_to_partner_cooperative

StockRecord = get_model("partner", "StockRecord")


@receiver(post_save, sender=StockRecord, dispatch_uid="cooperatives.stockrecord_cooperative")
def stockrecord_saved(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw:  # loading fixtures
        return
    if update_fields is not None and "partner" not in update_fields:
        return  # stock allocations and price updates do not change the partner
    attach_product_to_partner_cooperative(instance)
