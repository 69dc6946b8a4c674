"""``{{ product.description|clean_html }}``: a manager's rich text, cleaned, marked safe."""

from django import template
from django.utils.safestring import mark_safe

from catalog.richtext import clean_html as _clean_html

register = template.Library()


@register.filter
def clean_html(value):
    return mark_safe(_clean_html(value))  # noqa: S308 - cleaned by an allow-list just above
