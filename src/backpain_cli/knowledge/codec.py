"""The cache's format: a validated model as JSON, and back into the model's own types, checked.

An entry is data, never code. ``decode`` rebuilds the model from the annotations of its classes
(records, ``Literal``, ``X | None``, tuples, frozensets of text, dicts, dates as ISO text) and from a
small tagged form of conditions checked against the rule language's facts and operators. Any shape,
type or value the model cannot hold raises, and the cache treats it as a miss.

Layout: ``[FORMAT, named, knowledge]``. A record (``NamedTuple``) is the array of its fields in
order; a condition is ``["fact", fact, op, operand]``, ``["all", [...]]``, ``["any", [...]]``,
``["not", c]`` or ``["ref", name]``, and each named condition is written once in ``named`` (name ->
``[description, condition]``): the model shares one object per name, and so does the decoded one.
``by_id`` is not written; it is rebuilt from the treatments, as the loader builds it.

Imported only to read or write an entry: shell completion never needs it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from types import UnionType
from typing import Any, ForwardRef, Literal, Union, get_args, get_origin, get_type_hints

from backpain_cli.knowledge import conditions as c
from backpain_cli.knowledge.facts import FACTS, Fact
from backpain_cli.knowledge.model import Knowledge

FORMAT = 1
_Plan = Callable[[Any], Any]  # JSON value -> model value, or raises


class Invalid(Exception):
    """A value the model cannot hold."""


def encode(knowledge: Knowledge) -> bytes:
    """The model as compact UTF-8 JSON; raises ``TypeError`` or ``ValueError`` for anything it cannot
    write faithfully (then nothing is stored)."""
    import json  # only on a miss, which has just parsed YAML: a warm run never pays for it

    if knowledge.by_id != {t.id: t for t in knowledge.treatments}:
        raise ValueError("by_id is not the treatments by id")
    named: dict[str, list[Any]] = {}
    shared: dict[str, c.Named] = {}

    def tagged(condition: c.Condition) -> list[Any]:
        if isinstance(condition, c.Named):
            if condition.name not in shared:
                shared[condition.name] = condition
                named[condition.name] = [condition.description, tagged(condition.body)]
            elif shared[condition.name] != condition:
                raise ValueError(f"two conditions named {condition.name!r}")
            return ["ref", condition.name]
        if isinstance(condition, c.FactTest):
            return ["fact", condition.fact, condition.op, condition.operand]
        if isinstance(condition, c.AllOf | c.AnyOf):
            return ["all" if isinstance(condition, c.AllOf) else "any", [tagged(part) for part in condition.parts]]
        if isinstance(condition, c.Not):
            return ["not", tagged(condition.part)]
        raise TypeError(f"no tag for {type(condition).__name__}")

    def default(value: object) -> object:
        if isinstance(value, c.Condition):
            return tagged(value)
        if isinstance(value, frozenset):
            return sorted(value)
        if type(value) is dt.date:  # not a datetime, which would not come back as a date
            return value.isoformat()
        raise TypeError(f"cannot store {type(value).__name__}")

    def dumps(value: object) -> str:
        return json.dumps(value, default=default, ensure_ascii=False, allow_nan=False, separators=(",", ":"))

    model = dumps(knowledge._replace(by_id={}))  # first: it fills ``named``
    return f"[{FORMAT},{dumps(named)},{model}]".encode()


def decode(body: bytes) -> Knowledge:
    """The model from ``encode``'s bytes; raises on anything else (``Invalid``, or whatever a damaged
    body makes the parser raise: callers treat every exception as a miss)."""
    document = _parse(body.decode())
    if type(document) is not list or len(document) != 3 or type(document[0]) is not int or document[0] != FORMAT:
        raise Invalid("not this format")
    knowledge: Knowledge = _Decoder(document[1]).plan(Knowledge)(document[2])
    return knowledge._replace(by_id={t.id: t for t in knowledge.treatments})


class _Strict:
    """What the C JSON scanner reads from its context: json's defaults, but no NaN or Infinity."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int

    @staticmethod
    def parse_constant(name: str) -> Any:
        raise Invalid(name)


