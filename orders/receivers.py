"""Oscar's receivers replaced: purchase counters after commit, low-stock alerts that are safe for
concurrent buyers. (The order's own steps are explicit calls: ``orders.services``.)"""

from django.db.models.signals import post_save
from oscar.apps.analytics import receivers as oscar_analytics
from oscar.apps.order.signals import order_placed
from oscar.apps.partner import receivers as oscar_partner
from oscar.core.loading import get_model

from .stock import update_stock_alerts

StockRecord = get_model("partner", "StockRecord")

# Oscar counts purchases per product inside the order's transaction: one hot row per product,
# held until commit, that every buyer of a flash sale waits for. Counted after commit instead
# (orders.tasks.after_order_placed, queued by orders.services.place).
order_placed.disconnect(oscar_analytics.receive_order_placed)

# Oscar's low-stock alert receiver, made safe for concurrent buyers (orders.stock.sync_stock_alert).
post_save.disconnect(oscar_partner.update_stock_alerts, sender=StockRecord)
post_save.connect(update_stock_alerts, sender=StockRecord, dispatch_uid="orders.stock_alerts")
