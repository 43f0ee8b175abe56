"""The files a person names: one safe reader, and one writer that writes a private file whole or not at all.

Light on purpose (``os`` and ``stat`` only): shell completion reads the knowledge base through it on
every Tab press. The writer imports ``signal`` when it writes, so commands that write nothing never do.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TypeVar

Format = TypeVar("Format", bound=str)

# O_NONBLOCK: opening a named pipe returns at once instead of waiting for a writer (the check on the
# open descriptor then refuses it); on a regular file it changes nothing. O_NOCTTY: a terminal device
# never becomes the controlling terminal.
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_FILE_SUGGESTION = "give the path of a .yaml file"


class Stopped(SystemExit):
    """SIGTERM or SIGHUP arrived while a file was written: it was removed, and the process ends with 128 + n."""

    def __init__(self, signum: int, name: str, path: Path) -> None:
        super().__init__(128 + signum)
        self.message = f"stopped by {name} while writing '{path}'; nothing was saved"


class FileProblem(Exception):
    """A named file cannot be read: ``message`` says why, ``suggestion`` what to do, ``missing`` if it does not exist."""

    def __init__(self, message: str, suggestion: str = "check the path", *, missing: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.suggestion = suggestion
        self.missing = missing


def either(words: list[str] | tuple[str, ...]) -> str:
    """``'a, b or c'``: choices listed as a person would say them."""
    *rest, last = words
    return f"{', '.join(rest)} or {last}" if rest else last


def format_from_suffix(path: Path, suffixes: Mapping[str, Format], what: str) -> Format:
    """The format a file name asks for (``suffixes``: lower-case suffix to format), from its suffix in any
    case; another suffix is a ``UsageError`` that names ``what`` and the suffixes that work."""
    found = suffixes.get(path.suffix.lower())
    if found is None:
        from backpain_cli.errors import UsageError, printable

        shown = f"'{printable(path.suffix)}'" if path.suffix else "no suffix"
        raise UsageError(f"cannot tell {what} from {shown} in '{printable(str(path))}': end the file name in {either(list(suffixes))}")
    return found


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


# --- writing ------------------------------------------------------------------------------------------

# The signals that end a process politely (kill, a closed terminal): the temporary file is removed first.
_CAUGHT_SIGNALS = ("SIGTERM", "SIGHUP")


def write_private_atomically(path: Path, data: bytes, *, replace: bool) -> None:
    """Write ``data`` to ``path`` whole or not at all, readable and writable by its owner only (0600).

    A temporary file beside ``path`` is written, flushed and synced, then linked into place: an existing
    file (even a dangling symlink) makes the link fail with ``FileExistsError``, so there is no gap
    between a check and the write. With ``replace``, it is renamed over ``path`` instead. The temporary
    file is removed on any failure, and on SIGTERM or SIGHUP while writing, after which the process
    exits with 128 + the signal's number. Other failures raise ``OSError``.
    """
    temp = _Temporary(path)
    with _removing_on_signals(temp):
        try:
            with _signals_held():  # the name is recorded before a handler could need it
                fd = temp.create()
            try:
                _write_all(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)
            with _signals_held():  # put in place and recorded as done as one step, so a handler never removes it
                _put_in_place(temp, path, replace=replace)
        except BaseException:
            temp.discard()
            raise
    _sync_folder(path.parent)


class _Temporary:
    """The temporary file beside the target, and an empty claim on the target's name where links are not possible."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.name: Path | None = None
        self.claim: Path | None = None

    def create(self) -> int:
        for _ in range(100):
            # Hidden, beside the target (so the rename stays on one file system), named after it for a person
            # who finds one left by a power cut; random, so two saves at once never meet.
            name = self.target.parent / f".{self.target.name[:64]}.{os.urandom(6).hex()}.tmp"
            try:
                fd = os.open(name, _CREATE_FLAGS, 0o600)
            except FileExistsError:
                continue
            self.name = name
            return fd
        raise FileExistsError(f"no free temporary name beside {self.target}")

    def discard(self) -> None:
        """Remove what this write created and did not finish; safe to call twice, and from a signal handler."""
        for path in (self.name, self.claim):
            if path is not None:
                with suppress(OSError):
                    os.unlink(path)
        self.name = self.claim = None


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _put_in_place(temp: _Temporary, path: Path, *, replace: bool) -> None:
    assert temp.name is not None
    if replace:
        os.replace(temp.name, path)
        temp.name = None
        return
    try:
        os.link(temp.name, path)  # fails if anything has the name: never replaces
    except FileExistsError:
        raise
    except OSError:
        # No hard links on this file system (FAT on a USB stick, some network shares): claim the name
        # exclusively, which fails the same way if it is taken, then rename the written file over the claim.
        os.close(os.open(path, _CREATE_FLAGS, 0o600))
        temp.claim = path
        os.replace(temp.name, path)
        temp.name = temp.claim = None
        return
    name, temp.name = temp.name, None
    with suppress(OSError):  # the file is saved; a stray temporary name is not worth failing for
        os.unlink(name)


def _sync_folder(folder: Path) -> None:
    """Make the new name itself durable; a folder that cannot be opened or synced is no failure."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def _removing_on_signals(temp: _Temporary) -> Iterator[None]:
    """While writing, SIGTERM and SIGHUP remove the temporary file and end the process with 128 + n."""
    import signal

    def stop(signum: int, _frame: Any) -> None:
        temp.discard()
        raise Stopped(signum, signal.Signals(signum).name, temp.target)

    previous: dict[int, Any] = {}
    for name in _CAUGHT_SIGNALS:
        signum = getattr(signal, name, None)
        if signum is None:
            continue
        current = signal.getsignal(signum)
        if current == signal.SIG_IGN:  # e.g. SIGHUP under nohup: the person asked for it to be ignored
            continue
        try:
            signal.signal(signum, stop)
        except ValueError:  # not the main thread: signals stay as they are
            break
        previous[signum] = current
    try:
        yield
    finally:
        for signum, handler in previous.items():
            # None: a handler installed outside Python, which cannot be put back; the default is the nearest.
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGTERM and SIGHUP back for a step that must not be cut in two; they arrive right after it."""
    import signal

    mask = getattr(signal, "pthread_sigmask", None)
    if mask is None:  # pragma: no cover - platforms without signal masks
        yield
        return
    held = {getattr(signal, name) for name in _CAUGHT_SIGNALS if hasattr(signal, name)}
    before = mask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        mask(signal.SIG_SETMASK, before)
