"""Charts as server-side SVG: the geometry here (pure), the markup in templates/_chart.html.

No script draws anything, so the pages need no charting library and the charts print,
work offline and are read by screen readers through their title and table fallback.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

WIDTH, HEIGHT = 640, 260
LEFT, BOTTOM, TOP = 70, 40, 20
PALETTE = ("#0b5cad", "#1d6b32", "#8a5a00", "#a3120f", "#5b3b8c", "#00727a")


@dataclass(frozen=True)
class Bar:
    """One bar: where it is drawn and what it says."""

    label: str
    value: float
    shown: str
    x: float
    y: float
    width: float
    height: float
    colour: str


@dataclass(frozen=True)
class Chart:
    """A bar chart's bars, its value axis ticks and its size."""

    title: str
    bars: tuple[Bar, ...]
    ticks: tuple[tuple[float, str], ...]
    width: int = WIDTH
    height: int = HEIGHT
    baseline: float = HEIGHT - BOTTOM
    left: int = LEFT


def _nice_top(largest: float) -> float:
    """A round axis maximum at or above ``largest`` (1, 2 or 5 times a power of ten)."""
    if largest <= 0:
        return 1.0
    power = 10 ** (len(str(int(largest))) - 1)
    for step in (1, 2, 5, 10):
        if step * power >= largest:
            return float(step * power)
    return float(10 * power)


def _number(value: float) -> str:
    """1250.0 -> "1,250"; 0.25 -> "0.25" (an axis of small counts needs its fractions)."""
    return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}".rstrip("0")


def bar_chart(title: str, values: Sequence[tuple[str, float | Decimal | int]],
              unit: str = "") -> Chart:
    """A vertical bar chart of labelled values (money in dollars, counts, messages)."""
    numbers = [(label, float(value)) for label, value in values]
    top = _nice_top(max((value for _, value in numbers), default=0.0))
    plot_height = HEIGHT - BOTTOM - TOP
    slot = (WIDTH - LEFT - 10) / max(len(numbers), 1)
    bars = []
    for index, (label, value) in enumerate(numbers):
        height = plot_height * value / top
        bars.append(Bar(label, value, f"{unit}{value:,.0f}" if unit else f"{value:,.0f}",
                        LEFT + index * slot + slot * 0.15, HEIGHT - BOTTOM - height,
                        slot * 0.7, height, PALETTE[index % len(PALETTE)]))
    ticks = tuple((HEIGHT - BOTTOM - plot_height * n / 4, f"{unit}{_number(top * n / 4)}")
                  for n in range(5))
    return Chart(title, tuple(bars), ticks)


@dataclass(frozen=True)
class Line:
    """One series of a line chart: its points (x, y) and its last value."""

    label: str
    points: str
    last: str
    colour: str


@dataclass(frozen=True)
class LineChart:
    """Series over time sharing one value axis; ``times`` label the first and last points."""

    title: str
    lines: tuple[Line, ...]
    ticks: tuple[tuple[float, str], ...]
    first: str
    latest: str
    width: int = WIDTH
    height: int = HEIGHT
    baseline: float = HEIGHT - BOTTOM
    left: int = LEFT


def line_chart(title: str, times: Sequence[str],
               series: dict[str, Sequence[float]]) -> LineChart:
    """A line per series over ``times`` (at least one point each; one point is a dot)."""
    top = _nice_top(max((max(values, default=0) for values in series.values()), default=0))
    plot_height = HEIGHT - BOTTOM - TOP
    step = (WIDTH - LEFT - 20) / max(len(times) - 1, 1)
    lines = []
    for index, (label, values) in enumerate(sorted(series.items())):
        points = " ".join(f"{LEFT + n * step:.1f},{HEIGHT - BOTTOM - plot_height * v / top:.1f}"
                          for n, v in enumerate(values))
        lines.append(Line(label, points, _number(float(values[-1])) if values else "0",
                          PALETTE[index % len(PALETTE)]))
    ticks = tuple((HEIGHT - BOTTOM - plot_height * n / 4, _number(top * n / 4))
                  for n in range(5))
    return LineChart(title, tuple(lines), ticks, times[0] if times else "",
                     times[-1] if times else "")