def _parse(text: str) -> Any:
    """JSON with the C scanner alone: importing ``json`` compiles its regular expressions, ~4 ms a run."""
    try:
        from _json import make_scanner
    except ImportError:  # pragma: no cover - other Pythons
        import json

        return json.loads(text, parse_constant=_Strict.parse_constant)
    value, end = make_scanner(_Strict)(text, 0)  # type: ignore[arg-type]  # any object with these attributes
    if end != len(text):
        raise Invalid("trailing data")
    return value


class _Decoder:
    """Decoders built from the model's annotations, once per class; conditions from the named table."""

    def __init__(self, named: Any) -> None:
        if type(named) is not dict:
            raise Invalid("named")
        self._named_raw: dict[str, Any] = named
        self._named: dict[str, c.Named] = {}
        self._resolving: set[str] = set()
        self._plans: dict[Any, _Plan] = {}

    def plan(self, hint: Any) -> _Plan:
        found = self._plans.get(hint)
        if found is None:
            found = self._plans[hint] = self._build(hint)
        return found

    def _build(self, hint: Any) -> _Plan:
        if hint in _SIMPLE:
            return _SIMPLE[hint]
        if hint is c.Condition:
            return self.condition
        if isinstance(hint, type) and issubclass(hint, tuple) and hasattr(hint, "_fields"):
            return self._record(hint)
        origin, args = get_origin(hint), get_args(hint)
        inner = _optional(hint)
        if inner is not None:
            plan = self.plan(inner)
            return lambda value: None if value is None else plan(value)
        if origin is Literal and all(type(a) is str for a in args):
            return _one_of(frozenset(args))
        if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
            if args[0] is str:
                return _texts
            item = self.plan(args[0])
            return lambda value: tuple(map(item, _array(value)))
        if origin is tuple:
            return _fixed(tuple(self.plan(a) for a in args))
        if origin is frozenset and args == (str,):
            return lambda value: frozenset(_texts(value))
        if origin is dict and args[0] is str:
            return _dict_of(self.plan(args[1]))
        raise TypeError(f"no decoder for {hint!r}")  # the model grew a type: teach it here (the tests catch it)

    def _record(self, cls: type) -> _Plan:
        """A ``NamedTuple`` from the array of its fields. Most fields are text, flags, choices or tuples of
        text: checked inline, by kind, rather than by a call a field, which halves a warm run's decoding."""
        hints: dict[str, Any] = cls.__annotations__  # the model's are evaluated already (no lazy annotations)
        if any(isinstance(hint, str | ForwardRef) for hint in hints.values()):
            hints = get_type_hints(cls)
        exact: list[tuple[int, type]] = []  # str, bool: exactly that type
        maybe_text: list[int] = []  # str | None
        choices: list[tuple[int, frozenset[str]]] = []  # Literal["a", "b"]: only those strings are in the set
        texts: list[int] = []  # tuple[str, ...]
        maybe: list[tuple[int, _Plan]] = []  # X | None
        others: list[tuple[int, _Plan]] = []
        fields: tuple[str, ...] = cls._fields  # type: ignore[attr-defined]
        for i, name in enumerate(fields):  # most fields are text: the cheapest tests first
            hint = hints[name]
            if hint is str or hint is bool:
                exact.append((i, hint))
            elif hint == _TEXTS:
                texts.append(i)
            elif (inner := _optional(hint)) is str:
                maybe_text.append(i)
            elif inner is not None:
                maybe.append((i, self.plan(inner)))
            elif get_origin(hint) is Literal and all(type(a) is str for a in get_args(hint)):
                choices.append((i, frozenset(get_args(hint))))
            else:
                others.append((i, self.plan(hint)))
        size, new, kind = len(fields), tuple.__new__, cls.__name__

        def decode(value: Any) -> Any:
            if type(value) is not list or len(value) != size:
                raise Invalid(kind)
            for i, expected in exact:
                if type(value[i]) is not expected:
                    raise Invalid(kind)
            for i in maybe_text:
                if value[i] is not None and type(value[i]) is not str:
                    raise Invalid(kind)
            for i, allowed in choices:
                if value[i] not in allowed:  # a list raises TypeError: a miss as well
                    raise Invalid(kind)
            for i in texts:
                items = value[i]
                if type(items) is not list or not _ONLY_TEXT.issuperset(map(type, items)):
                    raise Invalid(kind)
                value[i] = tuple(items)
            for i, plan in maybe:
                if value[i] is not None:
                    value[i] = plan(value[i])
            for i, plan in others:
                value[i] = plan(value[i])
            return new(cls, value)

        return decode

    def condition(self, value: Any) -> c.Condition:
        """A condition from its tag, checked against the rule language's facts and operators."""
        if type(value) is not list or len(value) < 2:
            raise Invalid("condition")
        tag = value[0]
        if tag == "ref" and len(value) == 2:
            return self._reference(value[1])
        if tag == "fact" and len(value) == 4:
            fact = FACTS.get(value[1]) if type(value[1]) is str else None
            if fact is None or type(value[2]) is not str or value[2] not in c.OPERATORS[fact.kind]:
                raise Invalid("unknown fact or operator")
            return c.FactTest(fact.name, value[2], _operand(fact, value[2], value[3]))
        if tag in ("all", "any") and len(value) == 2 and _array(value[1]):
            parts = tuple(map(self.condition, value[1]))
            return c.AllOf(parts) if tag == "all" else c.AnyOf(parts)
        if tag == "not" and len(value) == 2:
            return c.Not(self.condition(value[1]))
        raise Invalid("unknown condition tag")

    def _reference(self, name: Any) -> c.Named:
        if type(name) is not str:
            raise Invalid("reference")
        found = self._named.get(name)
        if found is not None:
            return found
        entry = self._named_raw.get(name)
        if name in self._resolving or type(entry) is not list or len(entry) != 2 or type(entry[0]) is not str:
            raise Invalid("reference")  # unknown, malformed, or a loop
        self._resolving.add(name)
        found = self._named[name] = c.Named(name, entry[0], self.condition(entry[1]))
        return found


