"""The module matrix of a QR code: segno's, with its data mask chosen faster.

ISO/IEC 18004 has the encoder try all eight data masks and keep the one with the lowest
penalty score. segno does that module by module in Python, about 20 ms for a version 18 code,
which was a third of the time of a move's whole document set. Here segno encodes the data once
(with mask 0); the unmasked matrix is recovered from it and packed into two integers, all its
rows and all its columns; each of the eight masks is one XOR on each, and scored with bit
operations on them (N1 runs, N2 blocks, N4 balance) and a string search (N3 finder-like
patterns), exactly as segno scores (first lowest wins). The result is the very matrix
``segno.make_qr(text, error=…)`` gives; ``tests/test_qr.py`` checks that on many payloads, and
the score against segno's on random matrices.

It uses a few helpers of ``segno.encoder`` (pinned version): ``encode``, ``make_matrix``,
``add_finder_patterns``, ``add_alignment_patterns``, ``get_data_mask_functions``,
``add_format_info`` and ``add_version_info``.
"""

from functools import lru_cache
from typing import NamedTuple

from segno import encoder

_FINDER_LIKE = "1011101"


class Matrix(NamedTuple):
    rows: tuple[bytearray, ...]  # 1 = dark, without quiet zone
    version: int
    error: int
    mask: int


class _Layout(NamedTuple):
    """Of a symbol ``n`` modules wide, as row integers (column j ↔ bit n-1-j): the function
    patterns (timing, finders, alignment; format and version areas light), the encoding region
    and each of the eight masks restricted to it; and for the scoring, each mask as one
    integer of all its rows (``_pack``) and of all its columns, and the bit masks below."""

    function: tuple[int, ...]
    region: tuple[int, ...]
    masks: tuple[tuple[int, ...], ...]
    packed_masks: tuple[int, ...]
    packed_masks_across: tuple[int, ...]
    within: int  # of a packed matrix: bit j of each row, j < n-1 (a module and its right neighbour)
    within_below: int  # the same, rows 1 to n-1 only (a module and the one above it, ``>> n``)


@lru_cache(maxsize=64)
def _layout(n: int) -> _Layout:
    fm = encoder.make_matrix(n, n)
    encoder.add_finder_patterns(fm, n, n)
    encoder.add_alignment_patterns(fm, n, n)
    function = tuple(_as_int(v == 1 for v in row) for row in fm)
    region = tuple(_as_int(v > 1 for v in row) for row in fm)
    masks = tuple(
        tuple(_as_int(v > 1 and bool(pattern(i, j)) for j, v in enumerate(row)) for i, row in enumerate(fm))
        for pattern in encoder.get_data_mask_functions(False)
    )
    low = (1 << (n - 1)) - 1
    return _Layout(
        function,
        region,
        masks,
        tuple(_pack(m, n) for m in masks),
        tuple(_pack(_across(m, n), n) for m in masks),
        _pack([low] * n, n),
        _pack([0] + [low] * (n - 1), n),
    )


_TO_DIGITS = bytes.maketrans(b"\x00\x01", b"01")
_FROM_DIGITS = bytes.maketrans(b"01", b"\x00\x01")


def _as_int(row) -> int:
    """A row of 0/1 values (or booleans) as an integer, first column most significant."""
    if isinstance(row, (bytes, bytearray)):
        return int(row.translate(_TO_DIGITS), 2)
    return int("".join("1" if v else "0" for v in row), 2)


def _pack(rows: "list[int] | tuple[int, ...]", n: int) -> int:
    """Rows of ``n`` bits as one integer, the first row most significant: what runs along rows
    is scored for all of them with a few operations on it."""
    packed = 0
    for row in rows:
        packed = (packed << n) | row
    return packed


def _across(rows: "list[int] | tuple[int, ...]", n: int) -> tuple[int, ...]:
    """The columns of a matrix of row integers, as integers (row i ↔ bit n-1-i): the rows of
    its transpose."""
    texts = [format(r, f"0{n}b") for r in rows]
    return tuple(int("".join(column), 2) for column in zip(*texts))


def _n1(packed: int, within: int) -> int:
    """segno's N1 of every row of a packed matrix: each run of five or more same-coloured
    modules scores its length - 2, that is one per window of five in it (``w``) plus two per
    run (the highest window of each block of windows)."""
    same = ~(packed ^ (packed >> 1)) & within
    w = same & (same >> 1) & (same >> 2) & (same >> 3)
    return w.bit_count() + 2 * (w & ~(w >> 1)).bit_count()


def _n3(text: str, n: int) -> int:
    """segno's N3 of every row of a packed matrix written out (``n`` characters a row): each
    1:1:3:1:1 pattern with four light modules before or after it within its row (or at the
    row's start or end), searched for as segno does row by row; a match across two rows is
    none."""
    count = 0
    at = text.find(_FINDER_LIKE)
    while at != -1:
        idx = at % n
        if idx > n - 7:  # runs into the next row
            at = text.find(_FINDER_LIKE, at + 1)
            continue
        start = at - idx
        after = at + 7
        if (
            idx in (0, n - 7)
            or "1" not in text[max(at - 4, start) : at]
            or "1" not in text[after : min(after + 4, start + n)]
        ):
            count += 40
            at = text.find(_FINDER_LIKE, after)
        else:
            at = text.find(_FINDER_LIKE, at + 4)
    return count


def penalty(packed: int, packed_across: int, n: int) -> int:
    """The penalty score (N1 + N2 + N3 + N4) of a masked matrix given as ``_pack`` of its rows
    and of its columns."""
    layout = _layout(n)
    binary = f"0{n * n}b"
    score = _n1(packed, layout.within) + _n1(packed_across, layout.within)
    score += _n3(format(packed, binary), n) + _n3(format(packed_across, binary), n)
    # N2: each 2x2 block of one colour (a module, its right neighbour and the two above).
    above = packed >> n
    block = ~(packed ^ above) & ~(packed ^ (packed >> 1)) & ~(above ^ (above >> 1)) & layout.within_below
    score += 3 * block.bit_count()
    percent = float(packed.bit_count()) / (n**2)
    return score + 10 * int(abs(percent * 100 - 50) / 5)


def qr_matrix(text: str, error: str = "m") -> Matrix:
    """The QR code (never Micro) of ``text``: error correction at least ``error`` (raised when
    the same version allows), mask chosen as ISO/IEC 18004 says."""
    code = encoder.encode(text, error=error, mask=0, micro=False, boost_error=True)
    n = len(code.matrix)
    layout = _layout(n)
    masks = layout.masks
    # The matrix before masking, format and version information, as segno scores it, packed by
    # rows and by columns: a mask is one XOR on each.
    unmasked = [
        ((_as_int(row) ^ m0) & r) | f for row, m0, r, f in zip(code.matrix, masks[0], layout.region, layout.function)
    ]
    packed, packed_across = _pack(unmasked, n), _pack(_across(unmasked, n), n)
    best, best_score = 0, None
    for k, (mask, mask_across) in enumerate(zip(layout.packed_masks, layout.packed_masks_across)):
        score = penalty(packed ^ mask, packed_across ^ mask_across, n)
        if best_score is None or score < best_score:
            best, best_score = k, score
    rows = tuple(
        bytearray(format(u ^ m, f"0{n}b").encode().translate(_FROM_DIGITS)) for u, m in zip(unmasked, masks[best])
    )
    encoder.add_format_info(rows, code.version, code.error, best)
    encoder.add_version_info(rows, code.version)
    return Matrix(rows, code.version, code.error, best)
