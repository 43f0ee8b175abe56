"""The fact registry: every answer a person can give, and every fact the rules can ask about, declared once.

From this one table come the rule language's vocabulary, the profile and the answers (what they may
hold and how each value is checked), answers files, the guided walk's kinds of question, how an
answer shows in a saved plan and in JSON, and the command line's options (written out in the CLI
module as its interface, with a test that they match). The wording of each question lives in the
knowledge base's ``questions``; the walk's order and when to ask come from its ``walk`` list.

Adding a fact: one entry here, one option in the pathway command, one question in the YAML.
"""

from collections.abc import Iterable, Mapping
from typing import Any, Literal, NamedTuple

FactKind = Literal["number", "bool", "enum", "set"]

MAX_MONTHS = 1200.0  # 100 years: anything longer is a typo
MAX_WEEKS = MAX_MONTHS * 52 / 12


class Fact(NamedTuple):
    """One fact. ``option`` is the command-line option that answers it; derived facts have none."""

    name: str
    kind: FactKind
    values: tuple[str, ...] = ()  # enums (and the closed ``avoid`` set): the allowed values
    vocabulary: str = ""  # sets: "treatments", "red_flags" or "avoid"
    option: str = ""
    low: float = 0.0  # numbers: the allowed range, and an example for error messages
    high: float = 0.0
    example: str = ""
    unit: str = ""  # numbers: shown after the value in a plan ("out of 10")
    derived: bool = False  # worked out by the engine, never answered directly


FACTS: dict[str, Fact] = {
    fact.name: fact
    for fact in (
        Fact("weeks", "number", option="--weeks", high=MAX_WEEKS, example="a number of weeks, e.g. --weeks 6"),
        Fact("months", "number", option="--months", high=MAX_MONTHS, example="a number of months, e.g. --months 4"),
        Fact("stage", "enum", ("acute", "subacute", "chronic"), derived=True),
        Fact("leg_pain", "bool", option="--leg-pain"),
        Fact("pain", "number", option="--pain", high=10, example="a score from 0 to 10, e.g. --pain 6", unit="out of 10"),
        Fact("imaging_match", "bool", option="--imaging-match"),
        Fact("neuropathic", "bool", option="--neuropathic"),
        Fact("claudication", "bool", option="--claudication"),
        Fact("medial_branch_block", "enum", ("positive", "negative", "not-done"), option="--medial-branch-block"),
        Fact("risk", "enum", ("low", "medium", "high"), option="--risk"),
        Fact("guideline", "enum", ("default", "nice", "acp", "who"), option="--guideline"),
        Fact(
            "programme_weeks",
            "number",
            option="--programme-weeks",
            high=MAX_WEEKS,
            example="a number of weeks, e.g. --programme-weeks 8",
            unit="weeks",
        ),
        # As an answer: tried and it did not help. As a fact the rules ask about: tried without enough
        # relief, whatever the reason (did not help, helped a little, or side effects).
        Fact("tried", "set", vocabulary="treatments", option="--tried"),
        Fact("helped", "set", vocabulary="treatments", option="--helped"),  # helped enough
        Fact("helped_a_little", "set", vocabulary="treatments", option="--helped-a-little"),
        Fact("side_effects", "set", vocabulary="treatments", option="--side-effects"),
        Fact("red_flags", "set", vocabulary="red_flags", option="--red-flag"),
        Fact("avoid", "set", ("medication", "injections", "surgery"), vocabulary="avoid", option="--avoid"),
    )
}
INPUTS: tuple[Fact, ...] = tuple(f for f in FACTS.values() if not f.derived)
# What a person can say of an option they tried, and the answer (a set fact) that holds it.
RESULTS: dict[str, str] = {"helped": "helped", "some": "helped_a_little", "no-help": "tried", "side-effects": "side_effects"}


def empty_value(fact: Fact) -> Any:
    """What an unanswered fact holds: nothing for a set, unknown (None) for the rest."""
    return frozenset() if fact.kind == "set" else None


class FactValues:
    """An immutable answer per input fact, read as attributes (``values.pain``). Unknown names are errors."""

    __slots__ = ("_values",)
    _empty: tuple[tuple[str, Any], ...] = tuple((f.name, empty_value(f)) for f in INPUTS)
    _values: dict[str, Any]

    def __init__(self, **values: Any) -> None:
        unknown = sorted(set(values) - {f.name for f in INPUTS})
        if unknown:
            raise TypeError(f"{type(self).__name__} has no fact {unknown[0]!r}")
        merged = dict(self._empty)
        merged.update(values)
        object.__setattr__(self, "_values", merged)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def replace(self, **changes: Any) -> "FactValues":
        return type(self)(**{**self._values, **changes})

    def as_dict(self) -> dict[str, Any]:
        return dict(self._values)

    def items(self) -> Iterable[tuple[str, Any]]:
        return self._values.items()

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and isinstance(other, FactValues) and self._values == other._values

    def __hash__(self) -> int:
        return hash(tuple((k, v if not isinstance(v, list) else tuple(v)) for k, v in sorted(self._values.items())))

    def __repr__(self) -> str:
        given = ", ".join(f"{k}={v!r}" for k, v in self._values.items() if v not in (None, frozenset(), ()))
        return f"{type(self).__name__}({given})"


def given(values: Mapping[str, Any]) -> dict[str, Any]:
    """Only the answered facts."""
    return {name: value for name, value in values.items() if value not in (None, frozenset(), (), "")}
