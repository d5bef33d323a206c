"""Free text typed into a field: one line or several, no control or invalid characters, in NFC."""

import re
import unicodedata

from django.utils.translation import gettext_lazy as _

from .errors import InputError, show_char

_LINE_BREAKS = re.compile("\r\n|[\r\u2028\u2029]")


def _is_noncharacter(code: int) -> bool:
    return 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE


def check_text(text: str, *, max_length: int, multiline: bool = False) -> str:
    """Return ``text`` in NFC, or raise ``InputError`` if it is not acceptable free text.

    Refused: control characters (C0, DEL and C1), lone surrogates and non-characters (U+FFFE,
    U+FFFF, U+FDD0–U+FDEF and their equivalents in every plane), and more than ``max_length``
    characters (code points, counted after NFC). Line breaks (also U+2028, U+2029) are refused
    unless ``multiline``; then ``\\r\\n``, ``\\r``, U+2028 and U+2029 become ``\\n`` (browsers send
    a textarea's lines with ``\\r\\n``) and ``\\n`` and ``\\t`` are allowed. Nothing is stripped.
    Positions in messages count characters from 1, as typed.
    """
    if isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 0:
        raise TypeError("max_length must be a whole number of 0 or more")
    if not isinstance(text, str):
        raise InputError(_("Enter text."), code="not_text")
    for position, char in enumerate(text, start=1):
        code = ord(char)
        if char in "\n\r\u2028\u2029":
            if not multiline:
                raise InputError(_("Use a single line: line breaks are not allowed here."), code="line_break")
        elif code < 0x20 or 0x7F <= code <= 0x9F:
            if not (multiline and char == "\t"):
                raise InputError(
                    _("Remove the control character %(char)s at position %(position)d."),
                    code="control_character",
                    params={"char": show_char(char), "position": position},
                )
        elif 0xD800 <= code <= 0xDFFF or _is_noncharacter(code):
            raise InputError(
                _("Remove the invalid character %(char)s at position %(position)d."),
                code="invalid_character",
                params={"char": show_char(char), "position": position},
            )
    value = _LINE_BREAKS.sub("\n", text) if multiline else text
    value = unicodedata.normalize("NFC", value)
    if len(value) > max_length:
        raise InputError(
            _("Use at most %(limit)d characters (this has %(length)d)."),
            code="too_long",
            params={"limit": max_length, "length": len(value)},
        )
    return value
