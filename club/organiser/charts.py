"""Server-side SVG charts for the organiser console's insights.

Why SVG written here rather than a JavaScript chart library: the pages work without JavaScript, the
Content Security Policy allows no inline script nor inline style, and an SVG made on the server is
visible at once, prints, and is the same for every browser.

Accessibility: each chart is one image to assistive technology (role="img"), named by its <title> and
described by its <desc> (aria-labelledby points at both). The figures themselves are in the data table
that the template renders beside every chart; the chart is a picture of that table, not its only copy.
Each bar still carries a <title> with its value ("mag 2026: 42%"), which browsers show on hover.

Content Security Policy: no style="" attribute and no <style> element. Colours, sizes and fonts are SVG
presentation attributes (fill, stroke, font-size...), so the charts look right without any CSS; class
names are there for the site's stylesheet to refine them (a stylesheet rule overrides a presentation
attribute).

Colours, on a white background: bars #0b6e69, the site's teal (6.0:1 against white), text #1f2328 (15.8:1), grid lines
#d0d7de (light on purpose: they guide, they are not data). The stacked bars' palette starts with the
club's teal, amber and red; amber is light against white (2.3:1), so every segment has a thin dark
outline that gives its shape the contrast, and the legend repeats the series in stacking order.

Escaping: every text that reaches the SVG (titles, labels, values) goes through markupsafe's escape
after being turned into a plain str, so a flask_babel lazy string (whose __html__ returns it unescaped)
or a hostile label ("<script>", "&", quotes) comes out as text. Characters that XML 1.0 forbids are
dropped, so the result always parses as XML.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

from club.organiser.insights import MonthShare

SVG_NS = "http://www.w3.org/2000/svg"

BAR_COLOUR = "#0b6e69"  # the site's teal
GRID_COLOUR = "#d0d7de"
AXIS_COLOUR = "#57606a"
TEXT_COLOUR = "#1f2328"
BACKGROUND = "#ffffff"
OUTLINE_COLOUR = "#1f2328"
PALETTE = ("#0b6e69", "#e0a100", "#b42318", "#1a7f37", "#6e40c9", "#57606a")

FONT_SIZE = 13  # viewBox units; the charts are 640 wide, so at 100% of a 600-900px column it reads 12-18px
FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
NO_DATA_SIZE = 22  # the "–" of a month without data: small, but it must be seen
CHAR_WIDTH = 0.62 * FONT_SIZE  # a generous mean glyph width, to lay out labels without measuring fonts

WIDTH = 640
PLOT_HEIGHT = 220
MARGIN_TOP = 16
MARGIN_RIGHT = 16
LABEL_GAP = 8
LABEL_ANGLE = -40

_ID = re.compile(r"[A-Za-z][A-Za-z0-9_.:-]*")
_CLASS_SUFFIX = re.compile(r"[A-Za-z0-9_-]+")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def default_percent_label(value: float) -> str:
    """0.42 -> "42%". Callers pass their own to follow the locale ("42 %", "42,5%")."""
    return f"{round(value * 100)}%"


def nice_ticks(max_value: float, count: int = 4) -> list[int]:
    """Axis ticks for counts: 0, then a round step (1, 2 or 5 x 10^n, at least 1) up to >= max_value.

    The step is the smallest round one that covers max_value in at most `count` intervals, so the top
    tick is the first round number at or above the data. An empty axis (max 0) gets [0, 1] so it still
    has a scale. Steps never go below 1: these are counts of people and messages, not fractions.
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    if not max_value or max_value <= 0:
        return [0, 1]
    raw = max_value / count
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = 10 * magnitude
    for multiple in (1, 2, 5, 10):
        if multiple * magnitude >= raw:
            step = multiple * magnitude
            break
    step = max(1, int(step))
    top = math.ceil(max_value / step)
    return [i * step for i in range(top + 1)]


