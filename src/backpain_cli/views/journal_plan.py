"""The saved plan's journal section: the pain chart (inline SVG in HTML, a table in Markdown), the
treatments tried with their dates, and what changed. No Rich; Jinja2's ``markupsafe`` escapes the SVG.

``plan.render_plan(..., journal=plan_section(...))`` puts it in the plan through the templates
``plan_journal.html.j2`` and ``plan_journal.md.j2``. The SVG is drawn from ``chart.scale``, the same
columns as the terminal chart: one point a column at the mean score of its days, joined by a line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Literal

from backpain_cli.engine.journal_changes import changes
from backpain_cli.knowledge.journal import Entry
from backpain_cli.knowledge.model import Knowledge
from backpain_cli.views import journal_words as words
from backpain_cli.views.chart import Scale, scale

EACH_SCORE_UP_TO = 31  # up to this many scores the Markdown table lists each one; more, a row a month
SVG_WIDTH, SVG_HEIGHT = 640, 220
_LEFT, _RIGHT, _TOP, _PLOT = 34, 12, 10, 160  # margins and the plot's height, in SVG units
_SVG_COLUMNS = 150  # at most this many points: a ten-year journal stays a small file
_RESULT_COLOUR = {"helped": "#11703a", "some": "#1f6f8b", "no-help": "#8a6100", "side-effects": "#b3261e"}


def plan_section(kb: Knowledge, entries: Sequence[Entry], today: dt.date, fmt: Literal["md", "html"]) -> dict[str, Any] | None:
    """What the plan shows of the journal; None when it has no entries."""
    if not entries:
        return None
    found = changes(entries)
    points = [(e.date, e.score) for e in entries if e.kind == "pain" and e.score is not None]
    tried = [
        {
            "name": words.treatment_name(kb, t.treatment),
            "dates": words.tried_dates(t.start, t.end, t.date, today),
            "result": words.RESULT_WORDS.get(t.result, t.result),
        }
        for t in found.tried
    ]
    return {
        "summary": f"{words.entries(len(entries))}, {words.long_day(entries[0].date, today)} to {words.long_day(entries[-1].date, today)}",
        "chart_title": words.CHART_TITLE,
        "no_scores": words.NO_SCORES,
        "svg": _svg(kb, points, found.tried, today) if fmt == "html" and points else None,
        "scores": _score_rows(points, today),
        "by_month": len(points) > EACH_SCORE_UP_TO,
        "tried": tried,
        "changed": words.changed(kb, found, today),
        "not_cause": words.NOT_CAUSE,
    }


def _score_rows(points: list[tuple[dt.date, float]], today: dt.date) -> list[tuple[str, str]]:
    """(date, score) for each score, or (month, "average 5.5 (12 scores, 3 to 8)") a month when there are many."""
    if len(points) <= EACH_SCORE_UP_TO:
        return [(words.long_day(day, today), words.score(value)) for day, value in points]
    months: dict[tuple[int, int], list[float]] = {}
    for day, value in points:
        months.setdefault((day.year, day.month), []).append(value)
    rows = []
    for (year, month), values in months.items():
        mean = round(sum(values) / len(values), 1)
        low, high = min(values), max(values)
        spread = "" if low == high else f", {words.score(low)} to {words.score(high)}"
        count = "1 score" if len(values) == 1 else f"{len(values)} scores"
        rows.append((f"{words.MONTH_NAMES[month - 1]} {year}", f"average {mean:g} ({count}{spread})"))
    return rows


def _svg(kb: Knowledge, points: list[tuple[dt.date, float]], tried: Sequence[Any], today: dt.date) -> Any:
    """The chart as inline SVG (a ``Markup`` string): every text in it escaped, no scripts, no links."""
    from markupsafe import Markup, escape

    dates = [d for d, _ in points] + [d for t in tried for d in (t.start or t.date, t.end or t.date)]
    s = scale(points, _SVG_COLUMNS, (min(dates), max(dates)))
    width = SVG_WIDTH - _LEFT - _RIGHT
    height = SVG_HEIGHT + 18 * len(tried)

    def x(column: float) -> float:
        return _LEFT + (column + 0.5) * width / len(s.columns)

    def y(value: float) -> float:
        return _TOP + _PLOT * (1 - value / 10)

    title = f"Pain scores from {words.long_day(s.first, today)} to {words.long_day(s.last, today)}, 0 (no pain) to 10 (the worst)"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SVG_WIDTH} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}" style="max-width:{SVG_WIDTH}px;font:12px system-ui,sans-serif">',
        f"<title>{escape(title)}</title>",
    ]
    for value in range(0, 11, 2):
        parts.append(f'<line x1="{_LEFT}" x2="{SVG_WIDTH - _RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" stroke="#d4d9df"/>')
        parts.append(f'<text x="{_LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end" fill="#59636e">{value}</text>')
    dots = [(x(i), y(v)) for i, v in enumerate(s.columns) if v is not None]
    if len(dots) > 1:
        line = " ".join(f"{px:.1f},{py:.1f}" for px, py in dots)
        parts.append(f'<polyline points="{line}" fill="none" stroke="#1d4f91" stroke-width="2"/>')
    parts += [f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="#1d4f91"/>' for px, py in dots]
    base = _TOP + _PLOT + 16
    parts.append(_date_labels(s, base, today, escape))
    for row, t in enumerate(tried):
        top = base + 10 + 18 * row
        start, end = s.column(t.start or t.end or t.date), s.column(t.end or t.date)
        left, right = x(start) - 2, x(max(end, start)) + 2
        label = f"{words.treatment_name(kb, t.treatment)}: {words.RESULT_WORDS.get(t.result, t.result)}"
        colour = _RESULT_COLOUR.get(t.result, "#59636e")
        parts.append(f'<rect x="{left:.1f}" y="{top:.1f}" width="{right - left:.1f}" height="8" rx="2" fill="{colour}"/>')
        anchor, at = ("start", right + 4) if right < SVG_WIDTH / 2 else ("end", left - 4)
        parts.append(f'<text x="{at:.1f}" y="{top + 8:.1f}" text-anchor="{anchor}" fill="#1d232b">{escape(label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - built above from numbers and escaped text only


def _date_labels(s: Scale, y: float, today: dt.date, escape: Any) -> str:
    right = SVG_WIDTH - _RIGHT
    labels: list[tuple[float, str, dt.date]] = [(_LEFT, "start", s.first)]
    if s.last != s.first:
        labels += [((_LEFT + right) / 2, "middle", s.first + (s.last - s.first) / 2), (right, "end", s.last)]
    return "".join(
        f'<text x="{at:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="#59636e">{escape(words.short_day(day, today))}</text>'
        for at, anchor, day in labels
    )
