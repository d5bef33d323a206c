"""The module matrix of a QR code: segno's, with its data mask chosen faster.

ISO/IEC 18004 has the encoder try all eight data masks and keep the one with the lowest
penalty score. segno does that module by module in Python, about 20 ms for a version 18 code,
which was a third of the time of a move's whole document set. Here segno encodes the data once
(with mask 0); the unmasked matrix is recovered from it, and the eight masks are applied and
scored on whole rows as integers and strings, with exactly segno's scoring (N1 runs, N2 blocks,
N3 finder-like patterns, N4 balance, first lowest wins). The result is the very matrix
``segno.make_qr(text, error=…)`` gives; ``tests/test_qr.py`` checks that on many payloads.

It uses a few helpers of ``segno.encoder`` (pinned version): ``encode``, ``make_matrix``,
``add_finder_patterns``, ``add_alignment_patterns``, ``get_data_mask_functions``,
``add_format_info`` and ``add_version_info``.
"""

from functools import lru_cache
from itertools import pairwise
import re
from typing import NamedTuple

from segno import encoder

_RUN = re.compile(r"0{5,}|1{5,}")
_FINDER_LIKE = "1011101"


class Matrix(NamedTuple):
    rows: tuple[bytearray, ...]  # 1 = dark, without quiet zone
    version: int
    error: int
    mask: int


@lru_cache(maxsize=64)
def _layout(width: int) -> tuple[tuple[int, ...], tuple[int, ...], tuple[tuple[int, ...], ...]]:
    """Of a symbol ``width`` modules wide, as row integers (column j ↔ bit width-1-j): the
    function patterns (timing, finders, alignment; format and version areas light), the
    encoding region, and each of the eight masks restricted to the encoding region."""
    fm = encoder.make_matrix(width, width)
    encoder.add_finder_patterns(fm, width, width)
    encoder.add_alignment_patterns(fm, width, width)
    function = tuple(_as_int(v == 1 for v in row) for row in fm)
    region = tuple(_as_int(v > 1 for v in row) for row in fm)
    masks = []
    for pattern in encoder.get_data_mask_functions(False):
        masks.append(
            tuple(_as_int(v > 1 and bool(pattern(i, j)) for j, v in enumerate(row)) for i, row in enumerate(fm))
        )
    return function, region, tuple(masks)


_TO_DIGITS = bytes.maketrans(b"\x00\x01", b"01")
_FROM_DIGITS = bytes.maketrans(b"01", b"\x00\x01")


def _as_int(row) -> int:
    """A row of 0/1 values (or booleans) as an integer, first column most significant."""
    if isinstance(row, (bytes, bytearray)):
        return int(row.translate(_TO_DIGITS), 2)
    return int("".join("1" if v else "0" for v in row), 2)


def _n3(seq: str, n: int) -> int:
    """segno's N3: each 1:1:3:1:1 pattern with four light modules before or after it."""
    count = 0
    idx = seq.find(_FINDER_LIKE)
    while idx != -1:
        offset = idx + 7
        if idx in (0, n - 7) or "1" not in seq[max(idx - 4, 0) : idx] or "1" not in seq[offset : offset + 4]:
            count += 40
        else:
            offset = idx + 4
        idx = seq.find(_FINDER_LIKE, offset)
    return count


def penalty(rows: list[int], n: int) -> int:
    """The penalty score (N1 + N2 + N3 + N4) of a masked matrix given as row integers."""
    texts = [format(r, f"0{n}b") for r in rows]
    columns = ["".join(col) for col in zip(*texts)]
    score = 0
    for seq in texts + columns:
        runs = _RUN.findall(seq)
        if runs:
            score += sum(map(len, runs)) - 2 * len(runs)
        if _FINDER_LIKE in seq:
            score += _n3(seq, n)
    low = (1 << (n - 1)) - 1
    full = (1 << n) - 1
    for above, row in pairwise(rows):
        same = ~(above ^ row) & full
        block = same & ~(row ^ (row >> 1)) & ~(above ^ (above >> 1)) & low
        score += 3 * block.bit_count()
    dark = sum(r.bit_count() for r in rows)
    percent = float(dark) / (n**2)
    return score + 10 * int(abs(percent * 100 - 50) / 5)


def qr_matrix(text: str, error: str = "m") -> Matrix:
    """The QR code (never Micro) of ``text``: error correction at least ``error`` (raised when
    the same version allows), mask chosen as ISO/IEC 18004 says."""
    code = encoder.encode(text, error=error, mask=0, micro=False, boost_error=True)
    n = len(code.matrix)
    function, region, masks = _layout(n)
    # The matrix before masking, format and version information, as segno scores it.
    unmasked = [((_as_int(row) ^ m0) & r) | f for row, m0, r, f in zip(code.matrix, masks[0], region, function)]
    best, best_score = 0, None
    for k, mask_rows in enumerate(masks):
        score = penalty([u ^ m for u, m in zip(unmasked, mask_rows)], n)
        if best_score is None or score < best_score:
            best, best_score = k, score
    rows = tuple(
        bytearray(format(u ^ m, f"0{n}b").encode().translate(_FROM_DIGITS)) for u, m in zip(unmasked, masks[best])
    )
    encoder.add_format_info(rows, code.version, code.error, best)
    encoder.add_version_info(rows, code.version)
    return Matrix(rows, code.version, code.error, best)