def share_chart(
    shares: Sequence[MonthShare],
    *,
    chart_id: str,
    title: str,
    description: str,
    month_label: Callable[[str], str],
    percent_label: Callable[[float], str] = default_percent_label,
    no_data: str = "no data",
) -> Markup:
    """Bars of the crossing share per month, on a 0-100% axis with grid lines every 25%.

    A month whose share is None (no activity with both sides known) is an empty slot with a small "–"
    at the baseline and a <title> saying `no_data`: a missing figure must not look like 0%.
    """
    months = [share.month for share in shares]
    labels = [_text(month_label(month)) for month in months]
    ticks = [0.0, 0.25, 0.5, 0.75, 1.0]
    tick_labels = [_text(percent_label(tick)) for tick in ticks]
    frame = _Frame(labels, tick_labels, top_margin=MARGIN_TOP)
    parts = frame.open(chart_id, title, description)

    for tick, label in zip(ticks, tick_labels, strict=True):
        parts.append(frame.gridline(frame.y(tick, 1.0), label, baseline=tick == 0))

    for index, share in enumerate(shares):
        x_mid = frame.slot_middle(index)
        name = labels[index]
        if share.share is None:
            parts.append(
                f'<g class="chart-nodata"><title>{_esc(name)}: {_esc(no_data)}</title>'
                f'<text x="{_n(x_mid)}" y="{_n(frame.plot_bottom - 6)}" text-anchor="middle" '
                f'fill="{AXIS_COLOUR}" font-size="{NO_DATA_SIZE}" font-weight="bold">\u2013</text></g>'
            )
        else:
            value = min(max(share.share, 0.0), 1.0)
            y_top = frame.y(value, 1.0)
            value_text = _text(percent_label(share.share))
            parts.append(
                f'<rect class="chart-bar" x="{_n(x_mid - frame.bar_width / 2)}" y="{_n(y_top)}" '
                f'width="{_n(frame.bar_width)}" height="{_n(frame.plot_bottom - y_top)}" fill="{BAR_COLOUR}">'
                f"<title>{_esc(name)}: {_esc(value_text)}</title></rect>"
            )
            if _fits(value_text, frame.slot_width):
                parts.append(
                    f'<text class="chart-value" x="{_n(x_mid)}" y="{_n(y_top - 4)}" text-anchor="middle" '
                    f'fill="{TEXT_COLOUR}" font-size="{FONT_SIZE}" aria-hidden="true">{_esc(value_text)}</text>'
                )
        parts.append(frame.month_tick(index, name))

    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above went through _esc


def stacked_bars(
    months: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[int]]],
    *,
    chart_id: str,
    title: str,
    description: str,
    month_label: Callable[[str], str],
    number_label: Callable[[int], str] = str,
) -> Markup:
    """Stacked bars of counts per month, one colour per series, with a legend and round y ticks.

    series: (label, css class suffix, one value per month), stacked bottom-up in the given order; the
    legend lists them in the same order. Series colours come from PALETTE by index so the chart is
    readable without CSS; the class "chart-series-<suffix>" lets the stylesheet adjust them.
    `number_label` formats counts for the locale (1.234 in Italian).
    """
    for label, suffix, values in series:
        if len(values) != len(months):
            raise ValueError(f"series {label!r} has {len(values)} values for {len(months)} months")
        if not _CLASS_SUFFIX.fullmatch(str(suffix)):
            raise ValueError(f"not a CSS class suffix: {suffix!r}")
        if any(value < 0 for value in values):
            raise ValueError(f"series {label!r} has a negative value")

    labels = [_text(month_label(month)) for month in months]
    totals = [sum(values[i] for _label, _suffix, values in series) for i in range(len(months))]
    ticks = nice_ticks(max(totals, default=0))
    top = ticks[-1]
    tick_labels = [_text(number_label(tick)) for tick in ticks]

    legend, legend_height = _legend([(_text(label), str(suffix)) for label, suffix, _values in series])
    frame = _Frame(labels, tick_labels, top_margin=MARGIN_TOP + legend_height)
    parts = frame.open(chart_id, title, description)
    parts.append(legend)

    for tick, label in zip(ticks, tick_labels, strict=True):
        parts.append(frame.gridline(frame.y(tick, top), label, baseline=tick == 0))

    for index in range(len(months)):
        x_left = frame.slot_middle(index) - frame.bar_width / 2
        base = 0
        segments = []
        for position, (label, suffix, values) in enumerate(series):
            value = values[index]
            if value <= 0:
                continue
            y_top = frame.y(base + value, top)
            y_bottom = frame.y(base, top)
            segments.append(
                f'<rect class="chart-segment chart-series-{_esc(suffix)}" x="{_n(x_left)}" y="{_n(y_top)}" '
                f'width="{_n(frame.bar_width)}" height="{_n(y_bottom - y_top)}" '
                f'fill="{PALETTE[position % len(PALETTE)]}" stroke="{OUTLINE_COLOUR}" stroke-width="0.75">'
                f"<title>{_esc(labels[index])}, {_esc(_text(label))}: {_esc(_text(number_label(value)))}</title>"
                "</rect>"
            )
            base += value
        if segments:
            parts.append(f'<g class="chart-bar">{"".join(segments)}</g>')
        parts.append(frame.month_tick(index, labels[index]))

    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above went through _esc


