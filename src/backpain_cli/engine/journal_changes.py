"""What a journal's entries say changed: the pain overall, and since each treatment started. Pure.

Only what happened after, never why: a change since a treatment started is not said to come from it
(the words that say so are in ``views.journal_words``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from backpain_cli.knowledge.journal import Entry


class Scores(NamedTuple):
    """A pain score then and now: from ``before`` on ``since`` to ``after`` on ``until``."""

    before: float
    since: dt.date
    after: float
    until: dt.date


class Tried(NamedTuple):
    """One treatment in the journal: when it started and ended (if logged), its latest result, and the pain since."""

    treatment: str
    start: dt.date | None
    end: dt.date | None
    result: str
    date: dt.date  # the latest result's date
    pain: Scores | None  # the last score on or before the start, and the latest after it (up to the end, if it ended)


class Changes(NamedTuple):
    overall: Scores | None  # the first score and the latest
    tried: tuple[Tried, ...]  # by start (or date)


def changes(entries: Sequence[Entry]) -> Changes:
    """What the entries (in date order) say changed: the pain overall, and since each treatment started.

    Only what happened after: a change since a treatment started is not said to come from it.
    """
    pains = [(e.date, e.score) for e in entries if e.kind == "pain" and e.score is not None]
    overall = Scores(pains[0][1], pains[0][0], pains[-1][1], pains[-1][0]) if len(pains) >= 2 else None
    first: dict[str, dt.date | None] = {}
    last: dict[str, Entry] = {}
    for e in entries:
        if e.kind == "tried" and e.treatment is not None:
            starts = [d for d in (first.get(e.treatment), e.start) if d is not None]
            first[e.treatment] = min(starts) if starts else None
            last[e.treatment] = e
    tried = []
    for treatment, latest in last.items():
        start = first[treatment]
        tried.append(Tried(treatment, start, latest.end, latest.result or "", latest.date, _since(pains, start, latest.end)))
    tried.sort(key=lambda t: (t.start or t.date, t.date))
    return Changes(overall, tuple(tried))


def _since(pains: list[tuple[dt.date, float]], start: dt.date | None, end: dt.date | None) -> Scores | None:
    """The pain from the start of a treatment to its end, or to the latest score if it has not ended:
    pain after a treatment stopped says nothing about how the time on it went."""
    if start is None:
        return None
    before = [(d, s) for d, s in pains if d <= start]
    after = [(d, s) for d, s in pains if d > start and (end is None or d <= end)]
    if not before or not after:
        return None
    return Scores(before[-1][1], before[-1][0], after[-1][1], after[-1][0])
