"""``InputError``: what is wrong with a value typed into a field, said in the reader's language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.utils.functional import lazy

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class InputError(ValueError):
    """A value that cannot be normalised.

    ``message`` is a lazy translatable string, already filled in with ``params``; ``code`` is a
    stable machine-readable reason (``"not_kana"``, ``"era_range"``, ``"phone_length"`` …) for
    callers and tests that need to tell reasons apart.
    """

    def __init__(
        self, message: StrOrPromise, code: str = "invalid", params: Mapping[str, object] | None = None
    ) -> None:
        self.code = code
        self.params: Mapping[str, object] = params or {}
        self.message: StrOrPromise = _fill(message, self.params) if self.params else message
        super().__init__(self.message)

    def __str__(self) -> str:
        return str(self.message)


def _fill_now(message: StrOrPromise, params: Mapping[str, object]) -> str:
    return str(message) % params


# Keeps the message lazy: it is translated and filled in only when it is shown.
_fill = lazy(_fill_now, str)


def show_char(char: str) -> str:
    """A character as the message shows it: itself when visible, else its code point."""
    if char.isprintable() and not char.isspace():
        return char
    return f"U+{ord(char):04X}"
