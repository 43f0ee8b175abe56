"""The files a person names: one safe reader.

Light on purpose (``os`` and ``stat`` only): shell completion reads the knowledge base through it on
every Tab press.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

# O_NONBLOCK: opening a named pipe returns at once instead of waiting for a writer (the check on the
# open descriptor then refuses it); on a regular file it changes nothing. O_NOCTTY: a terminal device
# never becomes the controlling terminal.
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
_FILE_SUGGESTION = "give the path of a .yaml file"


class FileProblem(Exception):
    """A named file cannot be read: ``message`` says why, ``suggestion`` what to do, ``missing`` if it does not exist."""

    def __init__(self, message: str, suggestion: str = "check the path", *, missing: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.suggestion = suggestion
        self.missing = missing


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of the regular file at ``path``, refusing anything else and anything over ``limit`` bytes.

    Opened once, then checked on the open descriptor: a name checked and then opened could be swapped
    for a named pipe in between, and reading that would wait for ever. Raises ``FileProblem``.
    """
    try:
        fd = os.open(path, _READ_FLAGS)
    except ValueError:  # a NUL character in the name
        raise FileProblem("the file name holds a character no file name can have") from None
    except FileNotFoundError:
        raise FileProblem("no such file", missing=True) from None
    except IsADirectoryError:  # where a folder cannot be opened for reading at all
        raise FileProblem("is a directory", _FILE_SUGGESTION) from None
    except PermissionError:
        raise FileProblem("permission denied", "make the file readable") from None
    except OSError as error:
        raise FileProblem(f"cannot be read ({error.strerror})") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise FileProblem("is a directory", _FILE_SUGGESTION)
        if not stat.S_ISREG(info.st_mode):
            raise FileProblem("is not a regular file (a device or a pipe?)", _FILE_SUGGESTION)
        if info.st_size > limit:
            raise FileProblem(f"is {info.st_size:,} bytes, over the {_size(limit)} limit")
        data = _read_at_most(fd, limit + 1, info.st_size)
    except PermissionError:
        raise FileProblem("permission denied", "make the file readable") from None
    except OSError as error:
        raise FileProblem(f"cannot be read ({error.strerror})") from None
    finally:
        os.close(fd)
    if len(data) > limit:  # it grew after fstat: one byte past the limit is enough to know
        raise FileProblem(f"is over the {_size(limit)} limit")
    return data


def _read_at_most(fd: int, most: int, expected: int) -> bytes:
    chunks: list[bytes] = []
    left = most
    while left > 0:
        # The size fstat gave (plus one byte, to see the end) in one read; more only if the file grew.
        chunk = os.read(fd, min(left, max(expected + 1, 1 << 16)))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MiB" if limit >= 1024 * 1024 else f"{limit:,} byte"
