"""Japanese phone numbers (電話番号) as people type them, in one canonical form."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from .errors import InputError, show_char
from .width import DASHES, FULL_WIDTH_DIGITS

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

PHONE_MAX_INPUT = 40
_PHONE_PUNCTUATION = str.maketrans(
    {
        **dict.fromkeys(DASHES, "-"),
        "（": "(",
        "）": ")",
        "＋": "+",
        "\u3000": " ",
        "\u00a0": " ",
        "\t": " ",
    }
)
_PHONE_FOLD: dict[int, str | int] = {**_PHONE_PUNCTUATION, **FULL_WIDTH_DIGITS}
_PHONE_CHARS = re.compile(r"[0-9+()\- ]*")
_PHONE_SPLIT = re.compile(r"[\- ()]+")
_INTERNATIONAL = re.compile(r"\+81[\- ]*(?:\(0\))?")
_MOBILE_IP = ("050", "070", "080", "090")  # 11 digits, 3-4-4
_SERVICE_4_3_3 = ("0120", "0570", "0990")  # free dial, navi dial, dial Q2: 10 digits


def _phone_error(message: StrOrPromise, code: str = "phone", **params: object) -> InputError:
    return InputError(message, code=code, params=params)


def normalise_phone(text: str) -> str:
    """Return a Japanese phone number as digits and hyphens, or raise ``InputError``.

    Accepted: ``011-211-2111``, ``0112112111``, ``(011)211-2111``, ``011（211）2111``,
    ``０１１－２１１－２１１１``, ``+81 11 211 2111``, ``+81 (0)11 211 2111``, ``+81-90-1234-5678``,
    ``+81 090-1234-5678`` (the 0 is dropped), ``090 1234 5678``, ``0120-12-6565``,
    ``0570-008800``; any dash people type, spaces.

    Valid numbers (``+81`` becomes the leading 0): 11 digits for mobile and IP phones (070, 080,
    090, 050) and 0800 free dial; 10 digits for everything else (fixed lines, 0120, 0570, 0990
    …). The second digit is never 0 (010 is the international prefix) and the other 0A0
    prefixes (020 pagers and M2M, 030, 040, 060) are not numbers a person gives.

    Grouping: three groups as typed are kept when they fit the kind of number (mobile 3-4-4,
    0800 4-3-4, 0120/0570/0990 4-3-3 or 4-2-4, fixed line: area code of 2–5 digits and local
    exchange making 6 digits together, then 4). Otherwise mobile/IP numbers are grouped 3-4-4,
    0120/0570/0990 4-3-3 and 0800 4-3-4; a fixed-line number typed without (plausible) hyphens
    is returned as its 10 digits, unhyphenated: where the area code ends depends on a table of
    area codes we do not have, and a wrong split would be printed on forms.
    """
    if not isinstance(text, str) or len(text) > PHONE_MAX_INPUT:
        raise _phone_error(_("Enter a phone number such as 03-1234-5678 or 090-1234-5678."))
    value = text.translate(_PHONE_FOLD).strip()
    if not _PHONE_CHARS.fullmatch(value):
        bad = next(c for c in value if not _PHONE_CHARS.fullmatch(c))
        raise _phone_error(_("A phone number has digits and hyphens only, not “%(char)s”."), char=show_char(bad))
    international = value.startswith("+")
    if international:
        match = _INTERNATIONAL.match(value)
        if not match:
            raise _phone_error(_("Enter a Japanese number: +81 or a number starting with 0."))
        value = value[match.end() :]
    if "+" in value:
        raise _phone_error(_("A phone number has digits and hyphens only, not “%(char)s”."), char="+")
    if (
        value.count("(") != value.count(")")
        or value.count("(") > 1
        or ("(" in value and not re.search(r"\([0-9]+\)", value))
    ):
        raise _phone_error(_("Put brackets around one group of digits only, as in (011) 211-2111."))
    groups = [g for g in _PHONE_SPLIT.split(value) if g]
    if international and groups and not groups[0].startswith("0"):
        # +81 90 … → 090 …; "+81 090 …" (the 0 kept by mistake) needs nothing: after the
        # country code a Japanese number never starts with 0.
        groups[0] = "0" + groups[0]
    digits = "".join(groups)
    if not digits:
        raise _phone_error(_("Enter a phone number such as 03-1234-5678 or 090-1234-5678."))
    if digits[0] != "0":
        raise _phone_error(_("A phone number starts with 0 (or +81)."), code="phone_prefix")
    if digits[1:2] == "0" or (digits[2:3] == "0" and digits[:3] not in _MOBILE_IP):
        raise _phone_error(
            _("%(prefix)s… is not a Japanese phone number we can accept."), code="phone_prefix", prefix=digits[:3]
        )
    if digits.startswith("0800"):  # before 080: 0800 is free dial, not a mobile number
        expected, default = 11, (4, 3, 4)
    elif digits[:3] in _MOBILE_IP:
        expected, default = 11, (3, 4, 4)
    elif digits.startswith(_SERVICE_4_3_3):
        expected, default = 10, (4, 3, 3)
    else:
        expected, default = 10, None
    if len(digits) != expected:
        raise _phone_error(
            _("A number starting %(prefix)s has %(expected)d digits; this has %(count)d."),
            code="phone_length",
            prefix=digits[:4] if default and default[0] == 4 else digits[:3],
            expected=expected,
            count=len(digits),
        )
    if len(groups) == 3 and _plausible_grouping(groups, default):
        return "-".join(groups)
    if default is None:
        return digits
    a, b, _c = default
    return f"{digits[:a]}-{digits[a : a + b]}-{digits[a + b :]}"


def _plausible_grouping(groups: list[str], default: tuple[int, int, int] | None) -> bool:
    lengths = tuple(len(g) for g in groups)
    if default == (3, 4, 4) or default == (4, 3, 4):
        return lengths == default
    if default == (4, 3, 3):
        return lengths in ((4, 3, 3), (4, 2, 4))
    # A fixed line: area code (0 + 1–4 digits) and local exchange make 6 digits, then 4 digits.
    return 2 <= lengths[0] <= 5 and lengths[0] + lengths[1] == 6 and lengths[2] == 4
