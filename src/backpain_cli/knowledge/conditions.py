"""Rule conditions: a closed set of facts and operators, parsed once, evaluated in three-valued logic.

A condition in the knowledge base is structured YAML, never an expression string:
``{pain: {gte: 5}}``, ``{tried: {has_any: [physical-therapy]}}``, ``{all: [...]}``, ``{any: [...]}``,
``{not: ...}`` or ``{condition: some-named-condition}``. Unknown is a third answer (``None``):
a fact the person has not given is unknown, never false.
"""

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from backpain_cli.errors import Problem
from backpain_cli.knowledge.facts import FACTS, Fact, FactKind
from backpain_cli.knowledge.wording import Wording, listed, show

Truth = bool | None  # None is "unknown"

# The token a set condition may use to mean "the treatment this rule belongs to".
SELF = "self"


OPERATORS: dict[FactKind, tuple[str, ...]] = {
    "number": ("eq", "lt", "lte", "gt", "gte", "known"),
    "bool": ("is", "known"),
    "enum": ("is", "in", "known"),
    "set": ("has", "has_any", "has_all", "empty"),
}

# How an operator reads in a trace: "pain score is at least 5".
_OP_WORDS = {
    "eq": "is",
    "lt": "is less than",
    "lte": "is at most",
    "gt": "is more than",
    "gte": "is at least",
    "is": "is",
    "in": "is one of",
    "has": "includes",
    "has_any": "includes any of",
    "has_all": "includes all of",
}


class Check(NamedTuple):
    """One line of a decision trace: what was checked, the answer found, and the outcome."""

    text: str
    result: Truth
    answer: str | None = None
    children: tuple["Check", ...] = ()
    unknown_facts: frozenset[str] = frozenset()
    said: str | None = None  # the answer as the person's own clause, when the question gives one


class Condition:
    """A compiled condition. Subclasses are small and immutable by convention; ``evaluate`` is pure.

    Plain slotted classes rather than dataclasses: every run defines them at start-up, and value
    equality comes from the slots, compared here once for all.
    """

    __slots__: tuple[str, ...] = ()
    _fields: tuple[str, ...] = ()  # every slot, a base class's included: what equality compares
    depth: int  # levels of nesting, named conditions included: checked against MAX_DEPTH when read

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        cls._fields = tuple(f for k in reversed(cls.__mro__) for f in k.__dict__.get("__slots__", ()))

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and all(getattr(self, f) == getattr(other, f) for f in self._fields)

    def __hash__(self) -> int:
        return hash((type(self).__name__, *(getattr(self, f) for f in self._fields)))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(repr(getattr(self, f)) for f in self._fields)})"

    def evaluate(self, facts: "Facts") -> Check:  # pragma: no cover - abstract
        raise NotImplementedError

    def fact_names(self) -> frozenset[str]:  # pragma: no cover - abstract
        raise NotImplementedError

    def describe(self, facts: "Facts") -> str:  # pragma: no cover - abstract
        """The condition in words, using the knowledge base's fact labels."""
        raise NotImplementedError

    def mentions(self, fact: str) -> frozenset[str]:
        """The values this condition names for a set or enum fact, e.g. the warning signs a rule needs."""
        return frozenset().union(*(part.mentions(fact) for part in self._parts()))

    def _parts(self) -> tuple["Condition", ...]:
        return ()


class Facts:
    """What the engine knows about a person: fact name -> value, ``None`` when not given."""

    def __init__(self, values: Mapping[str, Any], self_id: str = "", wording: Wording | None = None):
        self._values = values
        self.self_id = self_id
        self.wording = wording or Wording()

    def get(self, name: str) -> Any:
        return self._values.get(name)

    def for_treatment(self, treatment_id: str) -> "Facts":
        return Facts(self._values, treatment_id, self.wording)

    def label(self, name: str) -> str:
        return self.wording.labels.get(name, name.replace("_", " "))


