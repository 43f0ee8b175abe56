"""Any terminal: pipes, colour switches, widths, encodings, closed readers, Ctrl-C and Ctrl-D.

Every test runs ``python -m backpain_cli`` in a real process (or under a pseudo-terminal), because
colour, width and encoding are decided from the real streams and the environment.

The bugs these tests found (ASCII streams, COLUMNS=0 or huge, a closed pipe after --help, Ctrl-C
during start-up) were fixed in c63c2d8; a new one gets ``xfail(strict=True, reason="BUG: ...")``.
"""

from __future__ import annotations

import json
import os
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rich.cells import cell_len

TIME_LIMIT = 60.0  # a hang guard, never a speed test
ESC = "\x1b"
SGR = re.compile(r"\x1b\[([0-9;]*)m")
# Variables that switch colour or width on or off; each test sets the ones it means.
TERMINAL_VARIABLES = (
    "FORCE_COLOR",
    "NO_COLOR",
    "TTY_COMPATIBLE",
    "TTY_INTERACTIVE",
    "CLICOLOR",
    "CLICOLOR_FORCE",
    "COLUMNS",
    "LINES",
    "TERM",
)
ENCODING_VARIABLES = ("PYTHONIOENCODING", "PYTHONUTF8", "PYTHONCOERCECLOCALE", "LANG", "LC_ALL", "LC_CTYPE")


def clean_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in TERMINAL_VARIABLES + ENCODING_VARIABLES + ("BACKPAIN_KB",)}
    env.update({"TERM": "xterm-256color", "COLUMNS": "80"})
    env.update(overrides)
    return {k: v for k, v in env.items() if v != "<unset>"}


def run(args: list[str], env: dict[str, str], timeout: float = TIME_LIMIT) -> tuple[int, bytes, bytes]:
    try:
        done = subprocess.run([sys.executable, "-m", "backpain_cli", *args], capture_output=True, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"backpain {' '.join(args)} took more than {timeout:.0f} s")
    return done.returncode, done.stdout, done.stderr


def assert_clean_success(code: int, out: bytes, err: bytes) -> str:
    text = out.decode("utf-8")
    assert b"Traceback" not in out + err, err.decode("utf-8", "replace")
    assert (code, err) == (0, b""), (code, err.decode("utf-8", "replace"))
    assert text.strip(), "no output"
    return text


TEXT_COMMANDS = {
    "list": ["list"],
    "explain": ["explain", "epidural"],
    "pathway": ["pathway", "--months", "4"],
    "pathway-why": ["pathway", "--months", "8", "--leg-pain", "--pain", "6", "--why"],
    "compare": ["compare", "epidural", "physio"],
    "red-flags": ["red-flags"],
    "sources": ["sources"],
    "search": ["search", "slipped disc"],
    "help": ["--help"],
    "pathway-help": ["pathway", "--help"],
    "version": ["--version"],
    "kb-check": ["kb", "check"],
}


# ---------------------------------------------------------------------------------------------------
# Colour


@pytest.mark.parametrize("command", sorted(TEXT_COMMANDS))
def test_no_escape_codes_when_stdout_is_a_pipe(command: str) -> None:
    text = assert_clean_success(*run(TEXT_COMMANDS[command], clean_env()))
    assert ESC not in text


@pytest.mark.parametrize("command", ["list", "explain", "pathway", "compare", "red-flags"])
def test_force_color_colours_a_pipe(command: str) -> None:
    text = assert_clean_success(*run(TEXT_COMMANDS[command], clean_env(FORCE_COLOR="1")))
    assert ESC in text


@pytest.mark.parametrize(
    "env",
    [
        {"NO_COLOR": "1", "TERM": "dumb"},
        {"NO_COLOR": "1", "TERM": "dumb", "FORCE_COLOR": "1"},
        {"TERM": "dumb", "FORCE_COLOR": "1"},
        {"NO_COLOR": "1"},
    ],
    ids=["no-color-dumb", "no-color-dumb-force", "dumb-force", "no-color"],
)
@pytest.mark.parametrize("command", ["list", "pathway", "help"])
def test_no_escape_codes_with_no_color_or_a_dumb_terminal(command: str, env: dict[str, str]) -> None:
    text = assert_clean_success(*run(TEXT_COMMANDS[command], clean_env(**env)))
    assert ESC not in text


