"""The journal as one more source of the same answers, and what its entries say about change. Pure.

The journal answers three facts of the registry: how long (``weeks``, from the start date logged
last), ``pain`` (the latest score by date), and the results (``facts.RESULTS``: the latest result for
each treatment, by date). It sits under everything else: an answers file, the options and the walk
each win over it, treatment by treatment, so ``--helped physio`` replaces the journal's "physio did not
help" instead of clashing with it. ``answered_from`` says, for each answer, where it came from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

from backpain_cli.engine.answers import Answers, merge
from backpain_cli.errors import UsageError
from backpain_cli.knowledge.facts import INPUTS, RESULTS, Fact
from backpain_cli.knowledge.journal import Entry
from backpain_cli.knowledge.journal_store import Summary
from backpain_cli.knowledge.lookup import NameIndex, normalise
from backpain_cli.knowledge.model import Knowledge

JOURNAL = "journal"  # the name of the journal as a source of answers, in JSON's "from"
RESULT_FACTS = tuple(RESULTS.values())


def journal_answers(summary: Summary, today: dt.date, known: Callable[[str], bool]) -> Answers:
    """The answers a journal gives. A treatment the knowledge base does not know (``known``) is left out."""
    by_fact: dict[str, list[str]] = {fact: [] for fact in RESULT_FACTS}
    for treatment, result in summary.results:
        if known(treatment) and result in RESULTS:
            by_fact[RESULTS[result]].append(treatment)
    weeks = None if summary.onset is None else max((today - summary.onset).days, 0) / 7
    return Answers(weeks=weeks, pain=summary.pain, **{fact: tuple(ids) for fact, ids in by_fact.items()})


def under(kb: Knowledge, journal: Answers, given: Answers) -> Answers:
    """``given`` over the journal: ``given`` wins each answer, and each treatment it says anything about."""
    said = _treatments(kb, given)
    kept = {fact: tuple(t for t in getattr(journal, fact) if t not in said) for fact in RESULT_FACTS}
    return merge(journal.replace(**kept), given)


def answered_from(kb: Knowledge, layers: Sequence[tuple[str, Answers]]) -> dict[str, Any]:
    """Where each answer came from, the last layer winning: ``{"pain": "options", "tried": {id: "journal"}}``.

    ``layers`` run from the weakest (the journal) to the strongest (the walk). A set answer maps each
    item (a treatment id, a red-flag code) to its source; a treatment another layer gave another result
    for is only where that layer put it. A duration in any layer replaces the weaker layers' duration.
    """
    out: dict[str, Any] = {}
    index = NameIndex.build(kb)
    for source, answers in layers:
        if answers.months is not None or answers.weeks is not None:
            out.pop("months", None)
            out.pop("weeks", None)
        for fact in INPUTS:
            value = getattr(answers, fact.name)
            if fact.kind != "set":
                if value is not None:
                    out[fact.name] = source
                continue
            for key in _keys(kb, fact, value, index):
                if fact.name in RESULT_FACTS:
                    for other in RESULT_FACTS:
                        out.get(other, {}).pop(key, None)
                out.setdefault(fact.name, {})[key] = source
    return {name: value for name, value in out.items() if value != {}}


def _treatments(kb: Knowledge, answers: Answers) -> set[str]:
    index = NameIndex.build(kb)
    return {key for fact in RESULT_FACTS for key in _resolve(index, getattr(answers, fact))}


def _keys(kb: Knowledge, fact: Fact, raw: Iterable[str], index: NameIndex) -> list[str]:
    """The items of a set answer as the profile holds them (ids, codes); what cannot be read is left to ``build_profile``."""
    if fact.vocabulary == "treatments":
        return _resolve(index, raw)
    choices = [f.code for f in kb.red_flags] if fact.vocabulary == "red_flags" else list(fact.values)
    by_key = {normalise(choice): choice for choice in choices}
    parts = [part for item in raw for part in item.split(",")]
    return [by_key[normalise(part)] for part in parts if normalise(part) in by_key]


def _resolve(index: NameIndex, raw: Iterable[str]) -> list[str]:
    found: list[str] = []
    for name in raw:
        for part in (name, *name.split(",")):  # whole first, as build_profile reads it, then as a list
            try:
                found.append(index.resolve(part))
            except UsageError:
                continue
            if part == name:
                break
    return found


# --- what changed ------------------------------------------------------------------------------------


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
    pain: Scores | None  # the last score on or before the start, and the latest after it


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
        tried.append(Tried(treatment, start, latest.end, latest.result or "", latest.date, _since(pains, start)))
    tried.sort(key=lambda t: (t.start or t.date, t.date))
    return Changes(overall, tuple(tried))


def _since(pains: list[tuple[dt.date, float]], start: dt.date | None) -> Scores | None:
    if start is None:
        return None
    before = [(d, s) for d, s in pains if d <= start]
    after = [(d, s) for d, s in pains if d > start]
    if not before or not after:
        return None
    return Scores(before[-1][1], before[-1][0], after[-1][1], after[-1][0])
