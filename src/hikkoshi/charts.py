"""Bar charts drawn on the server as SVG (readable without JavaScript): the statistics page
(``stats``) and an agency's monthly counts (``assisted``) draw theirs with ``bar_chart``; the
business model's results (``economics``) and an agency's stores draw labelled horizontal bars,
negative amounts to the left of zero, with ``hbar_chart``.

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


# Horizontal bars: each bar's label on its own line above it (labels are long in two languages),
# its value at the right.
H_VALUE_W = 110
H_LABEL_H = 16
H_BAR_H = 16
H_GAP = 8
POSITIVE, NEGATIVE = "#1f5fa8", "#b3261e"


def hbar_chart(
    series: Sequence[tuple[str, int]],
    *,
    labelledby: str,
    title: str,
    description: str = "",
    width: int = WIDTH,
) -> SafeString:
    """The SVG of a horizontal bar chart of ``series`` [(label, value)], one labelled bar per
    row, negative values (in red) to the left of the zero line; ``labelledby`` the id of the
    heading naming it, ``description`` (optional) says how to read it (``aria-describedby``)."""
    left = 4
    plot_w = width - left - H_VALUE_W
    low = min([0, *(v for _label, v in series)])
    high = max([0, *(v for _label, v in series)])
    span = (high - low) or 1
    zero_x = left + plot_w * (-low) / span
    step = H_LABEL_H + H_BAR_H + H_GAP
    height = H_GAP + len(series) * step
    rows = []
    for index, (label, value) in enumerate(series):
        y = H_GAP + index * step
        bar_w = plot_w * abs(value) / span
        rows.append(
            (
                left,
                y + 12,
                label,
                f"{zero_x - bar_w if value < 0 else zero_x:.1f}",
                y + H_LABEL_H,
                f"{bar_w:.1f}",
                H_BAR_H,
                NEGATIVE if value < 0 else POSITIVE,
                label,
                f"{value:,}",
                width - 4,
                y + H_LABEL_H + 12,
                f"{value:,}",
            )
        )
    body = format_html_join(
        "",
        '<text x="{}" y="{}" font-size="12">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {}</title></rect>'
        '<text x="{}" y="{}" font-size="12" text-anchor="end">{}</text>',
        rows,
    )
    described = format_html(' aria-describedby="{}-desc"', labelledby) if description else ""
    desc = format_html('<desc id="{}-desc">{}</desc>', labelledby, description) if description else ""
    return format_html(
        '<svg class="chart chart-h" role="img" aria-labelledby="{}"{} width="{}" height="{}" viewBox="0 0 {} {}">'
        "<title>{}</title>{}{}"
        '<line x1="{}" y1="0" x2="{}" y2="{}" stroke="#333" stroke-width="1"/></svg>',
        labelledby,
        described,
        width,
        height,
        width,
        height,
        title,
        desc,
        body,
        f"{zero_x:.1f}",
        f"{zero_x:.1f}",
        height,
    )
