"""Deployment checks of the delivery app (``hikkoshi manage check --deploy``)."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
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


@register(Tags.security, deploy=True)
def smtp_encrypted(app_configs=None, **kwargs):
    """Applications by e-mail hold personal data: not in clear text across a network."""
    host = settings.HIKKOSHI_SMTP.get("host", "")
    if settings.HIKKOSHI_SMTP.get("starttls") or host in ("127.0.0.1", "::1", "localhost"):
        return []
    return [Warning(f"Applications are sent by SMTP to {host} without STARTTLS.",
                    hint="Set HIKKOSHI_SMTP_STARTTLS=1 (the default in production).", id="hikkoshi.delivery.W001")]
