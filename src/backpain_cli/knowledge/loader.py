"""Find, safely load and completely validate the knowledge base into frozen models.

Loading never runs code (safe loader only), rejects duplicate keys at any depth and alias bombs, and
validation collects every problem with its YAML path before giving up, so ``backpain kb check`` can
list them all and everything else can stop with the first.
"""

from __future__ import annotations

import datetime as dt
import re
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, cast

from backpain_cli.errors import KnowledgeBaseError, Problem
from backpain_cli.knowledge import model as m
from backpain_cli.knowledge.conditions import Condition, ConditionParser, suggest
from backpain_cli.knowledge.facts import FACTS
from backpain_cli.knowledge.lookup import normalise
from backpain_cli.knowledge.paths import KB_ENV as KB_ENV  # re-exported: callers know the knowledge module
from backpain_cli.knowledge.paths import default_path as default_path
from backpain_cli.knowledge.paths import resolve_path as resolve_path

# Far above any real knowledge base (the shipped one is under 300 KiB, a generated 20,000-treatment
# one about 62 MiB), small enough that a mistaken path to a huge file fails at once.
MAX_BYTES = 128 * 1024 * 1024


def load(path: Path, *, use_cache: bool = True) -> m.Knowledge:
    """Read and validate; raise ``KnowledgeBaseError`` with every problem found.

    Parsing and validating are most of a run's cost, so a file that validated is kept, as its
    validated model, in the user's cache under its content hash (see ``backpain_cli.knowledge.cache``): the
    same bytes are never validated twice by the same code, and changed bytes are never served from the
    cache. ``use_cache=False`` always parses and validates, and leaves the cache alone (``kb check``).
    """
    data = read_bytes(path)
    if not use_cache:
        return _with_path(_parse_and_validate(data, path), str(path))
    from backpain_cli.knowledge import cache

    digest = cache.content_key(data)
    cached = cache.fetch(digest)
    if isinstance(cached, m.Knowledge):
        return _with_path(cached, str(path))
    knowledge = _parse_and_validate(data, path)
    cache.store(digest, knowledge)
    cache.store_names(cache.names_key(data), completion_names(knowledge))
    return _with_path(knowledge, str(path))


def completion_names(knowledge: m.Knowledge) -> dict[str, list[str]]:
    """What shell completion offers, kept beside the cached model so a Tab press needs no model."""
    return {
        "treatments": [t.id for t in knowledge.treatments] + [a for t in knowledge.treatments for a in t.aliases if " " not in a],
        "red_flags": [f.code for f in knowledge.red_flags],
        "tiers": [t.id for t in knowledge.tiers],
    }


def _parse_and_validate(data: bytes, path: Path) -> m.Knowledge:
    from backpain_cli.knowledge.safeyaml import parse_yaml

    raw = parse_yaml(decode(data, str(path)), str(path))
    problems: list[Problem] = []
    knowledge = build(raw, problems)
    if problems or knowledge is None:
        unique = list({str(p): p for p in problems}.values())  # a shared mistake is reported once
        raise KnowledgeBaseError(str(path), unique or [Problem("", "the knowledge base is invalid")])
    return knowledge


def parse_yaml(text: str, name: str) -> Any:
    """Safe YAML parsing (see ``backpain_cli.knowledge.safeyaml``); imported lazily, it is the costly part."""
    from backpain_cli.knowledge import safeyaml

    return safeyaml.parse_yaml(text, name)


def read_text(path: Path) -> str:
    """The file's text, after the same checks as a knowledge base (size, binary, UTF-8)."""
    return decode(read_bytes(path), str(path))


def read_bytes(path: Path, limit: int | None = None) -> bytes:
    """The file's bytes, refusing what cannot be a knowledge base: directories, devices, pipes,
    files over the size limit (read at most one byte past it, whatever the file claims)."""
    name = str(path)
    limit = MAX_BYTES if limit is None else limit
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise KnowledgeBaseError(name, [Problem("", "is a directory", "give the path of a .yaml file")])
        if not stat.S_ISREG(info.st_mode):
            raise KnowledgeBaseError(name, [Problem("", "is not a regular file (a device or a pipe?)", "give the path of a .yaml file")])
        if info.st_size > limit:
            raise KnowledgeBaseError(name, [Problem("", f"is {info.st_size:,} bytes, over the {_size(limit)} limit", "check the path")])
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
        if len(data) > limit:
            raise KnowledgeBaseError(name, [Problem("", f"is over the {_size(limit)} limit", "check the path")])
    except ValueError:  # a NUL character in the name
        raise KnowledgeBaseError(name, [Problem("", "the file name holds a character no file name can have", "check the path")]) from None
    except FileNotFoundError:
        raise KnowledgeBaseError(name, [Problem("", "no such file", "check the path, or unset BACKPAIN_KB")]) from None
    except PermissionError:
        raise KnowledgeBaseError(name, [Problem("", "permission denied", "make the file readable")]) from None
    except OSError as error:
        raise KnowledgeBaseError(name, [Problem("", f"cannot be read ({error.strerror})", "check the path")]) from None
    if not data.strip():
        raise KnowledgeBaseError(name, [Problem("", "is empty", "use the shipped data/treatments.yaml as a template")])
    if b"\x00" in data:
        raise KnowledgeBaseError(name, [Problem("", "is a binary file, not YAML text", "check the path")])
    return data


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MiB" if limit >= 1024 * 1024 else f"{limit:,} byte"


def decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        where = f"byte {error.start}"
        raise KnowledgeBaseError(name, [Problem(where, "is not valid UTF-8 text", "save the file as UTF-8")]) from None


def _with_path(knowledge: m.Knowledge, path: str) -> m.Knowledge:
    return knowledge._replace(path=path)


# ---------------------------------------------------------------------------------------------------
# Validation: a small reader that checks shapes and collects problems with YAML paths.


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class _Reader:
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems

    def fail(self, path: str, message: str, suggestion: str = "") -> None:
        self.problems.append(Problem(path, message, suggestion))

    def mapping(self, raw: Any, path: str, required: Iterable[str], optional: Iterable[str] = ()) -> dict[str, Any] | None:
        required, optional = tuple(required), tuple(optional)
        if not isinstance(raw, Mapping):
            self.fail(path, f"must be a mapping, not {_kind(raw)}")
            return None
        allowed = set(required) | set(optional)
        for key in raw:
            if key not in allowed:
                self.fail(f"{path}.{key}" if path else str(key), f"unknown key '{key}'", suggest(str(key), allowed))
        for key in required:
            if key not in raw:
                self.fail(path or "(top level)", f"missing key '{key}'")
        return {str(k): v for k, v in raw.items() if k in allowed}

    def items(self, raw: Any, path: str, *, allow_empty: bool = False) -> list[tuple[str, Any]]:
        if not isinstance(raw, list):
            self.fail(path, f"must be a list, not {_kind(raw)}")
            return []
        if not raw and not allow_empty:
            self.fail(path, "must not be empty")
        return [(f"{path}[{i}]", item) for i, item in enumerate(raw)]

    def text(self, raw: Any, path: str) -> str:
        if isinstance(raw, str) and raw.strip():
            if _CONTROL.search(raw):
                # An escape sequence in data could restyle a terminal, open links or set its title.
                self.fail(path, "contains a control character (such as an escape)", "remove it; plain text only")
            return raw.strip()
        if isinstance(raw, bool | int | float | dt.date):
            self.fail(path, f"must be text, but YAML read {raw!r} as {_kind(raw)}", "put the value in quotes")
        elif isinstance(raw, str):
            self.fail(path, "must not be empty")
        else:
            self.fail(path, f"must be text, not {_kind(raw)}")
        return ""

    def optional_text(self, raw: Any, path: str) -> str | None:
        return None if raw is None else self.text(raw, path)

    def texts(self, raw: Any, path: str, *, allow_empty: bool = False) -> tuple[str, ...]:
        return tuple(self.text(item, p) for p, item in self.items(raw, path, allow_empty=allow_empty))

    def choice(self, raw: Any, path: str, choices: Iterable[str]) -> str:
        options = tuple(choices)
        if isinstance(raw, str) and raw in options:
            return raw
        self.fail(path, f"'{raw}' is not one of the allowed values", suggest(str(raw), options))
        return options[0]

    def date(self, raw: Any, path: str) -> dt.date:
        if isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
            return raw
        if isinstance(raw, str):
            try:
                return dt.date.fromisoformat(raw)
            except ValueError:
                pass
        self.fail(path, f"must be a date like 2026-11-27, not {raw!r}")
        return dt.date.min

    def number(self, raw: Any, path: str) -> float | None:
        if raw is None:
            return None
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            self.fail(path, f"must be a number or null, not {_kind(raw)}")
            return None
        return float(raw)

    def flag(self, raw: Any, path: str) -> bool:
        if isinstance(raw, bool):
            return raw
        self.fail(path, f"must be true or false, not {raw!r}")
        return False

    def ident(self, raw: Any, path: str) -> str:
        value = self.text(raw, path)
        if value and not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", value):
            self.fail(path, f"id '{value}' must be lowercase words joined by hyphens")
        return value

    def refs(self, raw: Any, path: str, known: Mapping[str, Any] | frozenset[str], what: str) -> tuple[str, ...]:
        out = []
        for p, item in self.items(raw, path):
            value = self.text(item, p)
            if value and value not in known:
                self.fail(p, f"unknown {what} '{value}'", suggest(value, known))
            out.append(value)
        return tuple(out)


