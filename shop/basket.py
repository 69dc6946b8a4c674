"""Oscar's basket middleware, reading a basket's lines once per request.

Every page's header shows the basket (whether it is empty, how many lines, its total). Oscar asks
"is it empty?" and "how many lines?" with a COUNT query each before the lines themselves are
read for the total: three queries for what the one that reads the lines answers. Here the lines
are read when the basket is loaded (Oscar's ``all_lines`` keeps them for the request, as it does
anyway once offers are applied to a basket that has lines), and the counts come from them.
"""

from oscar.apps.basket import middleware


class BasketMiddleware(middleware.BasketMiddleware):
    def apply_offers_to_basket(self, request, basket):
        if basket.id:
            len(basket.all_lines())  # evaluates Oscar's cached queryset of the lines
        super().apply_offers_to_basket(request, basket)
