"""``{% personal "template.html" name=value %}``: a personal part of an otherwise shared page.

Rendered normally it is an ``{% include … with … %}``. When the page is being rendered to be
shared between signed-in buyers (``shop.pagecache``), it leaves a marker instead, and the part is
rendered for each buyer when the page is served, from the template context processors (user,
basket, CSRF token, notifications…) and the values given here only (plain values: ids, strings).
A personal template must therefore not rely on anything else from the page's context; the page
cache's tests compare a served page with a freshly rendered one for different buyers.
"""

from django import template
from django.template.base import token_kwargs

register = template.Library()


class PersonalNode(template.Node):
    def __init__(self, name, values):
        self.name = name
        self.values = values

    def render(self, context):
        name = self.name.resolve(context)
        values = {key: value.resolve(context) for key, value in self.values.items()}
        holes = getattr(context.get("request"), "_page_holes", None)
        if holes is not None:
            holes.append((name, values))
            return f"<!--jm-personal-{len(holes) - 1}-->"  # a node's output is not escaped
        part = context.template.engine.get_template(name)
        with context.push(**values):
            return part.render(context)


@register.tag
def personal(parser, token):
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError(f"{bits[0]} needs a template name")
    values = token_kwargs(bits[2:], parser)
    if len(values) != len(bits) - 2:
        raise template.TemplateSyntaxError(f"{bits[0]}: give values as name=value")
    return PersonalNode(parser.compile_filter(bits[1]), values)
