"""Server-rendered SVG bar charts: no JavaScript, no CDN, printable, readable by tests.

Every drawn bar carries `data-series`, `data-category` and `data-value`, and a <title>
tooltip; zero values draw nothing. Reference lines (a limit) carry `data-line`.

What every chart gets from `bar_chart` (so a new chart needs nothing of its own):
- the legend lists every series and wraps onto as many rows as it needs, never clipped;
- the scale fits the data: a reference line far above the bars (an API limit 30 times the
  use) does not flatten them; it is drawn at the top edge, dashed, labelled with its value
  and "above the scale" (`data-off-scale`). Lines near the data are drawn where they belong;
- a non-zero bar is at least MIN_BAR_PX high, so a 1 next to 300 is still seen;
- an x-axis label equal to the previous one is not repeated (runs on the same day).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

PALETTE = ["#1f5fa8", "#c2571a", "#2e7d32", "#6b3fa0", "#b3261e", "#00838f", "#8a5a00", "#5f6b7a"]
MIN_BAR_PX = 2.0
# A reference line more than this many times the data's peak is drawn off-scale at the top.
LINE_FIT_FACTOR = 2.5
LEGEND_ROW_PX = 18
LEGEND_CHAR_PX = 7.2  # average width of a character at font-size 12 (sans-serif), generous
AXIS_CHAR_PX = 6.6  # the same at font-size 11


def legend_layout(labels: Sequence[str], *, left: float, width: float) -> tuple[list[tuple[float, float]], int]:
    """(x, y) of each legend entry, wrapped into rows within [left, width]; and the number of rows."""
    positions, x, row = [], left, 0
    for label in labels:
        entry = 16 + LEGEND_CHAR_PX * len(str(label)) + 18
        if x > left and x + entry > width:
            x, row = left, row + 1
        positions.append((x, 8 + row * LEGEND_ROW_PX))
        x += entry
    return positions, (row + 1 if labels else 0)


@dataclass(frozen=True)
class Category:
    key: str  # machine value, e.g. "2026-11-02" or a run id
    label: str  # axis label, e.g. "02.11"
    title: str = ""  # tooltip prefix, e.g. "02.11.2026"


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    values: Sequence[float]
    color: str = ""


@dataclass(frozen=True)
class Line:
    key: str
    label: str
    value: float
    color: str = "#b3261e"
    dashed: bool = False


def nice_step(value: float) -> float:
    """The smallest 1, 2 or 5 × 10^n at or above `value`, at least 1 (whole-number axis ticks)."""
    if value <= 1:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude  # pragma: no cover - the loop always returns


def lines_above(lines: Sequence[Line], line: Line) -> int:
    """How many lines lie above `line`: off-scale labels stack in that order instead of overlapping."""
    return sum(1 for other in lines if other is not line and other.value > line.value)


def _f(value: float) -> str:
    return f"{value:.1f}"


def _number(value: float) -> str:
    return f"{value:,.0f}".replace(",", " ") if value == int(value) else f"{value:,.1f}".replace(",", " ")


def bar_chart(
    *,
    title: str,
    categories: Sequence[Category],
    series: Sequence[Series],
    stacked: bool = False,
    lines: Sequence[Line] = (),
    width: int = 960,
    height: int = 240,
    unit: str = "",
    empty: str = "—",
) -> SafeString:
    """Grouped (or stacked) vertical bars per category, with a legend and optional reference lines."""
    colors = [s.color or PALETTE[i % len(PALETTE)] for i, s in enumerate(series)]
    n = max(len(categories), 1)
    if stacked:
        peak = max((sum(s.values[i] for s in series) for i in range(len(categories))), default=0)
    else:
        peak = max((v for s in series for v in s.values), default=0)
    # Lines near the data share its scale; one far above it (or any, with no data) would flatten the bars.
    fitting = [line for line in lines if not peak or line.value <= peak * LINE_FIT_FACTOR]
    peak = max([peak, *(line.value for line in fitting)])
    # Four grid steps of a round size; a little headroom above a reference line for its label.
    y_max = 4 * nice_step((peak * 1.05 if fitting else peak) / 4)
    # The left margin fits the longest y label ("12 000 000"), the top one the legend's rows.
    left = max(52, round(12 + AXIS_CHAR_PX * len(_number(y_max))))
    legend, legend_rows = legend_layout([s.label for s in series], left=left, width=width - 12)
    right, top, bottom = 12, 16 + LEGEND_ROW_PX * max(legend_rows, 1), 36
    height += top - 34  # the plot keeps its height whatever the legend takes
    plot_w, plot_h = width - left - right, height - top - bottom

    def y(value: float) -> float:
        return top + plot_h - plot_h * value / y_max

    slot = plot_w / n
    gap = min(slot * 0.2, 6)
    parts: list[str] = [
        format_html(
            '<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" width="100%" '
            'role="img" aria-label="{}" preserveAspectRatio="xMinYMin meet">',
            width,
            height,
            title,
        ),
        format_html("<title>{}</title>", title),
    ]
    # Grid and y axis labels.
    for i in range(5):
        value = y_max * i / 4
        yy = y(value)
        parts.append(
            format_html(
                '<line class="grid" x1="{}" x2="{}" y1="{}" y2="{}" stroke="#d9dee5" stroke-width="1"/>'
                '<text x="{}" y="{}" text-anchor="end" font-size="11" fill="#5f6b7a">{}</text>',
                left,
                width - right,
                _f(yy),
                _f(yy),
                left - 6,
                _f(yy + 4),
                _number(value),
            )
        )
    # Bars.
    for index, category in enumerate(categories):
        x0 = left + index * slot + gap / 2
        inner = slot - gap
        base = 0.0
        for s_index, s in enumerate(series):
            value = s.values[index]
            if not value:
                continue
            if stacked:
                bx, bw = x0, inner
                y_top, y_bottom = y(base + value), y(base)
                y_top = min(y_top, y_bottom - MIN_BAR_PX)
                base += value
            else:
                bw = inner / len(series)
                bx = x0 + s_index * bw
                y_top, y_bottom = y(value), y(0)
                y_top = min(y_top, y_bottom - MIN_BAR_PX)
            parts.append(
                format_html(
                    '<rect class="bar" x="{}" y="{}" width="{}" height="{}" fill="{}" '
                    'data-series="{}" data-category="{}" data-value="{}"><title>{}: {} {}{}</title></rect>',
                    _f(bx),
                    _f(y_top),
                    _f(max(bw, 0.5)),
                    _f(max(y_bottom - y_top, MIN_BAR_PX)),
                    colors[s_index],
                    s.key,
                    category.key,
                    _number(value).replace(" ", ""),
                    category.title or category.label,
                    s.label,
                    _number(value),
                    unit,
                )
            )
    # Reference lines: in place when on the scale, else dashed along the top edge and labelled as above it.
    for line in lines:
        off_scale = line.value > y_max
        yy = top if off_scale else y(line.value)
        label = (
            format_html("▲ {}: {} ({})", line.label, _number(line.value), _("powyżej skali"))
            if off_scale
            else format_html("{}: {}", line.label, _number(line.value))
        )
        parts.append(
            format_html(
                '<line class="limit" data-line="{}" data-value="{}"{} x1="{}" x2="{}" y1="{}" y2="{}" '
                'stroke="{}" stroke-width="1.5"{}><title>{}: {}</title></line>'
                '<text x="{}" y="{}" text-anchor="end" font-size="11" fill="{}">{}</text>',
                line.key,
                _number(line.value).replace(" ", ""),
                mark_safe(' data-off-scale="true"') if off_scale else "",
                left,
                width - right,
                _f(yy),
                _f(yy),
                line.color,
                mark_safe(' stroke-dasharray="5 4"') if line.dashed or off_scale else "",
                line.label,
                _number(line.value),
                width - right - 4,
                _f(top + 12 + 14 * lines_above(lines, line) if off_scale else yy - 4),
                line.color,
                label,
            )
        )
    # X axis labels: at most ~16, evenly spaced, none equal to the one drawn before it.
    every = max(1, math.ceil(len(categories) / 16))
    previous = None
    for index, category in enumerate(categories):
        if index % every or category.label == previous:
            continue
        previous = category.label
        parts.append(
            format_html(
                '<text class="x-label" x="{}" y="{}" text-anchor="middle" font-size="11" fill="#5f6b7a">{}</text>',
                _f(left + (index + 0.5) * slot),
                height - bottom + 16,
                category.label,
            )
        )
    parts.append(
        format_html(
            '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#1d232b" stroke-width="1"/>',
            left,
            width - right,
            _f(y(0)),
            _f(y(0)),
        )
    )
    # Legend along the top, wrapped into rows: every series listed.
    for s_index, s in enumerate(series):
        x, y_legend = legend[s_index]
        parts.append(
            format_html(
                '<g class="legend" data-series="{}"><rect x="{}" y="{}" width="12" height="12" fill="{}"/>'
                '<text x="{}" y="{}" font-size="12" fill="#1d232b">{}</text></g>',
                s.key,
                _f(x),
                y_legend,
                colors[s_index],
                _f(x + 16),
                y_legend + 10,
                s.label,
            )
        )
    if not categories or not any(any(s.values) for s in series):
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="middle" font-size="13" fill="#5f6b7a">{}</text>',
                left + plot_w / 2,
                top + plot_h / 2,
                empty,
            )
        )
    parts.append("</svg>")
    return mark_safe("".join(str(part) for part in parts))  # noqa: S308 - every part built with format_html
