"""`backpain kb schema` prints a JSON Schema that accepts the shipped knowledge base and rejects bad ones."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import jsonschema
from typer.testing import CliRunner

from backpain_cli import cli


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _schema(runner: CliRunner) -> dict[str, Any]:
    result = runner.invoke(cli.app, ["kb", "schema"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


def test_schema_accepts_the_shipped_knowledge_base(runner: CliRunner, shipped_raw: dict[str, Any]) -> None:
    validator = jsonschema.Draft202012Validator(_schema(runner))
    assert list(validator.iter_errors(_jsonable(shipped_raw))) == []


def test_schema_rejects_unknown_keys_operators_and_statuses(runner: CliRunner, shipped_raw: dict[str, Any]) -> None:
    validator = jsonschema.Draft202012Validator(_schema(runner))
    broken = json.loads(json.dumps(_jsonable(shipped_raw)))
    nsaids = next(t for t in broken["treatments"] if t["id"] == "nsaids")
    nsaids["colour"] = "red"
    nsaids["rules"][0]["when"] = {"pain": {"over": 5}}
    nsaids["rules"][-1]["status"] = "maybe"
    messages = [e.message for e in validator.iter_errors(broken)]
    assert len(messages) >= 2
