"""Generated docs stay true: docs/cli.md matches --help, README examples match real runs."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_cli_docs", ROOT / "tools" / "gen_cli_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["gen_cli_docs"] = module
    spec.loader.exec_module(module)
    return module


def test_cli_reference_matches_help() -> None:
    expected = _generator().render()
    assert (ROOT / "docs" / "cli.md").read_text(encoding="utf-8") == expected, "run: python tools/gen_cli_docs.py"


def test_readme_examples_are_real_output() -> None:
    generator = _generator()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert generator.EXAMPLE.search(readme), "the README should show at least one real example"
    assert readme == generator.render_readme(readme), "run: python tools/gen_cli_docs.py"


def test_every_command_is_documented() -> None:
    reference = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    for command in ("list", "explain", "pathway", "walk", "compare", "search", "red-flags", "sources", "kb check", "kb schema"):
        assert f"## `backpain {command}`" in reference


def test_every_exit_code_is_documented() -> None:
    """The README's table and --help's epilog list every ExitCode (issue 14 added 5, output errors)."""
    from backpain_cli.cli.app import EXIT_CODES_HELP
    from backpain_cli.errors import ExitCode

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for code in ExitCode:
        assert f"\n| {code.value} | " in readme, code
        assert f" {code.value} " in EXIT_CODES_HELP, code
