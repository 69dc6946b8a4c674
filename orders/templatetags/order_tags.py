from django import template

from orders import statuses
from orders.selectors import order_timeline

register = template.Library()


@register.inclusion_tag("orders/_timeline_card.html")
def order_timeline_card(order):
    return {
        "order": order,
        "timeline": order_timeline(order),
        "can_confirm": order.status == statuses.SHIPPED,
    }
