"""Bar charts drawn on the server as SVG (readable without JavaScript): the statistics page
(``stats``) and an agency's monthly counts (``assisted``) draw theirs with ``bar_chart``; the
business model's results (``economics``) and an agency's stores draw labelled horizontal bars,
negative amounts to the left of zero, with ``hbar_chart``.

A shared library below the apps. The chart is an image named by a heading of the page
(``aria-labelledby``) with a ``<title>`` per bar; the page shows the same figures as a table
beneath it, which is what assistive technology reads. The count axis has ticks at round numbers
and the bars' axis the labels of a few bars (dates, months), spread evenly; each axis may be
named (``x_label``, ``y_label``).
"""

from collections.abc import Sequence
import math

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH, HEIGHT = 720, 200
AXIS = 20  # room beneath the bars for their labels
AXIS_TITLE = 18  # room beneath those for the axis' name
Y_AXIS = 52  # room left of the bars for the counts (and the axis' name)
TOP = 8  # room above the highest tick's label
FONT_SIZE = 11
MAX_TICKS = 6  # labels of bars shown at most
Y_TICKS = 4  # intervals of the count axis


def nice_top(top: int, intervals: int = Y_TICKS) -> int:
    """The smallest count ≥ ``top`` that is ``intervals`` times a round whole step (1, 1.25,
    1.5, 2, 2.5, 3, 4, 5, 6, 7.5 or 8 times a power of ten, never below 1): ``nice_top(7) == 8``,
    ``nice_top(430) == 500``."""
    if top <= 0:
        return intervals
    raw = top / intervals
    power = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    for factor in (1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 7.5, 8, 10):
        step = factor * power
        if step == int(step) and step >= raw:
            return int(step) * intervals
    return int(10 * power) * intervals  # pragma: no cover (10 × power is always ≥ raw)


def tick_indices(n: int, most: int = MAX_TICKS) -> list[int]:
    """Which of ``n`` bars get their label beneath the axis: the first, then evenly every k-th,
    at most ``most`` in all."""
    if n <= 0:
        return []
    every = max(1, math.ceil(n / max(1, most)))
    return list(range(0, n, every))


def bars(
    series: Sequence[tuple[str, int]], *, width: int = WIDTH, height: int = HEIGHT, top: int | None = None
) -> list[dict[str, object]]:
    """The bars of ``series`` [(label, count)], scaled to ``top`` (by default the largest count)."""
    top = top or max((n for _label, n in series), default=0) or 1
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
    series: Sequence[tuple[str, int]],
    *,
    labelledby: str,
    title: str,
    width: int = WIDTH,
    height: int = HEIGHT,
    x_label: str = "",
    y_label: str = "",
) -> SafeString:
    """The SVG of a bar chart of ``series``; ``labelledby`` the id of the heading naming it;
    ``x_label`` and ``y_label`` name the axes (beneath the bars' labels, and turned along the
    count axis)."""
    plot_w = width - Y_AXIS
    top = nice_top(max((n for _label, n in series), default=0))
    drawn = bars(series, width=plot_w, height=height, top=top)
    step = plot_w / max(1, len(series))
    rects = format_html_join(
        "",
        '<rect x="{}" y="{}" width="{}" height="{}" fill="#1f5fa8"><title>{}: {}</title></rect>',
        ((b["x"], b["y"], b["width"], b["height"], b["label"], b["count"]) for b in drawn),
    )
    y_ticks = format_html_join(
        "",
        '<line x1="-4" y1="{0}" x2="{1}" y2="{0}" stroke="#ccc" stroke-width="1"/>'
        '<text x="-6" y="{2}" font-size="{3}" text-anchor="end" fill="#333">{4}</text>',
        (
            (
                round(height - height * i / Y_TICKS, 2),
                plot_w,
                round(height - height * i / Y_TICKS + FONT_SIZE / 3, 2),
                FONT_SIZE,
                f"{top * i // Y_TICKS:,}",
            )
            for i in range(Y_TICKS + 1)
        ),
    )
    x_ticks = format_html_join(
        "",
        '<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="#333" stroke-width="1"/>'
        '<text x="{0}" y="{3}" font-size="{4}" text-anchor="middle" fill="#333">{5}</text>',
        (
            (
                round(i * step + max(1.0, step - 1) / 2, 2),
                height,
                height + 4,
                height + 4 + FONT_SIZE + 1,
                FONT_SIZE,
                series[i][0],
            )
            for i in tick_indices(len(series))
        ),
    )
    full_height = TOP + height + AXIS + (AXIS_TITLE if x_label else 0)
    x_title = (
        format_html(
            '<text x="{}" y="{}" font-size="{}" text-anchor="middle" fill="#333">{}</text>',
            round(plot_w / 2, 2),
            height + AXIS + AXIS_TITLE - 4,
            FONT_SIZE,
            x_label,
        )
        if x_label
        else ""
    )
    y_title = (
        format_html(
            '<text transform="translate({},{}) rotate(-90)" font-size="{}" text-anchor="middle" fill="#333">{}</text>',
            -(Y_AXIS - FONT_SIZE),
            round(height / 2, 2),
            FONT_SIZE,
            y_label,
        )
        if y_label
        else ""
    )
    return format_html(
        '<svg class="chart" role="img" aria-labelledby="{}" width="{}" height="{}" viewBox="0 0 {} {}">'
        "<title>{}</title>"
        '<g transform="translate({},{})">{}{}'
        '<line x1="0" y1="{}" x2="{}" y2="{}" stroke="#333" stroke-width="1"/>'
        '<line x1="0" y1="0" x2="0" y2="{}" stroke="#333" stroke-width="1"/>{}{}{}</g></svg>',
        labelledby,
        width,
        full_height,
        width,
        full_height,
        title,
        Y_AXIS,
        TOP,
        y_ticks,
        rects,
        height,
        plot_w,
        height,
        height,
        x_ticks,
        x_title,
        y_title,
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