class FactTest(Condition):
    """``{fact: {op: operand}}``: one operator applied to one fact."""

    __slots__ = ("fact", "op", "operand")
    depth = 1

    def __init__(self, fact: str, op: str, operand: Any) -> None:
        self.fact = fact
        self.op = op
        self.operand = operand

    def fact_names(self) -> frozenset[str]:
        return frozenset({self.fact})

    def mentions(self, fact: str) -> frozenset[str]:
        if fact != self.fact or isinstance(self.operand, bool):
            return frozenset()
        operands = self.operand if isinstance(self.operand, tuple) else (self.operand,)
        return frozenset(o for o in operands if isinstance(o, str))

    def describe(self, facts: Facts) -> str:
        return self.evaluate(Facts({}, facts.self_id, facts.wording)).text

    def evaluate(self, facts: Facts) -> Check:
        value = facts.get(self.fact)
        operand = self.operand
        if isinstance(operand, tuple):
            operand = tuple(facts.self_id if o == SELF else o for o in operand)
        elif operand == SELF:
            operand = facts.self_id
        result = _apply(self.op, value, operand)
        label = facts.label(self.fact)
        sentence = facts.wording.sentence(self.fact, self.op, operand, facts.self_id)
        if sentence is not None:
            text = sentence
        elif self.op == "known":
            text = f"{label} is {'known' if operand else 'not known'}"
        elif self.op == "empty":
            text = f"{label}: {'none' if operand else 'at least one'}"
        else:
            text = f"{label} {_OP_WORDS[self.op]} {show(operand)}"
        unknown = frozenset({self.fact}) if result is None else frozenset()
        # A yes-or-no or one-word answer reads as the person's own clause ("your pain spreads ...").
        said = facts.wording.sentence(self.fact, "is", value, facts.self_id) if isinstance(value, bool | str) else None
        return Check(text, result, show(value), unknown_facts=unknown, said=said)


def _apply(op: str, value: Any, operand: Any) -> Truth:
    if op == "known":
        return bool((value is not None) == operand)
    if value is None:
        return None
    if op == "empty":
        return bool((len(value) == 0) == operand)
    if op == "has":
        return bool(operand in value)
    if op == "has_any":
        return any(o in value for o in operand)
    if op == "has_all":
        return all(o in value for o in operand)
    if op == "in":
        return bool(value in operand)
    comparisons: dict[str, Callable[[Any, Any], bool]] = {
        "eq": lambda a, b: a == b,
        "is": lambda a, b: a == b,
        "lt": lambda a, b: a < b,
        "lte": lambda a, b: a <= b,
        "gt": lambda a, b: a > b,
        "gte": lambda a, b: a >= b,
    }
    return bool(comparisons[op](value, operand))


class _Several(Condition):
    """A condition over several parts (``AllOf``, ``AnyOf``)."""

    __slots__ = ("depth", "parts")

    def __init__(self, parts: tuple[Condition, ...]) -> None:
        self.parts = parts
        self.depth = 1 + max(p.depth for p in parts)

    def fact_names(self) -> frozenset[str]:
        return frozenset().union(*(p.fact_names() for p in self.parts))

    def _parts(self) -> tuple[Condition, ...]:
        return self.parts


class AllOf(_Several):
    """Every part holds. False beats unknown; unknown beats true."""

    __slots__ = ()

    def describe(self, facts: Facts) -> str:
        return listed([p.describe(facts) for p in self.parts], "and")

    def evaluate(self, facts: Facts) -> Check:
        checks = tuple(p.evaluate(facts) for p in self.parts)
        results = [c.result for c in checks]
        result: Truth = False if False in results else (None if None in results else True)
        return Check("all of these hold", result, children=checks, unknown_facts=_unknowns(checks, result))


class AnyOf(_Several):
    """At least one part holds. True beats unknown; unknown beats false."""

    __slots__ = ()

    def describe(self, facts: Facts) -> str:
        return "either " + listed([p.describe(facts) for p in self.parts], "or")

    def evaluate(self, facts: Facts) -> Check:
        checks = tuple(p.evaluate(facts) for p in self.parts)
        results = [c.result for c in checks]
        result: Truth = True if True in results else (None if None in results else False)
        return Check("any of these holds", result, children=checks, unknown_facts=_unknowns(checks, result))


