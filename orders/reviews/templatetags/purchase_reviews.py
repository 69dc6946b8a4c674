"""``{% load purchase_reviews %}``: the product page's reviews and whether this visitor may
write one (``orders.reviews``)."""

from django import template
from django.utils.translation import gettext

from .. import selectors, services

register = template.Library()


@register.simple_tag(takes_context=True)
def may_review(context, product):
    request = context.get("request")
    return request is not None and services.may_review(request.user, product)


@register.simple_tag
def approved_reviews(product, limit=None):
    return selectors.approved_reviews(product, limit)


@register.filter
def reviewer(review):
    """The reviewer as the page shows them: the first character of their name and ** (王**),
    or 买家; never their email address."""
    name = review.user.get_full_name().strip() if review.user else ""
    return f"{name[0]}**" if name else gettext("Buyer")
