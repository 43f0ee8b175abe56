"""A JSON Schema of the knowledge-base format, from the same records validation reads (``format.py``).

Editors (VS Code's YAML extension and friends) use it to check ``treatments.yaml`` as it is typed.
The loader remains the authority: it also checks references, cycles and the rule language's meaning.
"""

from __future__ import annotations

from typing import Any

from backpain_cli.knowledge.conditions import OPERATORS
from backpain_cli.knowledge.facts import FACTS
from backpain_cli.knowledge.format import KNOWLEDGE


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
    """The JSON Schema (draft 2020-12) for ``data/treatments.yaml``, from the format's own records."""
    condition_ref = {"$ref": "#/$defs/condition"}
    combinators = [
        _object({"all": {"type": "array", "items": condition_ref, "minItems": 1}}),
        _object({"any": {"type": "array", "items": condition_ref, "minItems": 1}}),
        _object({"not": condition_ref}),
        _object({"condition": {"type": "string", "minLength": 1}}),
    ]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://backpain.invalid/schema/treatments.schema.json",
        "title": "backpain knowledge base",
        "description": "The format of data/treatments.yaml. See docs/knowledge-base.md.",
        **KNOWLEDGE.schema(),
        "$defs": {"condition": {"oneOf": [*combinators, *(_fact_test(name) for name in FACTS)]}},
    }


def _object(fields: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": fields, "required": list(fields), "additionalProperties": False}
