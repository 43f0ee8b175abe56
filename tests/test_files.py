"""Issue 14: the files a person names are read by one safe reader.

A named pipe, a device or a huge file is refused at once, checked on the one open descriptor (no
check-then-open race), for the knowledge base, answers files and shell completion alike.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backpain_cli import cli

SHIPPED = Path(__file__).resolve().parents[1] / "data" / "treatments.yaml"
TIMEOUT = 20.0  # seconds: far beyond any prompt answer, short of a hang
ERROR = "backpain: error: "


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("BACKPAIN_KB", "_BACKPAIN_COMPLETE", "COMP_WORDS", "COMP_CWORD")}
    env.update({"NO_COLOR": "1", "TERM": "dumb", "COLUMNS": "80", **extra})
    return env


def _backpain(args: list[str], **extra: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            [sys.executable, "-m", "backpain_cli", *args], capture_output=True, text=True, env=_env(**extra), timeout=TIMEOUT
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"backpain {args} hangs")


def _one_line(done: subprocess.CompletedProcess[str], code: int) -> str:
    assert (done.returncode, done.stdout) == (code, ""), (done.returncode, done.stderr)
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(ERROR), done.stderr
    return lines[0]


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.yaml"
    os.mkfifo(path)
    return path


# --- C: one safe reader ----------------------------------------------------------------------------


def test_a_fifo_given_as_kb_is_refused_at_once(fifo: Path) -> None:
    line = _one_line(_backpain(["--kb", str(fifo), "list"]), 3)
    assert "not a regular file" in line and str(fifo) in line


def test_completion_with_a_fifo_as_backpain_kb_completes_nothing_at_once(fifo: Path) -> None:
    """Completion read the file with a bare read_bytes(): a named pipe hung every Tab press."""
    env = {"BACKPAIN_KB": str(fifo), "_BACKPAIN_COMPLETE": "complete_bash", "COMP_WORDS": "backpain explain epi", "COMP_CWORD": "2"}
    done = _backpain([], **env)
    assert (done.returncode, done.stdout.split(), done.stderr) == (0, [], "")


def test_completion_still_completes_from_a_regular_backpain_kb() -> None:
    env = {"BACKPAIN_KB": str(SHIPPED), "_BACKPAIN_COMPLETE": "complete_bash", "COMP_WORDS": "backpain explain epi", "COMP_CWORD": "2"}
    done = _backpain([], **env)
    assert done.returncode == 0 and "epidural-steroid-injection" in done.stdout.split()


def test_a_fifo_given_as_answers_is_refused_at_once(fifo: Path) -> None:
    line = _one_line(_backpain(["pathway", "--answers", str(fifo)]), 2)
    assert "answers file" in line and "not a regular file" in line


# The check sees a regular file; by the time of the open, a named pipe has been swapped in. Checking the
# name and then opening it hangs on the pipe; checking the open descriptor refuses it.
_SWAPPED = """
import sys
from pathlib import Path
from backpain_cli.errors import KnowledgeBaseError
from backpain_cli.knowledge import loader
fifo, regular = Path(sys.argv[1]), Path(sys.argv[2])
real_stat = Path.stat
Path.stat = lambda self, **kw: real_stat(regular if self == fifo else self, **kw)
try:
    loader.read_bytes(fifo)
except KnowledgeBaseError as error:
    print(error)
"""


def test_a_fifo_swapped_in_after_the_check_is_refused_without_blocking(fifo: Path, tmp_path: Path) -> None:
    regular = tmp_path / "regular.yaml"
    regular.write_text("version: '1'\n", encoding="utf-8")
    try:
        done = subprocess.run([sys.executable, "-c", _SWAPPED, str(fifo), str(regular)], capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail("the reader opened a named pipe that a check by name had passed, and hung")
    assert "not a regular file" in done.stdout, done.stderr


def test_opening_a_fifo_does_not_block(fifo: Path) -> None:
    code = f"from pathlib import Path; from backpain_cli.knowledge import files; files.read_regular(Path({str(fifo)!r}), 100)"
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail("opening a named pipe blocked")
    assert "FileProblem: is not a regular file" in done.stderr, done.stderr


def test_an_answers_file_over_the_limit_is_refused_before_reading(runner: CliRunner, tmp_path: Path) -> None:
    from backpain_cli.cli.answers_file import MAX_ANSWERS_BYTES

    path = tmp_path / "answers.yaml"
    with path.open("wb") as handle:  # sparse: nothing worth reading
        handle.truncate(MAX_ANSWERS_BYTES + 1)
    result = runner.invoke(cli.app, ["pathway", "--answers", str(path)])
    assert result.exit_code == 2 and result.stdout == ""
    # The size given is the file's own, from the open descriptor: nothing was read to find it.
    assert f"is {MAX_ANSWERS_BYTES + 1:,} bytes, over the 1 MiB limit" in result.stderr


# --- D: errors about an answers file speak of the answers file --------------------------------------


def _answers_error(runner: CliRunner, path: Path) -> str:
    result = runner.invoke(cli.app, ["pathway", "--answers", str(path)])
    assert result.exit_code == 2 and result.stdout == "" and result.stderr.count("\n") == 1, result.stderr
    return result.stderr


def test_a_missing_answers_file_says_check_the_path(runner: CliRunner, tmp_path: Path) -> None:
    message = _answers_error(runner, tmp_path / "nope.yaml")
    assert "answers file" in message and "no such file" in message and "check the path" in message
    assert "BACKPAIN_KB" not in message


@pytest.mark.parametrize("kind", ["folder", "empty", "binary"])
def test_answers_file_errors_never_speak_of_the_knowledge_base(runner: CliRunner, tmp_path: Path, kind: str) -> None:
    path = tmp_path / "answers.yaml"
    if kind == "folder":
        path.mkdir()
    else:
        path.write_bytes(b"  \n" if kind == "empty" else b"months: 4\x00\n")
    message = _answers_error(runner, path)
    assert "answers file" in message
    assert not any(word in message for word in ("BACKPAIN_KB", "treatments.yaml", "knowledge base")), message