class Not(Condition):
    """The part does not hold; unknown stays unknown."""

    __slots__ = ("depth", "part")

    def __init__(self, part: Condition) -> None:
        self.part = part
        self.depth = 1 + part.depth

    def fact_names(self) -> frozenset[str]:
        return self.part.fact_names()

    def _parts(self) -> tuple[Condition, ...]:
        return (self.part,)

    def describe(self, facts: Facts) -> str:
        return f"it is not true that {self.part.describe(facts)}"

    def evaluate(self, facts: Facts) -> Check:
        inner = self.part.evaluate(facts)
        result = None if inner.result is None else not inner.result
        return Check("not:", result, children=(inner,), unknown_facts=inner.unknown_facts)


class Named(Condition):
    """A reference to a named condition from the knowledge base's ``conditions`` section."""

    __slots__ = ("body", "depth", "description", "name")

    def __init__(self, name: str, description: str, body: Condition) -> None:
        self.name = name
        self.description = description
        self.body = body
        self.depth = 1 + body.depth

    def fact_names(self) -> frozenset[str]:
        return self.body.fact_names()

    def _parts(self) -> tuple[Condition, ...]:
        return (self.body,)

    def describe(self, facts: Facts) -> str:
        return self.description

    def evaluate(self, facts: Facts) -> Check:
        inner = self.body.evaluate(facts)
        return Check(self.description, inner.result, children=(inner,), unknown_facts=inner.unknown_facts)


def _unknowns(checks: tuple[Check, ...], result: Truth) -> frozenset[str]:
    # Only an unknown outcome owes its unknown-ness to missing facts; a decided one does not.
    if result is not None:
        return frozenset()
    return frozenset().union(*(c.unknown_facts for c in checks if c.result is None))


# Far more than any real rule needs, far below Python's recursion limit: evaluating, explaining and
# caching a condition all walk it recursively, so a deeper one is refused when the file is read.
MAX_DEPTH = 32


