"""How rule conditions read to a person: plain clauses from the questions' ``says`` sentences."""

from collections.abc import Callable, Mapping
from typing import Any


class Wording:
    """How conditions read to a person: each fact's label, and the sentences its question gives for
    each test (``says``: "yes", "no", a value, "gte", "has"...), with ``{value}`` filled in.

    A test with no sentence falls back to "label operator value"; tests/test_views.py keeps that out of
    every rule a person can read in the shipped knowledge base.
    """

    __slots__ = ("labels", "name_of", "says")

    def __init__(
        self,
        labels: Mapping[str, str] | None = None,
        says: Mapping[str, Mapping[str, str]] | None = None,
        name_of: Callable[[str], str] | None = None,
    ) -> None:
        self.labels = labels or {}
        self.says = says or {}
        self.name_of = name_of or (lambda value: value)

    def sentence(self, fact: str, op: str, operand: Any, self_id: str) -> str | None:
        """The test as a plain clause ("your pain spreads below the knee"), or None when the
        question gives no sentence for it."""
        says = self.says.get(fact)
        if not says:
            return None
        operands = operand if isinstance(operand, tuple) else (operand,)
        if op in ("is", "eq") and isinstance(operand, bool):
            return says.get("yes" if operand else "no")
        if op == "known":
            return says.get("known" if operand else "unknown")
        if op == "empty":
            return says.get("none" if operand else "some")
        if op in ("is", "in") and all(isinstance(o, str) for o in operands):
            clauses = [says.get(o) for o in operands]
            return None if None in clauses else " or ".join(c for c in clauses if c)
        template = says.get("has" if op.startswith("has") else op)
        if template is None:
            return None
        names = ["this option" if o == self_id else self.name_of(str(o)) for o in operands]
        value = (" and " if op == "has_all" else " or ").join(names) if op.startswith("has") else show(operand)
        return template.replace("{value}", value)


def listed(clauses: list[str], joiner: str) -> str:
    """ "a, b and c": how a sentence lists clauses."""
    return clauses[0] if len(clauses) == 1 else f"{', '.join(clauses[:-1])} {joiner} {clauses[-1]}"


def show(value: Any) -> str:
    if value is None:
        return "not given"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, frozenset | set | tuple | list):
        return ", ".join(sorted(str(v) for v in value)) or "none"
    return str(value)