def _kind(raw: Any) -> str:
    names = {bool: "true/false", int: "a number", float: "a number", str: "text", list: "a list", dict: "a mapping"}
    if raw is None:
        return "empty"
    return names.get(type(raw), type(raw).__name__)


TOP_KEYS = (
    "version",
    "reviewed",
    "review_due",
    "disclaimer",
    "warning_signs",
    "risk_tool_note",
    "verification",
    "guidelines",
    "messages",
    "signals",
    "sources",
    "stages",
    "risk_groups",
    "questions",
    "walk",
    "levels",
    "tiers",
    "red_flags",
    "red_flag_rules",
    "conditions",
    "treatments",
)
TREATMENT_KEYS = (
    "id",
    "name",
    "aliases",
    "tier",
    "care_type",
    "summary",
    "how_it_works",
    "expect",
    "benefits",
    "suitable_for",
    "not_suitable_for",
    "guidelines",
    "access",
    "questions",
    "sources",
    "reviewed",
    "review_due",
    "rules",
)
RULE_KINDS = {"exclude": "not-recommended", "require": "not-yet", "after": "next", "when": None}


def build(raw: Any, problems: list[Problem]) -> m.Knowledge | None:
    """Validate the parsed YAML; return the model, or ``None`` with ``problems`` filled in."""
    r = _Reader(problems)
    top = r.mapping(raw, "", TOP_KEYS)
    if top is None:
        return None
    sources = _sources(r, top.get("sources"))
    tier_ids = _ids(r, top.get("tiers"), "tiers", "id")
    treatment_ids = _ids(r, top.get("treatments"), "treatments", "id")
    flag_codes = _ids(r, top.get("red_flags"), "red_flags", "code")
    vocabularies = {"treatments": frozenset(treatment_ids), "red_flags": frozenset(flag_codes)}
    named_raw = top.get("conditions")
    if not isinstance(named_raw, Mapping):
        r.fail("conditions", f"must be a mapping of named conditions, not {_kind(named_raw)}")
        named_raw = {}
    conditions = ConditionParser(vocabularies, named_raw, problems)
    named: dict[str, Condition] = {}
    for name, body in named_raw.items():
        path = f"conditions.{name}"
        if r.mapping(body, path, ("description", "when")) is not None:
            r.text(body.get("description"), f"{path}.description")
            compiled = conditions.named(str(name), path)
            if compiled is not None:
                named[str(name)] = compiled

    guideline_modes = _guideline_modes(r, top.get("guidelines"), sources, conditions)
    ctx = _Context(r, sources, conditions, frozenset(guideline_modes))
    tiers = tuple(_tier(ctx, item, p) for p, item in r.items(top.get("tiers"), "tiers"))
    treatments = tuple(_treatment(ctx, item, p, frozenset(tier_ids)) for p, item in r.items(top.get("treatments"), "treatments"))
    _check_names_unique(r, treatments)
    # Most urgent first, everywhere a list of warning signs is shown (stable: the file's order within a level).
    red_flags = tuple(
        sorted((_red_flag(ctx, item, p) for p, item in r.items(top.get("red_flags"), "red_flags")), key=lambda f: m.LEVELS.index(f.level))
    )
    red_flag_rules = tuple(
        rule
        for p, item in r.items(top.get("red_flag_rules"), "red_flag_rules", allow_empty=True)
        if (rule := _red_flag_rule(ctx, item, p)) is not None
    )
    knowledge = m.Knowledge(
        version=r.text(top.get("version"), "version"),
        reviewed=r.date(top.get("reviewed"), "reviewed"),
        review_due=r.date(top.get("review_due"), "review_due"),
        disclaimer=r.text(top.get("disclaimer"), "disclaimer"),
        warning_signs=r.text(top.get("warning_signs"), "warning_signs"),
        risk_tool_note=r.text(top.get("risk_tool_note"), "risk_tool_note"),
        sources=sources,
        tiers=tiers,
        treatments=treatments,
        red_flags=red_flags,
        red_flag_rules=red_flag_rules,
        levels=_levels(r, top.get("levels")),
        stages=_stages(ctx, top.get("stages")),
        risk_groups=_risk_groups(ctx, top.get("risk_groups")),
        questions=_questions(ctx, top.get("questions")),
        walk=_walk(r, top.get("walk")),
        conditions=named,
        guideline_modes=guideline_modes,
        signals=_signal_defaults(ctx, top.get("signals")),
        messages=_messages(r, top.get("messages")),
        verification=_verification(r, top.get("verification")),
        by_id={t.id: t for t in treatments},
    )
    return None if problems else knowledge


