"""Charts for the insights dashboard, drawn as SVG on the server in pure Python.

The staff pages load no JavaScript library and no CDN (the Content-Security-
Policy allows neither), so each chart is a string of SVG markup to inline in a
page: bars per day (:func:`day_bars`), horizontal bars (:func:`hbars`), a
funnel (:func:`funnel`) and a 1-5 distribution (:func:`distribution`).

Every chart is ``role="img"`` and named by its ``<title>`` and ``<desc>``;
each mark has a ``<title>`` of its own (shown on hover) with its exact figure,
and the page puts the same numbers in a table beside the chart, which is the
chart's text alternative. Colours are presentation attributes, never
``style`` (refused by the CSP), so a chart looks the same copied out of the
page. With ``rtl`` a chart is mirrored: time runs from right to left, bars
grow leftwards and labels sit on the right, as a right-to-left reader expects.
Text is escaped here (:func:`portal.tree_svg.esc`): callers may pass anything,
customers' search queries included. Figures are written by a :class:`Figures`
(English by default); the dashboard passes the reader's language's, and
writes the tables beside the charts with the same one, so both read alike.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from portal.tree_svg import esc, text_width, wrap

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'Noto Sans Hebrew', Arial, sans-serif"
INK, MUTED, GRID, BACKGROUND = "#1b2430", "#52606d", "#d9e2ec", "#ffffff"
# Series colours: the site's blue, then colours told apart without hue alone
# (each darker or lighter than the last), since charts are also read in print.
COLOURS = ("#0b5cab", "#b45309", "#2b7a4b", "#7b8794", "#6d28d9")
TEXT_SIZE, SMALL_SIZE = 13, 11  # px
WIDTH = 640  # every chart's width in user units; CSS scales it to the page
_ID = re.compile(r"[^a-z0-9-]+")


@dataclass(frozen=True)
class Series:
    """One row of figures drawn in one colour: ``values[i]`` belongs to the
    i-th label of the chart."""

    name: str
    values: tuple[int, ...]
    colour: str = COLOURS[0]


@dataclass(frozen=True)
class FunnelStep:
    """One step of a funnel: ``label`` reached by ``value``; ``note`` is extra
    text after the figure (such as "7 stopped here")."""

    label: str
    value: int
    note: str = ""
    colour: str = COLOURS[0]


# Pieces -------------------------------------------------------------------------


def chart_id(text: str) -> str:
    """``text`` as an id prefix: lower-case letters, digits and hyphens."""
    return _ID.sub("-", text.lower()).strip("-") or "chart"


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _english_number(value: int) -> str:
    return f"{value:,}"


def _english_decimal(value: float) -> str:
    return f"{value:.1f}"


def _english_percent(figure: str) -> str:
    return f"{figure}%"


@dataclass(frozen=True)
class Figures:
    """How figures are written, in one language: ``number`` a count with its
    separators ("1,234"), ``decimal`` a figure to one decimal place ("71.3"),
    ``percent`` a figure so written as a percentage ("71.3%"), ``plus`` and
    ``minus`` the signs of a signed figure. The default is English; Persian
    writes "۱٬۲۳۴", "۷۱٫۳٪"."""

    number: Callable[[int], str] = _english_number
    decimal: Callable[[float], str] = _english_decimal
    percent: Callable[[str], str] = _english_percent
    plus: str = "+"
    minus: str = "-"

    def share(self, part: float, whole: float) -> str:
        """``part`` of ``whole`` to one decimal, "71.3%"; ``""`` when ``whole`` is 0."""
        return self.percent(self.decimal(100 * part / whole)) if whole else ""

    def rate(self, value: float) -> str:
        """A rate (``0.713``) as a percentage to one decimal: "71.3%"."""
        return self.percent(self.decimal(100 * value))

    def signed(self, value: float) -> str:
        """A figure to one decimal with its sign, "+12.5" or "-3.0" (an NPS)."""
        return (self.minus if value < 0 else self.plus) + self.decimal(abs(value))


ENGLISH = Figures()


def number(value: int) -> str:
    """A count as people read it in English: ``1,234``."""
    return ENGLISH.number(value)


def percent(part: int, whole: int) -> str:
    """``part`` of ``whole`` to one decimal in English, ``71.3%``; ``""`` when ``whole`` is 0."""
    return ENGLISH.share(part, whole)


def nice_scale(top: int) -> tuple[int, int]:
    """The axis maximum and tick step for counts up to ``top``: steps of 1, 2 or
    5 times a power of ten, at most five of them, so gridlines fall on round
    numbers. An empty chart (``top`` 0) still gets an axis, 0 to 1."""
    if top <= 4:
        return max(top, 1), 1
    raw = top / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    step = max(int(step), 1)
    return math.ceil(top / step) * step, step


def fit(text: str, width: float, size: float = TEXT_SIZE) -> str:
    """``text`` on one line within ``width`` px, ending in "…" when cut."""
    lines = wrap(text, width, size, 1)
    return lines[0] if lines else ""


class _Canvas:
    """Coordinates written left to right and mirrored on output for ``rtl``,
    so each chart is laid out once."""

    def __init__(self, width: float, rtl: bool) -> None:
        self.width, self.rtl = width, rtl

    def x(self, x: float) -> float:
        return self.width - x if self.rtl else x

    def rect(self, x: float, y: float, w: float, h: float, fill: str, title: str = "", cls: str = "") -> str:
        left = self.width - x - w if self.rtl else x
        attrs = f' class="{esc(cls)}"' if cls else ""
        shape = (
            f'<rect{attrs} x="{_n(left)}" y="{_n(y)}" width="{_n(max(w, 0))}" height="{_n(max(h, 0))}"'
            f' fill="{esc(fill)}"/>'
        )
        return f"<g><title>{esc(title)}</title>{shape}</g>" if title else shape

    def line(self, x1: float, y1: float, x2: float, y2: float, stroke: str = GRID) -> str:
        return (
            f'<line x1="{_n(self.x(x1))}" y1="{_n(y1)}" x2="{_n(self.x(x2))}" y2="{_n(y2)}"'
            f' stroke="{stroke}" stroke-width="1"/>'
        )

    def text(self, x: float, y: float, content: str, side: str = "start", **options: object) -> str:
        """One line of text. ``side`` says where ``x`` is, in reading order:
        ``start`` (the text begins there), ``end`` (it ends there) or ``middle``."""
        anchor = {"start": "end", "end": "start"}.get(side, side) if self.rtl else side
        attrs = f' font-size="{options.get("size", TEXT_SIZE)}" fill="{options.get("fill", INK)}"'
        if options.get("bold"):
            attrs += ' font-weight="bold"'
        return f'<text x="{_n(self.x(x))}" y="{_n(y)}" text-anchor="{anchor}"{attrs}>{esc(content)}</text>'


def _svg(cid: str, title: str, desc: str, width: float, height: float, body: list[str], rtl: bool) -> str:
    """The ``<svg>`` element around ``body``, named by its title and description."""
    cid = chart_id(cid)
    classes = "chart" + (" chart-small" if width < WIDTH else "") + (" chart-rtl" if rtl else "")
    # direction="ltr": anchors above are computed for each side already; the
    # bidi algorithm still lays out right-to-left words inside each text.
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" class="{classes}"'
            f' width="{_n(width)}" height="{_n(height)}" viewBox="0 0 {_n(width)} {_n(height)}" role="img"'
            f' aria-labelledby="{cid}-title {cid}-desc" font-family="{esc(FONT)}" direction="ltr">',
            f'<title id="{cid}-title">{esc(title)}</title>',
            f'<desc id="{cid}-desc">{esc(desc)}</desc>',
            f'<rect width="100%" height="100%" fill="{BACKGROUND}"/>',
            *body,
            "</svg>",
        ]
    )


def _legend(canvas: _Canvas, series: Sequence[Series], y: float, x: float) -> list[str]:
    """Swatches and names in reading order from ``x``."""
    out = ['<g class="legend">']
    for s in series:
        out.append(canvas.rect(x, y - 10, 12, 12, s.colour))
        out.append(canvas.text(x + 17, y, s.name, size=SMALL_SIZE + 1))
        x += 17 + text_width(s.name, SMALL_SIZE + 1) + 18
    return [*out, "</g>"]


def _y_axis(
    canvas: _Canvas, top: int, plot: tuple[float, float, float, float], figures: Figures
) -> tuple[list[str], float]:
    """Gridlines and their figures; returns them and the axis maximum."""
    left, right, y0, y1 = plot  # y0: top of the plot area, y1: its baseline
    axis_max, step = nice_scale(top)
    out = ['<g class="axis">']
    for tick in range(0, axis_max + 1, step):
        y = y1 - (y1 - y0) * tick / axis_max
        out.append(canvas.line(left, y, right, y, GRID if tick else MUTED))
        out.append(canvas.text(left - 6, y + 4, figures.number(tick), side="end", size=SMALL_SIZE, fill=MUTED))
    return [*out, "</g>"], axis_max


# Charts -------------------------------------------------------------------------


def day_bars(
    cid: str,
    title: str,
    desc: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    rtl: bool = False,
    figures: Figures = ENGLISH,
) -> str:
    """Bars per day (or any run of periods), one colour per series side by side:
    tickets opened and solved, visits with and without a ticket. ``labels`` name
    the days; some are written under the axis (as many as fit, the first
    always), every one is in its bar's ``<title>``."""
    count = len(labels)
    height = 240.0
    canvas = _Canvas(WIDTH, rtl)
    top = max((v for s in series for v in s.values), default=0)
    gutter = 12 + text_width(figures.number(nice_scale(top)[0]), SMALL_SIZE)
    plot = (gutter, WIDTH - 8, 40.0, height - 30)
    left, right, y0, y1 = plot
    axis, axis_max = _y_axis(canvas, top, plot, figures)
    body = [*_legend(canvas, series, 18, left), *axis]
    group = (right - left) / max(count, 1)
    gap = group * 0.2 if group >= 6 else 0
    bar = (group - gap) / max(len(series), 1)
    body.append('<g class="bars">')
    for i, label in enumerate(labels):
        x = left + i * group + gap / 2
        written = ", ".join(f"{s.name} {figures.number(s.values[i])}" for s in series)
        marks = []
        for j, s in enumerate(series):
            value = s.values[i]
            h = (y1 - y0) * value / axis_max
            if value:
                h = max(h, 1.5)  # a count of one still shows on a tall axis
            marks.append(canvas.rect(x + j * bar, y1 - h, bar, h, s.colour))
        # One hover target per day, the whole column high, so thin bars are easy to point at.
        marks.append(canvas.rect(left + i * group, y0, group, y1 - y0, "transparent"))
        body.append(f"<g><title>{esc(f'{label}: {written}')}</title>{''.join(marks)}</g>")
    body.append("</g>")
    every = max(1, math.ceil(count / max(1, int((right - left) // 64))))
    body.append('<g class="labels">')
    for i in range(0, count, every):
        body.append(canvas.text(left + (i + 0.5) * group, y1 + 16, labels[i], side="middle", size=SMALL_SIZE))
    body.append("</g>")
    return _svg(cid, title, desc, WIDTH, height, body, rtl)


def hbars(
    cid: str,
    title: str,
    desc: str,
    rows: Sequence[tuple[str, int]],
    *,
    rtl: bool = False,
    figures: Figures = ENGLISH,
) -> str:
    """One horizontal bar per row, longest figure first as given: the label at
    the start, the bar, its figure after it. Labels longer than a third of the
    chart end in "…" (the full text is in the bar's title and the table)."""
    row_h, bar_h = 26.0, 16.0
    height = 8 + row_h * max(len(rows), 1) + 4
    canvas = _Canvas(WIDTH, rtl)
    label_w = WIDTH / 3
    top = max((v for _, v in rows), default=0)
    figure_w = 8 + text_width(figures.number(top), SMALL_SIZE + 1)
    left, right = label_w + 10, WIDTH - figure_w - 4
    body = ['<g class="bars">']
    for i, (label, value) in enumerate(rows):
        y = 8 + i * row_h
        w = (right - left) * value / top if top else 0
        if value:
            w = max(w, 1.5)
        body.append(
            f"<g><title>{esc(f'{label}: {figures.number(value)}')}</title>"
            + canvas.text(label_w, y + bar_h - 3, fit(label, label_w - 4), side="end")
            + canvas.rect(left, y, w, bar_h, COLOURS[0])
            + canvas.text(left + w + 5, y + bar_h - 3, figures.number(value), size=SMALL_SIZE + 1, bold=True)
            + "</g>"
        )
    body.append("</g>")
    body.append(canvas.line(left, 4, left, height - 4, MUTED))
    return _svg(cid, title, desc, WIDTH, height, body, rtl)


def funnel(
    cid: str,
    title: str,
    desc: str,
    steps: Sequence[FunnelStep],
    *,
    rtl: bool = False,
    figures: Figures = ENGLISH,
) -> str:
    """Each step a bar centred under the first, as wide as its share of the
    first step; its label, figure and share of the first (one decimal) above it."""
    row_h, bar_h = 46.0, 20.0
    height = 6 + row_h * max(len(steps), 1)
    canvas = _Canvas(WIDTH, rtl)
    first = steps[0].value if steps else 0
    widest = max((s.value for s in steps), default=0)
    inner = WIDTH - 16
    body = ['<g class="funnel">']
    for i, step in enumerate(steps):
        y = 6 + i * row_h
        w = inner * step.value / widest if widest else 0
        if step.value:
            w = max(w, 2)
        share = figures.share(step.value, first)
        figure = figures.number(step.value) + (f" ({share})" if share and i else "")
        text = f"{step.label}: {figure}" + (f" · {step.note}" if step.note else "")
        body.append(
            f"<g><title>{esc(text)}</title>"
            + canvas.text(8, y + 13, fit(step.label, inner * 0.62), side="start")
            + canvas.text(WIDTH - 8, y + 13, figure + (f" · {step.note}" if step.note else ""), side="end", bold=True)
            + canvas.rect((WIDTH - w) / 2, y + 18, w, bar_h, step.colour)
            + "</g>"
        )
    body.append("</g>")
    return _svg(cid, title, desc, WIDTH, height, body, rtl)


def distribution(
    cid: str,
    title: str,
    desc: str,
    labels: Sequence[str],
    counts: Sequence[int],
    *,
    rtl: bool = False,
    figures: Figures = ENGLISH,
) -> str:
    """One column per answer (1 to 5 for satisfaction), its count above it and
    its share of all answers (one decimal) in its title."""
    width, height = 360.0, 200.0
    canvas = _Canvas(width, rtl)
    total = sum(counts)
    top = max(counts, default=0)
    left, right, y0, y1 = 12.0, width - 12, 22.0, height - 26
    column = (right - left) / max(len(labels), 1)
    body = [canvas.line(left, y1, right, y1, MUTED), '<g class="bars">']
    for i, (label, value) in enumerate(zip(labels, counts, strict=True)):
        h = (y1 - y0) * value / top if top else 0
        if value:
            h = max(h, 1.5)
        x = left + i * column
        share = figures.share(value, total)
        body.append(
            f"<g><title>{esc(f'{label}: {figures.number(value)}' + (f' ({share})' if share else ''))}</title>"
            + canvas.rect(x + column * 0.15, y1 - h, column * 0.7, h, COLOURS[0])
            + canvas.text(
                x + column / 2, y1 - h - 5, figures.number(value), side="middle", size=SMALL_SIZE + 1, bold=True
            )
            + canvas.text(x + column / 2, y1 + 17, label, side="middle")
            + "</g>"
        )
    body.append("</g>")
    return _svg(cid, title, desc, width, height, body, rtl)
