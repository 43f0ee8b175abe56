"""The validated knowledge base as frozen, typed objects. Built only by ``backpain_cli.knowledge.loader``.

They are ``NamedTuple``s rather than dataclasses: immutable and typed alike, but a tenth of the cost
to define, which every run pays at start-up (docs/performance.md). For the same reason there is no
``from __future__ import annotations`` here, nor in the other modules that define ``NamedTuple``s
(``conditions``, ``engine``, ``answers``, ``ladder``): a ``NamedTuple`` compiles each string
annotation on its own, a third of the classes' cost.
"""

import datetime as dt
from typing import Literal, NamedTuple

from backpain_cli.knowledge import facts
from backpain_cli.knowledge.conditions import Condition
from backpain_cli.knowledge.wording import Wording

Status = Literal[
    "now",
    "consider",
    "next",
    "helped",
    "tried",
    "not-yet",
    "not-needed",
    "not-recommended",
    "not-covered",
    "needs-answer",
    "on-hold",
]


class StatusInfo(NamedTuple):
    """Everything the program says about one status: the one table views, docs and tests read.

    ``rank`` orders how far a status lets a step forward: a decision never ends more open than the
    strictest safety rule that holds it back. ``active`` statuses put an option on the table;
    ``final`` ones are verdicts that a person's own experience (helped, tried) annotates but never replaces.
    """

    name: Status
    label: str  # Title case, for headings and the ladder
    tag: str  # upper case, beside a step in the terminal
    glyph: str  # one character for the ladder's bars: readable without colour and on paper
    meaning: str
    active: bool
    final: bool
    rank: int


STATUS_TABLE: dict[str, StatusInfo] = {
    info.name: info
    for info in (
        StatusInfo("now", "Now", "NOW", "#", "recommended now", True, False, 6),
        StatusInfo("consider", "Consider", "CONSIDER", "+", "a reasonable option, with its caveats", True, False, 5),
        StatusInfo("next", "Next", "NEXT", "=", "if what is current does not help enough", True, False, 4),
        StatusInfo("helped", "Helping you", "HELPING", "*", "it has helped you enough; the reason says how to go on", False, False, 3),
        StatusInfo(
            "tried",
            "Tried",
            "TRIED",
            "~",
            "you tried it without enough relief (it did not help, helped a little, or caused side effects); "
            "the reason says what usually comes next",
            False,
            False,
            3,
        ),
        StatusInfo("not-yet", "Not yet", "NOT YET", ".", "its conditions are not met; the reason says which", False, False, 3),
        StatusInfo(
            "needs-answer",
            "Needs answer",
            "NEEDS ANSWER",
            "?",
            "a missing answer decides it; the reason asks the question",
            False,
            False,
            3,
        ),
        StatusInfo("not-needed", "Not needed", "NOT NEEDED", "o", "something you tried has helped enough", False, False, 2),
        StatusInfo(
            "not-covered",
            "Not covered",
            "NOT COVERED",
            "-",
            "outside what the guidelines recommend for you: the one you chose gives no confirmed view on it, or does not cover you",
            False,
            True,
            1,
        ),
        StatusInfo("not-recommended", "Not recommended", "NOT RECOMMENDED", "x", "guidelines advise against it for you", False, True, 0),
        StatusInfo(
            "on-hold",
            "On hold",
            "ON HOLD",
            "!",
            "a warning sign comes first: every routine option waits until a clinician has checked it",
            False,
            True,
            0,
        ),
    )
}
STATUSES: tuple[Status, ...] = tuple(STATUS_TABLE)  # type: ignore[arg-type]
# Statuses that open a door: an unknown answer must never lead to one of these.
PERMISSIVE: frozenset[str] = frozenset(name for name, info in STATUS_TABLE.items() if info.active)
# What a rule may set; the others come from the engine (on-hold, needs-answer) or from
# what a person says about an option they tried (helped, tried).
RULE_STATUSES: tuple[Status, ...] = ("now", "consider", "next", "not-yet", "not-needed", "not-covered", "not-recommended")

Direction = Literal["for", "against", "restricted", "no-recommendation"]
DIRECTIONS: tuple[Direction, ...] = ("for", "against", "restricted", "no-recommendation")
# The plain words every view uses for a guideline's direction.
DIRECTION_WORDS: dict[str, str] = {
    "for": "for",
    "against": "against",
    "restricted": "only for some",
    "no-recommendation": "no recommendation",
}
Level = Literal["emergency", "same-day", "urgent", "soon"]
LEVELS: tuple[Level, ...] = ("emergency", "same-day", "urgent", "soon")  # most severe first
GUIDELINES: tuple[str, ...] = facts.FACTS["guideline"].values  # the registry's list: one place
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
    undated: str | None = None  # why a source has no year (a living web page), for ``kb audit``


class Statement(NamedTuple):
    """A clinical statement and the sources behind it.

    ``known`` is False for a statement that says a size or a rate is not known: the sources looked and
    gave no figure. Views say so plainly rather than leave a gap.
    """

    text: str
    sources: tuple[str, ...]
    known: bool = True


class Signal(NamedTuple):
    """What a person's own experience of an option does to its step: a status no more open than its
    rules allow, and what to tell them (e.g. "It helped: review it with your prescriber")."""

    status: Status
    reason: str
    sources: tuple[str, ...]
    short: str | None = None  # the reason in a few words, for the first screen


# What a person can say about an option they tried, in the words answers files and the journal use.
RESULTS: tuple[str, ...] = tuple(facts.RESULTS)


