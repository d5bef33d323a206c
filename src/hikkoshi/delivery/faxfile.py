"""Fax images (FAX 画像) and fax numbers.

``pdfs_to_tiff_f`` makes one TIFF-F file (TIFF Class F, RFC 2306) of PDFs, as fax gateways and
HylaFAX take it: every page 1-bit, CCITT Group 4 (or Group 3) compressed, 204 × 196 dpi (fine
resolution), 1728 pixels wide (the A4 / B4 scan line of ITU-T T.4), black on white
(PhotometricInterpretation 0, WhiteIsZero), one strip per page, NewSubfileType "page" and
PageNumber on each page, all pages in one file.

Pages are rasterised by PDFium straight at 204 dpi across and 196 dpi down (one affine
matrix: no resampling), thresholded rather than dithered (text stays crisp) and centred on the
1728-pixel line (A4 is ~1687 pixels at 204 dpi); a wider page is scaled down to fit, a landscape
page is turned upright. A page is at most as long as it is (A4: 2291 lines, just inside the 297
mm HylaFAX's ``tiffcheck`` accepts).

``normalise_fax_number`` checks a Japanese fax number and returns its digits.
"""

import io
import math
import struct
import threading

from django.utils import translation
from PIL import Image
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from hikkoshi.japanese import InputError, normalise_phone

FAX_WIDTH = 1728  # pixels on a scan line (T.4, A4/B4 paper)
X_DPI, Y_DPI = 204, 196  # fine resolution (8 × 7.7 lines/mm)
THRESHOLD = 200  # grey levels below this (of 255) print black: keeps thin strokes whole
COMPRESSIONS = ("group4", "group3")

# TIFF tags the writer sets or corrects.
_NEW_SUBFILE_TYPE, _PHOTOMETRIC, _FILL_ORDER, _PAGE_NUMBER = 254, 262, 266, 297
_SHORT = 3
_PDFIUM = threading.Lock()  # PDFium is not thread-safe; workers are processes, but be sure


def pdfs_to_tiff_f(pdfs: list[bytes], *, compression: str = "group4") -> tuple[bytes, int]:
    """One multi-page TIFF-F of every page of ``pdfs`` in order: (the file, its page count).

    ``compression`` is ``"group4"`` (T.6, MMR; the smallest) or ``"group3"`` (T.4 1-D, MH, for
    a gateway that takes nothing else).
    """
    if compression not in COMPRESSIONS:
        raise ValueError(f"compression must be one of {', '.join(COMPRESSIONS)}")
    pages = [page for pdf in pdfs for page in rasterise(pdf)]
    if not pages:
        raise ValueError("no pages to fax")
    for number, page in enumerate(pages):
        tags = {_NEW_SUBFILE_TYPE: 2, _FILL_ORDER: 1, _PAGE_NUMBER: (number, len(pages))}
        page.encoderinfo = {"tiffinfo": tags}
    out = io.BytesIO()
    # Pillow writes each page as one strip (strip_size) with PhotometricInterpretation 1; the
    # pages hold ink as 1 bits, so the coded lines are already white-is-zero, as T.4/T.6 code
    # them: the header is corrected afterwards (Pillow's own inversion is a per-pixel loop).
    pages[0].save(
        out,
        format="TIFF",
        save_all=True,
        append_images=pages[1:],
        compression=compression,
        dpi=(X_DPI, Y_DPI),
        strip_size=1 << 30,
    )
    return _set_white_is_zero(bytearray(out.getvalue())), len(pages)


def rasterise(pdf: bytes) -> list[Image.Image]:
    """Each page of ``pdf`` as a 1-bit fax page, 1728 pixels wide; 1 bits are ink."""
    pages = []
    with _PDFIUM:
        document = pdfium.PdfDocument(pdf)
        try:
            for index in range(len(document)):
                page = document[index]
                try:
                    pages.append(_fax_page(page))
                finally:
                    page.close()
        finally:
            document.close()
    return pages


def page_count(pdf: bytes) -> int:
    with _PDFIUM:
        document = pdfium.PdfDocument(pdf)
        try:
            return len(document)
        finally:
            document.close()