def _verification(r: _Reader, raw: Any) -> dict[str, str]:
    data = r.mapping(raw, "verification", ("V", "S", "U")) or {}
    return {tag: r.text(data.get(tag), f"verification.{tag}") for tag in ("V", "S", "U")}


class _Context:
    def __init__(self, r: _Reader, sources: dict[str, m.Source], conditions: ConditionParser, guidelines: frozenset[str]):
        self.r = r
        self.sources = sources
        self.conditions = conditions
        self.guidelines = guidelines

    def source_refs(self, raw: Any, path: str) -> tuple[str, ...]:
        return self.r.refs(raw, path, self.sources, "source")


def _ids(r: _Reader, raw: Any, path: str, key: str) -> list[str]:
    """First pass over a list: collect ids (for references) and report duplicates."""
    ids: dict[str, None] = {}  # ordered, with constant-time membership: knowledge bases can be large
    if not isinstance(raw, list):
        return []
    for i, item in enumerate(raw):
        if isinstance(item, Mapping) and isinstance(item.get(key), str):
            value = item[key]
            if value in ids:
                r.fail(f"{path}[{i}].{key}", f"duplicate {key} '{value}'", "each must be unique")
            ids[value] = None
    return list(ids)


def _sources(r: _Reader, raw: Any) -> dict[str, m.Source]:
    out: dict[str, m.Source] = {}
    for path, item in r.items(raw, "sources"):
        data = r.mapping(item, path, ("id", "label", "title", "publisher"), ("year", "section", "url", "undated"))
        if data is None:
            continue
        year = data.get("year")
        if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
            r.fail(f"{path}.year", f"must be a whole year like 2016, not {year!r}")
            year = None
        source = m.Source(
            id=r.ident(data.get("id"), f"{path}.id"),
            label=r.text(data.get("label"), f"{path}.label"),
            title=r.text(data.get("title"), f"{path}.title"),
            publisher=r.text(data.get("publisher"), f"{path}.publisher"),
            year=year,
            section=r.optional_text(data.get("section"), f"{path}.section"),
            url=r.optional_text(data.get("url"), f"{path}.url"),
            undated=r.optional_text(data.get("undated"), f"{path}.undated"),
        )
        if source.year is not None and source.undated is not None:
            r.fail(f"{path}.undated", "a source with a year is not undated", "remove one of year and undated")
        if source.id in out:
            r.fail(f"{path}.id", f"duplicate source id '{source.id}'")
        out[source.id] = source
    return out


def _guideline_modes(r: _Reader, raw: Any, sources: Mapping[str, m.Source], conditions: ConditionParser) -> dict[str, m.GuidelineMode]:
    data = r.mapping(raw, "guidelines", m.GUIDELINES)
    if data is None:
        return {g: m.GuidelineMode(g, g, g, ()) for g in m.GUIDELINES}
    out: dict[str, m.GuidelineMode] = {}
    for mode in m.GUIDELINES:
        path = f"guidelines.{mode}"
        item = r.mapping(data.get(mode), path, ("name", "short", "sources"), ("scope", "scope_note")) or {}
        cited = r.refs(item.get("sources"), f"{path}.sources", sources, "source") if mode != "default" else ()
        if mode == "default" and item.get("sources"):
            r.fail(f"{path}.sources", "the default mode weighs every guideline", "use an empty list: []")
        scope = conditions.parse(item["scope"], f"{path}.scope") if "scope" in item else None
        scope_note = r.text(item.get("scope_note"), f"{path}.scope_note") if scope is not None else ""
        name, short = r.text(item.get("name"), f"{path}.name"), r.text(item.get("short"), f"{path}.short")
        out[mode] = m.GuidelineMode(mode, name, short, cited, scope, scope_note)
    return out


# The engine's sentences, each with the placeholders it fills in.
MESSAGES: dict[str, tuple[str, ...]] = {
    "guideline-silent": ("guideline", "note"),
    "guideline-against": ("guideline", "note"),
    "walk-tried": (),
    "walk-result": ("name",),
}


