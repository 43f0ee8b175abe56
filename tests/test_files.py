"""Issue 14: the files a person names are read by one safe reader and written whole, privately, or not at all.

Reading: a named pipe, a device or a huge file is refused at once, checked on the one open descriptor (no
check-then-open race), for the knowledge base, answers files and shell completion alike. Writing: a plan
is created 0600, and a SIGTERM or SIGHUP while it is written leaves neither a truncated plan nor a
temporary file behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backpain_cli import cli
from backpain_cli.knowledge import files
from backpain_cli.knowledge.files import write_private_atomically

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


# --- A and B: plans are written whole, privately, or not at all ---------------------------------------


def test_a_saved_plan_is_private(tmp_path: Path) -> None:
    path = tmp_path / "plan.md"
    done = _backpain(["pathway", "--months", "4", "--save", str(path)])
    assert done.returncode == 0, done.stderr
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_replaced_plan_is_private_too(tmp_path: Path) -> None:
    path = tmp_path / "plan.html"
    path.write_text("old plan\n", encoding="utf-8")
    path.chmod(0o644)
    done = _backpain(["pathway", "--months", "4", "--save", str(path), "--force"])
    assert done.returncode == 0, done.stderr
    assert path.stat().st_mode & 0o777 == 0o600 and "old plan" not in path.read_text(encoding="utf-8")


# Runs the real entry point, with fsync slowed down: the plan's bytes are written and the process waits
# in fsync, so the signal lands, every time, while the file is being written.
_SLOW_SAVE = """
import os, signal, sys, time
# Whatever the test runner's own dispositions, the child starts as a person's shell would start it.
signal.signal(signal.SIGTERM, signal.SIG_DFL)
signal.signal(signal.SIGHUP, signal.SIG_DFL)
real_fsync = os.fsync
def slow_fsync(fd):
    time.sleep(60)
    real_fsync(fd)
os.fsync = slow_fsync
sys.argv = ["backpain", *sys.argv[1:]]
from backpain_cli.entry import main
main()
"""


@pytest.mark.parametrize("force", [False, True], ids=["new-file", "replacing"])
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_signal_while_saving_leaves_no_plan_and_no_temporary_file(tmp_path: Path, signum: int, force: bool) -> None:
    folder = tmp_path / "plans"
    folder.mkdir()
    path = folder / "plan.html"
    if force:
        path.write_text("old plan\n", encoding="utf-8")
    args = ["pathway", "--months", "8", "--leg-pain", "--pain", "7", "--save", str(path), *(["--force"] if force else [])]
    child = subprocess.Popen([sys.executable, "-c", _SLOW_SAVE, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env())
    try:
        before = {"plan.html"} if force else set()
        deadline = time.monotonic() + TIMEOUT
        while set(os.listdir(folder)) == before:  # poll the folder: the file being written appears
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline, "no file appeared"
            time.sleep(0.005)
        child.send_signal(signum)
        _, err = child.communicate(timeout=TIMEOUT)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == 128 + signum, (child.returncode, err)
    assert b"Traceback" not in err and err.decode().strip().endswith("nothing was saved"), err
    if force:
        assert os.listdir(folder) == ["plan.html"] and path.read_text(encoding="utf-8") == "old plan\n"
    else:
        assert os.listdir(folder) == []  # neither a truncated plan nor a temporary file


# --- the writer itself, for every file the program writes (plans today, a journal tomorrow) -----------


def _left(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


def test_the_writer_never_replaces_without_being_asked(tmp_path: Path) -> None:
    path = tmp_path / "file.md"
    path.write_text("mine\n", encoding="utf-8")
    (tmp_path / "link.md").symlink_to(tmp_path / "nowhere.md")
    for target in (path, tmp_path / "link.md"):
        with pytest.raises(FileExistsError):
            write_private_atomically(target, b"new\n", replace=False)
    assert path.read_text(encoding="utf-8") == "mine\n"
    assert _left(tmp_path) == ["file.md", "link.md"]  # no temporary file, and the dangling link's target not created
    write_private_atomically(path, b"new\n", replace=True)
    assert path.read_bytes() == b"new\n" and path.stat().st_mode & 0o777 == 0o600 and _left(tmp_path) == ["file.md", "link.md"]


def test_a_name_taken_during_the_write_is_not_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check is the link itself: a file that appears while the data is written still wins."""
    path = tmp_path / "plan.md"
    real_fsync = os.fsync

    def someone_else_saves(fd: int) -> None:
        path.write_text("theirs\n", encoding="utf-8")
        real_fsync(fd)

    monkeypatch.setattr(files.os, "fsync", someone_else_saves)
    with pytest.raises(FileExistsError):
        write_private_atomically(path, b"mine\n", replace=False)
    assert path.read_text(encoding="utf-8") == "theirs\n" and _left(tmp_path) == ["plan.md"]


def test_without_hard_links_the_name_is_claimed_exclusively(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """FAT on a USB stick has no hard links: the same promises by an exclusive claim and a rename."""

    def no_links(*_: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(files.os, "link", no_links)
    path = tmp_path / "plan.md"
    write_private_atomically(path, b"whole\n", replace=False)
    assert path.read_bytes() == b"whole\n" and path.stat().st_mode & 0o777 == 0o600 and _left(tmp_path) == ["plan.md"]
    with pytest.raises(FileExistsError):
        write_private_atomically(path, b"again\n", replace=False)
    assert path.read_bytes() == b"whole\n" and _left(tmp_path) == ["plan.md"]


def test_the_previous_signal_handlers_come_back_and_ignored_signals_stay_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[object] = []
    real_fsync = os.fsync

    def look(fd: int) -> None:
        seen.extend([signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP)])
        real_fsync(fd)

    def mine(*_: object) -> None:
        pass

    monkeypatch.setattr(files.os, "fsync", look)
    before = signal.signal(signal.SIGTERM, mine), signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        write_private_atomically(tmp_path / "a.md", b"x", replace=False)
        assert seen[0] is not mine and seen[1] == signal.SIG_IGN  # caught while writing; nohup's wish kept
        assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP)) == (mine, signal.SIG_IGN)
    finally:
        signal.signal(signal.SIGTERM, before[0])
        signal.signal(signal.SIGHUP, before[1])
