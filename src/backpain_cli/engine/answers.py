"""A person's answers, from options, an answers file or the guided walk, checked and turned into a Profile.

All three routes meet in ``Answers``, so every answer is validated by the same code with the same
messages, whichever way it came in. What each answer may hold comes from the fact registry
(``backpain_cli.knowledge.facts``); nothing here names a fact except the two rules that join facts together
(one duration, one result per option).
"""

import math
from collections.abc import Mapping
from typing import Any

from backpain_cli.engine.pathway import Profile
from backpain_cli.errors import UsageError
from backpain_cli.knowledge.facts import FACTS, INPUTS, RESULTS, Fact, FactValues
from backpain_cli.knowledge.model import Knowledge

_UNKNOWN_WORDS = ("unknown", "don't know", "dont know", "skip")


class Answers(FactValues):
    """What a person said, as they said it (names not yet resolved). ``None`` or empty: not answered."""

    __slots__ = ()
    _empty = tuple((f.name, () if f.kind == "set" else None) for f in INPUTS)

    def replace(self, **changes: Any) -> "Answers":
        return Answers(**{**self.as_dict(), **changes})

    _replace = replace


def from_options(params: Mapping[str, Any]) -> Answers:
    """The answers among a command's parameters: each parameter named after an input fact (``red_flags``...)."""
    values: dict[str, Any] = {}
    for fact in INPUTS:
        value = params.get(fact.name)
        values[fact.name] = tuple(value or ()) if fact.kind == "set" else value
    return Answers(**values)


def answers_from_mapping(raw: Any, where: str) -> Answers:
    """Answers written as a mapping (an answers file, a worked case): a key per fact, checked by kind.

    Keys may use hyphens or underscores, in any case; two spellings of one answer are refused (a later
    ``red_flags: []`` must never silently drop an earlier ``red-flags: [saddle-numbness]``).
    """
    if raw is None:
        return Answers()
    if not isinstance(raw, dict):
        raise UsageError(f"{where}: must be a mapping of answers such as 'months: 4'")
    values: dict[str, Any] = {}
    spelled: dict[str, str] = {}
    inputs = {f.name for f in INPUTS}
    for key, value in raw.items():
        field = str(key).strip().lower().replace("-", "_")
        if field not in inputs:
            from backpain_cli.knowledge.conditions import suggest

            hint = suggest(field, sorted(inputs)) or "see docs/answers.md"
            raise UsageError(f"{where}: unknown key '{key}' ({hint})")
        if field in spelled:
            raise UsageError(f"{where}: '{spelled[field]}' and '{key}' are the same answer; keep one of them")
        spelled[field] = str(key)
        values[field] = _answer_value(where, FACTS[field], value)
    return Answers(**values)


def _answer_value(source: str, fact: Fact, value: Any) -> Any:
    where = f"{source}: '{fact.name}'"
    if value is None:
        return () if fact.kind == "set" else None
    if fact.kind == "set":
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise UsageError(f"{where} must be a list of names, e.g. [physio, ibuprofen]")
        return tuple(items)
    if fact.kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise UsageError(f"{where} must be a number, not {value!r}")
        return float(value)
    if fact.kind == "bool":
        if isinstance(value, str) and value.strip().lower() in _UNKNOWN_WORDS:
            return None
        if not isinstance(value, bool):
            raise UsageError(f"{where} must be yes, no or unknown, not {value!r}")
        return value
    if not isinstance(value, str):
        raise UsageError(f"{where} must be text, not {value!r}")
    return value


def merge(base: Answers, override: Answers) -> Answers:
    """``override`` wins where it answers; lists are combined (file answers plus extra options)."""
    changes: dict[str, Any] = {}
    for fact in INPUTS:
        value = getattr(override, fact.name)
        if fact.kind == "set":
            changes[fact.name] = tuple(dict.fromkeys((*getattr(base, fact.name), *value)))
        elif value is not None:
            changes[fact.name] = value
    if override.months is not None or override.weeks is not None:
        # A duration on the command line replaces the file's, whichever unit either used.
        changes["months"], changes["weeks"] = override.months, override.weeks
    return base.replace(**changes)


