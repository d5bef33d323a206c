"""The application number (申請番号) of a move: short enough to read over the phone, checked when
typed. A pure library (no database, no settings): moves gives the numbers, staff pages and admins
parse them.

``K7P2X-9M4QD``: ten characters of Crockford's base-32 alphabet (digits and capital letters
without I, L, O and U, so nothing reads as another character), in two groups of five. The
first nine are random; the tenth is a check character that catches every single wrong
character and every swap of two neighbours, so a number misheard or mistyped is refused
rather than finding another person's move.

The check is a weighted sum in the field GF(32) (GF(2)[x] / x⁵ + x² + 1, α = x): the nine
characters are weighted α⁹ … α¹ and the check character α⁰, and the sum of all ten is zero.
Every weight is a different non-zero element, so a single change (weight × difference ≠ 0) and a
swap of neighbours (difference × (αⁱ⁺¹ + αⁱ) ≠ 0) always change the sum.

``parse`` reads what people type: full-width characters, lower case, spaces and any of the
usual dashes, and Crockford's readings of O as 0 and I / L as 1. The number is given when a
move is submitted (``Move.save``); the move's UUID stays internal (URLs, the API's ``id``).
"""

import re
import secrets
import unicodedata

from hikkoshi.japanese import DASHES

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
PAYLOAD = 9  # random characters
LENGTH = PAYLOAD + 1
GROUP = 5
# A number as shown: two groups of five, a hyphen between (for a regex of a URL or a form).
PATTERN = re.compile(r"^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$")

# log / antilog tables of GF(32) with the primitive polynomial x⁵ + x² + 1.
_EXP: list[int] = []
_LOG = [0] * 32
_x = 1
for _i in range(31):
    _EXP.append(_x)
    _LOG[_x] = _i
    _x <<= 1
    if _x & 0b100000:
        _x ^= 0b100101
del _x, _i

# Characters typed for others: Crockford's decoding, and the dashes people type in Japan.
_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s_.・/" + re.escape(DASHES) + "]+")


def _mul(a: int, b: int) -> int:
    if a == 0 or b == 0:
        return 0
    return _EXP[(_LOG[a] + _LOG[b]) % 31]


def _weighted(values: list[int]) -> int:
    """Σ αⁿ⁻ⁱ · vᵢ over the characters ``values`` (the last one weighted α⁰)."""
    total, n = 0, len(values)
    for i, value in enumerate(values):
        total ^= _mul(_EXP[(n - 1 - i) % 31], value)
    return total


def check_character(payload: str) -> str:
    """The check character that makes ``payload`` + it a valid number."""
    values = [_VALUE[c] for c in payload] + [0]
    # The check character is weighted α⁰ = 1 and addition is XOR: it is the sum of the rest.
    return ALPHABET[_weighted(values)]


def is_valid(compact: str) -> bool:
    """Whether ten characters of the alphabet (no hyphen) are a number with a right check."""
    if len(compact) != LENGTH or any(c not in _VALUE for c in compact):
        return False
    return _weighted([_VALUE[c] for c in compact]) == 0


def display(compact: str) -> str:
    return f"{compact[:GROUP]}-{compact[GROUP:]}"


def generate() -> str:
    """A new random number, as shown (``K7P2X-9M4QD``)."""
    payload = "".join(secrets.choice(ALPHABET) for _ in range(PAYLOAD))
    return display(payload + check_character(payload))


def compact(text: str) -> str:
    """What was typed, reduced to the number's characters: full-width to ASCII, upper case,
    separators dropped, O → 0 and I / L → 1 (a typed number may still be invalid)."""
    text = unicodedata.normalize("NFKC", str(text or "")).upper()
    return _SEPARATORS.sub("", text).translate(_ALIASES)


def parse(text: str) -> str | None:
    """The number as shown if ``text`` is one (however it was typed), else None."""
    found = compact(text)
    return display(found) if is_valid(found) else None
