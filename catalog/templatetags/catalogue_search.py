from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def replace_params(context, **changes) -> str:
    """This page's address with some query parameters changed (an empty value removes one):
    ``{% replace_params sort_by="sales" page="" %}``."""
    request = context["request"]
    query = request.GET.copy()
    for name, value in changes.items():
        if value in (None, ""):
            query.pop(name, None)
        else:
            query[name] = str(value)
    encoded = query.urlencode()
    return f"{request.path}?{encoded}" if encoded else request.path
