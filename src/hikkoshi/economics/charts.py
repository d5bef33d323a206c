"""Horizontal bar charts as SVG, drawn on the server: they read without JavaScript.

Each chart has a <title> and <desc> (role="img", aria-labelledby) and is shown above a table
holding the same numbers, for those who do not see it.
"""

from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH = 640
LABEL_W = 250
VALUE_W = 110
BAR_H = 18
GAP = 6


def yen_text(value: int) -> str:
    return f"{value:,}"


def bar_chart(chart_id: str, title: str, description: str, rows: Sequence[tuple[str, int]]) -> SafeString:
    """One bar per (label, value); negative values grow to the left of the zero line."""
    plot_w = WIDTH - LABEL_W - VALUE_W
    low = min([0, *(v for _, v in rows)])
    high = max([0, *(v for _, v in rows)])
    span = (high - low) or 1
    zero_x = LABEL_W + plot_w * (-low) / span
    height = GAP + len(rows) * (BAR_H + GAP)
    head = format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="economics-chart" role="img" '
        'aria-labelledby="{0}-title {0}-desc" viewBox="0 0 {1} {2}" width="{1}" height="{2}">'
        '<title id="{0}-title">{3}</title><desc id="{0}-desc">{4}</desc>',
        chart_id,
        WIDTH,
        height,
        title,
        description,
    )
    bars = []
    for index, (label, value) in enumerate(rows):
        y = GAP + index * (BAR_H + GAP)
        width = plot_w * abs(value) / span
        x = zero_x - width if value < 0 else zero_x
        fill = "#b3261e" if value < 0 else "#1f5fa8"
        bars.append(
            (LABEL_W - 6, y + BAR_H - 5, label, f"{x:.1f}", y, f"{width:.1f}", BAR_H, fill, WIDTH - 4, yen_text(value))
        )
    body = format_html_join(
        "",
        '<text x="{0}" y="{1}" font-size="12" text-anchor="end">{2}</text>'
        '<rect x="{3}" y="{4}" width="{5}" height="{6}" fill="{7}"></rect>'
        '<text x="{8}" y="{1}" font-size="12" text-anchor="end">{9}</text>',
        bars,
    )
    tail = format_html(
        '<line x1="{0}" y1="0" x2="{0}" y2="{1}" stroke="#333" stroke-width="1"></line></svg>', f"{zero_x:.1f}", height
    )
    return format_html("{}{}{}", head, body, tail)
