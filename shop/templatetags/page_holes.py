"""Parts of an otherwise shared page that are one visitor's own (``shop.pagecache``).

- ``{% personal "template.html" name=value %}``: a signed-in buyer's or a guest's part (account
  menu, mini-basket, messages, host links, reminder). Left as a marker when a page is rendered
  to be shared between signed-in buyers or between guests, and rendered for each of them when
  the page is served, from the template context processors (user, basket, messages, CSRF token,
  notifications…) and the values given here only (plain values: ids, strings).
- ``{% per_visitor "template.html" name=value %}``: a part that differs between visitors who are
  not signed in either (what they browsed, from their own cookie). Left as a marker in every
  shared render, anonymous ones included, and rendered when the page is served from the request,
  its CSRF token and the values given here only: anonymous hits stay cheap.

Rendered normally (a page of one's own), either is an ``{% include … with … %}``. A personal
template must therefore not rely on anything else from the page's context; the page cache's
tests compare a served page with a freshly rendered one for different visitors.
"""

from django import template
from django.template.base import token_kwargs

register = template.Library()

# The page cache's shared renders (``shop.pagecache._variant``): anonymous visitors with nothing
# of their own to show share pages whole (but for per-visitor parts); guests (a basket or
# messages) and signed-in buyers share them with their personal parts left as markers.
ANONYMOUS, GUEST, SIGNED_IN = "anonymous", "guest", "signed-in"
# The kinds of part: {% personal %} (a guest's or signed-in buyer's), {% per_visitor %}.
PERSONAL, VISITOR = "personal", "visitor"


class PersonalNode(template.Node):
    def __init__(self, name, values, kind=PERSONAL):
        self.name = name
        self.values = values
        self.kind = kind

    def render(self, context):
        name = self.name.resolve(context)
        values = {key: value.resolve(context) for key, value in self.values.items()}
        request = context.get("request")
        holes = getattr(request, "_page_holes", None)
        if holes is not None and (self.kind == VISITOR or request._page_variant != ANONYMOUS):
            holes.append((name, values, self.kind))
            return f"<!--jm-personal-{len(holes) - 1}-->"  # a node's output is not escaped
        part = context.template.engine.get_template(name)
        with context.push(**values):
            return part.render(context)


def _tag(kind):
    def tag(parser, token):
        bits = token.split_contents()
        if len(bits) < 2:
            raise template.TemplateSyntaxError(f"{bits[0]} needs a template name")
        values = token_kwargs(bits[2:], parser)
        if len(values) != len(bits) - 2:
            raise template.TemplateSyntaxError(f"{bits[0]}: give values as name=value")
        return PersonalNode(parser.compile_filter(bits[1]), values, kind)

    return tag


register.tag("personal", _tag(PERSONAL))
register.tag("per_visitor", _tag(VISITOR))


@register.simple_tag(takes_context=True)
def visitor_history(context, current_product_id=None):
    """The products this visitor viewed last, newest first, without the one they are looking at
    (Oscar's "recently viewed", from their own history cookie), as product cards loaded in bulk.
    No query without a history."""
    from catalog.history import history_ids
    from catalog.selectors import recently_viewed

    ids = history_ids(context["request"])
    if not ids:
        return []
    try:
        current = int(current_product_id)
    except (TypeError, ValueError):
        current = None  # not on a product's page: leave nothing out
    return recently_viewed(ids, exclude=current)


REFUSED_ADD_KEY = "add_to_basket_form_post_data_%s"  # Oscar's BasketAddView.form_invalid


@register.simple_tag(takes_context=True)
def shared_basket_form(context, product, quantity_type="single"):
    """Oscar's ``basket_form``, for a page that is stored and served to others. After a refused
    "add to basket" Oscar keeps the visitor's post in their session, and its tag binds the form
    to it (their quantity, "Oops! We found some errors"): a render showing that is theirs alone,
    so the page cache does not store it (``shop.pagecache``: ``_page_cache_skip``)."""
    from oscar.templatetags.basket_tags import basket_form

    request = context["request"]
    if REFUSED_ADD_KEY % product.pk in request.session:
        request._page_cache_skip = True
    return basket_form(request, product, quantity_type)
