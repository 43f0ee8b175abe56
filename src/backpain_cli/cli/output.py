"""Writing for a person or a program: Rich rendering without padding, JSON, any encoding, one-line errors.

Every write to standard output goes through ``write_stdout``: a reader that went away (EPIPE) ends the
run quietly, any other failure (no standard output, a full disk) is an ``OutputError`` (exit 5).
Rich is imported only when something is rendered for a person; ``--json`` output never imports it.
"""

import os
import re
import sys
from typing import TYPE_CHECKING, Any, NoReturn

from backpain_cli.errors import ExitCode, OutputError, printable

if TYPE_CHECKING:
    from rich.console import Console, RenderableType


def one_line(message: str) -> str:
    return " ".join(message.split())


def error_line(message: str) -> None:
    safe = printable(one_line(message))
    try:
        sys.stderr.write(f"backpain: error: {safe}\n")
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):  # no stderr, or one that cannot be written: nowhere left to say it
        pass


def stdout_identity() -> tuple[int, int] | None:
    try:
        info = os.fstat(sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real file descriptor (e.g. under CliRunner)
        return None
    return info.st_dev, info.st_ino


def quiet_closed_pipe() -> NoReturn:
    """The reader went away (``| head``): stop quietly, without a 'broken pipe' complaint at exit."""
    _discard_stdout()
    sys.exit(ExitCode.OK)


def _discard_stdout() -> None:
    """Point standard output at /dev/null, so that what is still buffered cannot fail again at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


STDOUT_CLOSED = (
    "could not write the output: standard output is closed; run the command with its output going to a terminal, "
    "a file or a pipe (> /dev/null to discard it)"
)


def output_error(error: OSError) -> OutputError:
    """A failed write to standard output (not a closed pipe) as an ``OutputError`` saying what to do."""
    import errno

    _discard_stdout()
    if error.errno == errno.EBADF:
        return OutputError(STDOUT_CLOSED)
    if error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        reason = "no space left on the device" if error.errno == errno.ENOSPC else (error.strerror or "the file is full").lower()
        return OutputError(f"could not write the output: {reason}; free some space or send the output somewhere else")
    reason = (error.strerror or type(error).__name__).lower()
    return OutputError(f"could not write the output: {reason}; send the output somewhere else (a file, a pipe or a terminal)")


def stdout_failed(error: OSError) -> OutputError | None:
    """``error`` as an ``OutputError`` if it came from writing standard output outside ``write_stdout``
    (Typer's help), else None: a bug. A full disk can only be the output, as every file backpain writes
    reports its own; otherwise stdout is what failed if what it still holds cannot be flushed either."""
    import errno

    if sys.stdout is None:
        return OutputError(STDOUT_CLOSED)
    if error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return output_error(error)
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        return None
    except OSError:
        return output_error(error)
    return None


def write_stdout(text: str) -> None:
    """Write and flush ``text``: a closed pipe stays a ``BrokenPipeError``, any other failure is an ``OutputError``."""
    stream = sys.stdout
    if stream is None:  # the process started with file descriptor 1 closed
        raise OutputError(STDOUT_CLOSED)
    try:
        stream.write(text)
        stream.flush()
    except BrokenPipeError:
        raise
    except OSError as error:
        raise output_error(error) from None


def print_json(data: Any) -> None:
    stream = sys.stdout
    # \u escapes where the stream cannot take Unicode: still the same JSON to any reader.
    ascii_only = not stream_takes_unicode()
    if stream is not None and stream.isatty():  # indented for a person at a terminal
        import json

        write_stdout(json.dumps(data, indent=2, ensure_ascii=ascii_only) + "\n")
    else:  # compact for programs
        write_stdout(compact_json(data, ascii_only=ascii_only) + "\n")


def stream_takes_unicode() -> bool:
    encoding = (getattr(sys.stdout, "encoding", None) or "utf-8").lower().replace("-", "")
    return encoding.startswith("utf")


def compact_json(data: Any, *, ascii_only: bool) -> str:
    """``json.dumps(data, ensure_ascii=ascii_only)``, by the C encoder json itself uses, without importing
    json: its decoder compiles regular expressions at import (about 2 ms a run) that output never uses.
    Where the C encoder is missing (other Pythons), json. tests/test_output.py compares the two."""
    try:
        from _json import encode_basestring, encode_basestring_ascii, make_encoder
    except ImportError:  # pragma: no cover - other Pythons
        import json

        return json.dumps(data, ensure_ascii=ascii_only)
    strings = encode_basestring_ascii if ascii_only else encode_basestring
    encoder = make_encoder({}, _not_json, strings, None, ": ", ", ", False, False, True)
    return "".join(encoder(data, 0))


def _not_json(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


MIN_WIDTH, MAX_WIDTH = 20, 1000


def console() -> "Console":
    from rich.console import Console

    return Console(highlight=False, emoji=False, markup=False, width=width())


def width() -> int | None:
    """COLUMNS clamped to a sensible range; None (not set) lets Rich ask the terminal (80 for a pipe)."""
    raw = os.environ.get("COLUMNS")
    if raw is None:
        return None
    try:
        columns = int(raw)
    except ValueError:
        return 80  # Rich would otherwise read the same nonsense
    return 80 if columns <= 0 else min(max(columns, MIN_WIDTH), MAX_WIDTH)


_TRAILING_ESCAPES = re.compile(r"(?:\x1b\[[0-9;]*m)*\Z")

# What a stream that cannot take Unicode gets instead of the few symbols backpain itself draws.
_ASCII_FALLBACK = str.maketrans({"•": "*", "–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "...", "▲": "^", "▼": "v"})
# The journal's chart (views/history_text.py): its axes, dots and treatment spans.
_ASCII_FALLBACK.update(str.maketrans({"┤": "|", "│": "|", "└": "+", "─": "-", "●": "o", "━": "="}))


def render(renderable: "RenderableType") -> None:
    """Print for a person, without the trailing spaces Rich pads lines with, in any encoding."""
    from backpain_cli.views.blocks import drawn_lightly

    terminal = console()
    try:
        with terminal.capture() as captured:  # Rich writes to stdout even here (an empty string, which can fail)
            terminal.print(drawn_lightly(renderable))
    except BrokenPipeError:
        raise
    except OSError as error:
        raise output_error(error) from None
    write_out("\n".join(strip_right(line) for line in captured.get().split("\n")))


def strip_right(line: str) -> str:
    tail = _TRAILING_ESCAPES.search(line)  # linear: only escape codes can follow the last text
    cut = tail.start() if tail else len(line)
    return line[:cut].rstrip(" ") + line[cut:]


def write_out(text: str) -> None:
    """Text for a person, in any encoding: what the stream cannot hold becomes '?', never an error."""
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    if not encoding.lower().replace("-", "").startswith("utf"):
        text = text.translate(_ASCII_FALLBACK).encode(encoding, errors="replace").decode(encoding)
    write_stdout(text)
