"""Bar charts drawn on the server as SVG (readable without JavaScript): the statistics page
(``stats``) and an agency's monthly counts (``assisted``) draw theirs with ``bar_chart``.

A shared library below the apps. The chart is an image named by a heading of the page
(``aria-labelledby``) with a ``<title>`` per bar; the page shows the same figures as a table
beneath it, which is what assistive technology reads.
"""

from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH, HEIGHT = 720, 200
AXIS = 20  # room beneath the bars


def bars(series: Sequence[tuple[str, int]], *, width: int = WIDTH, height: int = HEIGHT) -> list[dict[str, object]]:
    """The bars of ``series`` [(label, count)], scaled to the largest count."""
    top = max((n for _label, n in series), default=0) or 1
    step = width / max(1, len(series))
    return [
        {
            "x": round(i * step, 2),
            "width": round(max(1.0, step - 1), 2),
            "height": round(height * n / top, 2),
            "y": round(height - height * n / top, 2),
            "label": label,
            "count": n,
        }
        for i, (label, n) in enumerate(series)
    ]


def bar_chart(
    series: Sequence[tuple[str, int]], *, labelledby: str, title: str, width: int = WIDTH, height: int = HEIGHT
) -> SafeString:
    """The SVG of a bar chart of ``series``; ``labelledby`` the id of the heading naming it."""
    rects = format_html_join(
        "",
        '<rect x="{}" y="{}" width="{}" height="{}" fill="#1f5fa8"><title>{}: {}</title></rect>',
        (
            (b["x"], b["y"], b["width"], b["height"], b["label"], b["count"])
            for b in bars(series, width=width, height=height)
        ),
    )
    return format_html(
        '<svg class="chart" role="img" aria-labelledby="{}" width="{}" height="{}" viewBox="0 0 {} {}">'
        "<title>{}</title>"
        '<line x1="0" y1="{}" x2="{}" y2="{}" stroke="#333" stroke-width="1"/>{}</svg>',
        labelledby,
        width,
        height + AXIS,
        width,
        height + AXIS,
        title,
        height,
        width,
        height,
        rects,
    )
