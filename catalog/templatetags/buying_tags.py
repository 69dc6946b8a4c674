"""What a product page needs to bound the quantity a buyer picks."""

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def quantity_limit(session, variants=()) -> int:
    """The most a buyer can put in the basket at once: the units in stock (when stock is tracked)
    and Oscar's per-basket threshold, whichever is lower; for a product with 规格, the chosen
    one's (``variants`` from variant_choices). Oscar's basket form refuses more on the server;
    this only bounds the stepper."""
    for variant in variants:
        if variant["chosen"]:
            return variant["most"]
    threshold = getattr(settings, "OSCAR_MAX_BASKET_QUANTITY_THRESHOLD", None) or 10_000
    available = getattr(session.availability, "num_available", None)
    if available is None:
        return threshold
    return max(0, min(available, threshold))


@register.simple_tag(takes_context=True)
def variant_choices(context, product, selected=None):
    """A parent product's 规格 (Oscar's child products) as the product page offers them: each
    public child with its own price and stock, the one to show first marked. ``product`` may be
    the parent or one of its children (then its siblings are offered, itself first). Oscar's
    basket form takes the choice as ``child_id`` and refuses a child of another product."""
    parent = product.parent if product.is_child else product
    if parent is None or not parent.is_parent:
        return []
    strategy = context["request"].strategy
    try:
        selected = int(selected or (product.pk if product.is_child else 0))
    except (TypeError, ValueError):
        selected = 0
    choices = []
    for child in parent.get_public_children().prefetch_related("stockrecords"):
        info = strategy.fetch_for_product(child)
        choices.append(
            {
                "product": child,
                "label": child.specification or child.get_title(),
                "price": info.price,
                "available": info.availability.is_available_to_buy,
                "most": quantity_limit(info),
            }
        )
    choices.sort(
        key=lambda c: (c["price"].incl_tax if c["price"].exists else 10**9, c["product"].pk)
    )
    buyable = [choice for choice in choices if choice["available"]]
    chosen = next(
        (c for c in buyable if c["product"].pk == selected), buyable[0] if buyable else None
    )
    for choice in choices:
        choice["chosen"] = choice is chosen
    return choices
