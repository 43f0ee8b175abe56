"""The journal as one more source of the same answers, and where each answer came from. Pure.

The journal answers three facts of the registry: how long (``weeks``, from the start date logged
last), ``pain`` (the latest score by date), and the results (``facts.RESULTS``: the latest result for
each treatment, by date). It sits under everything else: an answers file, the options and the walk
each win over it, treatment by treatment, so ``--helped physio`` replaces the journal's "physio did not
help" instead of clashing with it. ``answered_from`` says, for each answer, where it came from. What
the entries say about change is ``engine.journal_changes``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from backpain_cli.engine.answers import Answers, merge
from backpain_cli.errors import UsageError
from backpain_cli.knowledge.facts import INPUTS, RESULTS, Fact
from backpain_cli.knowledge.model import Knowledge

if TYPE_CHECKING:  # every pathway --json imports this module (its "from"): types only
    from backpain_cli.knowledge.journal_store import Summary
    from backpain_cli.knowledge.lookup import NameIndex

JOURNAL = "journal"  # the name of the journal as a source of answers, in JSON's "from"
RESULT_FACTS = tuple(RESULTS.values())


def journal_answers(summary: Summary, today: dt.date, known: Callable[[str], bool]) -> Answers:
    """The answers a journal gives. A treatment the knowledge base does not know (``known``) is left out."""
    by_fact: dict[str, list[str]] = {fact: [] for fact in RESULT_FACTS}
    for treatment, result in summary.results:
        if known(treatment) and result in RESULTS:
            by_fact[RESULTS[result]].append(treatment)
    # To a tenth of a week: a day is 0.14 weeks, so no stage boundary (a whole number of weeks) moves,
    # and the plan and the JSON show 22.4 rather than 22.428571428571427.
    weeks = None if summary.onset is None else round(max((today - summary.onset).days, 0) / 7, 1)
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
    index = _LazyIndex(kb)
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


class _LazyIndex:
    """The name index, built on first use: most pathways name no treatment."""

    def __init__(self, kb: Knowledge) -> None:
        self.kb = kb
        self.index: NameIndex | None = None

    def resolve(self, name: str) -> str:
        if self.index is None:
            from backpain_cli.knowledge.lookup import NameIndex

            self.index = NameIndex.build(self.kb)
        return self.index.resolve(name)


def _treatments(kb: Knowledge, answers: Answers) -> set[str]:
    index = _LazyIndex(kb)
    return {key for fact in RESULT_FACTS for key in _resolve(index, getattr(answers, fact))}


def _keys(kb: Knowledge, fact: Fact, raw: Iterable[str], index: _LazyIndex) -> list[str]:
    """The items of a set answer as the profile holds them (ids, codes); what cannot be read is left to ``build_profile``."""
    if not raw:
        return []
    if fact.vocabulary == "treatments":
        return _resolve(index, raw)
    from backpain_cli.knowledge.lookup import normalise  # here: most pathways give no set answer at all

    choices = [f.code for f in kb.red_flags] if fact.vocabulary == "red_flags" else list(fact.values)
    by_key = {normalise(choice): choice for choice in choices}
    parts = [part for item in raw for part in item.split(",")]
    return [by_key[normalise(part)] for part in parts if normalise(part) in by_key]


def _resolve(index: _LazyIndex, raw: Iterable[str]) -> list[str]:
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
