"""The knowledge-base format, part 2: warning signs, stages, risk groups, questions, guideline modes,
messages, signals, named conditions and topics. ``format.py`` puts the whole file together.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from backpain_cli.knowledge import model as m
from backpain_cli.knowledge.conditions import Condition
from backpain_cli.knowledge.facts import FACTS
from backpain_cli.knowledge.format_entries import CONDITION, IDENT, SIGNAL, SOURCE_IDS, TEXT, TREATMENT_IDS
from backpain_cli.knowledge.spec import (
    Choice,
    Deferred,
    Field,
    ListOf,
    MapOf,
    Number,
    Reading,
    Record,
    Ref,
    kind_of,
)

# The engine's and the walk's sentences, each with the placeholders it fills in.
MESSAGES: dict[str, tuple[str, ...]] = {
    "guideline-silent": ("guideline", "note"),
    "guideline-against": ("guideline", "note"),
    "walk-tried": (),
    "walk-result": ("name",),
    "warning-signs-line": (),
}
# What the walk can ask: the duration (as "stage"), what was tried (with a result for each), and every
# other answer it has a kind of question for. The results themselves come with "tried".
WALKABLE = tuple(f.name for f in FACTS.values() if f.name not in ("weeks", "months", "helped", "helped_a_little", "side_effects"))


# --- warning signs ---------------------------------------------------------------------------------------

LEVEL = Choice(m.LEVELS)
RED_FLAG = Record(
    "warning sign",
    [
        Field("code", IDENT, "a unique code, used with `--red-flag`"),
        Field("sign", TEXT, "a few words for lists: what the person reported"),
        Field("question", TEXT, "the question that asks about it"),
        Field("level", LEVEL, "how urgent it is"),
        Field("action", TEXT, "exactly what to do"),
        Field("why", TEXT, "why it matters"),
        Field("sources", SOURCE_IDS, "the sources behind it"),
    ],
    lambda v, path, r: m.RedFlag(**v),
)


def _red_flag_rule(v: dict[str, Any], path: str, r: Reading) -> m.RedFlagRule | None:
    condition: Condition | None = v["when"]
    if condition is None:
        return None
    codes = tuple(sorted(condition.mentions("red_flags")))
    return m.RedFlagRule(condition, v["level"], v["action"], v["sources"], path, codes)


RED_FLAG_RULE = Record(
    "warning-sign combination",
    [
        Field("when", CONDITION, "the combination of signs"),
        Field("level", LEVEL, "how urgent it is"),
        Field("action", TEXT, "what to do: shown before the single signs' actions of the same level"),
        Field("sources", SOURCE_IDS, "the sources behind it"),
    ],
    _red_flag_rule,
)
LEVEL_INFO = Record(
    "level",
    [
        Field("level", LEVEL, "the level"),
        Field("label", TEXT, "its heading, e.g. `Emergency: get help now`"),
        Field("hold_reason", TEXT, "the reason every routine option shows while a sign at this level is reported"),
    ],
    lambda v, path, r: m.LevelInfo(**v),
)


# --- stages, risk groups, questions and the walk -----------------------------------------------------------


class Bound(Record):
    """An upper bound in weeks, ``{lt: 4}`` or ``{lte: 13}``; null for none."""

    def __init__(self) -> None:
        super().__init__("bound", [Field("lt", Number(), "below", required=False), Field("lte", Number(), "at most", required=False)])
        self.docs = "`{lt: N}` or `{lte: N}`, or null"

    def read(self, raw: Any, path: str, r: Reading) -> Any:
        if raw is None:
            return None
        values = self.read_fields(raw, path, r)
        given = {op: limit for op, limit in (values or {}).items() if limit is not None}
        if values is None or len(given) != 1:
            r.fail(path, "needs exactly one of lt or lte", "e.g. {lt: 4}")
            return None
        ((op, limit),) = given.items()
        return (op, limit)

    def schema(self) -> dict[str, Any]:
        one = {"type": "object", "additionalProperties": False, "minProperties": 1, "maxProperties": 1}
        return {"oneOf": [{"type": "null"}, {**one, "properties": {"lt": {"type": "number"}, "lte": {"type": "number"}}}]}


STAGE = Record(
    "stage",
    [
        Field("id", Choice(FACTS["stage"].values), "`acute`, `subacute` or `chronic`, in that order"),
        Field("label", TEXT, "its name for people"),
        Field("meaning", TEXT, "what it means"),
        Field("what_we_do", TEXT, "what the pathway does at this stage"),
        Field("sources", SOURCE_IDS, "the sources behind it"),
        Field("weeks", Bound(), "the upper bound in weeks (a duration in months is converted: x 52 / 12); null for the last stage"),
    ],
    lambda v, path, r: m.Stage(v["id"], v["label"], v["meaning"], v["what_we_do"], v["sources"], v["weeks"]),
)
RISK_GROUP = Record(
    "risk group",
    [
        Field("id", Choice(FACTS["risk"].values), "`low`, `medium` or `high`: each must be listed"),
        Field("label", TEXT, "its name for people"),
        Field("meaning", TEXT, "what it means for care"),
        Field("sources", SOURCE_IDS, "the sources behind it"),
    ],
    lambda v, path, r: m.RiskGroup(**v),
)
QUESTION = Record(
    "question",
    [
        Field("fact", Choice(FACTS), "the fact it asks about: every fact has exactly one question"),
        Field("label", TEXT, "the fact's name in traces and plans"),
        Field("ask", TEXT, "the question on the command line: it names the option that answers it"),
        Field("prompt", TEXT, "the question in the guided walk: plain words, no option names"),
        Field("why", TEXT, "why it is asked"),
        Field("ask_when", CONDITION, "the walk skips the question when this is known to be false", required=False),
        Field(
            "says",
            MapOf(IDENT, TEXT),
            "how a rule's test of the fact reads, as a clause: `yes`/`no` (yes-or-no facts), a value's id, "
            "`gte`/`gt`/`lt`/`lte` and `has` (with `{value}`), `known`/`unknown`, `none`/`some`",
            required=False,
        ),
    ],
    lambda v, path, r: m.Question(**v),
)


def _mode(v: dict[str, Any], path: str, r: Reading) -> dict[str, Any]:
    if v["scope"] is not None and v["scope_note"] is None:
        r.fail(path, "missing key 'scope_note'", "say what a person outside the scope is told")
    return v


GUIDELINE_MODE = Record(
    "guideline mode",
    [
        Field("name", TEXT, "its name for people"),
        Field("short", TEXT, "a short name for messages, e.g. `NICE`"),
        Field(
            "sources", ListOf(Ref("sources", "source"), allow_empty=True), "the sources whose views count in this mode (none for `default`)"
        ),
        Field("scope", CONDITION, "who the guideline covers; outside it, nothing is covered", required=False),
        Field("scope_note", TEXT, "what a person outside the scope is told", required=False),
    ],
    _mode,
)


def guideline_modes(v: dict[str, Any], path: str, r: Reading) -> dict[str, m.GuidelineMode]:
    if v["default"] and v["default"]["sources"]:
        r.fail("guidelines.default.sources", "the default mode weighs every guideline", "use an empty list: []")
    return {
        mode: m.GuidelineMode(mode, item["name"], item["short"], item["sources"], item["scope"], item["scope_note"] or "")
        for mode, item in v.items()
    }


def messages_record(v: dict[str, Any], path: str, r: Reading) -> dict[str, str]:
    for key, placeholders in MESSAGES.items():
        unknown = sorted(set(re.findall(r"{(\w*)}", v[key])) - set(placeholders))
        if unknown:
            r.fail(f"messages.{key}", f"unknown placeholder {{{unknown[0]}}}", "expected " + ", ".join("{" + p + "}" for p in placeholders))
    return v


SIGNALS_BY_TYPE = Record(
    "signals for one result",
    [
        Field("default", SIGNAL, "for any care type without its own"),
        *(Field(c, SIGNAL, f"for `{c}`", required=False) for c in m.CARE_TYPES),
    ],
    lambda v, path, r: {k: s for k, s in v.items() if s is not None},
)


class NamedConditions(MapOf):
    """The ``conditions`` section: each named condition compiled once, so rules share it."""

    def __init__(self) -> None:
        named = Record(
            "named condition",
            [
                Field("description", TEXT, "the condition in plain words, for traces and `explain`"),
                Field("when", Deferred(), "the condition"),
            ],
        )
        super().__init__(IDENT, named)
        self.docs = "mapping of names to named conditions"

    def read(self, raw: Any, path: str, r: Reading) -> Any:
        if not isinstance(raw, Mapping):
            r.fail("conditions", f"must be a mapping of named conditions, not {kind_of(raw)}")
            return {}
        out: dict[str, Condition] = {}
        for name, body in raw.items():
            where = f"conditions.{name}"
            value = self.value
            assert isinstance(value, Record)
            if value.read_fields(body, where, r) is not None:
                compiled = r.conditions.named(str(name), where)
                if compiled is not None:
                    out[str(name)] = compiled
        return out


# --- topics: conditions and kinds of care people name ------------------------------------------------------

# The yes/no answers a topic may offer in its hint to run the pathway ("sciatica": --leg-pain).
TOPIC_ANSWERS = tuple(f.name for f in FACTS.values() if f.kind == "bool" and f.option)
# Read into plain values: the options are checked and put in pathway order once the treatments are
# known (``format._topics``).
TOPIC = Record(
    "topic",
    [
        Field("id", IDENT, "a unique id, used with `explain`"),
        Field("name", TEXT, "its name for people"),
        Field(
            "aliases",
            ListOf(TEXT, allow_empty=True),
            "other names people type; unique across topics and treatments, so no name is read as one option",
        ),
        Field("summary", TEXT, "a few plain sentences: what it is, and what guidelines put first"),
        Field("sources", SOURCE_IDS, "the sources behind the summary"),
        Field(
            "options",
            ListOf(Ref("treatments", "treatment"), allow_empty=True),
            "the options for it, in any order: shown in pathway order",
            required=False,
            default=(),
        ),
        Field(
            "care_type",
            Choice(m.CARE_TYPES),
            "every option of this care type is named too: one that guidelines only advise against joins `advised_against`",
            required=False,
        ),
        Field(
            "advised_against",
            Record(
                "options advised against",
                [
                    Field("text", TEXT, "what the guidelines say about them, in plain words"),
                    Field("sources", SOURCE_IDS, "the sources behind it"),
                    Field("options", TREATMENT_IDS, "the options it is about: each must be advised against or limited in its own entry"),
                ],
            ),
            "options people are often offered for it that guidelines advise against",
            required=False,
        ),
        Field(
            "answers",
            ListOf(Choice(TOPIC_ANSWERS)),
            "yes/no answers that usually hold for it, offered in the hint to run the pathway (e.g. `leg_pain`)",
            required=False,
            default=(),
        ),
    ],
)