# --- layout ---------------------------------------------------------------------------------------


class _Frame:
    """The plot area, the y axis labels on the left and the month labels below, for `WIDTH` units.

    Month labels are horizontal when they fit their slot and turn by LABEL_ANGLE otherwise (twelve
    "set 2026" labels do not fit side by side in 640 units at a readable size), with the bottom margin
    grown to hold them.
    """

    def __init__(self, month_labels: list[str], tick_labels: list[str], *, top_margin: float) -> None:
        self.count = len(month_labels)
        self.left = max((_text_width(label) for label in tick_labels), default=0) + LABEL_GAP + 10
        self.plot_width = WIDTH - self.left - MARGIN_RIGHT
        self.slot_width = self.plot_width / max(self.count, 1)
        self.bar_width = min(self.slot_width * 0.6, 48)
        self.plot_top = top_margin + FONT_SIZE / 2  # room for the top tick label's upper half
        self.plot_bottom = self.plot_top + PLOT_HEIGHT
        longest = max((_text_width(label) for label in month_labels), default=0)
        self.rotate = longest > self.slot_width - 4
        if self.rotate:
            angle = math.radians(abs(LABEL_ANGLE))
            bottom = LABEL_GAP + longest * math.sin(angle) + FONT_SIZE * math.cos(angle) + 8
            # a rotated label hangs to the left of its slot: keep the first one inside the picture
            self.left = max(self.left, longest * math.cos(angle) - self.slot_width / 2 + 4)
            self.plot_width = WIDTH - self.left - MARGIN_RIGHT
            self.slot_width = self.plot_width / max(self.count, 1)
            self.bar_width = min(self.slot_width * 0.6, 48)
        else:
            bottom = LABEL_GAP + FONT_SIZE + 8
        self.height = self.plot_bottom + bottom

    def open(self, chart_id: str, title: str, description: str) -> list[str]:
        if not _ID.fullmatch(str(chart_id)):
            raise ValueError(f"not a usable element id: {chart_id!r}")
        ident = _esc(chart_id)
        return [
            f'<svg xmlns="{SVG_NS}" class="chart" role="img" aria-labelledby="{ident}-title {ident}-desc" '
            f'viewBox="0 0 {WIDTH} {_n(self.height)}" width="100%" preserveAspectRatio="xMidYMid meet" '
            f'font-family="{_esc(FONT_FAMILY)}" font-size="{FONT_SIZE}">',
            f'<title id="{ident}-title">{_esc(_text(title))}</title>',
            f'<desc id="{ident}-desc">{_esc(_text(description))}</desc>',
            f'<rect class="chart-background" x="0" y="0" width="{WIDTH}" height="{_n(self.height)}" '
            f'fill="{BACKGROUND}"/>',
        ]

    def y(self, value: float, top: float) -> float:
        return self.plot_bottom - (value / top) * PLOT_HEIGHT if top else self.plot_bottom

    def slot_middle(self, index: int) -> float:
        return self.left + self.slot_width * (index + 0.5)

    def gridline(self, y: float, label: str, *, baseline: bool) -> str:
        colour = AXIS_COLOUR if baseline else GRID_COLOUR
        return (
            f'<line class="chart-grid" x1="{_n(self.left)}" x2="{_n(WIDTH - MARGIN_RIGHT)}" '
            f'y1="{_n(y)}" y2="{_n(y)}" stroke="{colour}" stroke-width="1"/>'
            f'<text class="chart-tick" x="{_n(self.left - LABEL_GAP)}" y="{_n(y)}" text-anchor="end" '
            f'dominant-baseline="middle" fill="{TEXT_COLOUR}" font-size="{FONT_SIZE}">{_esc(label)}</text>'
        )

    def month_tick(self, index: int, label: str) -> str:
        x = self.slot_middle(index)
        y = self.plot_bottom + LABEL_GAP + FONT_SIZE
        if self.rotate:
            return (
                f'<text class="chart-month" x="{_n(x)}" y="{_n(y)}" text-anchor="end" '
                f'transform="rotate({LABEL_ANGLE} {_n(x)} {_n(y)})" fill="{TEXT_COLOUR}" '
                f'font-size="{FONT_SIZE}">{_esc(label)}</text>'
            )
        return (
            f'<text class="chart-month" x="{_n(x)}" y="{_n(y)}" text-anchor="middle" fill="{TEXT_COLOUR}" '
            f'font-size="{FONT_SIZE}">{_esc(label)}</text>'
        )