def colour_codes(text: str) -> set[str]:
    """SGR parameters that set a colour (foreground, background, 256 or true colour), not bold or dim."""
    found = set()
    for params in SGR.findall(text):
        for part in params.split(";"):
            if part and (30 <= int(part) <= 49 or 90 <= int(part) <= 107) and part not in ("39", "49"):
                found.add(part)
    return found


@pytest.mark.parametrize("command", ["list", "explain", "pathway", "compare"])
def test_no_color_removes_colour_even_when_forced(command: str) -> None:
    """NO_COLOR wins over FORCE_COLOR for colour; bold, dim and italic may remain (no-color.org covers colour only)."""
    out = assert_clean_success(*run(TEXT_COMMANDS[command], clean_env(NO_COLOR="1", FORCE_COLOR="1")))
    assert colour_codes(out) == set(), colour_codes(out)


def run_in_pty(
    args: list[str], env: dict[str, str], keys: tuple[tuple[bytes, bytes], ...] = (), timeout: float = TIME_LIMIT
) -> tuple[int, bytes]:
    """Run under a pseudo-terminal (stdin, stdout and stderr); send each ``keys`` reply once its prompt appears."""
    import fcntl
    import pty
    import termios

    def controlling_terminal() -> None:  # in the child: a session of its own, with the pty as its terminal, so Ctrl-C is SIGINT
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    try:
        master, slave = pty.openpty()
    except OSError as error:  # a container without /dev/ptmx
        pytest.skip(f"no pseudo-terminal here: {error}")
    process = subprocess.Popen(
        [sys.executable, "-m", "backpain_cli", *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        close_fds=True,
        preexec_fn=controlling_terminal,
    )
    os.close(slave)
    output = b""
    pending = list(keys)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # the child closed the terminal
                    break
                if not chunk:
                    break
                output += chunk
            while pending and pending[0][0] in output:
                _wait_until_blocked(process.pid)
                os.write(master, pending.pop(0)[1])
                output += b"\n[sent]\n"
            if process.poll() is not None and not ready:
                break
        else:
            pytest.fail(f"backpain {' '.join(args)} under a terminal did not finish in {timeout:.0f} s: {output[-500:]!r}")
        return process.wait(timeout=5), output
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(master)


def _wait_until_blocked(pid: int, limit: float = 5.0) -> None:
    """Wait until the child sleeps (in its read, once its prompt is out). A Ctrl-C that lands after the
    prompt is written but before Python starts reading sets Python's signal flag and is not seen until
    the read returns: a race no person at a keyboard can hit, so the test waits it out (Linux /proc)."""
    stat = Path(f"/proc/{pid}/stat")
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            state = stat.read_text().rpartition(")")[2].split()[0]
        except (OSError, IndexError):  # no /proc here, or the child has gone: send at once
            return
        if state == "S":
            return
        time.sleep(0.01)


@pytest.mark.parametrize("command", ["list", "explain", "pathway"])
def test_no_color_under_a_real_terminal(command: str) -> None:
    code, output = run_in_pty(TEXT_COMMANDS[command], clean_env(NO_COLOR="1"))
    text = output.decode("utf-8", "replace")
    assert code == 0 and "Traceback" not in text, text[-500:]
    assert colour_codes(text) == set(), colour_codes(text)


@pytest.mark.parametrize("command", ["explain", "pathway"])
def test_a_real_terminal_gets_colour(command: str) -> None:
    """The control for the test above: without NO_COLOR, the same terminal does get colour (the list
    has no colour to lose: it is bold and italic only)."""
    code, output = run_in_pty(TEXT_COMMANDS[command], clean_env())
    assert code == 0 and colour_codes(output.decode("utf-8", "replace"))


# ---------------------------------------------------------------------------------------------------
# Closed pipes


def test_head_in_a_shell_pipeline_ends_quietly() -> None:
    script = '"$0" -m backpain_cli list | head -1; echo "status=${PIPESTATUS[0]}"'
    done = subprocess.run(["bash", "-c", script, sys.executable], capture_output=True, env=clean_env(), timeout=TIME_LIMIT)
    lines = done.stdout.decode().splitlines()
    assert len(lines) == 2 and lines[1] == "status=0", lines
    assert done.stderr == b"", done.stderr


CLOSED_PIPE_COMMANDS = {
    **{name: args for name, args in TEXT_COMMANDS.items() if name not in ("help", "pathway-help", "pathway")},
    "pathway-json": ["pathway", "--months", "4", "--json"],
    "list-json": ["list", "--json"],
    "kb-schema": ["kb", "schema"],
    "help": ["--help"],
    "pathway-help": ["pathway", "--help"],
}


@pytest.mark.parametrize("args", list(CLOSED_PIPE_COMMANDS.values()), ids=list(CLOSED_PIPE_COMMANDS))
def test_reader_gone_before_the_first_write(args: list[str]) -> None:
    """The reader closes the pipe before backpain writes a byte: exit 0 and not a word on stderr (README)."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # no reader: the first write fails with EPIPE, whatever the output size
    try:
        done = subprocess.run(
            [sys.executable, "-m", "backpain_cli", *args], stdout=write_end, stderr=subprocess.PIPE, env=clean_env(), timeout=TIME_LIMIT
        )
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (0, b""), (done.returncode, done.stderr)


# ---------------------------------------------------------------------------------------------------
# Widths

WIDTH_COMMANDS = ["list", "explain", "pathway", "compare", "red-flags", "sources"]
# Tokens longer than a line may pass the width; none are expected (Rich folds them), so none are allowed.
ALLOWED_LONG_TOKENS: tuple[str, ...] = ()


@pytest.mark.parametrize("width", [40, 300])
@pytest.mark.parametrize("command", WIDTH_COMMANDS)
def test_no_line_is_wider_than_the_terminal(command: str, width: int) -> None:
    text = assert_clean_success(*run(TEXT_COMMANDS[command], clean_env(COLUMNS=str(width))))
    too_wide = [line for line in text.splitlines() if cell_len(line) > width and not any(t in line for t in ALLOWED_LONG_TOKENS)]
    assert too_wide == [], too_wide[:3]


@pytest.mark.parametrize(
    ("command", "width"), [("pathway", "-5"), ("pathway", "abc"), ("pathway", "1"), ("compare", "1"), ("compare", "20")]
)
def test_odd_widths_still_print(command: str, width: str) -> None:
    text = assert_clean_success(*run(TEXT_COMMANDS[command], clean_env(COLUMNS=width)))
    assert len(text.split()) > 20


@pytest.mark.parametrize("command", ["list", "pathway"])
def test_zero_width_still_prints(command: str) -> None:
    text = assert_clean_success(*run(TEXT_COMMANDS[command], clean_env(COLUMNS="0")))
    assert len(text.split()) > 20


def test_huge_width_still_renders() -> None:
    """A huge COLUMNS is clamped: rendering finishes (the subprocess timeout is the hang guard)."""
    assert_clean_success(*run(TEXT_COMMANDS["compare"], clean_env(COLUMNS="10000")))


# ---------------------------------------------------------------------------------------------------
# Encodings


@pytest.mark.parametrize("command", ["explain", "pathway", "compare", "search", "help"])
def test_c_locale(command: str) -> None:
    """LANG=C: Python coerces the C locale to UTF-8 (PEP 538/540), so bullets and box drawing stay UTF-8."""
    text = assert_clean_success(*run(TEXT_COMMANDS[command], clean_env(LANG="C", LC_ALL="C")))
    assert "\ufffd" not in text


ASCII_ENVIRONMENTS = {
    "pythonioencoding-ascii": {"PYTHONIOENCODING": "ascii"},
    "c-locale-without-coercion": {"LANG": "C", "LC_ALL": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0"},
}


@pytest.mark.parametrize("env", list(ASCII_ENVIRONMENTS), ids=list(ASCII_ENVIRONMENTS))
@pytest.mark.parametrize("command", ["list", "explain", "pathway", "compare", "red-flags", "help", "version"])
def test_ascii_stdout_prints_readable_text(command: str, env: str) -> None:
    code, out, err = run(TEXT_COMMANDS[command], clean_env(**ASCII_ENVIRONMENTS[env]))
    assert b"Traceback" not in out + err
    assert (code, err) == (0, b""), (code, err)
    out.decode("ascii")  # nothing the stream could not hold
    assert len(out.split()) > 5


@pytest.mark.parametrize(
    "command", [["list", "--json"], ["explain", "epidural", "--json"], ["pathway", "--months", "4", "--json"]], ids=" ".join
)
def test_ascii_stdout_json(command: list[str]) -> None:
    code, out, err = run(command, clean_env(PYTHONIOENCODING="ascii"))
    assert (code, err) == (0, b""), (code, err)
    json.loads(out.decode("ascii"))


# ---------------------------------------------------------------------------------------------------
# Personal answers never land in an error


PAIN = "7.25"  # a value that appears nowhere else
ANSWERS = ["pathway", "--months", "4", "--pain", PAIN, "--tried", "physio"]


@pytest.mark.parametrize(
    ("args", "env"),
    [
        ([*ANSWERS, "--risk", "bogus"], {}),
        (ANSWERS, {"BACKPAIN_KB": "/nonexistent.yaml"}),
        ([*ANSWERS, "--save", "/nonexistent/plan.md"], {}),
    ],
    ids=["bad-answer", "bad-kb", "bad-save-path"],
)
def test_no_personal_answer_in_an_error(args: list[str], env: dict[str, str]) -> None:
    code, out, err = run(args, clean_env(**env))
    text = err.decode("utf-8", "replace")
    assert code in (2, 3) and b"Traceback" not in out
    assert "Traceback" not in text and len(text.splitlines()) == 1, text
    assert PAIN not in text and "physio" not in text, text


_CRASH_WITH_ANSWERS = """
import sys
from backpain_cli.engine import pathway as engine

def crash(*args, **kwargs):
    raise ZeroDivisionError(f"secret: {sys.argv}")

engine.build_pathway = crash
sys.argv = ["backpain", *sys.argv[1:]]
from backpain_cli.cli import main
main()
"""


def test_no_personal_answer_in_an_internal_error() -> None:
    """A bug deep in the engine, in a real process: one line, exit 1, no traceback, none of the answers."""
    done = subprocess.run([sys.executable, "-c", _CRASH_WITH_ANSWERS, *ANSWERS], capture_output=True, env=clean_env(), timeout=TIME_LIMIT)
    err = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 1 and done.stdout == b"", (done.returncode, err)
    assert len(err.splitlines()) == 1 and err.startswith("backpain: error: internal error"), err
    assert "Traceback" not in err and PAIN not in err and "physio" not in err, err


# Interrupt the import of Typer (what Ctrl-C in the first ~0.1 s does) and run the real entry points.
_INTERRUPT_DURING_IMPORT = """
import importlib.abc, importlib.metadata, runpy, sys

class CtrlC(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "typer":
            raise KeyboardInterrupt
        return None

sys.meta_path.insert(0, CtrlC())
sys.argv = ["backpain", "pathway", "--months", "4", "--pain", "7.25"]
if sys.argv_entry == "script":
    (entry,) = importlib.metadata.entry_points(group="console_scripts", name="backpain")
    sys.exit(entry.load()())
runpy.run_module("backpain_cli", run_name="__main__")
"""


@pytest.mark.parametrize("entry", ["script", "module"])
def test_ctrl_c_during_start_up(entry: str) -> None:
    code = _INTERRUPT_DURING_IMPORT.replace("sys.argv_entry", repr(entry))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, env=clean_env(), timeout=TIME_LIMIT)
    err = done.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err, err[-300:]
    assert done.returncode == 130 and len(err.splitlines()) == 1, (done.returncode, err)


# ---------------------------------------------------------------------------------------------------
# The guided walk under a real terminal: Ctrl-C and Ctrl-D


# The warning-sign question is answered, then the key is pressed at the next prompt.
_AT_THE_SECOND_PROMPT = (b"by commas. ", b"none\n")


@pytest.mark.parametrize(
    ("key", "message"),
    [(b"\x03", "backpain: error: interrupted; nothing was saved"), (b"\x04", "backpain: error: the input ended")],
    ids=["ctrl-c", "ctrl-d"],
)
def test_ctrl_c_and_ctrl_d_in_the_walk_end_on_a_clean_line(key: bytes, message: str) -> None:
    """Issue 12: the message started on the prompt's own line; now the prompt's line is ended first,
    the message is the last line, and the exit code is the documented 130."""
    keys = (_AT_THE_SECOND_PROMPT, (b"4 months. ", key))
    code, output = run_in_pty(["walk"], clean_env(NO_COLOR="1"), keys=keys)
    text = output.decode("utf-8", "replace")
    assert code == 130, text[-500:]
    assert "Traceback" not in text
    after = text.rpartition("[sent]\n")[2]  # what the walk wrote after the key (the terminal echoes Ctrl-C as ^C)
    assert re.fullmatch(rf"(\^C)?\r?\n{re.escape(message)}[^\n]*\r?\n", after), repr(after)


# ---------------------------------------------------------------------------------------------------
# Output that cannot be written is an error of its own (exit 5), not an internal error (issue 14)

OUTPUT_COMMANDS = {
    "list": ["list"],
    "list-json": ["list", "--json"],
    "pathway": ["pathway", "--months", "4"],
    "version": ["--version"],
    "help": ["--help"],
}


def _assert_output_error(code: int, out: bytes, err: bytes, reason: str) -> None:
    text = err.decode("utf-8", "replace")
    assert "Traceback" not in text and code == 5, (code, text)
    lines = text.splitlines()
    assert len(lines) == 1 and lines[0].startswith("backpain: error: could not write the output"), text
    assert reason in lines[0], text


@pytest.mark.parametrize("args", list(OUTPUT_COMMANDS.values()), ids=list(OUTPUT_COMMANDS))
def test_a_closed_stdout_is_an_output_error(args: list[str]) -> None:
    """`backpain list >&-`: the process starts with no standard output at all."""
    script = '"$0" -m backpain_cli "$@" >&-'
    done = subprocess.run(["sh", "-c", script, sys.executable, *args], capture_output=True, env=clean_env(), timeout=TIME_LIMIT)
    _assert_output_error(done.returncode, done.stdout, done.stderr, "standard output is closed")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full here")
@pytest.mark.parametrize("args", list(OUTPUT_COMMANDS.values()), ids=list(OUTPUT_COMMANDS))
def test_a_full_disk_is_an_output_error(args: list[str]) -> None:
    """`backpain list > /dev/full`: every write fails with ENOSPC."""
    with open("/dev/full", "wb") as full:
        done = subprocess.run(
            [sys.executable, "-m", "backpain_cli", *args], stdout=full, stderr=subprocess.PIPE, env=clean_env(), timeout=TIME_LIMIT
        )
    _assert_output_error(done.returncode, b"", done.stderr, "no space left")


@pytest.mark.parametrize("version", ["2026.11.1 é", "2026.11.1 é ✓"], ids=["latin-1", "beyond-latin-1"])
def test_a_version_the_stream_cannot_hold_still_prints(tmp_path: Path, version: str) -> None:
    """--version used typer.echo, which crashed on a character Latin-1 has not; now it goes through output.write_out."""
    shipped = Path(__file__).resolve().parents[1] / "data" / "treatments.yaml"
    kb = tmp_path / "kb.yaml"
    kb.write_text(shipped.read_text(encoding="utf-8").replace("version: 2026.11.1\n", f'version: "{version}"\n', 1), encoding="utf-8")
    code, out, err = run(["--kb", str(kb), "--version"], clean_env(PYTHONIOENCODING="latin-1"))
    assert (code, err) == (0, b""), (code, err)
    line = out.decode("latin-1").splitlines()[1]
    assert line.startswith(f"knowledge base {version.replace('✓', '?')} (reviewed ")
