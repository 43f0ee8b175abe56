"""Shared fixtures: the shipped knowledge base, a CLI runner, and a way to write edited copies."""

from __future__ import annotations

import compileall
import copy
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from backpain_cli.knowledge import loader as knowledge
from backpain_cli.knowledge.model import Knowledge

# Many tests start the program in a subprocess. With PYTHONDONTWRITEBYTECODE set (as on these machines)
# none of them would leave compiled modules behind, so each would compile every module again: compile
# them once here instead (into __pycache__, which git ignores).
compileall.compile_dir(str(Path(__file__).resolve().parents[1] / "src"), quiet=1)

# Tests never touch the person's real cache; subprocesses inherit this too.
os.environ["BACKPAIN_CACHE_DIR"] = tempfile.mkdtemp(prefix="backpain-test-cache-")
# Nor their journal: a path with no file (an empty journal) unless a test logs to it. The fixture below
# gives each test its own; this covers anything that runs outside a test.
os.environ["BACKPAIN_JOURNAL"] = os.path.join(tempfile.mkdtemp(prefix="backpain-test-journal-"), "journal.sqlite3")

REPO = Path(__file__).resolve().parents[1]
# The C dumper and loader when PyYAML has them: several times faster, and these run for many tests.
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SHIPPED = REPO / "data" / "treatments.yaml"


@pytest.fixture(autouse=True)
def journal_path(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test has a journal of its own, not created yet: ``BACKPAIN_JOURNAL`` points at it (subprocesses too)."""
    path = tmp_path_factory.mktemp("journal") / "journal.sqlite3"
    monkeypatch.setenv("BACKPAIN_JOURNAL", str(path))
    return path


@pytest.fixture(scope="session")
def kb() -> Knowledge:
    return knowledge.load(SHIPPED)


@pytest.fixture(scope="session")
def shipped_raw() -> dict[str, Any]:
    return yaml.load(SHIPPED.read_text(encoding="utf-8"), Loader=LOADER)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner(env={"COLUMNS": "80", "NO_COLOR": "1", "BACKPAIN_KB": None, "TERM": "dumb"})


@pytest.fixture
def write_kb(tmp_path: Path, shipped_raw: dict[str, Any]) -> Callable[[Callable[[dict[str, Any]], Any]], Path]:
    """Write a copy of the shipped knowledge base after ``edit`` has changed it; return its path."""

    def make(edit: Callable[[dict[str, Any]], Any]) -> Path:
        data = copy.deepcopy(shipped_raw)
        edit(data)
        path = tmp_path / "kb.yaml"
        path.write_text(yaml.dump(data, Dumper=DUMPER, sort_keys=False, allow_unicode=True), encoding="utf-8")
        return path

    return make