def _fax_page(page: pdfium.PdfPage) -> Image.Image:
    width_pt, height_pt = page.get_size()
    landscape = width_pt > height_pt
    across_pt, _down_pt = (height_pt, width_pt) if landscape else (width_pt, height_pt)
    fit = min(1.0, FAX_WIDTH / (across_pt * X_DPI / 72))
    sx, sy = X_DPI / 72 * fit, Y_DPI / 72 * fit  # pixels per point, across and down the fax page
    if landscape:  # render sideways at the swapped scales, then turn upright
        sx, sy = sy, sx
    width, height = math.floor(width_pt * sx), math.floor(height_pt * sy)
    bitmap = pdfium.PdfBitmap.new_native(width, height, pdfium_c.FPDFBitmap_Gray)
    bitmap.fill_rect((255, 255, 255, 255), 0, 0, width, height)
    matrix = pdfium_c.FS_MATRIX(sx, 0, 0, sy, 0, 0)
    clip = pdfium_c.FS_RECTF(0, 0, width, height)
    pdfium_c.FPDF_RenderPageBitmapWithMatrix(bitmap, page, matrix, clip, pdfium_c.FPDF_ANNOT | pdfium_c.FPDF_PRINTING)
    grey = bitmap.to_pil()
    if landscape:
        grey = grey.transpose(Image.Transpose.ROTATE_90)
    ink = grey.point(lambda v: 255 if v < THRESHOLD else 0, mode="1")
    line = Image.new("1", (FAX_WIDTH, ink.height), 0)
    line.paste(ink, ((FAX_WIDTH - ink.width) // 2, 0))
    return line


def _set_white_is_zero(data: bytearray) -> bytes:
    """Mark every page of a little-endian TIFF as WhiteIsZero and number its pages.

    Only values inside the directory entries change (two SHORTs fit in the entry itself), so
    no offset moves.
    """
    if data[:4] != b"II*\x00":
        raise ValueError("not a little-endian TIFF")
    offsets = []
    offset = struct.unpack_from("<I", data, 4)[0]
    while offset:
        offsets.append(offset)
        count = struct.unpack_from("<H", data, offset)[0]
        offset = struct.unpack_from("<I", data, offset + 2 + 12 * count)[0]
    for number, start in enumerate(offsets):
        count = struct.unpack_from("<H", data, start)[0]
        for entry in range(start + 2, start + 2 + 12 * count, 12):
            tag, kind, n = struct.unpack_from("<HHI", data, entry)
            if tag == _PHOTOMETRIC and (kind, n) == (_SHORT, 1):
                struct.pack_into("<HH", data, entry + 8, 0, 0)
            elif tag == _PAGE_NUMBER and (kind, n) == (_SHORT, 2):
                struct.pack_into("<HH", data, entry + 8, number, len(offsets))
    return bytes(data)


# -- fax numbers ---------------------------------------------------------------------------------

# A fax goes to a fixed line, an IP phone (050 internet fax), free dial (0120, 0800) or navi
# dial (0570); not to a mobile phone.
_NOT_FAX = {
    "070": "a mobile number",
    "080": "a mobile number",
    "090": "a mobile number",
    "0990": "a premium-rate (dial Q2) number",
}


def normalise_fax_number(text: str) -> str:
    """A Japanese fax number as its digits: ``"011-211-2222"``, ``"０１１（２１１）２２２２"``,
    ``"+81 11 211 2222"`` → ``"0112112222"``.

    Raises ``ValueError`` with an English message for anything that is not a plausible
    Japanese fax number (not a number, wrong length, a mobile or premium-rate number).
    """
    return display_fax_number(text).replace("-", "")


def display_fax_number(text: str) -> str:
    """The number as printed (``011-211-2222``; a fixed-line number typed without hyphens is
    kept as its digits, since where its area code ends is not known), or ``ValueError``."""
    try:
        number = normalise_phone(text)
    except InputError as exc:
        with translation.override("en"):
            reason = str(exc)
        raise ValueError(f"not a Japanese fax number: {reason}") from None
    digits = number.replace("-", "")
    for prefix, kind in _NOT_FAX.items():
        if digits.startswith(prefix) and not digits.startswith("0800"):
            raise ValueError(f"not a Japanese fax number: {prefix}… is {kind}")
    return number
