"""The validated knowledge base as frozen, typed objects. Built only by ``backpain_cli.knowledge``.

They are ``NamedTuple``s rather than dataclasses: immutable and typed alike, but a tenth of the cost
to define, which every run pays at start-up (docs/performance.md). For the same reason there is no
``from __future__ import annotations`` here, nor in the other modules that define ``NamedTuple``s
(``conditions``, ``engine``, ``answers``, ``ladder``): a ``NamedTuple`` compiles each string
annotation on its own, a third of the classes' cost.
"""

import datetime as dt
from typing import Literal, NamedTuple

from backpain_cli.conditions import Condition

Status = Literal["now", "consider", "next", "not-yet", "not-needed", "not-recommended", "needs-answer", "on-hold"]
STATUSES: tuple[Status, ...] = (
    "now",
    "consider",
    "next",
    "not-yet",
    "not-needed",
    "not-recommended",
    "needs-answer",
    "on-hold",
)
# Statuses that open a door: an unknown answer must never lead to one of these.
PERMISSIVE: frozenset[str] = frozenset({"now", "consider", "next"})

Direction = Literal["for", "against", "restricted", "no-recommendation"]
DIRECTIONS: tuple[Direction, ...] = ("for", "against", "restricted", "no-recommendation")
# The plain words every view uses for a guideline's direction.
DIRECTION_WORDS: dict[str, str] = {
    "for": "for",
    "against": "against",
    "restricted": "only for some",
    "no-recommendation": "no recommendation",
}
Level = Literal["emergency", "urgent", "soon"]
LEVELS: tuple[Level, ...] = ("emergency", "urgent", "soon")  # most severe first
GUIDELINES: tuple[str, ...] = ("default", "nice", "acp", "who")
CARE_TYPES: tuple[str, ...] = ("medication", "injection", "surgery", "other")
# What `--avoid` names, and the care types each one covers.
AVOIDABLE: dict[str, str] = {"medication": "medication", "injections": "injection", "surgery": "surgery"}


class Source(NamedTuple):
    id: str
    label: str  # short form for citations in running text, e.g. "NICE NG59"
    title: str
    publisher: str
    year: int | None
    section: str | None
    url: str | None


class Statement(NamedTuple):
    """A clinical statement and the sources behind it."""

    text: str
    sources: tuple[str, ...]


class Stance(NamedTuple):
    """What one guideline says about one treatment."""

    source: str
    direction: Direction
    strength: str
    note: str
    section: str | None
    verified: str


class ArticleClaim(NamedTuple):
    claim: str
    agrees: bool
    note: str


class Expectation(NamedTuple):
    time: str
    recovery: str
    onset: str


class Access(NamedTuple):
    cost: str
    insurance: str
    access: str


class Rule(NamedTuple):
    """One pathway rule: when its condition holds, the step gets this status, reason and sources.

    ``kind`` says how the condition is read: ``exclude`` and ``when`` apply when it holds, ``require``
    and ``after`` when it does not, and ``always`` (no condition) always applies. ``guidelines``
    limits the rule to those guideline modes.
    """

    kind: str
    condition: Condition | None
    status: Status
    reason: str
    sources: tuple[str, ...]
    guidelines: frozenset[str] | None
    path: str


class Treatment(NamedTuple):
    id: str
    name: str
    aliases: tuple[str, ...]
    tier: str
    care_type: str
    summary: str
    how_it_works: str
    expect: Expectation
    benefits: tuple[Statement, ...]
    risks: tuple[Statement, ...]
    suitable_for: tuple[str, ...]
    not_suitable_for: tuple[str, ...]
    guidelines: tuple[Stance, ...]
    article: ArticleClaim | None
    access: Access
    questions: tuple[str, ...]
    sources: tuple[str, ...]
    reviewed: dt.date
    review_due: dt.date
    rules: tuple[Rule, ...]

    def all_sources(self) -> tuple[str, ...]:
        """Every source the entry cites, in first-cited order."""
        seen: dict[str, None] = dict.fromkeys(self.sources)
        for group in (self.benefits, self.risks):
            for statement in group:
                seen.update(dict.fromkeys(statement.sources))
        seen.update(dict.fromkeys(s.source for s in self.guidelines))
        for rule in self.rules:
            seen.update(dict.fromkeys(rule.sources))
        return tuple(seen)

    def disagreement(self) -> bool:
        """Guidelines disagree when one supports (even for a subgroup) and another advises against."""
        directions = {s.direction for s in self.guidelines}
        return "against" in directions and bool(directions & {"for", "restricted"})


class Tier(NamedTuple):
    id: str
    name: str
    description: str
    # Rules applied after a treatment's own rules (e.g. the surgical gate).
    rules: tuple[Rule, ...]


class RedFlag(NamedTuple):
    code: str
    question: str
    level: Level
    action: str
    why: str
    sources: tuple[str, ...]


class RedFlagRule(NamedTuple):
    """A combination of answers that calls for a more specific action than any flag alone."""

    condition: Condition
    level: Level
    action: str
    sources: tuple[str, ...]
    path: str


class Stage(NamedTuple):
    id: str
    label: str
    meaning: str
    what_we_do: str
    sources: tuple[str, ...]
    # The stage covers durations within these bounds, e.g. ("lt", 4) or ("lte", 12); None: no bound.
    weeks_bound: tuple[str, float] | None
    months_bound: tuple[str, float] | None

    def covers(self, value: float, unit: str) -> bool:
        bound = self.weeks_bound if unit == "weeks" else self.months_bound
        if bound is None:
            return True
        op, limit = bound
        return value < limit if op == "lt" else value <= limit


class RiskGroup(NamedTuple):
    id: str
    label: str
    meaning: str
    sources: tuple[str, ...]


class Question(NamedTuple):
    """How a fact is named in traces and asked for when it is missing."""

    fact: str
    label: str
    ask: str  # for the command line: names the option that answers it
    prompt: str  # for the guided walk: plain words, no option names
    why: str


class LevelInfo(NamedTuple):
    level: Level
    label: str
    hold_reason: str


class Knowledge(NamedTuple):
    version: str
    reviewed: dt.date
    review_due: dt.date
    disclaimer: str
    warning_signs: str
    risk_tool_note: str
    sources: dict[str, Source]
    tiers: tuple[Tier, ...]
    treatments: tuple[Treatment, ...]
    red_flags: tuple[RedFlag, ...]
    red_flag_rules: tuple[RedFlagRule, ...]
    levels: dict[str, LevelInfo]
    stages: tuple[Stage, ...]
    risk_groups: dict[str, RiskGroup]
    questions: dict[str, Question]
    guideline_names: dict[str, str]
    verification: dict[str, str]  # V/S/U -> how sure we are of a guideline stance, in plain words
    by_id: dict[str, Treatment]  # treatment id -> treatment, built with the tuple of treatments
    path: str = ""

    def treatment(self, treatment_id: str) -> Treatment:
        return self.by_id[treatment_id]

    def tier(self, tier_id: str) -> Tier:
        return next(t for t in self.tiers if t.id == tier_id)

    def red_flag(self, code: str) -> RedFlag:
        return next(f for f in self.red_flags if f.code == code)

    def stage(self, stage_id: str) -> Stage:
        return next(s for s in self.stages if s.id == stage_id)