class ConditionParser:
    """Compiles YAML conditions, collecting every problem with its YAML path instead of stopping."""

    def __init__(
        self,
        vocabularies: Mapping[str, frozenset[str]],
        named: Mapping[str, Any],
        problems: list[Problem],
    ) -> None:
        self._vocabularies = vocabularies
        self._named_raw = named
        self._named: dict[str, Named] = {}
        self._resolving: list[str] = []
        self._problems = problems

    def named(self, name: str, path: str, level: int = 1) -> Condition | None:
        """Compile a named condition once, rejecting cycles between named conditions."""
        if name in self._named:
            return self._deep_enough(self._named[name], path, level)
        raw = self._named_raw.get(name)
        if raw is None:
            self._problem(path, f"unknown condition '{name}'", name, self._named_raw.keys())
            return None
        if name in self._resolving:
            cycle = " -> ".join([*self._resolving[self._resolving.index(name) :], name])
            self._problems.append(Problem(path, f"circular condition: {cycle}", "break the loop"))
            return None
        if not isinstance(raw, Mapping) or "when" not in raw or "description" not in raw:
            # The loader reports the shape; nothing to compile here.
            return None
        if len(self._resolving) >= MAX_DEPTH:
            self._problems.append(Problem(path, f"a chain of more than {MAX_DEPTH} named conditions", "use fewer steps"))
            return None
        self._resolving.append(name)
        try:
            body = self.parse(raw["when"], f"conditions.{name}.when")
        finally:
            self._resolving.pop()
        if body is None:
            return None
        compiled = Named(name, str(raw["description"]), body)
        self._named[name] = compiled
        return self._deep_enough(compiled, path, level)

    def _deep_enough(self, condition: Condition, path: str, level: int) -> Condition | None:
        if level - 1 + condition.depth > MAX_DEPTH:
            self._problems.append(Problem(path, f"conditions nest more than {MAX_DEPTH} levels deep", "simplify the condition"))
            return None
        return condition

    def parse(self, raw: Any, path: str, level: int = 1) -> Condition | None:
        """Compile one condition; ``None`` when it is invalid (the problem is recorded)."""
        if level > MAX_DEPTH:  # checked on the way down: never recurse as deep as the file asks
            self._problems.append(Problem(path, f"conditions nest more than {MAX_DEPTH} levels deep", "simplify the condition"))
            return None
        if not isinstance(raw, Mapping) or len(raw) != 1:
            self._problems.append(Problem(path, "a condition must be a mapping with exactly one key", "e.g. {pain: {gte: 5}}"))
            return None
        ((key, value),) = raw.items()
        if key in ("all", "any"):
            if not isinstance(value, list) or not value:
                self._problems.append(Problem(f"{path}.{key}", f"'{key}' needs a non-empty list of conditions"))
                return None
            parts = [self.parse(item, f"{path}.{key}[{i}]", level + 1) for i, item in enumerate(value)]
            if any(p is None for p in parts):
                return None
            compiled = tuple(p for p in parts if p is not None)
            return AllOf(compiled) if key == "all" else AnyOf(compiled)
        if key == "not":
            part = self.parse(value, f"{path}.not", level + 1)
            return None if part is None else Not(part)
        if key == "condition":
            if not isinstance(value, str):
                self._problems.append(Problem(f"{path}.condition", "must name a condition"))
                return None
            return self.named(value, f"{path}.condition", level)
        spec = FACTS.get(str(key))
        if spec is None:
            self._problem(path, f"unknown fact or keyword '{key}'", str(key), [*FACTS, "all", "any", "not", "condition"])
            return None
        return self._fact_test(spec, value, f"{path}.{key}")

    def _fact_test(self, spec: Fact, ops: Any, path: str) -> Condition | None:
        if not isinstance(ops, Mapping) or not ops:
            self._problems.append(Problem(path, f"'{spec.name}' needs operators", "e.g. {gte: 5}"))
            return None
        tests: list[Condition] = []
        for op, operand in ops.items():
            allowed = OPERATORS[spec.kind]
            if op not in allowed:
                self._problem(f"{path}.{op}", f"unknown operator '{op}' for {spec.kind} fact '{spec.name}'", str(op), allowed)
                continue
            checked = self._operand(spec, str(op), operand, f"{path}.{op}")
            if checked is not _INVALID:
                tests.append(FactTest(spec.name, str(op), checked))
        if len(tests) != len(ops):
            return None
        return tests[0] if len(tests) == 1 else AllOf(tuple(tests))

    def _operand(self, spec: Fact, op: str, operand: Any, path: str) -> Any:
        if op in ("known", "empty"):
            return operand if isinstance(operand, bool) else self._bad(path, "must be true or false")
        if spec.kind == "number":
            if isinstance(operand, bool) or not isinstance(operand, int | float):
                return self._bad(path, "must be a number")
            return operand
        if spec.kind == "bool":
            return operand if isinstance(operand, bool) else self._bad(path, "must be true or false")
        if spec.kind == "enum":
            values = operand if op == "in" else [operand]
            if op == "in" and (not isinstance(operand, list) or not operand):
                return self._bad(path, "must be a non-empty list")
            for v in values:
                if v not in spec.values:
                    self._problem(path, f"'{v}' is not a value of '{spec.name}'", str(v), spec.values)
                    return _INVALID
            return tuple(values) if op == "in" else operand
        # sets
        vocabulary = self._vocabularies.get(spec.vocabulary, frozenset(spec.values))
        allow_self = spec.vocabulary == "treatments"
        items = operand if op in ("has_any", "has_all") else [operand]
        if op in ("has_any", "has_all") and (not isinstance(operand, list) or not operand):
            return self._bad(path, "must be a non-empty list")
        for item in items:
            if not isinstance(item, str) or (item not in vocabulary and not (allow_self and item == SELF)):
                self._problem(path, f"'{item}' is not a known {spec.vocabulary.replace('_', ' ')} id", str(item), vocabulary)
                return _INVALID
        return tuple(items) if op in ("has_any", "has_all") else operand

    def _bad(self, path: str, message: str) -> object:
        self._problems.append(Problem(path, message))
        return _INVALID

    def _problem(self, path: str, message: str, got: str, choices: Any) -> None:
        self._problems.append(Problem(path, message, suggest(got, choices)))


_INVALID = object()


def suggest(got: str, choices: Any) -> str:
    """A 'did you mean' hint, or the list of choices when nothing is close."""
    options = sorted(str(c) for c in choices)
    import difflib  # only when a name is wrong: keep it off the start-up path

    close = difflib.get_close_matches(str(got), options, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    if len(options) <= 12:
        return "expected one of: " + ", ".join(options)
    return ""
