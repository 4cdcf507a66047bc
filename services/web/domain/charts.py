"""A campaign's progress over time as a server-drawn SVG line chart, and the table that says the
same in words (the chart's accessible alternative). No script draws it: the page works, and is
read by a screen reader, without JavaScript or any library from elsewhere.

The series: at the end of each month of the campaign (its last day for the last month), how many
of its targets were achieved by then — from each target's achievement as progress holds it now
(`achieved_on`); an achievement taken back by a correction no longer counts, in any month."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 48, 32, 16, 40


@dataclass(frozen=True)
class Point:
    day: date
    achieved: int
    share: float
    """achieved / targets; 0 without targets."""


def month_ends(start: date, end: date) -> list[date]:
    """The last day of each month from start's to end's, the last one capped at `end`."""
    out: list[date] = []
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        last = date(y, m, calendar.monthrange(y, m)[1])
        out.append(min(last, end))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def achieved_series(
    start: date, end: date, targets: int, achieved_on: list[date], until: date | None = None
) -> list[Point]:
    """Cumulative achieved targets at each month's end; the month under way ends at `until`
    (today: the future is not drawn)."""
    days = sorted(achieved_on)
    points = []
    for day in month_ends(start, end):
        if until is not None and day > until:
            if until < start:
                break
            day = until
        n = sum(1 for d in days if d <= day)
        points.append(Point(day, n, n / targets if targets else 0.0))
        if day == until:
            break
    return points


@dataclass(frozen=True)
class Svg:
    width: int
    height: int
    line: str
    """The polyline's points attribute."""
    dots: list[tuple[float, float, Point]]
    x_ticks: list[tuple[float, str]]
    y_ticks: list[tuple[float, str]]
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT
    bottom_edge: int = HEIGHT - BOTTOM


def draw(points: list[Point]) -> Svg:
    """Geometry of the chart: x one step per month, y the share achieved from 0 to 100 %."""
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = inner_w / max(len(points) - 1, 1)

    def y(share: float) -> float:
        return round(TOP + inner_h * (1 - min(max(share, 0.0), 1.0)), 1)

    dots = [(round(LEFT + i * step, 1), y(p.share), p) for i, p in enumerate(points)]
    every = max(1, len(points) // 6)  # at most about six labels under the axis
    marked = [i for i in range(len(dots)) if i % every == 0]
    if marked and marked[-1] != len(dots) - 1:  # the last month is always labelled, and a
        if len(dots) - 1 - marked[-1] < every:  # label too close before it gives way
            marked.pop()
        marked.append(len(dots) - 1)
    x_ticks = [(dots[i][0], f"{dots[i][2].day.month:02d}/{dots[i][2].day.year}") for i in marked]
    y_ticks = [(y(s / 100), f"{s} %") for s in (0, 25, 50, 75, 100)]
    return Svg(
        WIDTH,
        HEIGHT,
        " ".join(f"{x},{yy}" for x, yy, _ in dots),
        dots,
        x_ticks,
        y_ticks,
    )
