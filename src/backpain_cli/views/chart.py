"""Scaling pain scores over time onto columns: the one calculation behind the terminal chart and the SVG. Pure.

Time runs left to right in proportion (a month with no entries is a gap), each column covers the same
number of days, and a column's value is the mean of the scores logged in its days.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import NamedTuple


class Scale(NamedTuple):
    """``columns[i]`` is the mean score of the days from ``first + i * days`` (None: nothing logged then)."""

    first: dt.date
    last: dt.date
    days: int  # days per column, at least 1
    columns: tuple[float | None, ...]

    def column(self, day: dt.date) -> int:
        """The column ``day`` falls in, kept within the chart."""
        return min(max((day - self.first).days // self.days, 0), len(self.columns) - 1)


def scale(points: Sequence[tuple[dt.date, float]], width: int, span: tuple[dt.date, dt.date] | None = None) -> Scale:
    """Fit ``points`` (date, score) into at most ``width`` columns, over ``span`` (first, last) or the points' own dates."""
    if not points and span is None:
        raise ValueError("nothing to scale")
    first, last = span if span is not None else (min(d for d, _ in points), max(d for d, _ in points))
    width = max(width, 1)
    total = (last - first).days + 1
    days = max(math.ceil(total / width), 1)
    count = math.ceil(total / days)
    sums = [0.0] * count
    seen = [0] * count
    for day, value in points:
        if first <= day <= last:
            i = (day - first).days // days
            sums[i] += value
            seen[i] += 1
    return Scale(first, last, days, tuple(s / n if n else None for s, n in zip(sums, seen, strict=True)))


def level(value: float) -> int:
    """A mean score as the whole point it is drawn at (halves round up: 6.5 is drawn at 7)."""
    return min(max(math.floor(value + 0.5), 0), 10)