def _messages(r: _Reader, raw: Any) -> dict[str, str]:
    data = r.mapping(raw, "messages", MESSAGES) or {}
    out: dict[str, str] = {}
    for key, placeholders in MESSAGES.items():
        text = r.text(data.get(key), f"messages.{key}")
        found = set(re.findall(r"{(\w*)}", text))
        unknown = sorted(found - set(placeholders))
        if unknown:
            r.fail(f"messages.{key}", f"unknown placeholder {{{unknown[0]}}}", "expected " + ", ".join("{" + p + "}" for p in placeholders))
        out[key] = text
    return out


def _signal(ctx: _Context, raw: Any, path: str) -> m.Signal:
    r = ctx.r
    data = r.mapping(raw, path, ("status", "reason", "sources")) or {}
    return m.Signal(
        status=cast(m.Status, r.choice(data.get("status"), f"{path}.status", SIGNAL_STATUSES)),
        reason=r.text(data.get("reason"), f"{path}.reason"),
        sources=ctx.source_refs(data.get("sources"), f"{path}.sources"),
    )


# What a person's own experience may turn an option into: never a status that puts it forward.
SIGNAL_STATUSES = ("helped", "tried", "not-needed")


def _signal_defaults(ctx: _Context, raw: Any) -> dict[str, dict[str, m.Signal]]:
    data = ctx.r.mapping(raw, "signals", m.RESULTS) or {}
    out: dict[str, dict[str, m.Signal]] = {}
    for result in m.RESULTS:
        path = f"signals.{result}"
        by_type = ctx.r.mapping(data.get(result, {}), path, ("default",), m.CARE_TYPES) or {}
        out[result] = {care: _signal(ctx, item, f"{path}.{care}") for care, item in by_type.items()}
    return out


def _rule(ctx: _Context, raw: Any, path: str) -> m.Rule | None:
    r = ctx.r
    data = r.mapping(raw, path, ("reason", "sources"), (*RULE_KINDS, "status", "guidelines"))
    if data is None:
        return None
    kinds = [k for k in RULE_KINDS if k in data]
    if len(kinds) > 1:
        r.fail(path, f"a rule takes one of exclude/require/after/when, not {' and '.join(kinds)}")
        return None
    kind = kinds[0] if kinds else "always"
    condition: Condition | None = None
    if kinds:
        condition = ctx.conditions.parse(data[kind], f"{path}.{kind}")
    default_status = RULE_KINDS.get(kind)
    if "status" in data:
        status = r.choice(data["status"], f"{path}.status", m.STATUSES)
        if status not in m.RULE_STATUSES:
            r.fail(f"{path}.status", f"'{status}' is decided by the engine, not by a rule", "use another status")
    elif default_status is not None:
        status = default_status
    else:
        r.fail(path, "missing key 'status'", "a 'when' rule or an unconditional rule needs a status")
        status = "not-yet"
    guidelines = None
    if "guidelines" in data:
        guidelines = frozenset(r.refs(data["guidelines"], f"{path}.guidelines", ctx.guidelines, "guideline"))
    return m.Rule(
        kind=kind,
        condition=condition,
        status=cast(m.Status, status),
        reason=r.text(data.get("reason"), f"{path}.reason"),
        sources=ctx.source_refs(data.get("sources"), f"{path}.sources"),
        guidelines=guidelines,
        path=path,
    )


def _rules(ctx: _Context, raw: Any, path: str, *, allow_empty: bool) -> tuple[m.Rule, ...]:
    rules = (_rule(ctx, item, p) for p, item in ctx.r.items(raw, path, allow_empty=allow_empty))
    return tuple(rule for rule in rules if rule is not None)


def _tier(ctx: _Context, raw: Any, path: str) -> m.Tier:
    r = ctx.r
    data = r.mapping(raw, path, ("id", "name", "description"), ("rules",)) or {}
    return m.Tier(
        id=r.ident(data.get("id"), f"{path}.id"),
        name=r.text(data.get("name"), f"{path}.name"),
        description=r.text(data.get("description"), f"{path}.description"),
        rules=_tier_rules(ctx, data.get("rules", []), f"{path}.rules"),
    )


def _tier_rules(ctx: _Context, raw: Any, path: str) -> tuple[m.Rule, ...]:
    """A tier's rules are gates (exclude, require, after): they hold its options back, never place them."""
    rules = _rules(ctx, raw, path, allow_empty=True)
    for rule in rules:
        if rule.kind not in ("exclude", "require", "after"):
            ctx.r.fail(rule.path, f"a tier rule must be exclude, require or after, not {rule.kind}", "tier rules only hold options back")
    return rules


