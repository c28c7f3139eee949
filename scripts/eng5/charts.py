"""Inline SVG charts, drawn here so that the HTML report needs nothing from outside (no JS, no CDN)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

WIDTH = 720
FONT = 'font-family="sans-serif" font-size="11"'
ESSAY_COLOUR = "#3b6ea5"
ANCHOR_COLOUR = "#c2571a"
MUTED = "#888"


@dataclass(frozen=True)
class Point:
    label: str
    score: float


@dataclass(frozen=True)
class Cut:
    upper_grade: str
    score: float


def _svg(height: int, body: Sequence[str], title: str) -> str:
    return (
        f'<svg width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def _text(x: float, y: float, text: str, anchor: str = "middle", extra: str = "") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" {FONT} {extra}>{escape(text)}</text>'


def _scaler(low: float, high: float, left: float, right: float) -> tuple[float, float]:
    """(offset, factor) mapping [low, high] onto [left, right]; a flat range is widened by one either side."""
    if high - low < 1e-9:
        low, high = low - 1.0, high + 1.0
    factor = (right - left) / (high - low)
    return left - low * factor, factor


def scale_chart(essays: Sequence[Point], anchors: Sequence[Point], cuts: Sequence[Cut]) -> str:
    """The Bradley-Terry scale: essays (blue dots) and anchors (orange diamonds, labelled with their
    known grade) along it, grade boundaries as dashed lines named by the grade above them."""
    scores = [p.score for p in (*essays, *anchors)] + [c.score for c in cuts]
    if not scores:
        return _svg(40, [_text(WIDTH / 2, 24, "no scores")], "scale")
    offset, factor = _scaler(min(scores), max(scores), 40, WIDTH - 40)

    def x(v: float) -> float:
        return offset + v * factor

    body = [f'<line x1="30" y1="110" x2="{WIDTH - 30}" y2="110" stroke="{MUTED}"/>']
    for cut in cuts:
        body.append(
            f'<line x1="{x(cut.score):.1f}" y1="20" x2="{x(cut.score):.1f}" y2="150" stroke="#bbb" '
            'stroke-dasharray="3,3"/>'
        )
        body.append(_text(x(cut.score) + 3, 16, cut.upper_grade, anchor="start", extra=f'fill="{MUTED}"'))
    for i, p in enumerate(sorted(essays, key=lambda p: p.score)):
        y = 60 + (i % 4) * 9  # staggered so that close essays stay apart
        body.append(
            f'<circle cx="{x(p.score):.1f}" cy="{y}" r="4" fill="{ESSAY_COLOUR}"><title>'
            f"{escape(p.label)}: {p.score:.2f}</title></circle>"
        )
    for i, p in enumerate(sorted(anchors, key=lambda p: p.score)):
        cx, cy = x(p.score), 130 + (i % 2) * 16
        body.append(
            f'<path d="M{cx:.1f},{cy - 6} l6,6 l-6,6 l-6,-6 z" fill="{ANCHOR_COLOUR}"><title>'
            f"{escape(p.label)}: {p.score:.2f}</title></path>"
        )
        body.append(_text(cx, cy + 20, p.label))
    body.append(_text(40, 40, "essays", anchor="start", extra=f'fill="{ESSAY_COLOUR}"'))
    body.append(_text(40, 182, "anchors (known grade)", anchor="start", extra=f'fill="{ANCHOR_COLOUR}"'))
    return _svg(190, body, "Bradley-Terry scale with anchors and grade boundaries")


def bar_chart(values: Mapping[str, float], title: str, fmt: str = "{:g}") -> str:
    """Vertical bars, one per key in the given order."""
    if not values:
        return _svg(40, [_text(WIDTH / 2, 24, "nothing to show")], title)
    top = max(values.values()) or 1.0
    slot = (WIDTH - 60) / len(values)
    body = [f'<line x1="30" y1="170" x2="{WIDTH - 20}" y2="170" stroke="{MUTED}"/>']
    for i, (name, value) in enumerate(values.items()):
        height = 140 * value / top
        left = 40 + i * slot
        body.append(
            f'<rect x="{left:.1f}" y="{170 - height:.1f}" width="{slot * 0.7:.1f}" height="{height:.1f}" '
            f'fill="{ESSAY_COLOUR}"><title>{escape(name)}: {fmt.format(value)}</title></rect>'
        )
        body.append(_text(left + slot * 0.35, 185, name))
        body.append(_text(left + slot * 0.35, 165 - height, fmt.format(value)))
    return _svg(195, body, title)


@dataclass(frozen=True)
class RangeRow:
    """One figure of the estimate (minimum..maximum, typical) with what the run took."""

    name: str
    minimum: float
    typical: float
    maximum: float
    actual: float | None


def estimate_chart(rows: Sequence[RangeRow]) -> str:
    """Each figure on its own scale: the estimated range as a bar, typical as a tick, the actual as a dot."""
    body = []
    for i, row in enumerate(rows):
        y = 20 + i * 30
        high = max(row.maximum, row.actual or 0.0)
        offset, factor = _scaler(0.0, high, 170, WIDTH - 90)

        def x(v: float, offset: float = offset, factor: float = factor) -> float:
            return offset + v * factor

        body.append(_text(10, y + 4, row.name, anchor="start"))
        body.append(
            f'<rect x="{x(row.minimum):.1f}" y="{y - 6}" width="{max(1.0, x(row.maximum) - x(row.minimum)):.1f}" '
            f'height="12" fill="#cfdcec"/>'
        )
        body.append(
            f'<line x1="{x(row.typical):.1f}" y1="{y - 8}" x2="{x(row.typical):.1f}" y2="{y + 8}" '
            f'stroke="{ESSAY_COLOUR}" stroke-width="2"/>'
        )
        if row.actual is not None:
            body.append(f'<circle cx="{x(row.actual):.1f}" cy="{y}" r="5" fill="{ANCHOR_COLOUR}"/>')
        shown = "-" if row.actual is None else f"{row.actual:,.2f}".rstrip("0").rstrip(".")
        body.append(_text(WIDTH - 80, y + 4, f"actual {shown}", anchor="start"))
    body.append(
        _text(
            10,
            20 + len(rows) * 30,
            "bar: estimated minimum..maximum; line: typical; dot: actual",
            anchor="start",
            extra=f'fill="{MUTED}"',
        )
    )
    return _svg(30 + len(rows) * 30, body, "estimate against actual")


def scatter_chart(points: Sequence[tuple[str, float, float]], x_label: str, y_label: str) -> str:
    """One dot per essay: its score in run A (x) against run B (y)."""
    if not points:
        return _svg(40, [_text(WIDTH / 2, 24, "no essays in both runs")], "scores")
    size = 320
    xs, ys = [p[1] for p in points], [p[2] for p in points]
    x_off, x_fac = _scaler(min(xs), max(xs), 60, 60 + size)
    y_off, y_fac = _scaler(min(ys), max(ys), 20 + size, 20)
    body = [
        f'<rect x="60" y="20" width="{size}" height="{size}" fill="none" stroke="{MUTED}"/>',
        _text(60 + size / 2, size + 45, x_label),
        _text(20, 20 + size / 2, y_label, extra=f'transform="rotate(-90 20 {20 + size / 2})"'),
    ]
    for name, a, b in points:
        body.append(
            f'<circle cx="{x_off + a * x_fac:.1f}" cy="{y_off + b * y_fac:.1f}" r="4" fill="{ESSAY_COLOUR}">'
            f"<title>{escape(name)}: {a:.2f} / {b:.2f}</title></circle>"
        )
    return _svg(size + 60, body, "scores in the two runs")