def build_profile(kb: Knowledge, answers: Answers) -> Profile:
    """Check every answer and build the engine's profile; the first bad answer is a ``UsageError``."""
    if answers.months is not None and answers.weeks is not None:
        raise UsageError("give the duration once: --months or --weeks, not both")
    values: dict[str, Any] = {}
    index = None
    for fact in INPUTS:
        raw = getattr(answers, fact.name)
        if raw is None or raw == ():
            continue
        if fact.kind == "number":
            values[fact.name] = _bounded(raw, fact)
        elif fact.kind == "bool":
            values[fact.name] = raw
        elif fact.kind == "enum":
            values[fact.name] = choose(raw, list(fact.values), f"{fact.option} value")
        elif fact.vocabulary == "treatments":
            if index is None:  # the index of every name and alias is only needed to look names up
                from backpain_cli.knowledge.lookup import NameIndex

                index = NameIndex.build(kb)
            values[fact.name] = frozenset(tid for _, tid in _resolve_names(index, raw))
        elif fact.vocabulary == "red_flags":
            codes = [f.code for f in kb.red_flags]
            hint = "run 'backpain red-flags' to see the codes"
            values[fact.name] = frozenset(choose(c, codes, "red-flag code", hint=hint) for c in _comma_split(raw))
        else:
            values[fact.name] = frozenset(choose(v, list(fact.values), f"{fact.option} value") for v in _comma_split(raw))
    _one_result_each(values)
    return Profile(**values)


def understood(kb: Knowledge, answers: Answers) -> tuple[tuple[str, str], ...]:
    """(what was typed, the option it was read as) for every name that is not plainly that option's own
    id or name, so a person can see that "stretching" was read as physical therapy."""
    from backpain_cli.knowledge.lookup import NameIndex, normalise

    typed = tuple(name for field in RESULTS.values() for name in getattr(answers, field))
    if not typed:
        return ()
    out: dict[str, str] = {}
    for name, tid in _resolve_names(NameIndex.build(kb), typed):
        treatment = kb.treatment(tid)
        if normalise(name) not in (normalise(treatment.id), normalise(treatment.name)):
            out.setdefault(name, treatment.name)
    return tuple(out.items())


def _comma_split(raw: tuple[str, ...]) -> list[str]:
    """People type lists as they write them ("physio, yoga"); an empty part is dropped."""
    return [part.strip() for item in raw for part in item.split(",") if part.strip()]


def _resolve_names(index: Any, raw: tuple[str, ...]) -> list[tuple[str, str]]:
    """(each name as typed, its treatment id). A name with commas is first tried whole (some option
    names contain a comma), then as a list, so "physio,yoga" is two options."""
    found: list[tuple[str, str]] = []
    for name in raw:
        try:
            found.append((name.strip(), index.resolve(name)))
        except UsageError:
            parts = _comma_split((name,))
            if len(parts) < 2:
                raise
            found.extend((part, index.resolve(part)) for part in parts)
    return found


def _one_result_each(values: dict[str, Any]) -> None:
    """One option, one result: it cannot both have helped and not have helped."""
    seen: dict[str, str] = {}
    for field in RESULTS.values():
        for treatment_id in sorted(values.get(field, ())):
            if treatment_id in seen:
                first, second = FACTS[seen[treatment_id]].option, FACTS[field].option
                raise UsageError(f"'{treatment_id}' is given both as {first} and as {second}; keep the one that is true")
            seen[treatment_id] = field


def _bounded(value: float, fact: Fact) -> float:
    if math.isnan(value) or math.isinf(value) or not fact.low <= value <= fact.high:
        raise UsageError(f"{fact.option} must be {fact.example} (between {fact.low:g} and {fact.high:g}), not {value!r}")
    return value + 0.0  # -0.0 becomes 0.0


def choose(typed: str, choices: list[str], what: str, hint: str = "") -> str:
    """Case- and separator-insensitive match against a closed list, with a suggestion when it fails."""
    from backpain_cli.knowledge.conditions import suggest
    from backpain_cli.knowledge.lookup import normalise

    key = normalise(typed)
    for choice in choices:
        if normalise(choice) == key:
            return choice
    shown = "".join(ch if ch.isprintable() else "?" for ch in typed)[:60]
    advice = suggest(key.replace(" ", "-"), choices) or hint or "expected one of: " + ", ".join(choices)
    raise UsageError(f"unknown {what} '{shown}': {advice}")