def _statements(ctx: _Context, raw: Any, path: str) -> tuple[m.Statement, ...]:
    out = []
    for p, item in ctx.r.items(raw, path):
        data = ctx.r.mapping(item, p, ("text", "sources"), ("known",))
        if data is not None:
            known = ctx.r.flag(data["known"], f"{p}.known") if "known" in data else True
            out.append(m.Statement(ctx.r.text(data.get("text"), f"{p}.text"), ctx.source_refs(data.get("sources"), f"{p}.sources"), known))
    return tuple(out)


def _stances(ctx: _Context, raw: Any, path: str) -> tuple[m.Stance, ...]:
    r = ctx.r
    out = []
    for p, item in r.items(raw, path):
        data = r.mapping(item, p, ("source", "direction", "strength", "note", "verified"), ("section",))
        if data is None:
            continue
        source = r.text(data.get("source"), f"{p}.source")
        if source and source not in ctx.sources:
            r.fail(f"{p}.source", f"unknown source '{source}'", suggest(source, ctx.sources))
        out.append(
            m.Stance(
                source=source,
                direction=cast(m.Direction, r.choice(data.get("direction"), f"{p}.direction", m.DIRECTIONS)),
                strength=r.text(data.get("strength"), f"{p}.strength"),
                note=r.text(data.get("note"), f"{p}.note"),
                section=r.optional_text(data.get("section"), f"{p}.section"),
                verified=r.choice(data.get("verified"), f"{p}.verified", ("V", "S", "U")),
            )
        )
    return tuple(out)


def _treatment(ctx: _Context, raw: Any, path: str, tier_ids: frozenset[str]) -> m.Treatment:
    r = ctx.r
    data = r.mapping(raw, path, TREATMENT_KEYS, ("article", "signals", "audit_exceptions", "benefit_size", "risks")) or {}
    tier = r.text(data.get("tier"), f"{path}.tier")
    if tier and tier not in tier_ids:
        r.fail(f"{path}.tier", f"unknown tier '{tier}'", suggest(tier, tier_ids))
    expect = r.mapping(data.get("expect"), f"{path}.expect", ("time", "recovery", "onset")) or {}
    access = r.mapping(data.get("access"), f"{path}.access", ("cost", "insurance", "access")) or {}
    article = None
    if "article" in data:
        claim = r.mapping(data["article"], f"{path}.article", ("claim", "agrees", "note"))
        if claim is not None:
            article = m.ArticleClaim(
                claim=r.text(claim.get("claim"), f"{path}.article.claim"),
                agrees=r.flag(claim.get("agrees"), f"{path}.article.agrees"),
                note=r.text(claim.get("note"), f"{path}.article.note"),
            )
    rules = _rules(ctx, data.get("rules"), f"{path}.rules", allow_empty=False)
    if rules and (rules[-1].condition is not None or rules[-1].guidelines is not None):
        r.fail(
            f"{path}.rules",
            "the last rule must apply always (no condition, no guidelines)",
            "end with a rule that has only status, reason and sources",
        )
    aliases = tuple(a.lower() for a in r.texts(data.get("aliases"), f"{path}.aliases", allow_empty=True))
    reviewed = r.date(data.get("reviewed"), f"{path}.reviewed")
    review_due = r.date(data.get("review_due"), f"{path}.review_due")
    if review_due < reviewed:
        r.fail(f"{path}.review_due", "is before the date it was reviewed")
    return m.Treatment(
        id=r.ident(data.get("id"), f"{path}.id"),
        name=r.text(data.get("name"), f"{path}.name"),
        aliases=aliases,
        tier=tier,
        care_type=r.choice(data.get("care_type"), f"{path}.care_type", m.CARE_TYPES),
        summary=r.text(data.get("summary"), f"{path}.summary"),
        how_it_works=r.text(data.get("how_it_works"), f"{path}.how_it_works"),
        expect=m.Expectation(*(r.text(expect.get(k), f"{path}.expect.{k}") for k in ("time", "recovery", "onset"))),
        benefits=_statements(ctx, data.get("benefits"), f"{path}.benefits"),
        # Optional: an entry that is not a treatment says why in its audit exceptions (``kb audit``).
        benefit_size=_statements(ctx, data["benefit_size"], f"{path}.benefit_size") if "benefit_size" in data else (),
        # Optional here: an entry with no harms listed is valid, and ``kb audit`` names the gap.
        risks=_statements(ctx, data["risks"], f"{path}.risks") if "risks" in data else (),
        suitable_for=r.texts(data.get("suitable_for"), f"{path}.suitable_for"),
        not_suitable_for=r.texts(data.get("not_suitable_for"), f"{path}.not_suitable_for"),
        guidelines=_stances(ctx, data.get("guidelines"), f"{path}.guidelines"),
        article=article,
        access=m.Access(*(r.text(access.get(k), f"{path}.access.{k}") for k in ("cost", "insurance", "access"))),
        questions=r.texts(data.get("questions"), f"{path}.questions"),
        sources=ctx.source_refs(data.get("sources"), f"{path}.sources"),
        reviewed=reviewed,
        review_due=review_due,
        rules=rules,
        signals=_own_signals(ctx, data.get("signals"), f"{path}.signals"),
        audit_exceptions=_audit_exceptions(r, data.get("audit_exceptions"), f"{path}.audit_exceptions"),
    )


