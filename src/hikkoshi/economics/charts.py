"""Horizontal bar charts as SVG, drawn on the server: they read without JavaScript.

Each chart has a <title> and <desc> (role="img", aria-labelledby) and is shown above a table
holding the same numbers, for those who do not see it.
"""

from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH = 640
VALUE_W = 110
LABEL_H = 16  # each bar's label on its own line above it: labels are long in two languages
BAR_H = 16
GAP = 8


def yen_text(value: int) -> str:
    return f"{value:,}"


def bar_chart(chart_id: str, title: str, description: str, rows: Sequence[tuple[str, int]]) -> SafeString:
    """One bar per (label, value); negative values grow to the left of the zero line."""
    left = 4
    plot_w = WIDTH - left - VALUE_W
    low = min([0, *(v for _, v in rows)])
    high = max([0, *(v for _, v in rows)])
    span = (high - low) or 1
    zero_x = left + plot_w * (-low) / span
    step = LABEL_H + BAR_H + GAP
    height = GAP + len(rows) * step
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
        y = GAP + index * step
        width = plot_w * abs(value) / span
        x = zero_x - width if value < 0 else zero_x
        fill = "#b3261e" if value < 0 else "#1f5fa8"
        bars.append(
            (
                left,
                y + 12,
                label,
                f"{x:.1f}",
                y + LABEL_H,
                f"{width:.1f}",
                BAR_H,
                fill,
                WIDTH - 4,
                y + LABEL_H + 12,
                yen_text(value),
            )
        )
    body = format_html_join(
        "",
        '<text x="{0}" y="{1}" font-size="12">{2}</text>'
        '<rect x="{3}" y="{4}" width="{5}" height="{6}" fill="{7}"></rect>'
        '<text x="{8}" y="{9}" font-size="12" text-anchor="end">{10}</text>',
        bars,
    )
    tail = format_html(
        '<line x1="{0}" y1="0" x2="{0}" y2="{1}" stroke="#333" stroke-width="1"></line></svg>', f"{zero_x:.1f}", height
    )
    return format_html("{}{}{}", head, body, tail)
