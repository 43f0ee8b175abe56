"""Hostile command lines: every option and argument of every command, given what no person means to type.

The contract: exit 0 or 2 (3 where the value is a knowledge-base path), never 1; a failure is exactly
one line on stderr starting "backpain: error: "; nothing echoed back holds a raw control character
(ESC, BEL, CR...), so typed input can never drive the terminal; never a traceback.

Tests marked ``xfail(strict=True, reason="BUG: ...")`` document real bugs.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from backpain_cli import cli
from backpain_cli.cli import seams

SHIPPED = Path(__file__).resolve().parents[1] / "data" / "treatments.yaml"
ERROR = "backpain: error: "
TIME_LIMIT = 60.0  # a hang guard for subprocesses, never a speed test: a busy machine must not fail it
V = object()  # where the hostile value goes in a command line


# ---------------------------------------------------------------------------------------------------
# Values

TEXT_VALUES: dict[str, str] = {
    "empty": "",
    "space": " ",
    "whitespace": "\t \n",
    "long-100k": "a" * 100_000,
    "long-100k-words": "pain " * 20_000,
    "ansi-colour": "\x1b[31mred\x1b[0m",
    "ansi-clear-screen": "\x1b[2J\x1b[H",
    "osc8-hyperlink": "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\",
    "osc-title": "\x1b]0;owned\x07",
    "controls": "a\x07b\x08c\rd\x0be\x0cf\x7fg",
    "c1-csi": "\x9b31mred",
    "newline": "epidural\nphysio",
    "markup-bold": "[bold]x[/]",
    "markup-close": "[/]",
    "markup-link": "[link=https://evil.example]click[/link]",
    "bidi-override": "\u202eevil",
    "zero-width": "epi\u200bdural",
    "surrogate-escape": "\udcff\udcfe",
    "emoji": "\U0001f525",
    "format-string": "%s%n{0}{name}",
    "dash-dash": "--",
    "looks-like-option": "-x",
}
NUMBER_VALUES: dict[str, str] = {
    "negative": "-1",
    "huge": "1e308",
    "negative-huge": "-1e308",
    "overflow": "1e400",
    "big-integer": "9" * 30,
    "nan": "nan",
    "NaN-caps": "NaN",
    "inf": "inf",
    "negative-inf": "-inf",
    "infinity": "Infinity",
    "negative-zero": "-0",
    "zero": "0",
    "denormal": "1e-320",
    "hex": "0x10",
    "underscore": "1_0",
    "arabic-indic-digit": "\u0664",
    "fullwidth-digit": "\uff14",
    "padded": " 4 ",
    "comma": "4,5",
    "empty": "",
    "word": "four",
    "ansi": "\x1b[31m4",
}

# Every option and argument that takes text, with where the value goes. Exit 3 is fine only for a knowledge-base path.
TEXT_TARGETS: dict[str, list[Any]] = {
    "list --tier": ["list", "--tier", V],
    "list --tier --json": ["list", "--tier", V, "--json"],
    "list EXTRA": ["list", V],
    "explain NAME": ["explain", V],
    "explain NAME --json": ["explain", V, "--json"],
    "compare FIRST": ["compare", V, "physio"],
    "compare SECOND": ["compare", "epidural", V],
    "compare BOTH": ["compare", V, V],
    "search TEXT": ["search", V],
    "search TEXT --json": ["search", V, "--json"],
    "red-flags EXTRA": ["red-flags", V],
    "sources EXTRA": ["sources", V],
    "pathway --tried": ["pathway", "--tried", V],
    "pathway --helped": ["pathway", "--helped", V],
    "pathway --red-flag": ["pathway", "--red-flag", V],
    "pathway --medial-branch-block": ["pathway", "--medial-branch-block", V],
    "pathway --risk": ["pathway", "--risk", V],
    "pathway --avoid": ["pathway", "--avoid", V],
    "pathway --guideline": ["pathway", "--guideline", V],
    "pathway --answers": ["pathway", "--answers", V],
    "pathway --save": ["pathway", "--months", "4", "--save", V],
    "pathway --json --tried": ["pathway", "--json", "--tried", V],
    "--kb PATH": ["--kb", V, "list"],
    "kb check PATH": ["kb", "check", V],
    "kb check PATH --json": ["kb", "check", V, "--json"],
    "COMMAND": [V],
}
NUMBER_TARGETS: dict[str, list[Any]] = {
    "pathway --months": ["pathway", "--months", V],
    "pathway --weeks": ["pathway", "--weeks", V],
    "pathway --pain": ["pathway", "--pain", V],
    "pathway --json --pain": ["pathway", "--json", "--months", "4", "--pain", V],
    "search --limit": ["search", "pain", "--limit", V],
}


def _is_control(ch: str) -> bool:
    return (ord(ch) < 32 and ch != "\n") or 0x7F <= ord(ch) <= 0x9F


def control_chars(text: str) -> list[str]:
    return sorted({repr(ch) for ch in text if _is_control(ch)})


def _known_bug(target: str, value: str) -> str | None:
    """A "BUG: ..." reason for a (target, value) the program mishandles today; none are known."""
    return None


def _text_cases() -> list[Any]:
    cases = []
    for target in TEXT_TARGETS:
        for name, value in TEXT_VALUES.items():
            bug = _known_bug(target, value)
            marks = [pytest.mark.xfail(strict=True, reason=bug)] if bug else []
            cases.append(pytest.param(target, value, id=f"{target}={name}", marks=marks))
    return cases


def _number_cases() -> list[Any]:
    return [pytest.param(target, value, id=f"{target}={name}") for target in NUMBER_TARGETS for name, value in NUMBER_VALUES.items()]


# ---------------------------------------------------------------------------------------------------
# Helpers


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty folder, so that no hostile --save value can write anywhere that matters."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def fill(template: list[Any], value: str) -> list[str]:
    return [value if part is V else part for part in template]


def run(runner: CliRunner, args: list[str]) -> tuple[int, str, str]:
    result = runner.invoke(cli.app, args)
    return result.exit_code, result.stdout, result.stderr


def assert_well_behaved(code: int, out: str, err: str, allowed: frozenset[int] | set[int]) -> None:
    """The contract for any command line, valid or not."""
    assert "Traceback" not in out + err, err
    assert code in allowed, (code, err[:500])
    assert code != 1, err
    if code == 0:
        assert err == "" or err.startswith("backpain: saved your plan to "), err[:500]
    elif code == 3 and out and not err:  # kb check: the problems go to stdout, one line each, or as JSON
        if out.startswith("{"):
            assert json.loads(out)["valid"] is False
        else:
            assert out.splitlines()[-1].startswith("1 problem(s) found in "), out[:500]
    else:
        assert out == "" or "Usage:" in out, out[:500]  # help may be shown before the error
        lines = err.splitlines()
        assert len(lines) == 1 and err.endswith("\n"), err[:500]
        assert lines[0].startswith(ERROR), err[:500]
    assert control_chars(out + err) == [], (control_chars(out + err), (out + err)[:300])


# ---------------------------------------------------------------------------------------------------
# Every option and argument, every hostile value


@pytest.mark.parametrize(("target", "value"), _text_cases())
def test_hostile_text(runner: CliRunner, in_tmp: Path, target: str, value: str) -> None:
    template = TEXT_TARGETS[target]
    allowed = {0, 2, 3} if target.startswith(("--kb", "kb check")) else {0, 2}
    code, out, err = run(runner, fill(template, value))
    assert_well_behaved(code, out, err, allowed)


@pytest.mark.parametrize(("target", "value"), _number_cases())
def test_hostile_number(runner: CliRunner, target: str, value: str) -> None:
    code, out, err = run(runner, fill(NUMBER_TARGETS[target], value))
    assert_well_behaved(code, out, err, {0, 2})


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e308", "-1", "1e400", "11", "10.5", "-0.001"])
@pytest.mark.parametrize("option", ["--months", "--weeks", "--pain"])
def test_out_of_range_numbers_are_refused(runner: CliRunner, option: str, value: str) -> None:
    if option != "--pain" and value in ("11", "10.5"):
        return  # in range for a duration
    code, out, err = run(runner, ["pathway", option, value])
    assert_well_behaved(code, out, err, {2})
    assert option in err


@pytest.mark.parametrize(
    "args",
    [
        ["list", "--tier", "surgical", "--tier", "holistic"],
        ["list", "--json", "--json"],
        ["search", "disc", "--limit", "1", "--limit", "2"],
        ["pathway", "--months", "4", "--months", "5"],
        ["pathway", "--tried", "physio", "--tried", "physio", "--tried", "Physio"],
        ["pathway", "--helped", "heat", "--helped", "heat"],
        ["pathway", "--red-flag", "fever", "--red-flag", "fever"],
        ["pathway", "--avoid", "surgery", "--avoid", "surgery", "--avoid", "injections"],
        ["pathway", "--leg-pain", "--no-leg-pain", "--leg-pain"],
        ["pathway", "--guideline", "nice", "--guideline", "acp"],
        ["pathway", "--why", "--why", "--json", "--json"],
        ["--kb", str(SHIPPED), "--kb", str(SHIPPED), "list"],
        ["compare", "epidural", "physio", "epidural"],
    ],
    ids=" ".join,
)
def test_repeated_options_are_fine(runner: CliRunner, args: list[str]) -> None:
    code, out, err = run(runner, args)
    assert_well_behaved(code, out, err, {0})


@pytest.mark.parametrize(
    "args",
    [
        ["pathway", "--months", "4", "--weeks", "5"],
        ["pathway", "--tried", "physio", "--helped", "physio"],
        ["pathway", "--tried", "physio", "--helped", "physiotherapy"],
        ["pathway", "-i", "--no-input"],
        ["pathway", "--interactive"],
        ["pathway", "--force"],
        ["walk"],
        ["compare"],
        ["compare", "epidural"],
        ["compare", "epidural", "epidural"],
        ["explain"],
        ["search"],
        ["explain", "epidural", "physio"],
        ["pathway", "--months"],
        ["list", "--tier"],
        ["pathway", "--leg-pain=yes"],
        ["list", "--json=1"],
        ["--kb"],
    ],
    ids=" ".join,
)
def test_clashing_or_incomplete_command_lines_are_usage_errors(runner: CliRunner, args: list[str]) -> None:
    code, out, err = run(runner, args)
    assert_well_behaved(code, out, err, {2})


COMMAND_PREFIXES = [
    [],
    ["list"],
    ["explain", "epidural"],
    ["compare", "epidural", "physio"],
    ["search", "disc"],
    ["red-flags"],
    ["sources"],
    ["pathway"],
    ["walk"],
    ["kb", "check"],
    ["kb", "schema"],
]


@pytest.mark.parametrize("unknown", ["--bogus", "-x", "---", "--tier=", "--months=", "--Json", "-", "--kb=x"])
@pytest.mark.parametrize("prefix", COMMAND_PREFIXES, ids=lambda p: " ".join(p) or "backpain")
def test_unknown_options(runner: CliRunner, prefix: list[str], unknown: str) -> None:
    code, out, err = run(runner, [*prefix, unknown])
    assert_well_behaved(code, out, err, {0, 2, 3})  # '-' is a file name to kb check (3), '--kb=x' is valid at the top


@pytest.mark.parametrize("prefix", COMMAND_PREFIXES, ids=lambda p: " ".join(p) or "backpain")
def test_help_everywhere(runner: CliRunner, prefix: list[str]) -> None:
    code, out, err = run(runner, [*prefix, "--help"])
    assert (code, err) == (0, "")
    assert "Usage:" in out and "Traceback" not in out


def test_kb_without_a_subcommand(runner: CliRunner) -> None:
    code, out, err = run(runner, ["kb"])
    assert code in (0, 2) and "Traceback" not in out + err
    if code == 2:
        message = err.removeprefix(ERROR).split(" Run '")[0].strip(" .\n")
        assert message, err


# ---------------------------------------------------------------------------------------------------
# Specific bugs


def test_negative_zero_is_plain_zero_in_json(runner: CliRunner) -> None:
    code, out, err = run(runner, ["pathway", "--months", "-0", "--pain", "-0", "--json"])
    assert (code, err) == (0, "")
    answers = json.loads(out)["answers"]
    assert math.copysign(1, answers["months"]) == 1 and math.copysign(1, answers["pain"]) == 1, answers


def test_negative_zero_is_plain_zero_in_a_saved_plan(runner: CliRunner, in_tmp: Path) -> None:
    code, _, err = run(runner, ["pathway", "--months", "-0", "--pain", "-0", "--save", "plan.md"])
    assert code == 0, err
    plan = (in_tmp / "plan.md").read_text(encoding="utf-8").replace("\\-", "-")  # Markdown escapes a leading '-'
    answers = [line for line in plan.splitlines() if "Months of pain" in line or "Pain score" in line]
    assert len(answers) == 2, plan[:2000]
    assert not any("-0" in line for line in answers), answers


def test_out_of_range_value_is_echoed_as_typed(runner: CliRunner) -> None:
    code, out, err = run(runner, ["pathway", "--pain", "10.000001"])
    assert_well_behaved(code, out, err, {2})
    assert "10.000001" in err, err


def test_saved_plan_name_with_escapes_is_echoed_safely(runner: CliRunner, in_tmp: Path) -> None:
    code, out, err = run(runner, ["pathway", "--months", "4", "--save", "\x1b[31mplan\x1b[0m.md"])
    assert_well_behaved(code, out, err, {0, 2})


@pytest.mark.parametrize(
    "args", [["pathway", "--answers", "a\x00.yaml"], ["pathway", "--months", "4", "--save", "plan\x00.md"]], ids=["--answers", "--save"]
)
def test_nul_in_a_file_name(runner: CliRunner, in_tmp: Path, args: list[str]) -> None:
    code, out, err = run(runner, args)
    assert_well_behaved(code, out, err, {2})


def _walk_to_the_save_prompt(monkeypatch: pytest.MonkeyPatch) -> None:
    """Skip the walk's questions: it answers nothing, so the only prompt is the offer to save."""
    from backpain_cli.cli import walk
    from backpain_cli.engine.answers import Answers

    monkeypatch.setattr(seams, "stdin_is_terminal", lambda: True)
    monkeypatch.setattr(walk.Walk, "run", lambda self: Answers())


