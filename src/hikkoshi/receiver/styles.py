"""The staff pages' styles: the receiver's stylesheet and the design system's tokens it uses
(デジタル庁デザインシステム), both put into each page's ``<style>`` (the receiver serves no static files;
its CSP allows styles by nonce only).

``static/receiver/tokens.css`` (the tokens, then the design roles the portal shares) is written
beside ``receiver.css`` at setup by the shared :mod:`hikkoshi.design_tokens`, as the portal's is;
without it the pages lose their colours and sizes (a warning of the system checks, W001, says so
when the receiver starts).
"""

from __future__ import annotations

from collections.abc import Sequence
import functools
from typing import Any

from django.apps import AppConfig
from django.core.checks import CheckMessage, Warning
from django.utils.safestring import SafeString, mark_safe

from hikkoshi.design_tokens import RECEIVER_STYLESHEET, output_of

STYLESHEET = RECEIVER_STYLESHEET
TOKENS = output_of(STYLESHEET)


@functools.cache
def stylesheet() -> SafeString:
    """The tokens, then the stylesheet: the text of every page's ``<style>`` (read once per process)."""
    parts = [TOKENS.read_text()] if TOKENS.exists() else []
    parts.append(STYLESHEET.read_text())
    return mark_safe("\n".join(parts))  # noqa: S308 - the package's own files, no user input


def tokens_built(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> list[CheckMessage]:
    """A system check (registered by the receiver's AppConfig): the tokens have been built."""
    if TOKENS.exists():
        return []
    return [
        Warning(
            f"{TOKENS.name} (the design system's tokens the staff pages' CSS uses) has not been built.",
            hint="Run scripts/setup: it runs `npm ci` and `python -m hikkoshi.design_tokens`.",
            id="hikkoshi.receiver.W001",
        )
    ]
