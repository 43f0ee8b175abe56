"""Start-up builds only the command being run, or only the summaries for root help (``cli.app_for``);
whatever is typed, the answer must be the one the whole app gives. Nothing here is timed:
docs/performance.md has the figures.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from backpain_cli import cli
from backpain_cli.cli import startup

SHIPPED = Path(__file__).resolve().parents[1] / "data" / "treatments.yaml"

COMMANDS = ["list", "explain", "compare", "search", "red-flags", "sources", "pathway", "walk", "history", "kb", "log", "journal"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["list"], "list"),
        (["explain", "epidural", "--json"], "explain"),
        (["pathway", "--months", "4"], "pathway"),
        (["kb", "check"], "kb"),
        (["--kb", "x.yaml", "list"], "list"),
        (["--kb=x.yaml", "explain", "epidural"], "explain"),
        (["--kb", "list", "explain"], "explain"),  # "list" is the --kb value here, not the command
        (["--kb"], None),
        ([], None),
        (["--help"], None),
        (["-h", "list"], None),  # root help, whatever follows
        (["--version", "list"], None),
        (["--install-completion"], None),
        (["lst"], None),  # misspelt: the whole app, so the error can suggest 'list'
        (["--", "list"], None),
        (["LIST"], None),
    ],
)
def test_invoked_command(args: list[str], expected: str | None) -> None:
    assert cli.invoked_command(args) == expected


def test_every_command_is_known() -> None:
    for name in COMMANDS:
        lean = cli.app_for([name])
        assert lean is not cli.app
        assert [i.name for i in lean.registered_commands] + [i.name for i in lean.registered_groups] == [name]
    assert {i.name for i in cli.app.registered_commands} | {i.name for i in cli.app.registered_groups} == set(COMMANDS)
    assert set(cli.COMMANDS) == set(COMMANDS)  # the start-up table names every command, and no other


@pytest.mark.parametrize("name", COMMANDS)
def test_start_up_imports_only_the_module_of_the_command_run(name: str) -> None:
    """In a fresh process, building the app for one command imports its own module and no other
    command's: the table in ``backpain_cli.cli`` names the right module for every command."""
    script = (
        "import sys; from backpain_cli.cli import startup; from backpain_cli.cli.commands import COMMANDS; "
        f"lean = startup.app_for([{name!r}]); "
        "print(*[i.name for i in lean.registered_commands + lean.registered_groups]); "
        "print(*sorted(set(COMMANDS.values()) & {m.rsplit('.', 1)[-1] for m in sys.modules if m.startswith('backpain_cli.cli.')}))"
    )
    shown, imported = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.splitlines()
    assert shown == name
    assert imported == cli.COMMANDS[name]


@pytest.mark.parametrize("args", [[], ["--help"], ["-h"], ["--kb", "x.yaml", "--help"]])
def test_root_help_builds_summaries_only(args: list[str]) -> None:
    shown = cli.app_for(args)
    assert [i.name for i in shown.registered_commands] == [i.name for i in cli.app.registered_commands]
    assert all(i.callback is startup._no_parameters for i in shown.registered_commands)
    assert all(i.help for i in shown.registered_commands)


def test_the_whole_app_is_left_as_it_was() -> None:
    before = (list(cli.app.registered_commands), list(cli.app.registered_groups))
    callbacks = [i.callback for i in cli.app.registered_commands]
    cli.app_for(["explain", "epidural"])
    cli.app_for(["--help"])
    assert (cli.app.registered_commands, cli.app.registered_groups) == before
    assert [i.callback for i in cli.app.registered_commands] == callbacks


def _both(runner: CliRunner, args: list[str]) -> tuple[tuple[int, str, str], tuple[int, str, str]]:
    lean = runner.invoke(cli.app_for(args), args)
    whole = runner.invoke(cli.app, args)
    return (lean.exit_code, lean.stdout, lean.stderr), (whole.exit_code, whole.stdout, whole.stderr)