@pytest.mark.parametrize(
    "name",
    [
        "plan.md",
        "plan\x00.md",
        "\x1b[31mplan.md",
        "[bold]plan[red].md",
        "no-suffix",
    ],
    ids=["plain", "nul", "ansi", "markup", "no-suffix"],
)
def test_walk_save_prompt_file_name(runner: CliRunner, in_tmp: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    _walk_to_the_save_prompt(monkeypatch)
    result = runner.invoke(cli.app, ["walk"], input=f"yes\n{name}\n\n\n\n")
    code, out, err = result.exit_code, result.stdout, result.stderr
    assert "Traceback" not in out + err
    assert code == 0, err[-500:]
    assert control_chars(err.splitlines()[-1]) == [], err.splitlines()[-1]


# ---------------------------------------------------------------------------------------------------
# Arbitrary text (hypothesis)

# Real argv can hold any character but NUL; bytes that are not UTF-8 arrive as lone surrogates U+DC80..U+DCFF.
ARGV_CHARACTERS = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00") | st.characters(
    min_codepoint=0xDC80, max_codepoint=0xDCFF
)
ARGV_TEXT = st.text(ARGV_CHARACTERS, max_size=300) | st.sampled_from(sorted(TEXT_VALUES.values()) + sorted(NUMBER_VALUES.values()))
ARBITRARY_TARGETS: dict[str, list[Any]] = {
    "explain": ["explain", V],
    "search": ["search", V],
    "--tried": ["pathway", "--tried", V],
    "--red-flag": ["pathway", "--red-flag", V],
    "--months": ["pathway", "--months", V],
}


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(target=st.sampled_from(sorted(ARBITRARY_TARGETS)), value=ARGV_TEXT)
def test_arbitrary_text(target: str, value: str) -> None:
    runner = CliRunner(env={"COLUMNS": "80", "NO_COLOR": "1", "BACKPAIN_KB": None, "TERM": "dumb"})
    code, out, err = run(runner, fill(ARBITRARY_TARGETS[target], value))
    assert_well_behaved(code, out, err, {0, 2})


