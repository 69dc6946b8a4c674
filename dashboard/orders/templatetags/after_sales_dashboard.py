"""The order page's after-sales section (``partials/after_sales.html``): the order's cases the
user may see, as the queue shows them."""

from django import template

from dashboard.orders.aftersales import cards_for

register = template.Library()


@register.inclusion_tag("oscar/dashboard/orders/partials/after_sales.html", takes_context=True)
def order_after_sales(context, order):
    request = context["request"]
    return {
        "cards": cards_for(request.user, order=order),
        "order": order,
        "next": request.get_full_path() + "#after-sales",
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }
