"""Oscar's basket middleware, reading a basket's lines once per request, with what pricing them
needs.

Every page's header shows the basket (whether it is empty, how many lines, its total). Oscar asks
"is it empty?" and "how many lines?" with a COUNT query each before the lines themselves are
read for the total: three queries for what the one that reads the lines answers. Here the lines
are read when the basket is loaded (Oscar's ``all_lines`` keeps them for the request, as it does
anyway once offers are applied to a basket that has lines), and the counts come from them.

Pricing a line (the strategy's ``fetch_for_line``, on every page with a basket and at each
checkout step) reads the product's stock records and its product class: Oscar's ``all_lines``
loads neither, so each line cost two queries more. They are loaded with the lines here, in one
query for all the lines' stock records.
"""

from oscar.apps.basket import middleware


def lines_for_pricing(basket):
    """Oscar's ``Basket.all_lines()`` queryset, with each line's product class and the product's
    stock records (the strategy picks the price from them) loaded too."""
    return (
        basket.lines.select_related("product__product_class", "stockrecord")
        .prefetch_related(
            "attributes",
            "product__images",
            "product__stockrecords",
        )
        .order_by(basket._meta.pk.name)
    )


class BasketMiddleware(middleware.BasketMiddleware):
    def apply_offers_to_basket(self, request, basket):
        if basket.id:
            if basket._lines is None:  # what Oscar's all_lines() keeps for the request
                basket._lines = lines_for_pricing(basket)
            len(basket.all_lines())  # evaluates it
        super().apply_offers_to_basket(request, basket)