EXAMPLES = [
    ["list"],
    ["list", "--json"],
    ["list", "--tier", "nope"],
    ["explain", "epidural"],
    ["explain"],
    ["explain", "nothing-called-this"],
    ["explain", "--help"],
    ["pathway", "--months", "4", "--json"],
    ["pathway", "--months", "-1"],
    ["pathway", "--bogus"],
    ["pathway", "--help"],
    ["compare", "epidural"],
    ["search", "sciatica", "--limit", "2"],
    ["red-flags", "--json"],
    ["sources", "--help"],
    ["walk", "--no-such-option"],
    ["kb"],
    ["kb", "check"],
    ["kb", "schema"],
    ["kb", "nope"],
    ["--kb", str(SHIPPED), "list", "--json"],
    [f"--kb={SHIPPED}", "explain", "epidural", "--json"],
    ["--kb", "/no/such/file.yaml", "list"],
    ["lst"],
    ["--version"],
    ["--help"],
    ["-h", "explain"],
    ["--kb", str(SHIPPED), "--help"],
    ["--kb"],
    [],
]


@pytest.mark.parametrize("args", EXAMPLES, ids=lambda a: " ".join(a) or "(none)")
def test_the_lean_app_answers_as_the_whole_app(runner: CliRunner, args: list[str]) -> None:
    lean, whole = _both(runner, args)
    assert lean == whole


WORDS = st.sampled_from(
    [
        *COMMANDS,
        "--kb",
        str(SHIPPED),
        "--help",
        "-h",
        "--json",
        "--months",
        "4",
        "epidural",
        "check",
        "--",
        "x",
        "--tier",
        "surgical",
        "--version",
    ]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(args=st.lists(WORDS, max_size=5))
def test_any_command_line_gets_the_same_answer(runner: CliRunner, args: list[str]) -> None:
    lean, whole = _both(runner, args)
    assert lean == whole


# --- completion: the words before the one being completed decide which command to build ----------


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"COMP_WORDS": "backpain explain epi", "COMP_CWORD": "2"}, ["explain"]),
        ({"COMP_WORDS": "backpain ex", "COMP_CWORD": "1"}, []),
        ({"COMP_WORDS": "backpain --kb f.yaml pathway --tried ", "COMP_CWORD": "5"}, ["--kb", "f.yaml", "pathway", "--tried"]),
        ({"_TYPER_COMPLETE_ARGS": "backpain pathway --tried phy"}, ["pathway", "--tried"]),
        ({"_TYPER_COMPLETE_ARGS": "backpain kb "}, ["kb"]),
        ({"_TYPER_COMPLETE_ARGS": "backpain kb"}, []),  # still typing the command's name
        ({}, []),
    ],
)
def test_completion_args(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: list[str]) -> None:
    for name in ("COMP_WORDS", "COMP_CWORD", "_TYPER_COMPLETE_ARGS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert startup._completion_args() == expected


def _complete(env: dict[str, str]) -> list[str]:
    full = {k: v for k, v in os.environ.items() if k != "BACKPAIN_KB"}
    full.update({"_BACKPAIN_COMPLETE": "complete_bash", **env})
    done = subprocess.run([sys.executable, "-m", "backpain_cli"], capture_output=True, text=True, env=full, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_completing_a_command_name_offers_every_command() -> None:
    assert _complete({"COMP_WORDS": "backpain ", "COMP_CWORD": "1"}) == sorted(COMMANDS, key=COMMANDS.index)
    assert _complete({"COMP_WORDS": "backpain ex", "COMP_CWORD": "1"}) == ["explain"]


def test_completing_after_a_command_uses_that_command() -> None:
    assert _complete({"COMP_WORDS": "backpain kb ", "COMP_CWORD": "2"}) == ["check", "audit", "schema"]
    assert _complete({"COMP_WORDS": f"backpain --kb {SHIPPED} list --tier sur", "COMP_CWORD": "5"}) == ["surgical"]
    zsh = _complete({"_BACKPAIN_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "backpain pathway --red-flag sad"})
    assert "saddle-numbness" in " ".join(zsh)
