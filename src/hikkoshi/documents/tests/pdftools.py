"""Reading PDFs back with poppler-utils (Debian package ``poppler-utils``), as a reader would."""

from pathlib import Path
import re
import shutil
import subprocess
import tempfile

import pytest

POPPLER = all(shutil.which(tool) for tool in ("pdftotext", "pdffonts", "pdfinfo"))
needs_poppler = pytest.mark.skipif(
    not POPPLER, reason="poppler-utils (pdftotext, pdffonts, pdfinfo) is not installed: apt-get install poppler-utils"
)


def _run(tool: str, data: bytes, *args: str) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "doc.pdf"
        path.write_bytes(data)
        out = subprocess.run(
            [tool, *args, str(path), *(["-"] if tool == "pdftotext" else [])],
            capture_output=True,
            check=True,
            timeout=60,
        )
    return out.stdout.decode("utf-8")


def text(data: bytes, *, page: int | None = None, layout: bool = False) -> str:
    """The text of the PDF (or of one page), as pdftotext extracts it (with ``layout``, each
    line of the page on a line of text, as ``pdftotext -layout``)."""
    args = ["-f", str(page), "-l", str(page)] if page else []
    if layout:
        args.append("-layout")
    return _run("pdftotext", data, "-enc", "UTF-8", *args)


def squeezed(data: bytes, **kw) -> str:
    """The text without any white space, to find phrases whatever the spacing."""
    return re.sub(r"\s+", "", text(data, **kw))


def fonts(data: bytes) -> list[dict]:
    """pdffonts' table: one dict per font (name, type, emb, sub, uni)."""
    lines = _run("pdffonts", data).splitlines()[2:]
    rows = []
    for line in lines:
        parts = line.split()
        # name type... encoding emb sub uni object ID: the last five columns are fixed.
        rows.append({"name": parts[0], "emb": parts[-5], "sub": parts[-4], "uni": parts[-3]})
    return rows


def page_sizes(data: bytes) -> list[tuple[float, float]]:
    """(width, height) in points of every page."""
    info = _run("pdfinfo", data, "-f", "1", "-l", "999")
    return [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info)]


def word_boxes(data: bytes) -> list[tuple[float, float, float, float, float, float, str]]:
    """(page width, page height, xMin, yMin, xMax, yMax, word) of every word."""
    html = _run("pdftotext", data, "-bbox")
    boxes: list = []
    width = height = 0.0
    for line in html.splitlines():
        m = re.search(r'<page width="([\d.]+)" height="([\d.]+)"', line)
        if m:
            width, height = float(m[1]), float(m[2])
        m = re.search(
            r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
            r"(.*)</word>",
            line,
        )
        if m:
            boxes.append((width, height, *map(float, m.groups()[:4]), m[5]))
    return boxes
