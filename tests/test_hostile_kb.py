"""Hostile knowledge bases: every one is refused with exit 3 and one line naming the file, or loads.

Three layers:

- the small fixture files in ``tests/hostile/`` (one defect each, ``EXPECTED`` below says what the
  problem list must mention), through CliRunner, a real subprocess with ``BACKPAIN_KB`` and
  ``backpain kb check``;
- single-defect edits of the shipped file (the same defects inside a realistic file, so the defect
  is the first problem and the one-line error must name it), plus files that are valid but hostile
  (Rich markup, terminal escapes, a BOM, CRLF line ends);
- property tests: the shipped file mutated at random (delete, retype, duplicate, rename a key or an
  id) either validates or gives at least one one-line problem, never another exception.

Tests marked ``xfail(strict=True, reason="BUG: ...")`` document real bugs; they start passing (and so
fail strictly) once the bug is fixed, and the mark must then be removed.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import json
import os
import resource
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from backpain_cli import cli
from backpain_cli.errors import KnowledgeBaseError, Problem
from backpain_cli.knowledge import loader as knowledge
from backpain_cli.knowledge.format import build
from backpain_cli.views.plan_formats import USUAL_SUFFIXES

HOSTILE = Path(__file__).parent / "hostile"
SHIPPED = Path(__file__).resolve().parents[1] / "data" / "treatments.yaml"
TIME_LIMIT = 60.0  # seconds: a hang guard for one run on one hostile file, never a speed test
ERROR = "backpain: error: "


# ---------------------------------------------------------------------------------------------------
# The fixture files and what their problem list (``backpain kb check``) must mention.

EXPECTED: dict[str, tuple[str, ...]] = {
    "empty.yaml": ("is empty",),
    "whitespace-only.yaml": ("is empty",),
    "binary-nul-bytes.yaml": ("binary file",),
    "latin1-not-utf8.yaml": ("not valid UTF-8", "byte 33"),
    # UTF-16 text of ASCII characters is full of NUL bytes, so it is refused as binary.
    "utf16-with-bom.yaml": ("binary file",),
    "yaml-syntax-error.yaml": ("YAML syntax error", "line 4", "column"),
    "tag-python-object-apply-os-system.yaml": ("YAML tags are not allowed", "python/object/apply:os.system"),
    "tag-python-name.yaml": ("YAML tags are not allowed", "python/name:os.system"),
    "tag-custom.yaml": ("YAML tags are not allowed", "!include"),
    "tag-standard-str.yaml": ("YAML tags are not allowed", "str"),
    "alias-bomb-billion-laughs.yaml": ("aliases expand the file past the size limit",),
    "alias-recursive.yaml": ("refers to itself",),
    "alias-undefined.yaml": ("undefined alias",),
    "duplicate-key-top-level.yaml": ("duplicate key 'version'", "line 3"),
    "duplicate-key-nested-in-treatment.yaml": ("duplicate key 'gte'", "line 10"),
    "yaml11-version-float.yaml": ("at version: must be text, but YAML read 1.1 as a number", "put the value in quotes"),
    "yaml11-name-no.yaml": ("at treatments[0].name: must be text, but YAML read False as true/false",),
    # YAML 1.1 reads 0123 as octal: the message shows 83, not 123.
    "yaml11-name-octal.yaml": ("at treatments[0].name: must be text, but YAML read 83 as a number",),
    "yaml11-aliases-yes-on.yaml": ("at treatments[0].aliases[0]: must be text, but YAML read True", "aliases[1]"),
    "wrong-types.yaml": (
        "at tiers: must be a list, not text",
        "at treatments: must be a list, not a mapping",
        "at sources: must be a list",
    ),
    "unknown-fields.yaml": ("unknown key 'colour'", "unknown key 'dosage'"),
    "dangling-tier.yaml": ("at treatments[0].tier: unknown tier 'nowhere'",),
    "dangling-source.yaml": ("unknown source 'nice-ng95'", "did you mean 'nice-ng59'?"),
    "dangling-treatment-in-rule.yaml": ("'no-such-treatment' is not a known treatments id",),
    "dangling-red-flag-in-rule.yaml": ("'no-such-flag' is not a known red flags id",),
    "unknown-fact.yaml": ("unknown fact or keyword 'pain_score'",),
    "unknown-operator.yaml": ("unknown operator 'over' for number fact 'pain'",),
    "circular-conditions.yaml": ("circular condition: a -> b -> a", "circular condition: b -> a -> b"),
    "top-level-list.yaml": ("must be a mapping, not a list",),
    "top-level-scalar.yaml": ("must be a mapping, not text",),
    "deep-nesting.yaml": ("YAML syntax error", "nesting depth"),
    "multiple-documents.yaml": ("YAML syntax error", "another document"),
    "complex-key.yaml": ("a mapping key must be plain text",),
    "control-character.yaml": ("control characters are not allowed",),
    "invalid-date-february-30.yaml": ("reviewed", "date"),
    "invalid-date-year-zero.yaml": ("reviewed", "date"),
    "huge-integer-5000-digits.yaml": ("version",),
}
BUGGY: dict[str, str] = {}  # file name -> "BUG: ..." for a hostile file the program mishandles today


def _fixture_params(bugs: dict[str, str] = BUGGY) -> list[Any]:
    marks = {name: [pytest.mark.xfail(strict=True, reason=reason)] for name, reason in bugs.items()}
    return [pytest.param(name, id=name.removesuffix(".yaml"), marks=marks.get(name, [])) for name in sorted(EXPECTED)]


# ---------------------------------------------------------------------------------------------------
# Helpers


def invoke(runner: CliRunner, args: list[str]) -> tuple[int, str, str]:
    result = runner.invoke(cli.app, args)
    return result.exit_code, result.stdout, result.stderr


def run_subprocess(args: list[str], env: dict[str, str] | None = None, **kwargs: Any) -> tuple[int, str, str]:
    full_env = {**os.environ, "NO_COLOR": "1", "TERM": "dumb", "COLUMNS": "80", **(env or {})}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "backpain_cli", *args], capture_output=True, env=full_env, timeout=TIME_LIMIT * 2, **kwargs
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"backpain {args} did not finish within {TIME_LIMIT * 2:.0f} s (a hang)")
    out = done.stdout.decode("utf-8", "replace")
    err = done.stderr.decode("utf-8", "replace")
    return done.returncode, out, err


def assert_one_line_error(code: int, out: str, err: str, *, names: str, exit_code: int = 3) -> str:
    """The documented failure shape: the exit code, nothing on stdout, one line on stderr naming ``names``."""
    assert "Traceback" not in out + err, err
    assert code == exit_code, (code, err)
    assert out == "", out
    lines = err.splitlines()
    assert len(lines) == 1 and err.endswith("\n"), err
    assert lines[0].startswith(ERROR), err
    assert names in lines[0], (names, err)
    return lines[0]


def fixture_path(name: str) -> Path:
    return HOSTILE / name


@functools.cache
def shipped_text() -> str:
    return SHIPPED.read_text(encoding="utf-8")


@functools.cache
def shipped_raw() -> dict[str, Any]:
    return yaml.safe_load(shipped_text())  # type: ignore[no-any-return]


def dump(data: Any) -> str:
    """YAML text of ``data``; the C dumper when there is one (six times faster than safe_dump)."""
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(data, Dumper=dumper, sort_keys=False, allow_unicode=True)


# ---------------------------------------------------------------------------------------------------
# The fixture folder


def test_every_fixture_file_has_an_expectation_and_is_small() -> None:
    files = {p.name for p in HOSTILE.glob("*.yaml")}
    assert files == set(EXPECTED), files ^ set(EXPECTED)
    assert all((HOSTILE / name).stat().st_size <= 8 * 1024 for name in files)


@pytest.mark.parametrize("name", _fixture_params())
def test_hostile_file_through_the_cli(runner: CliRunner, name: str) -> None:
    path = fixture_path(name)
    code, out, err = invoke(runner, ["--kb", str(path), "list"])
    assert_one_line_error(code, out, err, names=str(path))


@pytest.mark.parametrize("name", _fixture_params())
def test_hostile_file_through_a_subprocess_with_the_environment_variable(name: str) -> None:
    path = fixture_path(name)
    code, out, err = run_subprocess(["list"], env={"BACKPAIN_KB": str(path)})
    assert_one_line_error(code, out, err, names=str(path))


@pytest.mark.parametrize("name", _fixture_params())
def test_kb_check_lists_every_problem(runner: CliRunner, name: str) -> None:
    path = fixture_path(name)
    code, out, err = invoke(runner, ["kb", "check", str(path)])
    assert "Traceback" not in out + err
    assert (code, err) == (3, ""), (code, err)
    *problems, summary = out.splitlines()
    assert summary == f"{len(problems)} problem(s) found in {path}", summary
    assert problems and all(line.startswith(f"{path}: ") for line in problems), out
    for fragment in EXPECTED[name]:
        assert fragment in out, (fragment, out)


@pytest.mark.parametrize("name", _fixture_params())
def test_kb_check_json_lists_every_problem(runner: CliRunner, name: str) -> None:
    code, out, err = invoke(runner, ["kb", "check", str(fixture_path(name)), "--json"])
    assert (code, err) == (3, ""), (code, err)
    report = json.loads(out)
    assert report["valid"] is False and report["problems"], report
    for problem in report["problems"]:
        assert set(problem) == {"path", "message", "suggestion"}
        assert "\n" not in problem["message"]


def test_kb_check_passes_the_shipped_file(runner: CliRunner) -> None:
    code, out, err = invoke(runner, ["kb", "check", str(SHIPPED)])
    assert (code, err) == (0, "")
    assert out.startswith(f"{SHIPPED}: valid (") and out.count("\n") == 1


def test_the_os_system_tag_never_runs(runner: CliRunner, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "kb.yaml"
    path.write_text(f"version: !!python/object/apply:os.system ['touch {marker}']\n", encoding="utf-8")
    code, out, err = invoke(runner, ["--kb", str(path), "list"])
    assert_one_line_error(code, out, err, names=str(path))
    assert not marker.exists()


# ---------------------------------------------------------------------------------------------------
# Paths that are not files: too big, a directory, missing, unreadable, a device, a pipe, empty.


def test_file_over_the_size_limit_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:  # sparse: no disk space used, nothing worth reading
        handle.truncate(knowledge.MAX_BYTES + 1)
    code, out, err = run_subprocess(["list"], env={"BACKPAIN_KB": str(path)})
    line = assert_one_line_error(code, out, err, names=str(path))
    assert "over the 128 MiB limit" in line


def test_size_limit_through_the_cli(runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(knowledge, "MAX_BYTES", 1000)
    path = tmp_path / "big.yaml"
    path.write_bytes(SHIPPED.read_bytes()[:5000])
    code, out, err = invoke(runner, ["--kb", str(path), "list"])
    assert "over the" in assert_one_line_error(code, out, err, names=str(path))


def test_directory(runner: CliRunner, tmp_path: Path) -> None:
    code, out, err = invoke(runner, ["--kb", str(tmp_path), "list"])
    assert "is a directory" in assert_one_line_error(code, out, err, names=str(tmp_path))


def test_missing_file(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"
    code, out, err = invoke(runner, ["--kb", str(path), "list"])
    assert "no such file" in assert_one_line_error(code, out, err, names=str(path))


def test_missing_folder_on_the_way(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "no" / "such" / "folder" / "kb.yaml"
    code, out, err = invoke(runner, ["--kb", str(path), "list"])
    assert_one_line_error(code, out, err, names=str(path))


def test_a_file_used_as_a_folder(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "file.yaml"
    path.write_text("x", encoding="utf-8")
    code, out, err = invoke(runner, ["--kb", str(path / "kb.yaml"), "list"])
    assert_one_line_error(code, out, err, names=str(path / "kb.yaml"))


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "secret.yaml"
    path.write_bytes(SHIPPED.read_bytes())
    path.chmod(0)
    code, out, err = invoke(runner, ["--kb", str(path), "list"])
    assert "permission denied" in assert_one_line_error(code, out, err, names=str(path))


def test_unreadable_file_simulated(runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same as above for root (which reads any file): the read itself is refused."""
    path = tmp_path / "secret.yaml"
    path.write_bytes(b"version: '1'\n")
    real = os.open

    def denied(name: object, *args: Any, **kwargs: Any) -> int:
        if Path(str(name)) == path:
            raise PermissionError(13, "Permission denied", str(name))
        return real(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", denied)
    code, out, err = invoke(runner, ["--kb", str(path), "list"])
    assert "permission denied" in assert_one_line_error(code, out, err, names=str(path))


def test_kb_path_empty_option(runner: CliRunner) -> None:
    code, out, err = invoke(runner, ["--kb", "", "list"])
    assert "the knowledge base path is empty" in assert_one_line_error(code, out, err, names="''")


def test_kb_path_whitespace_option(runner: CliRunner) -> None:
    code, out, err = invoke(runner, ["--kb", "   ", "list"])
    assert "the knowledge base path is empty" in assert_one_line_error(code, out, err, names="backpain: error:")


def test_kb_path_empty_environment_variable() -> None:
    code, out, err = run_subprocess(["list"], env={"BACKPAIN_KB": ""})
    assert "the knowledge base path is empty" in assert_one_line_error(code, out, err, names="''")


def test_kb_check_empty_path(runner: CliRunner) -> None:
    """Like --kb '': refused before any check, as one line naming the empty path."""
    code, out, err = invoke(runner, ["kb", "check", ""])
    assert (code, out) == (3, "")
    assert "empty" in err and err.count("\n") == 1, err


@pytest.mark.parametrize("args", [["--kb", "kb\x00.yaml", "list"], ["kb", "check", "kb\x00.yaml"]], ids=["--kb", "kb-check"])
def test_path_with_a_nul_character(runner: CliRunner, args: list[str]) -> None:
    code, out, err = invoke(runner, args)
    assert code == 3, (code, err)
    assert "Traceback" not in out + err


def _limit_memory() -> None:  # runs in the child: a runaway read ends in MemoryError, not in swapping
    resource.setrlimit(resource.RLIMIT_AS, (1024**3, 1024**3))


def test_endless_device() -> None:
    code, out, err = run_subprocess(["list"], env={"BACKPAIN_KB": "/dev/zero"}, preexec_fn=_limit_memory)
    assert_one_line_error(code, out, err, names="/dev/zero")


def test_named_pipe(tmp_path: Path) -> None:
    fifo = tmp_path / "kb.yaml"
    os.mkfifo(fifo)
    env = {**os.environ, "BACKPAIN_KB": str(fifo), "NO_COLOR": "1"}
    try:
        done = subprocess.run([sys.executable, "-m", "backpain_cli", "list"], capture_output=True, env=env, timeout=3)
    except subprocess.TimeoutExpired:
        pytest.fail("backpain hangs on a named pipe")
    assert done.returncode == 3


def test_dev_null_is_refused(runner: CliRunner) -> None:
    code, out, err = invoke(runner, ["--kb", os.devnull, "list"])
    assert "not a regular file" in assert_one_line_error(code, out, err, names=os.devnull)


# ---------------------------------------------------------------------------------------------------
# One defect inside the shipped file: the one-line error must name that defect.

HEAT_START, HEAT_END = "\n- id: heat\n", "\n- id: nsaids\n"
ACUTE = "  acute:\n    description: your pain is new (under 4 weeks)\n    when:\n      stage:\n        is: acute\n"
CHRONIC = "  chronic:\n    description: your pain has lasted more than 3 months\n    when:\n      stage:\n        is: chronic\n"


def edit_shipped(old: str, new: str, *, in_heat: bool = False) -> str:
    """The shipped text with ``old`` (which must occur) replaced once, optionally only in heat's entry."""
    text = shipped_text()
    if not in_heat:
        assert old in text, old
        return text.replace(old, new, 1)
    start = text.index(HEAT_START)
    end = text.index(HEAT_END, start)
    block = text[start:end]
    assert old in block, old
    return text[:start] + block.replace(old, new, 1) + text[end:]


SINGLE_DEFECTS: dict[str, tuple[Callable[[], str], str]] = {
    "version-1.10": (lambda: edit_shipped("version: 2026.11.1\n", "version: 1.10\n"), "at version: must be text, but YAML read 1.1"),
    "name-no": (
        lambda: edit_shipped("  name: Superficial heat (heat packs and wraps)\n", "  name: no\n", in_heat=True),
        "name: must be text, but YAML read False",
    ),
    "name-0123": (
        lambda: edit_shipped("  name: Superficial heat (heat packs and wraps)\n", "  name: 0123\n", in_heat=True),
        "name: must be text, but YAML read 83 as a number",
    ),
    "aliases-yes-on": (
        lambda: edit_shipped("  - heat pack\n  - heat packs\n", "  - yes\n  - on\n", in_heat=True),
        "aliases[0]: must be text, but YAML read True",
    ),
    "wrong-type": (
        lambda: edit_shipped("    time: Used at home as needed, for example during a flare.\n", "    time: [a, list]\n", in_heat=True),
        "expect.time: must be text, not a list",
    ),
    "unknown-field": (lambda: edit_shipped("- id: heat\n", "- id: heat\n  dosage: twice a day\n"), "unknown key 'dosage'"),
    "dangling-tier": (lambda: edit_shipped("  tier: traditional\n", "  tier: nowhere\n", in_heat=True), "unknown tier 'nowhere'"),
    "dangling-source": (lambda: edit_shipped("    - acp-2017\n", "    - acp-2071\n", in_heat=True), "unknown source 'acp-2071'"),
    "dangling-treatment-in-rule": (
        lambda: edit_shipped("      condition: not-chronic\n", "      tried:\n        has: no-such-treatment\n", in_heat=True),
        "'no-such-treatment' is not a known treatments id",
    ),
    "dangling-red-flag-in-rule": (
        lambda: edit_shipped("      condition: not-chronic\n", "      red_flags:\n        has: no-such-flag\n", in_heat=True),
        "'no-such-flag' is not a known red flags id",
    ),
    "unknown-fact": (
        lambda: edit_shipped("      condition: not-chronic\n", "      pain_score:\n        gte: 5\n", in_heat=True),
        "unknown fact or keyword 'pain_score'",
    ),
    "unknown-operator": (
        lambda: edit_shipped("      condition: not-chronic\n", "      pain:\n        over: 5\n", in_heat=True),
        "unknown operator 'over'",
    ),
    "unknown-condition": (
        lambda: edit_shipped("      condition: not-chronic\n", "      condition: not-chronik\n", in_heat=True),
        "unknown condition 'not-chronik'",
    ),
    "circular-conditions": (
        lambda: edit_shipped(
            ACUTE + CHRONIC,
            ACUTE.replace("stage:\n        is: acute", "condition: chronic")
            + CHRONIC.replace("stage:\n        is: chronic", "condition: acute"),
        ),
        "circular condition: ",
    ),
    "duplicate-key-top-level": (lambda: shipped_text() + "version: 2026.11.2\n", "duplicate key 'version'"),
    "duplicate-key-in-treatment": (
        lambda: edit_shipped("    recovery: 'None: you carry on as normal.'\n", "    recovery: a\n    recovery: b\n", in_heat=True),
        "duplicate key 'recovery'",
    ),
    "duplicate-treatment-id": (lambda: edit_shipped("- id: nsaids\n", "- id: heat\n"), "heat"),
    "tag-on-a-value": (lambda: edit_shipped("version: 2026.11.1\n", "version: !!str 2026.11.1\n"), "YAML tags are not allowed"),
    "syntax-error": (lambda: edit_shipped("  tier: traditional\n", "  tier: 'traditional\n", in_heat=True), "YAML syntax error"),
}


@pytest.mark.parametrize("defect", sorted(SINGLE_DEFECTS))
def test_one_defect_in_the_shipped_file_is_named_in_the_error(runner: CliRunner, tmp_path: Path, defect: str) -> None:
    make, fragment = SINGLE_DEFECTS[defect]
    path = tmp_path / "kb.yaml"
    path.write_text(make(), encoding="utf-8")
    code, out, err = invoke(runner, ["--kb", str(path), "list"])
    line = assert_one_line_error(code, out, err, names=str(path))
    assert fragment in line, (fragment, line)


# ---------------------------------------------------------------------------------------------------
# Valid but hostile: markup and escapes in the text, odd encodings of a valid file.

MARKUP = "[bold]x[/] [link=https://evil.example]click[/link] [/] [red on white]loud[/red on white] [not a tag"
ESCAPES = "\x1b[31mred\x1b[0m \x1b]8;;https://evil.example\x1b\\osc link\x1b]8;;\x1b\\ \x1b[2J bell\x07 back\x08 cr\r end"


def _hostile_content_kb(folder: Path, *, name: str, summary: str, version: str | None = None) -> Path:
    data = copy.deepcopy(shipped_raw())
    heat = next(t for t in data["treatments"] if t["id"] == "heat")
    heat["name"], heat["summary"] = name, summary
    if version is not None:
        data["version"] = version
    path = folder / "hostile-content.yaml"
    path.write_text(dump(data), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def markup_kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _hostile_content_kb(tmp_path_factory.mktemp("markup"), name=f"Heat {MARKUP}", summary=f"Warmth. {MARKUP}")


@pytest.fixture(scope="module")
def escapes_kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _hostile_content_kb(tmp_path_factory.mktemp("escapes"), name=f"Heat {ESCAPES} {MARKUP}", summary=f"Warmth. {ESCAPES}")


COMMANDS = {
    "list": ["list"],
    "list-tier": ["list", "--tier", "traditional"],
    "explain": ["explain", "heat"],
    "pathway": ["pathway", "--months", "2"],
    "pathway-why": ["pathway", "--months", "2", "--why"],
    "compare": ["compare", "heat", "tens"],
    "search": ["search", "heat"],
}


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_rich_markup_in_the_knowledge_base_prints_literally(markup_kb: Path, command: str) -> None:
    path = markup_kb
    wide = CliRunner(env={"COLUMNS": "400", "NO_COLOR": "1", "TERM": "dumb", "BACKPAIN_KB": None})
    code, out, err = invoke(wide, ["--kb", str(path), *COMMANDS[command]])
    assert (code, err) == (0, ""), (code, err)
    assert _flat(MARKUP) in _flat(out), out[:2000]
    assert "\x1b" not in out


def _control_chars(text: str) -> list[str]:
    return sorted({repr(ch) for ch in text if (ord(ch) < 32 and ch not in "\n") or 0x7F <= ord(ch) <= 0x9F})


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_terminal_escapes_in_the_knowledge_base_never_reach_the_output(runner: CliRunner, escapes_kb: Path, command: str) -> None:
    path = escapes_kb
    code, out, err = invoke(runner, ["--kb", str(path), *COMMANDS[command]])
    assert "Traceback" not in out + err
    if code == 3:  # refusing such a file is a fine answer too
        assert_one_line_error(code, out, err, names=str(path))
        return
    assert code == 0, (code, err)
    assert _control_chars(out) == [], _control_chars(out)


@pytest.mark.parametrize("suffix", USUAL_SUFFIXES)
def test_terminal_escapes_in_the_knowledge_base_never_reach_a_saved_plan(
    runner: CliRunner, escapes_kb: Path, tmp_path: Path, suffix: str
) -> None:
    path = escapes_kb
    plan = tmp_path / f"plan{suffix}"
    code, out, err = invoke(runner, ["--kb", str(path), "pathway", "--months", "2", "--save", str(plan)])
    assert "Traceback" not in out + err
    if code == 3:
        return
    assert code == 0, err
    assert _control_chars(plan.read_text(encoding="utf-8")) == []


def test_terminal_escapes_in_the_version_never_reach_kb_check(runner: CliRunner, tmp_path: Path) -> None:
    path = _hostile_content_kb(tmp_path, name="Heat", summary="Warmth.", version="2026.1 \x1b]0;owned\x07\x1b[2J")
    code, out, err = invoke(runner, ["kb", "check", str(path)])
    assert code in (0, 3)
    assert _control_chars(out + err) == [], out


def test_terminal_escapes_in_the_version_are_stripped_by_version(runner: CliRunner, tmp_path: Path) -> None:
    path = _hostile_content_kb(tmp_path, name="Heat", summary="Warmth.", version="2026.1 \x1b[31mred\x1b[0m")
    code, out, err = invoke(runner, ["--kb", str(path), "--version"])
    assert code in (0, 3)
    assert "\x1b" not in out + err


@pytest.mark.parametrize("command", [["list", "--json"], ["explain", "heat", "--json"], ["search", "heat", "--json"]], ids=" ".join)
def test_json_escapes_control_characters(runner: CliRunner, escapes_kb: Path, command: list[str]) -> None:
    path = escapes_kb
    code, out, err = invoke(runner, ["--kb", str(path), *command])
    if code == 3:
        return
    assert (code, err) == (0, "")
    assert "\x1b" not in out
    assert MARKUP in out  # JSON keeps the text exactly
    json.loads(out)


@pytest.mark.parametrize(
    "where",
    ["tier", "care_type", "id", "key", "source"],
)
def test_each_problem_is_one_printable_line(tmp_path: Path, runner: CliRunner, where: str) -> None:
    bad = "line one\nFAKE: valid (38 treatments)\x1b[2J"
    data = copy.deepcopy(shipped_raw())
    heat = next(t for t in data["treatments"] if t["id"] == "heat")
    if where == "key":
        heat[bad] = 1
    elif where == "source":
        heat["sources"] = [bad]
    else:
        heat[where] = bad
    path = tmp_path / "kb.yaml"
    path.write_text(dump(data), encoding="utf-8")
    code, out, err = invoke(runner, ["kb", "check", str(path)])
    assert (code, err) == (3, "")
    *problems, _summary = out.splitlines()
    assert all(line.startswith(f"{path}: ") for line in problems), out
    assert _control_chars(out) == [], out


@pytest.mark.parametrize("variant", ["bom", "crlf", "bom-crlf", "no-final-newline"])
def test_a_valid_file_in_another_byte_form_loads(runner: CliRunner, tmp_path: Path, variant: str) -> None:
    data = SHIPPED.read_bytes()
    if "crlf" in variant:
        data = data.replace(b"\n", b"\r\n")
    if "bom" in variant:
        data = b"\xef\xbb\xbf" + data
    if variant == "no-final-newline":
        data = data.rstrip(b"\n")
    path = tmp_path / "kb.yaml"
    path.write_bytes(data)
    code, out, err = invoke(runner, ["--kb", str(path), "list"])
    assert (code, err) == (0, "")
    assert out.startswith("1. ")


# ---------------------------------------------------------------------------------------------------
# Property tests: the shipped file mutated at random.

REPLACEMENTS: tuple[Callable[[Any], Any], ...] = (
    lambda v: "text",
    lambda v: "",
    lambda v: "   ",
    lambda v: 7,
    lambda v: -1,
    lambda v: 0,
    lambda v: 1.5,
    lambda v: float("nan"),
    lambda v: float("inf"),
    lambda v: 10**30,
    lambda v: True,
    lambda v: False,
    lambda v: None,
    lambda v: [],
    lambda v: ["x"],
    lambda v: {},
    lambda v: {"k": "v"},
    lambda v: dt.date(2026, 1, 1),
    lambda v: [v],  # wrap: a list where a value was
    lambda v: {"value": v},  # wrap: a mapping where a value was
    lambda v: str(v),  # a number or list turned into its text
    lambda v: "self",
    lambda v: "nsaids",
)
KEY_RENAMES: tuple[Callable[[Any], Any], ...] = (
    lambda k: f"{k}_x",
    lambda k: str(k).upper(),
    lambda k: str(k)[:-1],
    lambda k: "",
    lambda k: 5,
    lambda k: True,
    lambda k: None,
    lambda k: "id",
    lambda k: "when",
    lambda k: "all",
    lambda k: "condition",
)
ID_VALUES = (
    "nsaids",
    "heat",
    "physical-therapy",
    "nice-ng59",
    "acp-2017",
    "saddle-numbness",
    "holistic",
    "surgical",
    "self",
    "x",
    "",
    "Bad_Id",
    7,
    None,
)
KINDS = ("delete", "retype", "duplicate", "rename_key", "rename_id")
MUTATION = st.tuples(st.sampled_from(KINDS), st.integers(0, 8), st.integers(0, 2**16), st.integers(0, 2**16))
MUTATIONS = st.lists(MUTATION, min_size=1, max_size=4)


def _containers(node: Any, depth: int = 0) -> list[tuple[int, Any]]:
    found: list[tuple[int, Any]] = [(depth, node)]
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
    for child in children:
        if isinstance(child, dict | list):
            found.extend(_containers(child, depth + 1))
    return found


def mutate(raw: dict[str, Any], kind: str, max_depth: int, where: int, which: int) -> None:
    """Apply one mutation, chosen deterministically from the numbers, in place."""
    nodes = [node for depth, node in _containers(raw) if depth <= max_depth and node]
    if kind == "rename_id":
        owners = [node for _, node in _containers(raw) if isinstance(node, dict) and ("id" in node or "code" in node)]
        if not owners:
            return
        target = owners[where % len(owners)]
        target["id" if "id" in target else "code"] = ID_VALUES[which % len(ID_VALUES)]
        return
    if kind == "duplicate":
        nodes = [node for node in nodes if isinstance(node, list)]
    if not nodes:
        return
    node = nodes[where % len(nodes)]
    if isinstance(node, list):
        index = which % len(node)
        if kind == "delete":
            del node[index]
        elif kind == "duplicate":
            node.insert(index, copy.deepcopy(node[index]))
        else:
            node[index] = REPLACEMENTS[which % len(REPLACEMENTS)](node[index])
        return
    keys = list(node)
    key = keys[which % len(keys)]
    if kind == "delete":
        del node[key]
    elif kind == "rename_key":
        node[KEY_RENAMES[which % len(KEY_RENAMES)](key)] = node.pop(key)
    else:
        node[key] = REPLACEMENTS[which % len(REPLACEMENTS)](node[key])


def mutated(mutations: list[tuple[str, int, int, int]]) -> dict[str, Any]:
    raw = copy.deepcopy(shipped_raw())
    for kind, depth, where, which in mutations:
        mutate(raw, kind, depth, where, which)
    return raw


def check_outcome(raw: Any) -> bool:
    """Valid (True), or invalid with problems that are each one line (False); anything else fails."""
    problems: list[Problem] = []
    try:
        model = build(raw, problems)
    except KnowledgeBaseError as error:
        model, problems = None, list(error.problems)
    if model is not None and not problems:
        return True
    assert problems, "invalid without a single problem"
    for problem in problems:
        assert isinstance(problem, Problem)
        text = str(problem)
        assert isinstance(text, str) and text.strip(), repr(text)
        assert "\n" not in text and "\r" not in text, repr(text)
    return False


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutations=MUTATIONS)
def test_mutated_knowledge_base_validates_or_lists_problems(mutations: list[tuple[str, int, int, int]]) -> None:
    event("valid" if check_outcome(mutated(mutations)) else "refused with problems")


def test_the_mutations_do_change_the_file() -> None:
    """Guard for the property test: the mutations reach deep and shallow parts, and most break the file."""
    outcomes = [check_outcome(mutated([(kind, depth, where, where * 7)])) for kind in KINDS for depth in (0, 8) for where in range(4)]
    assert outcomes.count(False) > len(outcomes) // 2


CLI_CHECKS = (
    ["list"],
    ["explain", "heat"],
    ["compare", "heat", "nsaids"],
    ["pathway", "--months", "8", "--pain", "6", "--leg-pain", "--tried", "physio", "--why"],
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutations=MUTATIONS)
def test_mutated_knowledge_base_through_the_cli(mutations: list[tuple[str, int, int, int]]) -> None:
    raw = mutated(mutations)
    runner = CliRunner(env={"COLUMNS": "80", "NO_COLOR": "1", "TERM": "dumb", "BACKPAIN_KB": None})
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "kb.yaml"
        path.write_text(dump(raw), encoding="utf-8")
        code, out, err = invoke(runner, ["--kb", str(path), "list"])
        if code == 3:
            event("refused with exit 3")
            assert_one_line_error(code, out, err, names=str(path))
            return
        event("loaded: every command run")
        assert (code, err) == (0, ""), (code, err)
        for args in CLI_CHECKS[1:]:  # a file that validated must work in every command (exit 2: a name it lost)
            code, out, err = invoke(runner, ["--kb", str(path), *args])
            assert code in (0, 2), (args, code, err)
            assert "Traceback" not in out + err
