"""The dashboard's SVG charts (portal/insights/charts.py): well-formed whatever
the text, named for screen readers, exact figures on every mark, drawn to
scale, mirrored right to left, and nothing the Content-Security-Policy refuses."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from portal.insights import charts
from portal.insights.charts import FunnelStep, Series

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>alert("x")</script> & \x07 "quotes" \u202e'
DAYS = ["1 Nov", "2 Nov", "3 Nov", "4 Nov"]


def parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)  # noqa: S314 (our own output) raises on anything not well-formed


def titles(root: ET.Element) -> list[str]:
    """The hover text of every mark (the chart's own title excluded)."""
    return [t.text or "" for t in root.iter(f"{SVG}title") if not t.get("id")]


def bars(root: ET.Element, fill: str = charts.COLOURS[0]) -> list[ET.Element]:
    return [r for r in root.iter(f"{SVG}rect") if r.get("fill") == fill]


def every_chart(label: str = "Reset router") -> dict[str, str]:
    return {
        "day_bars": charts.day_bars(
            "tickets", "Tickets per day", "Opened and solved", DAYS, [Series("opened", (5, 0, 2, 8))]
        ),
        "hbars": charts.hbars("gaps", "Searches", "No results", [(label, 12), ("wifi", 3)]),
        "funnel": charts.funnel("tree", "Hub light", "Walks", [FunnelStep("Started", 10), FunnelStep(label, 7)]),
        "distribution": charts.distribution("csat", "Satisfaction", "Scores", list("12345"), [1, 0, 2, 5, 12]),
    }


@pytest.mark.parametrize("kind", ["day_bars", "hbars", "funnel", "distribution"])
def test_each_chart_is_an_image_named_by_its_title_and_description(kind):
    root = parse(every_chart()[kind])
    assert root.get("role") == "img"
    first, second = root.get("aria-labelledby").split()
    assert root.find(f"{SVG}title").get("id") == first and root.find(f"{SVG}desc").get("id") == second
    assert root.find(f"{SVG}title").text and root.find(f"{SVG}desc").text


@pytest.mark.parametrize("kind", ["day_bars", "hbars", "funnel", "distribution"])
def test_hostile_text_stays_text_and_nothing_needs_inline_style_or_script(kind):
    markup = every_chart(HOSTILE)[kind] + charts.day_bars(HOSTILE, HOSTILE, HOSTILE, [HOSTILE], [Series(HOSTILE, (1,))])
    for svg in re.findall(r"<svg.*?</svg>", markup, re.S):
        parse(svg)
    assert "<script" not in markup and "\x07" not in markup
    assert not re.search(r"\sstyle=|\son[a-z]+=|javascript:", markup)


def test_day_bars_are_drawn_to_scale_and_each_day_has_its_figures():
    root = parse(
        charts.day_bars(
            "t",
            "Tickets",
            "Per day",
            DAYS,
            [Series("opened", (5, 0, 2, 8)), Series("solved", (1, 1, 0, 4), charts.COLOURS[1])],
        )
    )
    assert titles(root) == [
        "1 Nov: opened 5, solved 1",
        "2 Nov: opened 0, solved 1",
        "3 Nov: opened 2, solved 0",
        "4 Nov: opened 8, solved 4",
    ]
    opened = [float(r.get("height")) for r in bars(root) if r.get("width") != "12"]  # not the legend swatch
    assert opened[1] == 0 and opened[3] == pytest.approx(4 * opened[2], abs=0.2)
    assert opened[0] == pytest.approx(2.5 * opened[2], abs=0.2)
    axis = [t.text for t in root.iter(f"{SVG}text") if t.text and t.text.isdigit()]
    assert axis[0] == "0" and axis[-1] == "8"  # gridlines on round numbers, up to the largest figure


def test_day_labels_thin_out_on_a_long_period_but_every_day_keeps_its_title():
    labels = [f"day {i}" for i in range(90)]
    root = parse(charts.day_bars("t", "T", "D", labels, [Series("opened", tuple(range(90)))]))
    written = [t.text for t in root.iter(f"{SVG}text") if (t.text or "").startswith("day ")]
    assert written[0] == "day 0" and 5 <= len(written) <= 12
    assert len(titles(root)) == 90


def test_right_to_left_charts_run_from_the_right():
    series = [Series("opened", (1, 2, 3, 4))]
    ltr = [float(r.get("x")) for r in bars(parse(charts.day_bars("t", "T", "D", DAYS, series))) if r.get("y") != "8"]
    rtl_root = parse(charts.day_bars("t", "T", "D", DAYS, series, rtl=True))
    rtl = [float(r.get("x")) for r in bars(rtl_root) if r.get("y") != "8"]
    assert ltr[1] < ltr[-1] and rtl[1] > rtl[-1]  # the first day on the left, or on the right
    assert "chart-rtl" in rtl_root.get("class")
    h_ltr = parse(charts.hbars("g", "T", "D", [("a", 4)]))
    h_rtl = parse(charts.hbars("g", "T", "D", [("a", 4)], rtl=True))
    [bar_ltr], [bar_rtl] = bars(h_ltr), bars(h_rtl)
    # Labels take the first third in reading order; bars grow away from them.
    assert float(bar_ltr.get("x")) > charts.WIDTH / 3
    assert float(bar_rtl.get("x")) + float(bar_rtl.get("width")) == pytest.approx(
        charts.WIDTH - float(bar_ltr.get("x"))
    )
    assert [t.get("text-anchor") for t in h_ltr.iter(f"{SVG}text")] == ["end", "start"]
    assert [t.get("text-anchor") for t in h_rtl.iter(f"{SVG}text")] == ["start", "end"]


def test_horizontal_bars_shorten_long_labels_but_not_their_titles():
    long = "why does my router keep dropping the connection every evening after eight"
    root = parse(charts.hbars("g", "T", "D", [(long, 10), ("wifi", 5), ("none", 0)]))
    widths = [float(r.get("width")) for r in bars(root)]
    assert widths[0] == pytest.approx(2 * widths[1], abs=0.2) and widths[2] == 0
    label = next(t.text for t in root.iter(f"{SVG}text") if t.text and t.text.startswith("why"))
    assert label.endswith("…") and len(label) < len(long)
    assert titles(root)[0] == f"{long}: 10"


def test_the_funnel_shows_each_step_as_a_share_of_the_first():
    steps = [
        FunnelStep("Started", 1000),
        FunnelStep("Restart the Hub", 713, "120 stopped here"),
        FunnelStep("Fixed", 0),
    ]
    root = parse(charts.funnel("f", "Hub light", "Walks", steps))
    assert titles(root) == ["Started: 1,000", "Restart the Hub: 713 (71.3%) · 120 stopped here", "Fixed: 0 (0.0%)"]
    widths = [float(r.get("width")) for r in bars(root)]
    assert widths[1] == pytest.approx(0.713 * widths[0], abs=0.2) and widths[2] == 0


def test_the_distribution_has_one_column_per_answer_with_its_share():
    root = parse(charts.distribution("c", "CSAT", "1 to 5", list("12345"), [1, 0, 2, 5, 12]))
    assert titles(root) == ["1: 1 (5.0%)", "2: 0 (0.0%)", "3: 2 (10.0%)", "4: 5 (25.0%)", "5: 12 (60.0%)"]
    heights = [float(r.get("height")) for r in bars(root)]
    assert heights[4] == pytest.approx(12 * heights[0], abs=1) and heights[1] == 0


def test_empty_charts_still_draw():
    for markup in (
        charts.day_bars("t", "T", "D", [], [Series("opened", ())]),
        charts.day_bars("t", "T", "D", DAYS, [Series("opened", (0, 0, 0, 0))]),
        charts.hbars("g", "T", "D", []),
        charts.funnel("f", "T", "D", []),
        charts.distribution("c", "T", "D", list("12345"), [0] * 5),
    ):
        parse(markup)


@pytest.mark.parametrize(
    ("top", "expected"),
    [(0, (1, 1)), (3, (3, 1)), (5, (6, 2)), (7, (8, 2)), (10, (10, 5)), (99, (100, 50)), (1234, (1500, 500))],
)
def test_axis_maximum_and_step_are_round(top, expected):
    assert charts.nice_scale(top) == expected


def test_figures_read_as_people_write_them():
    assert charts.number(1234567) == "1,234,567"
    assert charts.percent(713, 1000) == "71.3%" and charts.percent(1, 3) == "33.3%" and charts.percent(1, 0) == ""
    assert charts.chart_id("Gaps: no results!") == "gaps-no-results" and charts.chart_id("«»") == "chart"


PERSIAN = charts.Figures(
    number=lambda n: f"{n:,}".translate(str.maketrans("0123456789,", "۰۱۲۳۴۵۶۷۸۹٬")),
    decimal=lambda v: f"{v:.1f}".translate(str.maketrans("0123456789.", "۰۱۲۳۴۵۶۷۸۹٫")),
    percent=lambda figure: f"{figure}٪",
)


@pytest.mark.parametrize("kind", ["day_bars", "hbars", "funnel", "distribution"])
def test_every_figure_of_a_chart_is_written_by_the_figures_it_is_given(kind):
    """Labels are the caller's (the dashboard writes its days in the reader's language)."""
    build = {
        "day_bars": lambda f: charts.day_bars(
            "t", "T", "D", list("ABCD"), [Series("opened", (5, 0, 2, 1800))], figures=f
        ),
        "hbars": lambda f: charts.hbars("g", "T", "D", [("wifi", 1800), ("router", 3)], figures=f),
        "funnel": lambda f: charts.funnel(
            "f", "T", "D", [FunnelStep("Started", 1800), FunnelStep("Fixed", 3)], figures=f
        ),
        "distribution": lambda f: charts.distribution("c", "T", "D", list("ABCDE"), [1, 0, 2, 5, 1800], figures=f),
    }[kind]
    english, persian = parse(build(charts.ENGLISH)), parse(build(PERSIAN))
    written = [t.text or "" for t in persian.iter(f"{SVG}text")] + titles(persian)
    assert not any(re.search(r"[0-9]", text) for text in written), written
    assert any("۱٬۸۰۰" in text for text in written)
    assert any("1,800" in text for text in [t.text or "" for t in english.iter(f"{SVG}text")] + titles(english))
    if kind in ("funnel", "distribution"):  # shares, as the tables beside them write them
        assert any("٫" in text and text.endswith("٪)") for text in titles(persian)), titles(persian)


def test_figures_write_shares_rates_and_signed_figures_in_their_language():
    assert charts.ENGLISH.share(713, 1000) == "71.3%" and charts.ENGLISH.rate(0.5) == "50.0%"
    assert charts.ENGLISH.signed(12.54) == "+12.5" and charts.ENGLISH.signed(-3) == "-3.0"
    assert PERSIAN.share(713, 1000) == "۷۱٫۳٪" and PERSIAN.share(1, 0) == ""
