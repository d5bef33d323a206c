"""``{% load operator %}{% operator as op %}``: who runs this portal (``portal.operator``)."""

from django import template

from hikkoshi.portal.operator import Operator, current

register = template.Library()


@register.simple_tag(name="operator")
def operator_tag() -> Operator:
    return current()
