"""Deployment checks of the portal (``hikkoshi manage check --deploy``): the operator's details
the pages show, and the address the portal gives of itself."""

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register

from hikkoshi.delivery.checks import LOOPBACK

from .operator import current, missing

ENVIRONMENT = {
    "name": "HIKKOSHI_OPERATOR_NAME",
    "address": "HIKKOSHI_OPERATOR_ADDRESS",
    "contact": "HIKKOSHI_OPERATOR_CONTACT",
    "source_url": "HIKKOSHI_SOURCE_URL",
}


@register(Tags.compatibility, deploy=True)
def operator_given(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> list[CheckMessage]:
    """The terms, the privacy policy and the contact page name the operator (the law asks for
    its name, address and where to ask; the AGPL for where the source code is)."""
    problems: list[CheckMessage] = []
    empty = missing()
    if empty:
        problems.append(
            Warning(
                "The pages do not say who runs this portal: "
                + ", ".join(ENVIRONMENT[key] for key in empty)
                + " not set.",
                hint="Set them in the environment (README: Production).",
                id="hikkoshi.portal.W001",
            )
        )
    if current().demo:
        problems.append(
            Warning(
                "The operator shown on the pages is the demo's made-up one (HIKKOSHI_OPERATOR['demo']).",
                hint="Set HIKKOSHI_OPERATOR_NAME and the other HIKKOSHI_OPERATOR_* variables.",
                id="hikkoshi.portal.W002",
            )
        )
    return problems


@register(Tags.compatibility, deploy=True)
def portal_url_public(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> list[CheckMessage]:
    """Fax cover sheets, e-mailed applications and letters print HIKKOSHI_PORTAL_URL."""
    host = urlsplit(str(settings.HIKKOSHI_PORTAL_URL)).hostname or ""
    if host and host not in LOOPBACK:
        return []
    return [
        Warning(
            f"HIKKOSHI_PORTAL_URL ({settings.HIKKOSHI_PORTAL_URL}) is not an address people can reach.",
            hint="Set HIKKOSHI_PORTAL_URL to the portal's public address, such as https://portal.example.jp/.",
            id="hikkoshi.portal.W003",
        )
    ]


@register(Tags.staticfiles)
def design_tokens_built(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> list[CheckMessage]:
    """The pages' stylesheet reads the Digital Agency design system's tokens (デザイントークン) from
    tokens.css, which scripts/setup writes from the npm package; without it every page loses its
    colours and sizes."""
    from .design_tokens import OUTPUT

    if OUTPUT.exists():
        return []
    return [
        Warning(
            f"{OUTPUT.name} (the design system's tokens the pages' CSS uses) has not been built.",
            hint="Run scripts/setup (make demo does): it runs `npm ci` and `python -m hikkoshi.design_tokens`.",
            id="hikkoshi.portal.W010",
        )
    ]