def _operand(fact: Fact, op: str, operand: Any) -> Any:
    """An operand of the type the condition parser gives this operator on this kind of fact."""
    if op in ("known", "empty") or fact.kind == "bool":
        return _flag(operand)
    if fact.kind == "number":
        return _number(operand)
    several = op in ("in", "has_any", "has_all")
    values = _texts(operand) if several else (_text(operand),)
    if not values or (fact.kind == "enum" and not set(values) <= set(fact.values)):
        raise Invalid("operand")
    return values if several else values[0]


_TEXTS = tuple[str, ...]


def _optional(hint: Any) -> Any:
    """``X`` for ``X | None`` (or ``Optional[X]``), else ``None``."""
    if type(hint) is not UnionType and get_origin(hint) is not Union:
        return None
    args = get_args(hint)
    if len(args) == 2 and type(None) in args:
        return args[0] if args[1] is type(None) else args[1]
    return None


def _text(value: Any) -> str:
    if type(value) is not str:
        raise Invalid(value)
    return value


def _integer(value: Any) -> int:
    if type(value) is not int:  # bool is an int to isinstance, not here
        raise Invalid(value)
    return value


def _number(value: Any) -> float:
    if type(value) is not float and type(value) is not int:  # a whole number stays as the loader had it
        raise Invalid(value)
    return value


def _flag(value: Any) -> bool:
    if type(value) is not bool:
        raise Invalid(value)
    return value


def _date(value: Any) -> dt.date:
    if type(value) is not str or len(value) != 10:  # "YYYY-MM-DD", as written
        raise Invalid(value)
    return dt.date.fromisoformat(value)


_SIMPLE: dict[Any, _Plan] = {str: _text, int: _integer, float: _number, bool: _flag, dt.date: _date}


def _array(value: Any) -> list[Any]:
    if type(value) is not list:
        raise Invalid(value)
    return value


_ONLY_TEXT = frozenset((str,))


def _texts(value: Any) -> tuple[str, ...]:
    if type(value) is not list or not _ONLY_TEXT.issuperset(map(type, value)):
        raise Invalid(value)
    return tuple(value)


def _one_of(allowed: frozenset[str]) -> _Plan:
    def decode(value: Any) -> Any:
        if type(value) is not str or value not in allowed:
            raise Invalid(value)
        return value

    return decode


def _fixed(plans: tuple[_Plan, ...]) -> _Plan:
    def decode(value: Any) -> Any:
        if type(value) is not list or len(value) != len(plans):
            raise Invalid(value)
        return tuple(plan(item) for plan, item in zip(plans, value, strict=True))

    return decode


def _dict_of(plan: _Plan) -> _Plan:
    def decode(value: Any) -> Any:
        if type(value) is not dict:
            raise Invalid(value)
        return {key: plan(item) for key, item in value.items()}

    return decode
