"""A JSON Schema of the knowledge-base format, built from the loader's own key lists so it cannot drift.

Editors (VS Code's YAML extension and friends) use it to check ``treatments.yaml`` as it is typed.
The loader remains the authority: it also checks references, cycles and the rule language's meaning.
"""

from __future__ import annotations

from typing import Any

from backpain_cli.knowledge import model as m
from backpain_cli.knowledge.conditions import OPERATORS
from backpain_cli.knowledge.facts import FACTS
from backpain_cli.knowledge.loader import AUDIT_CHECKS, MESSAGES, RULE_KINDS, SIGNAL_STATUSES, TOP_KEYS, TREATMENT_KEYS

TEXT = {"type": "string", "minLength": 1}
TEXTS = {"type": "array", "items": TEXT}
IDENT = {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"}
DATE = {"type": "string", "format": "date"}
IDS = {"type": "array", "items": IDENT, "minItems": 1}


def _object(required: dict[str, Any], optional: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {**required, **(optional or {})},
        "required": list(required),
        "additionalProperties": False,
    }


def _fact_test(name: str) -> dict[str, Any]:
    spec = FACTS[name]
    value: dict[str, Any]
    if spec.kind == "number":
        value = {"type": "number"}
    elif spec.kind == "bool":
        value = {"type": "boolean"}
    elif spec.kind == "enum":
        value = {"enum": list(spec.values)}
    else:
        value = {"type": "string"}
    ops: dict[str, Any] = {}
    for op in OPERATORS[spec.kind]:
        if op in ("known", "empty"):
            ops[op] = {"type": "boolean"}
        elif op in ("in", "has_any", "has_all"):
            ops[op] = {"type": "array", "items": value, "minItems": 1}
        else:
            ops[op] = value
    return {
        "type": "object",
        "properties": {name: {"type": "object", "properties": ops, "additionalProperties": False, "minProperties": 1}},
        "required": [name],
        "additionalProperties": False,
    }


def knowledge_base_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) for ``data/treatments.yaml``."""
    condition_ref = {"$ref": "#/$defs/condition"}
    combinators = [
        _object({"all": {"type": "array", "items": condition_ref, "minItems": 1}}),
        _object({"any": {"type": "array", "items": condition_ref, "minItems": 1}}),
        _object({"not": condition_ref}),
        _object({"condition": TEXT}),
    ]
    rule = {
        "type": "object",
        "properties": {
            **{kind: condition_ref for kind in RULE_KINDS},
            "status": {"enum": list(m.RULE_STATUSES)},
            "reason": TEXT,
            "sources": IDS,
            "guidelines": {"type": "array", "items": {"enum": list(m.GUIDELINES)}},
        },
        "required": ["reason", "sources"],
        "additionalProperties": False,
    }
    statement = _object({"text": TEXT, "sources": IDS}, {"known": {"type": "boolean"}})
    signal = _object({"status": {"enum": list(SIGNAL_STATUSES)}, "reason": TEXT, "sources": IDS})
    signals_by_result = _object({}, {result: signal for result in m.RESULTS})
    stance = _object(
        {
            "source": IDENT,
            "direction": {"enum": list(m.DIRECTIONS)},
            "strength": TEXT,
            "note": TEXT,
            "verified": {"enum": ["V", "S", "U"]},
        },
        {"section": TEXT},
    )
    treatment_fields: dict[str, Any] = {
        "id": IDENT,
        "name": TEXT,
        "aliases": TEXTS,
        "tier": IDENT,
        "care_type": {"enum": list(m.CARE_TYPES)},
        "summary": TEXT,
        "how_it_works": TEXT,
        "expect": _object({"time": TEXT, "recovery": TEXT, "onset": TEXT}),
        "benefits": {"type": "array", "items": statement, "minItems": 1},
        "suitable_for": TEXTS,
        "not_suitable_for": TEXTS,
        "guidelines": {"type": "array", "items": stance, "minItems": 1},
        "access": _object({"cost": TEXT, "insurance": TEXT, "access": TEXT}),
        "questions": TEXTS,
        "sources": IDS,
        "reviewed": DATE,
        "review_due": DATE,
        "rules": {"type": "array", "items": {"$ref": "#/$defs/rule"}, "minItems": 1},
    }
    assert set(treatment_fields) == set(TREATMENT_KEYS)
    bound = {"oneOf": [{"type": "null"}, _object({"lt": {"type": "number"}}), _object({"lte": {"type": "number"}})]}
    top: dict[str, Any] = {
        "version": TEXT,
        "reviewed": DATE,
        "review_due": DATE,
        "disclaimer": TEXT,
        "warning_signs": TEXT,
        "risk_tool_note": TEXT,
        "verification": _object({"V": TEXT, "S": TEXT, "U": TEXT}),
        "guidelines": _object(
            {
                g: _object(
                    {"name": TEXT, "short": TEXT, "sources": {"type": "array", "items": IDENT}},
                    {"scope": condition_ref, "scope_note": TEXT},
                )
                for g in m.GUIDELINES
            }
        ),
        "messages": _object({key: TEXT for key in MESSAGES}),
        "signals": _object({result: _object({"default": signal}, {care: signal for care in m.CARE_TYPES}) for result in m.RESULTS}),
        "walk": {"type": "array", "items": {"enum": list(FACTS)}, "minItems": 1},
        "sources": {
            "type": "array",
            "items": _object(
                {"id": IDENT, "label": TEXT, "title": TEXT, "publisher": TEXT},
                {"year": {"type": "integer"}, "section": TEXT, "url": TEXT, "undated": TEXT},
            ),
        },
        "stages": {
            "type": "array",
            "items": _object(
                {
                    "id": {"enum": list(FACTS["stage"].values)},
                    "label": TEXT,
                    "meaning": TEXT,
                    "what_we_do": TEXT,
                    "sources": IDS,
                    "weeks": bound,
                }
            ),
        },
        "risk_groups": {
            "type": "array",
            "items": _object({"id": {"enum": list(FACTS["risk"].values)}, "label": TEXT, "meaning": TEXT, "sources": IDS}),
        },
        "questions": {
            "type": "array",
            "items": _object(
                {"fact": {"enum": list(FACTS)}, "label": TEXT, "ask": TEXT, "prompt": TEXT, "why": TEXT}, {"ask_when": condition_ref}
            ),
        },
        "levels": {
            "type": "array",
            "items": _object({"level": {"enum": list(m.LEVELS)}, "label": TEXT, "hold_reason": TEXT}),
        },
        "tiers": {
            "type": "array",
            "items": _object(
                {"id": IDENT, "name": TEXT, "description": TEXT},
                {"rules": {"type": "array", "items": {"$ref": "#/$defs/rule"}}},
            ),
        },
        "red_flags": {
            "type": "array",
            "items": _object(
                {
                    "code": IDENT,
                    "sign": TEXT,
                    "question": TEXT,
                    "level": {"enum": list(m.LEVELS)},
                    "action": TEXT,
                    "why": TEXT,
                    "sources": IDS,
                }
            ),
        },
        "red_flag_rules": {
            "type": "array",
            "items": _object({"when": condition_ref, "level": {"enum": list(m.LEVELS)}, "action": TEXT, "sources": IDS}),
        },
        "conditions": {
            "type": "object",
            "additionalProperties": _object({"description": TEXT, "when": condition_ref}),
        },
        "treatments": {
            "type": "array",
            "items": _object(
                dict(treatment_fields),
                {
                    "article": _object({"claim": TEXT, "agrees": {"type": "boolean"}, "note": TEXT}),
                    "benefit_size": {"type": "array", "items": statement, "minItems": 1},
                    "risks": {"type": "array", "items": statement, "minItems": 1},
                    "signals": signals_by_result,
                    "audit_exceptions": {"type": "array", "items": _object({"check": {"enum": list(AUDIT_CHECKS)}, "reason": TEXT})},
                },
            ),
        },
    }
    assert set(top) == set(TOP_KEYS)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://backpain.invalid/schema/treatments.schema.json",
        "title": "backpain knowledge base",
        "description": "The format of data/treatments.yaml. See docs/knowledge-base.md.",
        **_object(top),
        "$defs": {
            "condition": {"oneOf": [*combinators, *(_fact_test(name) for name in FACTS)]},
            "rule": rule,
        },
    }