class AuditException(NamedTuple):
    """A deliberate gap that ``kb audit`` accepts, with the reason written beside it."""

    check: str
    reason: str


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
    short: str | None = None  # the reason in a few words, for the first screen (needed with now)


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
    benefit_size: tuple[Statement, ...]  # how large the benefit is, or that no source gives a size
    risks: tuple[Statement, ...]  # physical harms and side effects, with how often where a source says
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
    signals: dict[str, Signal]  # result -> this option's own wording, over the care type's default
    audit_exceptions: tuple[AuditException, ...]

    def all_sources(self) -> tuple[str, ...]:
        """Every source the entry cites, in first-cited order."""
        seen: dict[str, None] = dict.fromkeys(self.sources)
        for group in (self.benefits, self.benefit_size, self.risks):
            for statement in group:
                seen.update(dict.fromkeys(statement.sources))
        seen.update(dict.fromkeys(s.source for s in self.guidelines))
        for rule in self.rules:
            seen.update(dict.fromkeys(rule.sources))
        for signal in self.signals.values():
            seen.update(dict.fromkeys(signal.sources))
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
    aliases: tuple[str, ...] = ()  # other words people type for it: "surgery", "injections"


class TopicAgainst(NamedTuple):
    """Options people are often offered for a topic that guidelines advise against, and what they say."""

    text: str
    sources: tuple[str, ...]
    options: tuple[str, ...]  # treatment ids, in pathway order


class Topic(NamedTuple):
    """A condition or a kind of care that people name ("sciatica", "tablets"): never one option, but a
    short page of the options for it, in pathway order, and those guidelines advise against."""

    id: str
    name: str
    aliases: tuple[str, ...]
    summary: str
    sources: tuple[str, ...]
    options: tuple[str, ...]  # treatment ids, in pathway order (tier, then file order)
    advised_against: TopicAgainst | None
    answers: tuple[str, ...]  # yes/no facts that usually hold for it, offered in the hint to run the pathway

    def all_options(self) -> tuple[str, ...]:
        """Every option it names: those for it, then those advised against."""
        return self.options + (self.advised_against.options if self.advised_against is not None else ())


class RedFlag(NamedTuple):
    code: str
    sign: str  # a few words for lists: "numbness or tingling around your bottom or genitals"
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
    codes: tuple[str, ...] = ()  # the warning signs its condition names, shown with its action


class Stage(NamedTuple):
    id: str
    label: str
    meaning: str
    what_we_do: str
    sources: tuple[str, ...]
    # The stage covers durations below this bound in weeks, e.g. ("lt", 4) or ("lte", 13); None: no bound.
    # One unit, so the same duration given in weeks or in months always lands in the same stage.
    weeks_bound: tuple[str, float] | None

    def covers(self, weeks: float) -> bool:
        if self.weeks_bound is None:
            return True
        op, limit = self.weeks_bound
        return weeks < limit if op == "lt" else weeks <= limit


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
    ask_when: Condition | None = None  # the walk skips the question when this is known to be false
    says: dict[str, str] | None = None  # how each test of the fact reads in a rule ("yes": "your pain spreads...")


class GuidelineMode(NamedTuple):
    """A way to read the guidelines: all together (``default``), or one guideline's sources only."""

    id: str
    name: str
    short: str  # "NICE", for messages such as "NICE gives no confirmed view on this"
    sources: tuple[str, ...]  # the stances that count in this mode; empty for ``default``
    scope: Condition | None = None  # who the guideline covers (WHO 2023: pain lasting more than 3 months)
    scope_note: str = ""  # said to a person outside that scope


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
    walk: tuple[str, ...]  # the guided walk's questions, in order (facts)
    conditions: dict[str, Condition]  # the named conditions, for the walk and the views
    guideline_modes: dict[str, GuidelineMode]
    signals: dict[str, dict[str, Signal]]  # result -> care type (or "default") -> signal
    messages: dict[str, str]  # engine sentences with {placeholders}: the wording stays in the YAML
    verification: dict[str, str]  # V/S/U -> how sure we are of a guideline stance, in plain words
    topics: tuple[Topic, ...]  # conditions and kinds of care people name, each a page of options
    by_id: dict[str, Treatment]  # treatment id -> treatment, built with the tuple of treatments
    path: str = ""

    def treatment(self, treatment_id: str) -> Treatment:
        return self.by_id[treatment_id]

    def wording(self) -> Wording:
        """How rule conditions read to a person: the questions' labels and sentences, option names."""
        by_id = self.by_id
        return Wording(
            {fact: q.label for fact, q in self.questions.items()},
            {fact: q.says for fact, q in self.questions.items() if q.says},
            lambda value: by_id[value].name if value in by_id else value,
        )

    def tier(self, tier_id: str) -> Tier:
        return next(t for t in self.tiers if t.id == tier_id)

    def tier_called(self, typed: str) -> Tier | None:
        """The tier a person means: its number in the list (1 first), its id, its name or an alias."""
        key = " ".join(typed.lower().replace("-", " ").split())
        for number, tier in enumerate(self.tiers, start=1):
            if key in (str(number), tier.id, tier.name.lower(), *(a.replace("-", " ") for a in tier.aliases)):
                return tier
        return None

    def topic(self, topic_id: str) -> Topic:
        return next(t for t in self.topics if t.id == topic_id)

    def red_flag(self, code: str) -> RedFlag:
        return next(f for f in self.red_flags if f.code == code)

    def stage(self, stage_id: str) -> Stage:
        return next(s for s in self.stages if s.id == stage_id)