# ---------------------------------------------------------------------------------------------------
# Bytes that are not UTF-8, through a real process


def run_bytes(*args: bytes, env: dict[str, str] | None = None, cwd: Path | None = None) -> tuple[int, str, str]:
    # PYTHONIOENCODING=utf-8:strict is what stdout is under a UTF-8 locale such as en_US.UTF-8 (under C or
    # C.UTF-8 Python would quietly use surrogateescape instead and hide a crash).
    full_env = {**os.environ, "NO_COLOR": "1", "TERM": "dumb", "COLUMNS": "80", "PYTHONIOENCODING": "utf-8:strict", **(env or {})}
    full_env.pop("BACKPAIN_KB", None)
    done = subprocess.run(
        [os.fsencode(sys.executable), b"-m", b"backpain_cli", *args], capture_output=True, env=full_env, timeout=TIME_LIMIT * 2, cwd=cwd
    )
    return done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")


@pytest.mark.parametrize(
    ("args", "allowed"),
    [
        pytest.param([b"explain", b"\xff\xfe"], {2}, id="explain"),
        pytest.param([b"compare", b"\xff", b"physio"], {2}, id="compare"),
        pytest.param([b"search", b"\xff\xfe"], {0, 2}, id="search"),
        pytest.param([b"search", b"caf\xe9"], {0, 2}, id="search-latin1"),
        pytest.param([b"list", b"--tier", b"\xff"], {2}, id="list-tier"),
        pytest.param([b"pathway", b"--tried", b"\xff"], {2}, id="pathway-tried"),
        pytest.param([b"pathway", b"--months", b"\xff"], {2}, id="pathway-months"),
        pytest.param([b"pathway", b"--risk", b"\xc3"], {2}, id="pathway-risk-truncated-utf8"),
        pytest.param([b"--kb", b"/nonexistent/\xff.yaml", b"list"], {3}, id="kb-option"),
        pytest.param([b"pathway", b"--answers", b"/nonexistent/\xff.yaml"], {2}, id="answers"),
        pytest.param([b"\xff"], {2}, id="command"),
        pytest.param([b"--\xff"], {2}, id="option"),
        pytest.param([b"kb", b"check", b"/nonexistent/\xff.yaml"], {3}, id="kb-check"),
    ],
)
def test_bytes_that_are_not_utf8(args: list[bytes], allowed: set[int]) -> None:
    code, out, err = run_bytes(*args)
    assert_well_behaved(code, out, err, allowed)


def test_bytes_that_are_not_utf8_in_a_saved_plan_name(tmp_path: Path) -> None:
    code, out, err = run_bytes(b"pathway", b"--months", b"4", b"--save", b"plan-\xff.md", cwd=tmp_path)
    assert_well_behaved(code, out, err, {0})
    assert (tmp_path / os.fsdecode(b"plan-\xff.md")).is_file()
