"""The insights' SVG charts (club/organiser/charts.py): well-formed, accessible, escaped, CSP-clean.

Each chart is parsed with ElementTree, so "well-formed" is proved, not assumed, and the checks read the
tree rather than grepping strings (except for the absence of style attributes, where a string search
is the stricter test).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from markupsafe import Markup

from club.organiser.charts import (
    BAR_COLOUR,
    FONT_SIZE,
    PALETTE,
    nice_ticks,
    share_chart,
    stacked_bars,
)
from club.organiser.insights import MonthShare

NS = {"svg": "http://www.w3.org/2000/svg"}
HOSTILE = "<script>alert('x')</script> & \"quoted\" R&D"
ITALIAN = "gen feb mar apr mag giu lug ago set ott nov dic".split()


def month_label(month: str) -> str:
    year, number = month.split("-")
    return f"{ITALIAN[int(number) - 1]} {year}"


def parse(svg: Markup) -> ET.Element:
    assert isinstance(svg, Markup)
    return ET.fromstring(str(svg))  # noqa: S314 - our own output, parsed to prove it is well-formed


def texts(root: ET.Element, tag: str) -> list[str]:
    return ["".join(element.itertext()) for element in root.iter(f"{{{NS['svg']}}}{tag}")]


def assert_accessible(root: ET.Element, chart_id: str, title: str, description: str) -> None:
    assert root.tag == f"{{{NS['svg']}}}svg"
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert root.get("viewBox", "").startswith("0 0 ")
    assert root.get("preserveAspectRatio")
    ids = root.get("aria-labelledby").split()
    assert ids == [f"{chart_id}-title", f"{chart_id}-desc"]
    title_el = root.find("svg:title", NS)
    desc_el = root.find("svg:desc", NS)
    assert title_el.get("id") == ids[0] and title_el.text == title
    assert desc_el.get("id") == ids[1] and desc_el.text == description
    for element in root.iter():
        size = element.get("font-size")
        if size is not None:
            assert float(size) >= 12


SHARES = [
    MonthShare("2025-11", within=3, across=1, unknown=0),  # 25%
    MonthShare("2025-12", within=0, across=0, unknown=2),  # no data
    MonthShare("2026-01", within=1, across=1, unknown=0),  # 50%
    MonthShare("2026-02", within=5, across=0, unknown=0),  # 0%
]


def test_share_chart_structure():
    root = parse(
        share_chart(
            SHARES, chart_id="cross-share", title="Quota", description="Quota per mese", month_label=month_label
        )
    )
    assert_accessible(root, "cross-share", "Quota", "Quota per mese")

    bars = root.findall(".//svg:rect[@class='chart-bar']", NS)
    assert len(bars) == 3  # one per month with data, none for the month without
    assert [bar.find("svg:title", NS).text for bar in bars] == ["nov 2025: 25%", "gen 2026: 50%", "feb 2026: 0%"]
    assert {bar.get("fill") for bar in bars} == {BAR_COLOUR}
    heights = [float(bar.get("height")) for bar in bars]
    assert heights[1] == pytest.approx(2 * heights[0], abs=0.2)
    assert heights[2] == 0

    no_data = root.findall(".//svg:g[@class='chart-nodata']", NS)
    assert len(no_data) == 1
    assert no_data[0].find("svg:title", NS).text == "dic 2025: no data"
    assert "\u2013" in texts(no_data[0], "text")

    assert [label for label in texts(root, "text") if label.endswith("%")][:5] == ["0%", "25%", "50%", "75%", "100%"]
    assert len(root.findall(".//svg:line[@class='chart-grid']", NS)) == 5
    assert texts(root, "text").count("dic 2025") == 1


def test_share_chart_uses_the_callers_words():
    root = parse(
        share_chart(
            [MonthShare("2026-05", 1, 1, 0), MonthShare("2026-06", 0, 0, 0)],
            chart_id="s",
            title="Share",
            description="Share by month",
            month_label=lambda month: "May" if month.endswith("05") else "June",
            percent_label=lambda value: f"{value * 100:.1f} %",
            no_data="nessun dato",
        )
    )
    assert root.find(".//svg:rect[@class='chart-bar']/svg:title", NS).text == "May: 50.0 %"
    assert root.find(".//svg:g[@class='chart-nodata']/svg:title", NS).text == "June: nessun dato"
    assert "100.0 %" in texts(root, "text")


def test_twelve_months_turn_their_labels_and_stay_inside():
    months = [f"2025-{m:02d}" for m in range(1, 13)]
    svg = share_chart(
        [MonthShare(m, 1, 1, 0) for m in months], chart_id="y", title="t", description="d", month_label=month_label
    )
    root = parse(svg)
    assert len(root.findall(".//svg:rect[@class='chart-bar']", NS)) == 12
    month_texts = root.findall(".//svg:text[@class='chart-month']", NS)
    assert len(month_texts) == 12 and all(t.get("transform", "").startswith("rotate(") for t in month_texts)
    height = float(root.get("viewBox").split()[3])
    assert all(0 <= float(t.get("y")) <= height for t in month_texts)


def test_hostile_labels_are_escaped_everywhere():
    svg = share_chart(
        SHARES,
        chart_id="h",
        title=HOSTILE,
        description=HOSTILE,
        month_label=lambda month: HOSTILE,
        percent_label=lambda value: HOSTILE,
        no_data=HOSTILE,
    )
    stacked = stacked_bars(
        ["2026-01"],
        [(HOSTILE, "sent", [3])],
        chart_id="h2",
        title=HOSTILE,
        description=HOSTILE,
        month_label=lambda month: HOSTILE,
        number_label=lambda value: HOSTILE,
    )
    for chart in (svg, stacked):
        assert "<script" not in str(chart)
        assert "R&D" not in str(chart) and "R&amp;D" in str(chart)
        root = parse(chart)  # well-formed despite the quotes and ampersands
        assert root.find("svg:title", NS).text == HOSTILE  # the text survives, as text
        assert not list(root.iter("script")) and not list(root.iter(f"{{{NS['svg']}}}script"))


def test_markup_and_lazy_labels_become_plain_text():
    class Lazy:  # like flask_babel's LazyString: __html__ returns the text unescaped
        def __str__(self):
            return "<b>Quota</b> & co"

        def __html__(self):
            return str(self)

    root = parse(
        share_chart(
            SHARES,
            chart_id="m",
            title=Lazy(),
            description=Markup("<em>bold</em> &amp; clear"),
            month_label=month_label,
        )
    )
    assert root.find("svg:title", NS).text == "<b>Quota</b> & co"
    assert root.find("svg:desc", NS).text == "bold & clear"


def test_control_characters_cannot_break_the_xml():
    parse(share_chart(SHARES, chart_id="c", title="a\x00b\x1bc", description="d", month_label=month_label))


def test_no_inline_style_anywhere():
    charts = [
        share_chart(SHARES, chart_id="a", title="t", description="d", month_label=month_label),
        stacked_bars(
            ["2026-01", "2026-02"],
            [("Inviati", "sent", [3, 4]), ("Saltati", "skipped", [1, 0]), ("Respinti", "bounced", [0, 2])],
            chart_id="b",
            title="t",
            description="d",
            month_label=month_label,
        ),
    ]
    for chart in charts:
        assert "style=" not in str(chart)
        assert "<style" not in str(chart)
        root = parse(chart)
        assert all(element.get("style") is None for element in root.iter())


def test_chart_id_must_be_a_usable_id():
    for bad in ("", "two words", "1st", 'x"y'):
        with pytest.raises(ValueError):
            share_chart(SHARES, chart_id=bad, title="t", description="d", month_label=month_label)


# --- stacked bars ---------------------------------------------------------------------------------


REACH_MONTHS = ["2025-12", "2026-01", "2026-02"]
REACH_SERIES = [
    ("Inviati", "sent", [40, 0, 12]),
    ("Saltati", "skipped", [5, 0, 0]),
    ("Respinti", "bounced", [2, 0, 1]),
]


def test_stacked_bars_structure():
    root = parse(
        stacked_bars(
            REACH_MONTHS,
            REACH_SERIES,
            chart_id="reach",
            title="Digest",
            description="Digest inviati, saltati e respinti per mese",
            month_label=month_label,
            number_label=lambda value: f"{value:,}".replace(",", "."),
        )
    )
    assert_accessible(root, "reach", "Digest", "Digest inviati, saltati e respinti per mese")

    bars = root.findall(".//svg:g[@class='chart-bar']", NS)
    assert len(bars) == 2  # one per month with data: January had none
    first = bars[0].findall("svg:rect", NS)
    assert [rect.find("svg:title", NS).text for rect in first] == [
        "dic 2025, Inviati: 40",
        "dic 2025, Saltati: 5",
        "dic 2025, Respinti: 2",
    ]
    assert [rect.get("fill") for rect in first] == list(PALETTE[:3])
    assert first[0].get("class") == "chart-segment chart-series-sent"
    # stacked bottom-up: each segment ends where the one below starts, heights in proportion to the values
    for lower, upper in zip(first, first[1:], strict=False):
        assert float(upper.get("y")) + float(upper.get("height")) == pytest.approx(float(lower.get("y")), abs=0.1)
    assert float(first[0].get("height")) == pytest.approx(8 * float(first[1].get("height")), abs=0.5)
    assert len(bars[1].findall("svg:rect", NS)) == 2  # a zero segment is not drawn

    legend = root.find(".//svg:g[@class='chart-legend']", NS)
    items = legend.findall("svg:g", NS)
    assert ["".join(item.itertext()) for item in items] == ["Inviati", "Saltati", "Respinti"]
    assert [item.find("svg:rect", NS).get("fill") for item in items] == list(PALETTE[:3])

    ticks = root.findall(".//svg:text[@class='chart-tick']", NS)
    assert [tick.text for tick in ticks] == ["0", "20", "40", "60"]


def test_stacked_bars_tolerate_no_data_at_all():
    root = parse(
        stacked_bars(
            REACH_MONTHS,
            [("Inviati", "sent", [0, 0, 0])],
            chart_id="z",
            title="t",
            description="d",
            month_label=month_label,
        )
    )
    assert root.findall(".//svg:g[@class='chart-bar']", NS) == []
    assert [tick.text for tick in root.findall(".//svg:text[@class='chart-tick']", NS)] == ["0", "1"]
    assert len(root.findall(".//svg:text[@class='chart-month']", NS)) == 3


def test_stacked_bars_refuse_inconsistent_series():
    with pytest.raises(ValueError):
        stacked_bars(["2026-01"], [("a", "a", [1, 2])], chart_id="x", title="t", description="d", month_label=str)
    with pytest.raises(ValueError):
        stacked_bars(
            ["2026-01"], [("a", 'a" onload="x', [1])], chart_id="x", title="t", description="d", month_label=str
        )
    with pytest.raises(ValueError):
        stacked_bars(["2026-01"], [("a", "a", [-1])], chart_id="x", title="t", description="d", month_label=str)


def test_font_size_is_readable():
    assert FONT_SIZE >= 12


@pytest.mark.parametrize(
    ("max_value", "expected"),
    [
        (0, [0, 1]),
        (1, [0, 1]),
        (3, [0, 1, 2, 3]),
        (4, [0, 1, 2, 3, 4]),
        (5, [0, 2, 4, 6]),
        (7, [0, 2, 4, 6, 8]),
        (10, [0, 5, 10]),
        (42, [0, 20, 40, 60]),
        (100, [0, 50, 100]),
        (101, [0, 50, 100, 150]),
        (1234, [0, 500, 1000, 1500]),
        (2.5, [0, 1, 2, 3]),
    ],
)
def test_nice_ticks(max_value, expected):
    assert nice_ticks(max_value) == expected


def test_nice_ticks_shape():
    for max_value in [1, 2, 9, 11, 19, 99, 250, 999, 12345, 987654]:
        ticks = nice_ticks(max_value)
        step = ticks[1] - ticks[0]
        assert ticks[0] == 0 and ticks[-1] >= max_value > ticks[-2]
        assert all(b - a == step for a, b in zip(ticks, ticks[1:], strict=False))
        assert len(ticks) - 1 <= 4
        digits = str(step).rstrip("0")
        assert digits in {"1", "2", "5"}
    assert nice_ticks(30, count=6) == [0, 5, 10, 15, 20, 25, 30]
