"""Deployment checks of the federation app (``hikkoshi manage check --deploy``)."""

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.core.checks import CheckMessage, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured


@register(Tags.security, deploy=True)
def oidc_key_configured(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> list[CheckMessage]:
    """Partner portals sign their movers in through this portal's provider: its ID tokens need
    the RSA key (never made by itself in production)."""
    from .signin import id_token_key_pem

    try:
        id_token_key_pem()
    except ImproperlyConfigured as exc:
        return [
            Warning(
                f"No OpenID Connect key: partner portals cannot sign movers in through this portal ({exc})",
                hint="Set HIKKOSHI_OIDC_KEY (PEM) or HIKKOSHI_OIDC_KEY_FILE to an RSA key of 2048 bits or more.",
                id="hikkoshi.federation.W001",
            )
        ]
    return []
