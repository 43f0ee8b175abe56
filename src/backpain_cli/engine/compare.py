"""Compare options side by side, Option-Grid style: one row per question people ask, one column per option.

Pure: builds plain data from the knowledge base (every word about a treatment comes from the YAML;
the questions and short labels here are UI words). ``backpain_cli.views.compare_text`` renders it for
a terminal and ``comparison_json`` gives the stable JSON shape.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from backpain_cli.errors import UsageError
from backpain_cli.knowledge.model import DIRECTION_WORDS, Knowledge, Treatment

DISAGREE_MARKER = "Guidelines disagree"


@dataclass(frozen=True)
class Item:
    """One line of a cell: an optional short label ("Cost"), the text, and the sources behind it.

    ``tone`` says how a view may colour the text: a guideline direction ("for", "against",
    "restricted", "no-recommendation"), "alert" for the disagreement marker, or "" for none.
    """

    text: str
    label: str = ""
    cite: str = ""
    tone: str = ""

    def __str__(self) -> str:
        head = f"{self.label}: " if self.label else ""
        tail = f" [{self.cite}]" if self.cite else ""
        return f"{head}{self.text}{tail}"


@dataclass(frozen=True)
class Row:
    """One question, and for each option (in the comparison's order) the lines that answer it."""

    question: str
    key: str
    cells: tuple[tuple[Item, ...], ...]


@dataclass(frozen=True)
class Comparison:
    options: tuple[Treatment, ...]
    rows: tuple[Row, ...]

    def cell(self, row: Row, treatment_id: str) -> tuple[Item, ...]:
        """The lines of ``row`` for one option, by its id."""
        return row.cells[[t.id for t in self.options].index(treatment_id)]


def _cite(kb: Knowledge, ids: Sequence[str]) -> str:
    return "; ".join(kb.sources[i].label for i in ids if i in kb.sources)


def _what(kb: Knowledge, t: Treatment) -> tuple[Item, ...]:
    return (Item(t.summary),)


def _benefits(kb: Knowledge, t: Treatment) -> tuple[Item, ...]:
    return tuple(Item(s.text, cite=_cite(kb, s.sources)) for s in t.benefits)


def _risks(kb: Knowledge, t: Treatment) -> tuple[Item, ...]:
    return tuple(Item(s.text, cite=_cite(kb, s.sources)) for s in t.risks)


def _time(kb: Knowledge, t: Treatment) -> tuple[Item, ...]:
    return (
        Item(t.expect.time, label="Time"),
        Item(t.expect.recovery, label="Recovery"),
        Item(t.expect.onset, label="How soon it may help"),
    )


def _guidelines(kb: Knowledge, t: Treatment) -> tuple[Item, ...]:
    items = [Item(DISAGREE_MARKER, tone="alert")] if t.disagreement() else []
    for g in t.guidelines:
        label = kb.sources[g.source].label if g.source in kb.sources else g.source
        items.append(Item(f"{DIRECTION_WORDS.get(g.direction, g.direction)} ({g.strength})", label=label, tone=g.direction))
    return tuple(items)


def _access(kb: Knowledge, t: Treatment) -> tuple[Item, ...]:
    return (
        Item(t.access.cost, label="Cost"),
        Item(t.access.insurance, label="Insurance"),
        Item(t.access.access, label="Access"),
    )


def _when(kb: Knowledge, t: Treatment) -> tuple[Item, ...]:
    tier = next((x.name for x in kb.tiers if x.id == t.tier), t.tier)
    return (
        Item(tier, label="Tier"),
        *(Item(s, label="For") for s in t.suitable_for),
        *(Item(s, label="Not for") for s in t.not_suitable_for),
    )


# (key, question, what answers it): the rows, in the order they are shown.
ROWS: tuple[tuple[str, str, Callable[[Knowledge, Treatment], tuple[Item, ...]]], ...] = (
    ("summary", "What is it?", _what),
    ("benefits", "How well does it work?", _benefits),
    ("risks", "What are the risks?", _risks),
    ("time", "Recovery and time", _time),
    ("guidelines", "What the guidelines say", _guidelines),
    ("access", "Cost and access", _access),
    ("suitability", "When is it considered?", _when),
)


def compare(kb: Knowledge, treatments: Sequence[Treatment]) -> Comparison:
    """The option grid for ``treatments``, columns in the order given (a repeated option is shown once).

    Raises ``UsageError`` unless at least two different options are given.
    """
    unique: dict[str, Treatment] = {}
    for t in treatments:
        unique.setdefault(t.id, t)
    options = tuple(unique.values())
    if len(options) < 2:
        raise UsageError("give at least two different options to compare, e.g. 'backpain compare epidural physio'")
    rows = tuple(Row(question, key, tuple(build(kb, t) for t in options)) for key, question, build in ROWS)
    return Comparison(options, rows)


def comparison_json(c: Comparison) -> dict[str, Any]:
    """The stable JSON shape: options in column order, rows in question order, cells keyed by option id."""
    return {
        "options": [{"id": t.id, "name": t.name, "tier": t.tier} for t in c.options],
        "rows": [
            {
                "question": row.question,
                "key": row.key,
                "cells": {t.id: [str(item) for item in cell] for t, cell in zip(c.options, row.cells, strict=True)},
            }
            for row in c.rows
        ],
    }