def _own_signals(ctx: _Context, raw: Any, path: str) -> dict[str, m.Signal]:
    if raw is None:
        return {}
    data = ctx.r.mapping(raw, path, (), m.RESULTS) or {}
    return {result: _signal(ctx, item, f"{path}.{result}") for result, item in data.items()}


AUDIT_CHECKS = ("harms", "benefit-size", "source-years", "review-date")


def _audit_exceptions(r: _Reader, raw: Any, path: str) -> tuple[m.AuditException, ...]:
    if raw is None:
        return ()
    out = []
    for p, item in r.items(raw, path):
        data = r.mapping(item, p, ("check", "reason"))
        if data is not None:
            out.append(m.AuditException(r.choice(data.get("check"), f"{p}.check", AUDIT_CHECKS), r.text(data.get("reason"), f"{p}.reason")))
    return tuple(out)


def _check_names_unique(r: _Reader, treatments: tuple[m.Treatment, ...]) -> None:
    """Every id, name and alias must lead to exactly one treatment, or lookups become ambiguous."""
    owner: dict[str, str] = {}
    for index, t in enumerate(treatments):
        for kind, value in (("id", t.id), ("name", t.name), *(("alias", a) for a in t.aliases)):
            key = normalise(value)  # the same folding lookups use, so no two entries can answer one name
            if key in owner and owner[key] != t.id:
                r.fail(f"treatments[{index}]", f"{kind} '{value}' is already used by '{owner[key]}'", "make it unique")
            owner.setdefault(key, t.id)


def _red_flag(ctx: _Context, raw: Any, path: str) -> m.RedFlag:
    r = ctx.r
    data = r.mapping(raw, path, ("code", "sign", "question", "level", "action", "why", "sources")) or {}
    return m.RedFlag(
        code=r.ident(data.get("code"), f"{path}.code"),
        sign=r.text(data.get("sign"), f"{path}.sign"),
        question=r.text(data.get("question"), f"{path}.question"),
        level=cast(m.Level, r.choice(data.get("level"), f"{path}.level", m.LEVELS)),
        action=r.text(data.get("action"), f"{path}.action"),
        why=r.text(data.get("why"), f"{path}.why"),
        sources=ctx.source_refs(data.get("sources"), f"{path}.sources"),
    )


def _red_flag_rule(ctx: _Context, raw: Any, path: str) -> m.RedFlagRule | None:
    r = ctx.r
    data = r.mapping(raw, path, ("when", "level", "action", "sources"))
    if data is None:
        return None
    condition = ctx.conditions.parse(data.get("when"), f"{path}.when")
    level = cast(m.Level, r.choice(data.get("level"), f"{path}.level", m.LEVELS))
    action = r.text(data.get("action"), f"{path}.action")
    sources = ctx.source_refs(data.get("sources"), f"{path}.sources")
    if condition is None:
        return None
    return m.RedFlagRule(condition, level, action, sources, path, tuple(sorted(condition.mentions("red_flags"))))


def _levels(r: _Reader, raw: Any) -> dict[str, m.LevelInfo]:
    out: dict[str, m.LevelInfo] = {}
    for path, item in r.items(raw, "levels"):
        data = r.mapping(item, path, ("level", "label", "hold_reason"))
        if data is not None:
            level = cast(m.Level, r.choice(data.get("level"), f"{path}.level", m.LEVELS))
            if level in out:
                r.fail(f"{path}.level", f"level '{level}' is listed twice")
            out[level] = m.LevelInfo(
                level, r.text(data.get("label"), f"{path}.label"), r.text(data.get("hold_reason"), f"{path}.hold_reason")
            )
    for level in m.LEVELS:
        if level not in out:
            r.fail("levels", f"missing level '{level}'")
    return out


