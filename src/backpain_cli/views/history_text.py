"""The journal at a terminal: the pain as a chart, what was tried on the same timeline, and what changed.

The chart is a small renderable of this module's own rather than a charting library (docs/journal.md
says why): one dot a column at the mean score of its days, 0 to 10 up the side, dates along the
bottom, each treatment's span drawn under them on the same scale. It fits any width from 40 columns,
and Rich drops its colours in a pipe. Imported only by ``backpain history``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import NamedTuple

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.text import Text

from backpain_cli.engine.journal_changes import Changes, Tried
from backpain_cli.knowledge.journal import Entry
from backpain_cli.knowledge.model import Knowledge
from backpain_cli.views import journal_words as words
from backpain_cli.views.blocks import disclaimer, hang
from backpain_cli.views.chart import level, scale

AXIS = 4  # columns for the scores up the side: "10 ┤"
RESULT_STYLE = {"helped": "green", "some": "cyan", "no-help": "yellow", "side-effects": "red"}


class Span(NamedTuple):
    """A treatment on the timeline: its label, where it starts and ends, and its result."""

    label: str
    start: dt.date
    end: dt.date
    result: str


class PainChart:
    """Pain scores over time as dots, with treatments' spans under the dates on the same scale."""

    def __init__(self, points: Sequence[tuple[dt.date, float]], spans: Sequence[Span], today: dt.date) -> None:
        self.points, self.spans, self.today = points, spans, today

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = max(options.max_width, 20)
        dates = [d for d, _ in self.points] + [d for s in self.spans for d in (s.start, s.end)]
        s = scale(self.points, width - AXIS, (min(dates), max(dates)))
        levels = [None if v is None else level(v) for v in s.columns]
        for row in range(10, -1, -1):
            side = f"{row:>2} ┤" if row % 2 == 0 else "   │"
            dots = "".join("●" if at == row else " " for at in levels).rstrip()
            yield _line(Text(side, style="dim") + Text(dots, style="bold"))
        yield _line(Text("   └" + "─" * len(s.columns), style="dim"))
        yield _line(Text(" " * AXIS + _date_labels(s.first, s.last, len(s.columns), self.today), style="dim"))
        for span in self.spans:
            start, end = s.column(span.start), s.column(span.end)
            bar = Text(" " * (AXIS + start)) + Text("━" * (end - start + 1), style=RESULT_STYLE.get(span.result, ""))
            if bar.cell_len + 1 + len(span.label) <= width:
                yield _line(bar + Text(" " + span.label))
            else:
                yield _line(Text(" " * AXIS + span.label))
                yield _line(bar)


def _line(text: Text) -> Text:
    text.no_wrap = True
    text.overflow = "crop"
    return text


def _date_labels(first: dt.date, last: dt.date, columns: int, today: dt.date) -> str:
    """The first date under the first column and the last under the last, with the middle one if there is room."""
    left, right = words.short_day(first, today), words.short_day(last, today)
    if first == last or len(left) + 2 + len(right) > columns:
        return left
    line = left + " " * (columns - len(left) - len(right)) + right
    middle = first + (last - first) / 2
    label = words.short_day(middle, today)
    at = columns // 2 - len(label) // 2
    if at > len(left) + 2 and at + len(label) + 2 < columns - len(right):
        line = line[:at] + label + line[at + len(label) :]
    return line


def history(kb: Knowledge, entries: Sequence[Entry], onset: dt.date | None, changes: Changes, today: dt.date) -> Group:
    """The journal for a person: a count, when the pain began, the chart, what was tried, and what changed."""
    parts: list[RenderableType] = [Text("Your back pain journal", style="bold")]
    first, last = entries[0].date, entries[-1].date
    parts.append(Text(f"{words.entries(len(entries))}, {words.short_day(first, today)} to {words.short_day(last, today)}", style="dim"))
    if onset is not None:
        parts.append(Text(f"Your back pain began on {words.long_day(onset, today)}, {words.span((today - onset).days)} ago."))
    points = [(e.date, e.score) for e in entries if e.kind == "pain" and e.score is not None]
    parts.append(Text(""))
    if points:
        spans = [_span(kb, t, today) for t in changes.tried]
        parts += [Text(words.CHART_TITLE, style="bold"), PainChart(points, spans, today)]
    else:
        parts.append(Text(words.NO_SCORES))
    if changes.tried:
        parts += [Text(""), Text("What you tried", style="bold")]
        for t in changes.tried:
            dates = words.tried_dates(t.start, t.end, t.date, today)
            line = Text.assemble(
                (words.treatment_name(kb, t.treatment), "bold"), f", {dates}: {words.RESULT_WORDS.get(t.result, t.result)}."
            )
            parts.append(hang("•", line))
    said = words.changed(kb, changes, today)
    if said:
        parts += [Text(""), Text("What changed", style="bold"), *(hang("•", line) for line in said)]
        if any(t.pain is not None for t in changes.tried):
            parts.append(Text(words.NOT_CAUSE, style="dim"))
    parts += [Text(""), disclaimer(kb)]
    return Group(*parts)


def _span(kb: Knowledge, t: Tried, today: dt.date) -> Span:
    start = t.start or t.end or t.date
    end = t.end or t.date
    return Span(f"{words.treatment_name(kb, t.treatment)}: {words.RESULT_WORDS.get(t.result, t.result)}", start, max(end, start), t.result)
