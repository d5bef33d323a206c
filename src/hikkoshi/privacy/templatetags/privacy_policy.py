"""``{% load privacy_policy %}{% retention_days %}``: the retention time for the privacy policy."""

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def retention_days() -> int:
    """``HIKKOSHI_RETENTION_DAYS``: days after every delivery is final before erasure."""
    return settings.HIKKOSHI_RETENTION_DAYS