def _stages(ctx: _Context, raw: Any) -> tuple[m.Stage, ...]:
    r = ctx.r
    out = []
    for path, item in r.items(raw, "stages"):
        data = r.mapping(item, path, ("id", "label", "meaning", "what_we_do", "sources", "weeks"))
        if data is None:
            continue
        out.append(
            m.Stage(
                id=r.choice(data.get("id"), f"{path}.id", FACTS["stage"].values),
                label=r.text(data.get("label"), f"{path}.label"),
                meaning=r.text(data.get("meaning"), f"{path}.meaning"),
                what_we_do=r.text(data.get("what_we_do"), f"{path}.what_we_do"),
                sources=ctx.source_refs(data.get("sources"), f"{path}.sources"),
                weeks_bound=_bound(r, data.get("weeks"), f"{path}.weeks"),
            )
        )
    if [s.id for s in out] != list(FACTS["stage"].values):
        r.fail("stages", "must list acute, subacute and chronic, in that order")
    elif out[-1].weeks_bound is not None:
        r.fail("stages[2]", "the last stage has no upper bound", "set weeks to null")
    elif any(s.weeks_bound is None for s in out[:-1]):
        r.fail("stages", "acute and subacute need a bound in weeks", "e.g. weeks: {lt: 4}")
    return tuple(out)


def _bound(r: _Reader, raw: Any, path: str) -> tuple[str, float] | None:
    """An upper bound such as ``{lt: 4}`` (below 4) or ``{lte: 12}`` (12 or less); null for none."""
    if raw is None:
        return None
    data = r.mapping(raw, path, (), ("lt", "lte"))
    if data is None or len(data) != 1:
        r.fail(path, "needs exactly one of lt or lte", "e.g. {lt: 4}")
        return None
    ((op, limit),) = data.items()
    number = r.number(limit, f"{path}.{op}")
    return None if number is None else (op, number)


def _risk_groups(ctx: _Context, raw: Any) -> dict[str, m.RiskGroup]:
    r = ctx.r
    out: dict[str, m.RiskGroup] = {}
    for path, item in r.items(raw, "risk_groups"):
        data = r.mapping(item, path, ("id", "label", "meaning", "sources"))
        if data is not None:
            group_id = r.choice(data.get("id"), f"{path}.id", FACTS["risk"].values)
            if group_id in out:
                r.fail(f"{path}.id", f"risk group '{group_id}' is listed twice")
            out[group_id] = m.RiskGroup(
                group_id,
                r.text(data.get("label"), f"{path}.label"),
                r.text(data.get("meaning"), f"{path}.meaning"),
                ctx.source_refs(data.get("sources"), f"{path}.sources"),
            )
    missing = [g for g in FACTS["risk"].values if g not in out]
    if missing:
        r.fail("risk_groups", f"missing risk group '{missing[0]}'", "list low, medium and high: --risk accepts each of them")
    return out


def _questions(ctx: _Context, raw: Any) -> dict[str, m.Question]:
    r = ctx.r
    out: dict[str, m.Question] = {}
    for path, item in r.items(raw, "questions"):
        data = r.mapping(item, path, ("fact", "label", "ask", "prompt", "why"), ("ask_when",))
        if data is not None:
            fact = r.choice(data.get("fact"), f"{path}.fact", FACTS)
            if fact in out:
                r.fail(f"{path}.fact", f"fact '{fact}' has two questions")
            ask_when = ctx.conditions.parse(data["ask_when"], f"{path}.ask_when") if "ask_when" in data else None
            out[fact] = m.Question(
                fact,
                r.text(data.get("label"), f"{path}.label"),
                r.text(data.get("ask"), f"{path}.ask"),
                r.text(data.get("prompt"), f"{path}.prompt"),
                r.text(data.get("why"), f"{path}.why"),
                ask_when,
            )
    for fact in FACTS:
        if fact not in out:
            r.fail("questions", f"missing question for fact '{fact}'")
    return out


# What the walk can ask: the duration (as "stage"), what was tried (with a result for each), and every
# other answer it has a kind of question for. The results themselves come with "tried".
WALKABLE = tuple(f.name for f in FACTS.values() if f.name not in ("weeks", "months", "helped", "helped_a_little", "side_effects"))


def _walk(r: _Reader, raw: Any) -> tuple[str, ...]:
    """The guided walk's questions, in order; warning signs must come first."""
    facts = r.refs(raw, "walk", frozenset(WALKABLE), "question the walk can ask")
    if facts and facts[0] != "red_flags":
        r.fail("walk[0]", "the walk must ask about warning signs first", "put red_flags first")
    if len(set(facts)) != len(facts):
        r.fail("walk", "a fact is asked twice")
    return facts
