"""Write docs/cli.md from the commands' own --help, and README's examples from real runs.

Run: python tools/gen_cli_docs.py   (tests/test_docs.py fails when either is out of date)

A README example is a block introduced by ``<!-- example: ARGS -->``; its content is the command and
its real output at 80 columns.
"""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

from typer.testing import CliRunner

from backpain_cli.cli import app

COMMANDS: list[list[str]] = [
    [],
    ["list"],
    ["explain"],
    ["pathway"],
    ["walk"],
    ["compare"],
    ["search"],
    ["red-flags"],
    ["sources"],
    ["kb"],
    ["kb", "check"],
    ["kb", "schema"],
]
ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "docs" / "cli.md"
README = ROOT / "README.md"
EXAMPLE = re.compile(r"(<!-- example: (?P<args>[^>]*?) -->\n```text\n)(?P<body>.*?)(```)", re.DOTALL)
ENV = {"COLUMNS": "100", "TERMINAL_WIDTH": "100", "NO_COLOR": "1", "TERM": "dumb", "BACKPAIN_KB": None, "FORCE_COLOR": None}


def render() -> str:
    """The whole reference, as Markdown."""
    runner = CliRunner(env=ENV)
    parts = [
        "# Command reference",
        "",
        "Generated from `--help` by `python tools/gen_cli_docs.py`; do not edit by hand.",
        "",
    ]
    for words in COMMANDS:
        result = runner.invoke(app, [*words, "--help"], prog_name="backpain")
        if result.exit_code != 0:
            raise SystemExit(f"'backpain {' '.join(words)} --help' failed: {result.stderr}")
        title = " ".join(["backpain", *words])
        help_text = "\n".join(line.rstrip() for line in result.stdout.splitlines()).strip("\n")
        parts += [f"## `{title}`", "", "```text", help_text, "```", ""]
    return "\n".join(parts)


def example_output(args: str) -> str:
    """``$ backpain ARGS`` followed by what it prints at 80 columns."""
    result = CliRunner(env={**ENV, "COLUMNS": "80", "TERMINAL_WIDTH": "80"}).invoke(app, shlex.split(args), prog_name="backpain")
    if result.exit_code != 0:
        raise SystemExit(f"README example 'backpain {args}' failed: {result.stderr}")
    return f"$ backpain {args}\n{result.stdout}"


def render_readme(text: str) -> str:
    """README with every example block replaced by a fresh run."""
    return EXAMPLE.sub(lambda m: m.group(1) + example_output(m.group("args")) + m.group(4), text)


def main() -> int:
    TARGET.write_text(render(), encoding="utf-8")
    README.write_text(render_readme(README.read_text(encoding="utf-8")), encoding="utf-8")
    sys.stdout.write(f"wrote {TARGET} and the examples in {README}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
