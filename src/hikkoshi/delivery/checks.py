"""Deployment checks of the delivery app (``hikkoshi manage check --deploy``)."""

from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured


@register(Tags.security, deploy=True)
def signing_key_configured(app_configs=None, **kwargs):
    """Web-channel applications cannot be signed without the portal's key."""
    from .signing import portal_key

    try:
        portal_key()
    except ImproperlyConfigured as exc:
        return [Error(str(exc), hint="Set HIKKOSHI_SIGNING_KEY (PEM) or HIKKOSHI_SIGNING_KEY_FILE.",
                      id="hikkoshi.delivery.E001")]
    return []
