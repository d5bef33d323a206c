"""Deployment checks of the delivery app (``hikkoshi manage check --deploy``)."""

from collections.abc import Mapping, Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured


@register(Tags.security, deploy=True)
def signing_key_configured(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> list[CheckMessage]:
    """Web-channel applications cannot be signed without the portal's key."""
    from .keys import portal_key

    try:
        portal_key()
    except ImproperlyConfigured as exc:
        return [
            Error(
                str(exc),
                hint="Set HIKKOSHI_SIGNING_KEY (PEM) or HIKKOSHI_SIGNING_KEY_FILE.",
                id="hikkoshi.delivery.E001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def smtp_encrypted(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> list[CheckMessage]:
    """Applications by e-mail hold personal data: not in clear text across a network."""
    host = settings.HIKKOSHI_SMTP.get("host", "")
    if settings.HIKKOSHI_SMTP.get("starttls") or host in ("127.0.0.1", "::1", "localhost"):
        return []
    return [
        Warning(
            f"Applications are sent by SMTP to {host} without STARTTLS.",
            hint="Set HIKKOSHI_SMTP_STARTTLS=1 (the default in production).",
            id="hikkoshi.delivery.W001",
        )
    ]


LOOPBACK = ("127.0.0.1", "::1", "localhost")


@register(Tags.security, deploy=True, databases=["default"])
def channels_deployable(
    app_configs: Sequence[AppConfig] | None = None, databases: Sequence[str] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """Each channel's own checks of the procedures that use it (``Channel.deploy_checks``: the
    web channel warns of plain ``http://`` endpoints)."""
    from django.db import DatabaseError

    from hikkoshi.catalogue.models import Procedure
    from hikkoshi.channels import registry

    if not databases:
        return []
    try:
        rows = list(Procedure.objects.values_list("channel", "slug", "channel_settings"))
    except DatabaseError:  # not migrated yet
        return []
    by_channel: dict[str, list[tuple[str, Mapping[str, Any]]]] = {}
    for name, slug, channel_settings in rows:
        by_channel.setdefault(name, []).append((slug, channel_settings or {}))
    messages: list[CheckMessage] = []
    for channel in registry():
        messages += channel.deploy_checks(by_channel.get(channel.name, []))
    return messages


@register(Tags.security, deploy=True)
def portal_mail_encrypted(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> list[CheckMessage]:
    """The portal's own mail (sign-up links, password resets) goes to another host only with TLS."""
    options = (getattr(settings, "MAILERS", {}) or {}).get("default", {})
    if not options.get("BACKEND", "").endswith("smtp.EmailBackend"):
        return []
    opts = options.get("OPTIONS", {})
    host = opts.get("host", "localhost")
    if opts.get("use_tls") or opts.get("use_ssl") or host in LOOPBACK:
        return []
    return [
        Warning(
            f"The portal's mail (sign-up and password-reset links) goes by SMTP to {host} without TLS.",
            hint="Set HIKKOSHI_EMAIL_STARTTLS=1 (the default in production).",
            id="hikkoshi.delivery.W003",
        )
    ]


@register(Tags.security, deploy=True)
def qr_key_apart(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> list[CheckMessage]:
    """The QR key is given to the municipalities' counters: it must never be ``SECRET_KEY``."""
    key = getattr(settings, "HIKKOSHI_QR_KEY", "") or ""
    secrets = {settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS}
    fallbacks = set(getattr(settings, "HIKKOSHI_QR_KEY_FALLBACKS", ()) or ())
    if not key:
        return [
            Warning(
                "HIKKOSHI_QR_KEY is not set: the printed forms' QR codes are signed with SECRET_KEY, "
                "which would then have to be given to the counters.",
                hint="Set HIKKOSHI_QR_KEY to a key of its own.",
                id="hikkoshi.delivery.W004",
            )
        ]
    if key in secrets or fallbacks & secrets:
        return [
            Error(
                "HIKKOSHI_QR_KEY (or one of its fallbacks) is SECRET_KEY: giving it to the counters "
                "would give away the key of sessions and signed links.",
                hint="Make a new key for the QR codes.",
                id="hikkoshi.delivery.E002",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def trusted_proxies_counted(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> list[CheckMessage]:
    """Behind a reverse proxy (as production must be) without HIKKOSHI_TRUSTED_PROXY_COUNT, every
    client seems to come from the proxy's address: the per-address sign-in budget and the audit
    log would see one address for everyone."""
    if getattr(settings, "ALLAUTH_TRUSTED_PROXY_COUNT", 0):
        return []
    return [
        Warning(
            "HIKKOSHI_TRUSTED_PROXY_COUNT is not set: behind the reverse proxy every client has the "
            "proxy's address (sign-in limits per address, audit log).",
            hint="Set HIKKOSHI_TRUSTED_PROXY_COUNT to the number of proxies in front (1 with the sample "
            "deploy/nginx.conf).",
            id="hikkoshi.delivery.W005",
        )
    ]
