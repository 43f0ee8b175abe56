"""Writing for a person or a program: Rich rendering without padding, JSON, any encoding, one-line errors.

Rich is imported only when something is rendered for a person; ``--json`` output never imports it.
"""

import os
import re
import sys
from typing import TYPE_CHECKING, Any, NoReturn

from backpain_cli.errors import ExitCode, printable

if TYPE_CHECKING:
    from rich.console import Console, RenderableType


def one_line(message: str) -> str:
    return " ".join(message.split())


def error_line(message: str) -> None:
    safe = printable(one_line(message))
    try:
        sys.stderr.write(f"backpain: error: {safe}\n")
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):
        pass


def stdout_identity() -> tuple[int, int] | None:
    try:
        info = os.fstat(sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real file descriptor (e.g. under CliRunner)
        return None
    return info.st_dev, info.st_ino


def quiet_closed_pipe() -> NoReturn:
    """The reader went away (``| head``): stop quietly, without a 'broken pipe' complaint at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    sys.exit(ExitCode.OK)


def print_json(data: Any) -> None:
    import json

    # Indented for a person at a terminal; compact for programs, which also lets json use its C encoder.
    indent = 2 if sys.stdout.isatty() else None
    encoding = (sys.stdout.encoding or "utf-8").lower().replace("-", "")
    # \u escapes where the stream cannot take Unicode: still the same JSON to any reader.
    sys.stdout.write(json.dumps(data, indent=indent, ensure_ascii=not encoding.startswith("utf")) + "\n")
    sys.stdout.flush()


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


def render(renderable: "RenderableType") -> None:
    """Print for a person, without the trailing spaces Rich pads lines with, in any encoding."""
    terminal = console()
    with terminal.capture() as captured:
        terminal.print(renderable)
    write_out("\n".join(strip_right(line) for line in captured.get().split("\n")))


def strip_right(line: str) -> str:
    tail = _TRAILING_ESCAPES.search(line)  # linear: only escape codes can follow the last text
    cut = tail.start() if tail else len(line)
    return line[:cut].rstrip(" ") + line[cut:]


def write_out(text: str) -> None:
    encoding = sys.stdout.encoding or "utf-8"
    if not encoding.lower().replace("-", "").startswith("utf"):
        text = text.translate(_ASCII_FALLBACK).encode(encoding, errors="replace").decode(encoding)
    sys.stdout.write(text)
    sys.stdout.flush()
