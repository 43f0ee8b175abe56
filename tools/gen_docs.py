"""Write the generated parts of the docs from the code, so they cannot drift (tests/test_docs.py checks).

Run: python tools/gen_docs.py

- docs/cli.md: every command's --help, found by walking the app (a new command is documented with
  nothing to add here);
- README examples: a block introduced by ``<!-- example: ARGS -->`` holds the command and its real
  output at 80 columns;
- generated blocks in Markdown files, between ``<!-- generated: NAME -->`` and ``<!-- end generated -->``:
  ``statuses`` (the one status table), ``format`` (the knowledge-base format's tables) and
  ``history`` (docs/journal.md's example, the golden history).
"""

from __future__ import annotations

import re
import shlex
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import typer.main
from typer.testing import CliRunner

from backpain_cli.cli import app
from backpain_cli.knowledge.format import tables
from backpain_cli.knowledge.model import RULE_STATUSES, STATUS_TABLE

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "docs" / "cli.md"
README = ROOT / "README.md"
GENERATED_IN = [README, ROOT / "docs" / "knowledge-base.md", ROOT / "docs" / "json.md", ROOT / "docs" / "journal.md"]
EXAMPLE = re.compile(r"(<!-- example: (?P<args>[^>]*?) -->\n```text\n)(?P<body>.*?)(```)", re.DOTALL)
BLOCK = re.compile(r"(<!-- generated: (?P<name>[a-z-]+) -->\n)(?P<body>.*?)(<!-- end generated -->)", re.DOTALL)
ENV = {"COLUMNS": "100", "TERMINAL_WIDTH": "100", "NO_COLOR": "1", "TERM": "dumb", "BACKPAIN_KB": None, "FORCE_COLOR": None}
ENV["BACKPAIN_JOURNAL"] = str(ROOT / ".no-journal" / "journal.sqlite3")  # examples never read the person's journal (no file there)


def commands() -> Iterator[list[str]]:
    """Every command and group of the app, root first, in the order they are registered."""

    def walk(command: object, words: list[str]) -> Iterator[list[str]]:
        yield words
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk(sub, [*words, name])

    yield from walk(typer.main.get_command(app), [])


def render() -> str:
    """The whole command reference, as Markdown."""
    runner = CliRunner(env=ENV)
    parts = ["# Command reference", "", "Generated from `--help` by `python tools/gen_docs.py`; do not edit by hand.", ""]
    for words in commands():
        result = runner.invoke(app, [*words, "--help"], prog_name="backpain")
        if result.exit_code != 0:
            raise SystemExit(f"'backpain {' '.join(words)} --help' failed: {result.stderr}")
        help_text = "\n".join(line.rstrip() for line in result.stdout.splitlines()).strip("\n")
        parts += [f"## `{' '.join(['backpain', *words])}`", "", "```text", help_text, "```", ""]
    return "\n".join(parts)


def example_output(args: str) -> str:
    """``$ backpain ARGS`` followed by what it prints at 80 columns."""
    result = CliRunner(env={**ENV, "COLUMNS": "80", "TERMINAL_WIDTH": "80"}).invoke(app, shlex.split(args), prog_name="backpain")
    if result.exit_code != 0:
        raise SystemExit(f"README example 'backpain {args}' failed: {result.stderr}")
    return f"$ backpain {args}\n{result.stdout}"


def statuses() -> str:
    """The status table, most open first: what each means, whether it puts the option on the table, who sets it."""
    rows = ["| status | label | meaning | on the table | set by |", "|---|---|---|---|---|"]
    for s in STATUS_TABLE.values():
        setter = "a rule" if s.name in RULE_STATUSES else "what the person said" if s.name in ("helped", "tried") else "the engine"
        rows.append(f"| `{s.name}` | {s.label} | {s.meaning} | {'yes' if s.active else 'no'} | {setter} |")
    return "\n".join(rows)


def format_tables() -> str:
    parts = []
    for title, table in tables():
        parts += [f"#### {title[:1].upper()}{title[1:]}", "", table, ""]
    return "\n".join(parts).rstrip()


def history_example() -> str:
    """The history of the journal the golden test logs (tests/golden/history.txt): a journal is
    personal, so the example is the tested one, not this machine's."""
    golden = (ROOT / "tests" / "golden" / "history.txt").read_text(encoding="utf-8")
    return f"```text\n$ backpain history\n{golden}```"


BLOCKS: dict[str, Callable[[], str]] = {"statuses": statuses, "format": format_tables, "history": history_example}


def render_generated(text: str) -> str:
    """A Markdown file with every example and generated block written afresh."""
    text = EXAMPLE.sub(lambda m: m.group(1) + example_output(m.group("args")) + m.group(4), text)

    def block(m: re.Match[str]) -> str:
        name = m.group("name")
        if name not in BLOCKS:
            raise SystemExit(f"unknown generated block '{name}'")
        return m.group(1) + BLOCKS[name]() + "\n" + m.group(4)

    return BLOCK.sub(block, text)


def main() -> int:
    TARGET.write_text(render(), encoding="utf-8")
    for path in GENERATED_IN:
        path.write_text(render_generated(path.read_text(encoding="utf-8")), encoding="utf-8")
    written = ", ".join(str(p.relative_to(ROOT)) for p in GENERATED_IN)
    sys.stdout.write(f"wrote {TARGET.relative_to(ROOT)} and the generated parts of {written}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
