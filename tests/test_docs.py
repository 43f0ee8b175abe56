"""Generated docs stay true: docs/cli.md matches --help, README examples match real runs, and the
status and format tables in the docs match the code they come from."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_docs", ROOT / "tools" / "gen_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["gen_docs"] = module
    spec.loader.exec_module(module)
    return module


def test_cli_reference_matches_help() -> None:
    expected = _generator().render()
    assert (ROOT / "docs" / "cli.md").read_text(encoding="utf-8") == expected, "run: python tools/gen_docs.py"


@pytest.mark.parametrize("name", ["README.md", "docs/knowledge-base.md", "docs/json.md", "docs/journal.md"])
def test_generated_parts_are_current(name: str) -> None:
    generator = _generator()
    text = (ROOT / name).read_text(encoding="utf-8")
    assert text == generator.render_generated(text), "run: python tools/gen_docs.py"


def test_generated_blocks_are_where_readers_look() -> None:
    generator = _generator()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert generator.EXAMPLE.search(readme), "the README should show at least one real example"
    found = {m.group("name") for path in generator.GENERATED_IN for m in generator.BLOCK.finditer(path.read_text(encoding="utf-8"))}
    assert found == set(generator.BLOCKS)


def test_every_command_is_documented() -> None:
    """Found from the app itself: a new command needs no list here to be checked."""
    reference = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    for words in _generator().commands():
        assert f"## `{' '.join(['backpain', *words])}`" in reference


def test_every_exit_code_is_documented() -> None:
    """The README's table and --help's epilog list every ExitCode (issue 14 added 5, output errors)."""
    from backpain_cli.cli.root import EXIT_CODES_HELP
    from backpain_cli.errors import ExitCode

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for code in ExitCode:
        assert f"\n| {code.value} | " in readme, code
        assert f" {code.value} " in EXIT_CODES_HELP, code
