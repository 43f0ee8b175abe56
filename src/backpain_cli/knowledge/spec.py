"""The building blocks the knowledge-base format is declared with (``format.py``).

Each block knows three things about one kind of value: how to read it from parsed YAML (collecting
every problem with its YAML path and a suggestion, never stopping at the first), how to describe it
in JSON Schema, and how to name it in the docs' format tables. So the format is written once and
validation, ``kb schema`` and docs/knowledge-base.md cannot drift apart.

A value that fails to read is recorded as a problem and replaced by a harmless stand-in (empty text,
an empty list), so reading carries on and reports the rest; a file with any problem is never used.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from backpain_cli.errors import Problem
from backpain_cli.knowledge.conditions import Condition, ConditionParser, suggest

IDENT_PATTERN = r"[a-z0-9]+(?:-[a-z0-9]+)*"
# An escape sequence in data could restyle a terminal, open links or set its title.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Invisible or direction-changing characters: text that reads one way and prints another (bidi
# overrides and isolates, zero-width characters, the byte-order mark, line and paragraph separators).
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2028\u2029\u2060-\u2064\u2066-\u2069\ufeff]")


class Reading:
    """What reading needs besides the value: the problems found so far, the ids that references may
    name (vocabularies such as ``sources``), and the parser for conditions."""

    def __init__(self, problems: list[Problem], vocabularies: Mapping[str, Iterable[str]], conditions: ConditionParser) -> None:
        self.problems = problems
        self.vocabularies = {name: frozenset(ids) for name, ids in vocabularies.items()}
        self.conditions = conditions

    def fail(self, path: str, message: str, suggestion: str = "") -> None:
        self.problems.append(Problem(path, message, suggestion))


def kind_of(raw: Any) -> str:
    """How a problem names what YAML made of a value."""
    names = {bool: "true/false", int: "a number", float: "a number", str: "text", list: "a list", dict: "a mapping"}
    if raw is None:
        return "empty"
    return names.get(type(raw), type(raw).__name__)


class Spec:
    """One kind of value. ``docs`` names it in the format tables; ``fallback`` stands in after a problem."""

    docs = "value"
    fallback: Any = None

    def read(self, raw: Any, path: str, r: Reading) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def schema(self) -> dict[str, Any]:  # pragma: no cover - abstract
        raise NotImplementedError


class Text(Spec):
    """Non-empty text, trimmed; never control, invisible or direction-changing characters."""

    docs = "text"
    fallback = ""

    def read(self, raw: Any, path: str, r: Reading) -> Any:
        if isinstance(raw, str) and raw.strip():
            if _CONTROL.search(raw):
                r.fail(path, "contains a control character (such as an escape)", "remove it; plain text only")
            hidden = _INVISIBLE.search(raw)
            if hidden:
                code = f"U+{ord(hidden.group()):04X}"
                r.fail(path, f"contains an invisible or direction-changing character ({code})", "remove it; plain text only")
            return raw.strip()
        if isinstance(raw, bool | int | float | dt.date):
            r.fail(path, f"must be text, but YAML read {raw!r} as {kind_of(raw)}", "put the value in quotes")
        elif isinstance(raw, str):
            r.fail(path, "must not be empty")
        else:
            r.fail(path, f"must be text, not {kind_of(raw)}")
        return self.fallback

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "minLength": 1}


class Ident(Text):
    """An id: lowercase words joined by hyphens."""

    docs = "id"

    def read(self, raw: Any, path: str, r: Reading) -> Any:
        value = super().read(raw, path, r)
        if value and not re.fullmatch(IDENT_PATTERN, value):
            r.fail(path, f"id '{value}' must be lowercase words joined by hyphens")
        return value

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "pattern": f"^{IDENT_PATTERN}$"}


class Ref(Text):
    """The id of something defined elsewhere in the file: a source, a tier, a guideline mode..."""

    def __init__(self, vocabulary: str, what: str) -> None:
        self.vocabulary, self.what = vocabulary, what
        self.docs = f"{what} id"

    def read(self, raw: Any, path: str, r: Reading) -> Any:
        value = super().read(raw, path, r)
        known = r.vocabularies.get(self.vocabulary, frozenset())
        if value and value not in known:
            r.fail(path, f"unknown {self.what} '{value}'", suggest(value, known))
        return value

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "minLength": 1}


class Choice(Spec):
    """One of a closed list of words."""

    def __init__(self, values: Iterable[str]) -> None:
        self.values = tuple(values)
        self.docs = "one of " + ", ".join(f"`{v}`" for v in self.values)
        self.fallback = self.values[0]

    def read(self, raw: Any, path: str, r: Reading) -> Any:
        if isinstance(raw, str) and raw in self.values:
            return raw
        r.fail(path, f"'{raw}' is not one of the allowed values", suggest(str(raw), self.values))
        return self.fallback

    def schema(self) -> dict[str, Any]:
        return {"enum": list(self.values)}


class Date(Spec):
    docs = "date (YYYY-MM-DD)"
    fallback = dt.date.min

    def read(self, raw: Any, path: str, r: Reading) -> Any:
        if isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
            return raw
        if isinstance(raw, str):
            try:
                return dt.date.fromisoformat(raw)
            except ValueError:
                pass
        r.fail(path, f"must be a date like 2026-11-27, not {raw!r}")
        return self.fallback

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "date"}


class Year(Spec):
    docs = "year"

    def read(self, raw: Any, path: str, r: Reading) -> Any:
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw
        r.fail(path, f"must be a whole year like 2016, not {raw!r}")
        return None

    def schema(self) -> dict[str, Any]:
        return {"type": "integer"}


class Number(Spec):
    docs = "number"

    def read(self, raw: Any, path: str, r: Reading) -> Any:
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            r.fail(path, f"must be a number or null, not {kind_of(raw)}")
            return None
        return float(raw)

    def schema(self) -> dict[str, Any]:
        return {"type": "number"}


class Flag(Spec):
    docs = "`true` or `false`"
    fallback = False

    def read(self, raw: Any, path: str, r: Reading) -> Any:
        if isinstance(raw, bool):
            return raw
        r.fail(path, f"must be true or false, not {raw!r}")
        return self.fallback

    def schema(self) -> dict[str, Any]:
        return {"type": "boolean"}


class ConditionSpec(Spec):
    """A rule condition in the condition language (``conditions.py``), compiled as it is read."""

    docs = "condition"

    def read(self, raw: Any, path: str, r: Reading) -> Condition | None:
        return r.conditions.parse(raw, path)

    def schema(self) -> dict[str, Any]:
        return {"$ref": "#/$defs/condition"}


class Deferred(ConditionSpec):
    """A condition compiled elsewhere (a named condition, by the parser, once): here only its place."""

    def read(self, raw: Any, path: str, r: Reading) -> Any:
        return raw


class ListOf(Spec):
    """A list of one kind of value, read into a tuple."""

    fallback = ()

    def __init__(self, item: Spec, *, allow_empty: bool = False) -> None:
        self.item, self.allow_empty = item, allow_empty
        self.docs = f"list of {item.docs}" + (" (may be empty)" if allow_empty else "")

    def read(self, raw: Any, path: str, r: Reading) -> Any:
        if not isinstance(raw, list):
            r.fail(path, f"must be a list, not {kind_of(raw)}")
            return ()
        if not raw and not self.allow_empty:
            r.fail(path, "must not be empty")
        return tuple(self.item.read(item, f"{path}[{i}]", r) for i, item in enumerate(raw))

    def schema(self) -> dict[str, Any]:
        return {"type": "array", "items": self.item.schema(), **({} if self.allow_empty else {"minItems": 1})}


class Field:
    """One key of a record: its value's kind, whether it must be there, and what it means (for the docs)."""

    def __init__(self, name: str, spec: Spec, meaning: str, *, required: bool = True, default: Any = None) -> None:
        self.name, self.spec, self.meaning, self.required, self.default = name, spec, meaning, required, default


