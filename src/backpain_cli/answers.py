"""A person's answers, from options, an answers file or the guided walk, checked and turned into a Profile.

All three routes meet in ``Answers``, so every answer is validated by the same code with the same
messages, whichever way it came in.
"""

import math
from pathlib import Path
from typing import Any, NamedTuple

from backpain_cli.conditions import FACTS
from backpain_cli.engine import Profile
from backpain_cli.errors import KnowledgeBaseError, UsageError
from backpain_cli.model import Knowledge

MAX_MONTHS = 1200.0  # 100 years: anything longer is a typo
MAX_WEEKS = MAX_MONTHS * 52 / 12
MAX_ANSWERS_BYTES = 1024 * 1024  # an answers file is a few lines; refuse anything this large
# The closed answer lists are the rule language's own vocabulary: one definition, in conditions.FACTS.
BLOCK_RESULTS = FACTS["medial_branch_block"].values
AVOIDABLE = FACTS["avoid"].values


class Answers(NamedTuple):
    """What a person said, as they said it (names not yet resolved). ``None``: not answered."""

    months: float | None = None
    weeks: float | None = None
    leg_pain: bool | None = None
    pain: float | None = None
    programme_weeks: float | None = None
    tried: tuple[str, ...] = ()
    helped: tuple[str, ...] = ()
    helped_a_little: tuple[str, ...] = ()
    side_effects: tuple[str, ...] = ()
    red_flags: tuple[str, ...] = ()
    imaging_match: bool | None = None
    neuropathic: bool | None = None
    claudication: bool | None = None
    medial_branch_block: str | None = None
    risk: str | None = None
    avoid: tuple[str, ...] = ()
    guideline: str | None = None


# What a person said of what they tried: the option's name, then the words options and files use for it.
RESULT_LISTS: dict[str, tuple[str, str]] = {
    "helped": ("helped", "--helped"),
    "helped_a_little": ("some", "--helped-a-little"),
    "tried": ("no-help", "--tried"),
    "side_effects": ("side-effects", "--side-effects"),
}
_LISTS = (*RESULT_LISTS, "red_flags", "avoid")
_NUMBERS = ("months", "weeks", "pain", "programme_weeks")
_BOOLS = ("leg_pain", "imaging_match", "neuropathic", "claudication")
_TEXTS = ("medial_branch_block", "risk", "guideline")
ANSWER_KEYS = Answers._fields


def merge(base: Answers, override: Answers) -> Answers:
    """``override`` wins where it answers; lists are combined (file answers plus extra options)."""
    changes: dict[str, Any] = {}
    for name in ANSWER_KEYS:
        value = getattr(override, name)
        if name in _LISTS:
            changes[name] = tuple(dict.fromkeys((*getattr(base, name), *value)))
        elif value is not None:
            changes[name] = value
    if override.months is not None or override.weeks is not None:
        # A duration on the command line replaces the file's, whichever unit either used.
        changes["months"], changes["weeks"] = override.months, override.weeks
    return base._replace(**changes)


def load_answers(path: Path) -> Answers:
    """Read an answers file (YAML, the keys of ``Answers``), validated like the knowledge base."""
    from backpain_cli import knowledge

    name = str(path)
    try:
        raw = knowledge.parse_yaml(knowledge.decode(knowledge.read_bytes(path, limit=MAX_ANSWERS_BYTES), name), name)
    except KnowledgeBaseError as error:
        raise UsageError(f"answers file {error}") from None
    if raw is None:
        return Answers()
    if not isinstance(raw, dict):
        raise UsageError(f"answers file {name}: must be a mapping of answers such as 'months: 4'")
    values: dict[str, Any] = {}
    for key, value in raw.items():
        field = str(key).replace("-", "_")
        if field not in ANSWER_KEYS:
            from backpain_cli.conditions import suggest

            hint = suggest(field, ANSWER_KEYS) or "see docs/answers.md"
            raise UsageError(f"answers file {name}: unknown key '{key}' ({hint})")
        values[field] = _answer_value(name, field, value)
    return Answers(**values)