def _legend(entries: list[tuple[str, str]]) -> tuple[str, float]:
    """The legend across the top: a small square in the series colour and its label, wrapping lines."""
    if not entries:
        return "", 0.0
    swatch, gap, line_height = 12, 20, FONT_SIZE + 8
    x, line = 8.0, 0
    items = []
    for position, (label, suffix) in enumerate(entries):
        width = swatch + 6 + _text_width(label)
        if x > 8 and x + width > WIDTH - MARGIN_RIGHT:
            x, line = 8.0, line + 1
        y = MARGIN_TOP + line * line_height
        items.append(
            f'<g class="chart-legend-item chart-series-{_esc(suffix)}">'
            f'<rect x="{_n(x)}" y="{_n(y)}" width="{swatch}" height="{swatch}" '
            f'fill="{PALETTE[position % len(PALETTE)]}" stroke="{OUTLINE_COLOUR}" stroke-width="0.75"/>'
            f'<text x="{_n(x + swatch + 6)}" y="{_n(y + swatch / 2)}" dominant-baseline="middle" '
            f'fill="{TEXT_COLOUR}" font-size="{FONT_SIZE}">{_esc(label)}</text></g>'
        )
        x += width + gap
    height = (line + 1) * line_height + 4
    return f'<g class="chart-legend">{"".join(items)}</g>', float(height)


# --- text -----------------------------------------------------------------------------------------


def _text(value) -> str:
    """Plain text of a label: Markup loses its tags and entities, anything else (lazy strings) is str()."""
    if isinstance(value, Markup):
        return value.striptags()
    return str(value)


def _esc(value) -> str:
    """Escaped for XML text and attribute values; characters XML 1.0 forbids are dropped."""
    return str(escape(_NOT_XML.sub("", _text(value))))


def _text_width(text: str) -> float:
    return len(text) * CHAR_WIDTH


def _fits(text: str, room: float) -> bool:
    return _text_width(text) <= room - 4


def _n(value: float) -> str:
    """A coordinate with at most one decimal, without trailing zeros."""
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