class Record(Spec):
    """A mapping with known keys, turned into one model object by ``make(values, path, reading)``.

    ``make`` gets each field's value by name; it builds the object and checks what spans several
    fields (recording problems on the reading). Without ``make``, the values themselves are the result.
    """

    def __init__(self, title: str, fields: list[Field], make: Callable[[dict[str, Any], str, Reading], Any] | None = None) -> None:
        self.title, self.fields, self.make = title, fields, make
        self.by_name = {f.name: f for f in fields}
        self.docs = f"[{title}](#{re.sub(r'[^a-z0-9 -]', '', title.lower()).replace(' ', '-')})"  # its table in the docs

    def read(self, raw: Any, path: str, r: Reading) -> Any:
        values = self.read_fields(raw, path, r)
        if values is None:
            return self.fallback
        return self.make(values, path, r) if self.make is not None else values

    @property
    def fallback(self) -> Any:
        """The record built from every field's stand-in, its own checks unheard: the problem is already told."""
        values = {f.name: f.spec.fallback if f.required else f.default for f in self.fields}
        quiet = Reading([], {}, ConditionParser({}, {}, []))
        return self.make(values, "", quiet) if self.make is not None else values

    def read_fields(self, raw: Any, path: str, r: Reading) -> dict[str, Any] | None:
        """Each field's value by name (defaults for optional ones left out); ``None`` if not a mapping."""
        if not isinstance(raw, Mapping):
            r.fail(path, f"must be a mapping, not {kind_of(raw)}")
            return None
        for key in raw:
            if key not in self.by_name:
                r.fail(f"{path}.{key}" if path else str(key), f"unknown key '{key}'", suggest(str(key), self.by_name))
        values: dict[str, Any] = {}
        for f in self.fields:
            where = f"{path}.{f.name}" if path else f.name
            if f.name in raw:
                values[f.name] = f.spec.read(raw[f.name], where, r)
            else:
                if f.required:
                    r.fail(path or "(top level)", f"missing key '{f.name}'")
                values[f.name] = f.default if not f.required else f.spec.fallback
        return values

    def schema(self) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": {f.name: f.spec.schema() for f in self.fields},
            "required": [f.name for f in self.fields if f.required],
            "additionalProperties": False,
        }

    def table(self) -> str:
        """The record as a Markdown table for docs/knowledge-base.md: key, required, kind, meaning."""
        rows = ["| key | required | value | meaning |", "|---|---|---|---|"]
        for f in self.fields:
            rows.append(f"| `{f.name}` | {'yes' if f.required else 'no'} | {f.spec.docs} | {f.meaning} |")
        return "\n".join(rows)


class MapOf(Spec):
    """A mapping whose keys are names the file chooses (named conditions) or words from a closed list."""

    def __init__(self, key: Spec, value: Spec) -> None:
        self.key, self.value = key, value
        self.fallback: Any = {}
        self.docs = f"mapping of {key.docs} to {value.docs}"

    def read(self, raw: Any, path: str, r: Reading) -> Any:
        if not isinstance(raw, Mapping):
            r.fail(path, f"must be a mapping, not {kind_of(raw)}")
            return {}
        out = {}
        for key, value in raw.items():
            name = self.key.read(key, f"{path}.{key}", r)
            out[name] = self.value.read(value, f"{path}.{key}", r)
        return out

    def schema(self) -> dict[str, Any]:
        return {"type": "object", "additionalProperties": self.value.schema(), "propertyNames": self.key.schema()}