def _answer_value(name: str, field: str, value: Any) -> Any:
    where = f"answers file {name}: '{field}'"
    if value is None:
        return () if field in _LISTS else None
    if field in _LISTS:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise UsageError(f"{where} must be a list of names, e.g. [physio, ibuprofen]")
        return tuple(items)
    if field in _NUMBERS:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise UsageError(f"{where} must be a number, not {value!r}")
        return float(value)
    if field in _BOOLS:
        if isinstance(value, str) and value.strip().lower() in ("unknown", "don't know", "dont know", "skip"):
            return None
        if not isinstance(value, bool):
            raise UsageError(f"{where} must be yes, no or unknown, not {value!r}")
        return value
    if not isinstance(value, str):
        raise UsageError(f"{where} must be text, not {value!r}")
    return value


def build_profile(kb: Knowledge, answers: Answers) -> Profile:
    """Check every answer and build the engine's profile; the first bad answer is a ``UsageError``."""
    if answers.months is not None and answers.weeks is not None:
        raise UsageError("give the duration once: --months or --weeks, not both")
    months = _bounded(answers.months, "--months", 0, MAX_MONTHS, "a number of months, e.g. --months 4")
    weeks = _bounded(answers.weeks, "--weeks", 0, MAX_WEEKS, "a number of weeks, e.g. --weeks 6")
    pain = _bounded(answers.pain, "--pain", 0, 10, "a score from 0 to 10, e.g. --pain 6")
    programme_weeks = _bounded(answers.programme_weeks, "--programme-weeks", 0, MAX_WEEKS, "a number of weeks, e.g. --programme-weeks 8")
    results = _results(kb, answers)
    codes = [f.code for f in kb.red_flags]
    block = answers.medial_branch_block
    return Profile(
        weeks=weeks,
        months=months,
        leg_pain=answers.leg_pain,
        pain=pain,
        imaging_match=answers.imaging_match,
        neuropathic=answers.neuropathic,
        claudication=answers.claudication,
        medial_branch_block=None if block is None else choose(block, list(BLOCK_RESULTS), "--medial-branch-block value"),
        risk=None if answers.risk is None else choose(answers.risk, list(kb.risk_groups), "--risk group"),
        programme_weeks=programme_weeks,
        tried=results["tried"],
        helped=results["helped"],
        helped_a_little=results["helped_a_little"],
        side_effects=results["side_effects"],
        red_flags=frozenset(choose(c, codes, "red-flag code", hint="run 'backpain red-flags' to see the codes") for c in answers.red_flags),
        avoid=frozenset(choose(a, list(AVOIDABLE), "--avoid value") for a in answers.avoid),
        guideline="default" if answers.guideline is None else choose(answers.guideline, list(kb.guideline_modes), "--guideline"),
    )


def _results(kb: Knowledge, answers: Answers) -> dict[str, frozenset[str]]:
    """Each list of names resolved to ids; one option may have only one result."""
    from backpain_cli.lookup import NameIndex

    given = {field: getattr(answers, field) for field in RESULT_LISTS}
    if not any(given.values()):  # the index of every name and alias is only needed to look names up
        return {field: frozenset() for field in RESULT_LISTS}
    index = NameIndex.build(kb)
    resolved = {field: frozenset(index.resolve(name) for name in names) for field, names in given.items()}
    seen: dict[str, str] = {}
    for field, ids in resolved.items():
        for treatment_id in sorted(ids):
            if treatment_id in seen:
                first, second = RESULT_LISTS[seen[treatment_id]][1], RESULT_LISTS[field][1]
                raise UsageError(f"'{treatment_id}' is given both as {first} and as {second}; keep the one that is true")
            seen[treatment_id] = field
    return resolved


def _bounded(value: float | None, option: str, low: float, high: float, example: str) -> float | None:
    if value is None:
        return None
    if math.isnan(value) or math.isinf(value) or not low <= value <= high:
        raise UsageError(f"{option} must be {example} (between {low:g} and {high:g}), not {value!r}")
    return value + 0.0  # -0.0 becomes 0.0


def choose(typed: str, choices: list[str], what: str, hint: str = "") -> str:
    """Case- and separator-insensitive match against a closed list, with a suggestion when it fails."""
    from backpain_cli.conditions import suggest
    from backpain_cli.lookup import normalise

    key = normalise(typed)
    for choice in choices:
        if normalise(choice) == key:
            return choice
    shown = "".join(ch if ch.isprintable() else "?" for ch in typed)[:60]
    advice = suggest(key.replace(" ", "-"), choices) or hint or "expected one of: " + ", ".join(choices)
    raise UsageError(f"unknown {what} '{shown}': {advice}")
