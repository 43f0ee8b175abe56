"""A cache of validated knowledge bases, keyed by content, so most runs skip parsing and validation.

Why it is safe:
- never stale: an entry is filed under a BLAKE2b digest of the file's bytes, the program's version and
  the source of the modules that read, validate and build the model (``code_digest``), so an edited
  file, a new backpain or a changed validator is a miss, parsed and validated afresh;
- data, never code: an entry is JSON, rebuilt into the model's own types by a decoder that follows
  their annotations and checks every value, conditions against the rule language's vocabulary
  (``backpain_cli.knowledge.codec``); anything unexpected is a miss, never an error or a call;
- never tampered: each entry carries a keyed BLAKE2b MAC made with a random per-user 32-byte key,
  checked before the body is parsed; an entry that does not verify is deleted;
- never someone else's: the folder and the key must be the user's own, not symlinks and not writable
  by group or others, else there is no cache at all. Entries and the key are opened without following
  links or blocking, and only regular files under a size limit are read;
- only a knowledge base that validated is stored, through a temporary file removed on any failure;
  pruning touches only names of the shapes this program writes.

Location: ``$BACKPAIN_CACHE_DIR``, else ``$XDG_CACHE_HOME/backpain`` (ignored unless absolute, as the
XDG spec says), else ``~/.cache/backpain``. ``BACKPAIN_NO_CACHE=1`` turns it off.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import stat
from _operator import _compare_digest as compare_digest  # constant time, without importing hmac

try:  # BLAKE2 is built into CPython; hashlib would load OpenSSL (+4 MiB) for no gain here
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - other Pythons
    from hashlib import blake2b
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from backpain_cli import __version__

if TYPE_CHECKING:
    from backpain_cli.knowledge.model import Knowledge

FORMAT = 4
KEEP = 8  # entries kept: a few knowledge bases in use at once, no unbounded growth
MAX_BYTES = 256 * 1024 * 1024  # an entry: twice the loader's limit on the YAML itself
STALE = 3600  # seconds after which a temporary file is a leftover of a run that died, not a write in progress
_TAG = 64  # hex digits of a 32-byte MAC
_KEY_HEX = 64  # the key file: exactly 32 random bytes as hex
_HEX = "0123456789abcdef"
_TEMPORARY = (".tmp-", ".part")  # this program's temporary files: 32 hex digits between (8 letters before FORMAT 4)
# The checks need Unix's owners, modes and O_NOFOLLOW: elsewhere there is no cache.
_UNIX = os.name == "posix" and hasattr(os, "O_NOFOLLOW")
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_READ = os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0)  # a link, or a pipe without a writer: no wait
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW


def directory() -> Path | None:
    """Where the cache lives; ``None`` when no absolute location can be named (no home folder)."""
    explicit = os.environ.get("BACKPAIN_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # the XDG spec: a relative path is invalid and must be ignored
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base, "backpain") if os.path.isabs(base) else None


def enabled() -> bool:
    return _UNIX and os.environ.get("BACKPAIN_NO_CACHE", "") in ("", "0")


def sources() -> list[str]:
    """The modules whose source is in every key: every module of this folder (the format, the checks,
    the model, the loader, this cache). All of them, not a list to keep up to date: a module split
    off the validator later is covered the day it is written."""
    folder = os.path.dirname(__file__)
    return sorted(name for name in os.listdir(folder) if name.endswith(".py"))


def code_digest() -> str:
    """A digest of the source of ``sources()`` (read next to this module, once a run, and only when a
    knowledge base is loaded): a model is never served to code that would validate or build it
    differently. ``""`` when a source cannot be read, which makes every key invalid: no cache."""
    global _code
    if _code is None:
        digest = blake2b(digest_size=32)
        try:
            for name in sources():
                with open(os.path.join(os.path.dirname(__file__), name), "rb") as source:
                    digest.update(source.read())
                    digest.update(b"\0")
        except OSError:
            return ""
        _code = digest.hexdigest()
    return _code


_code: str | None = None


def content_key(data: bytes) -> str:
    """What a model is filed under: the file's bytes, the program version, the format and the code;
    ``""`` (a miss) when the cache is off or the code cannot be read."""
    code = code_digest() if enabled() else ""
    if not code:
        return ""
    key = blake2b(data, digest_size=32)
    key.update(f"\0backpain {__version__} cache {FORMAT} {code}".encode())
    return key.hexdigest()


def names_key(data: bytes) -> str:
    """Where completion's name lists are filed. No code digest: a Tab press should not read the sources
    for what are only suggestions, and the version still changes the key."""
    key = blake2b(data, digest_size=32)
    key.update(f"\0backpain {__version__} names {FORMAT} marshal {marshal.version}".encode())
    return key.hexdigest()


def _is_key(key: object) -> bool:
    """A key is exactly a 32-byte hex digest: anything else (too long for a file name, a path) is a miss."""
    return isinstance(key, str) and len(key) == 64 and not key.strip(_HEX)


def fetch(key: str) -> Knowledge | None:
    """The validated model stored under ``key``, or ``None`` (missing, unverifiable, unsafe or disabled)."""
    body = _verified("kb-", key)
    if body is None:
        return None
    from backpain_cli.knowledge import codec  # here: shell completion reads only the name lists

    try:
        return codec.decode(body)
    except Exception:  # any shape, type or value the model cannot hold: a miss, whatever it is
        return None


def store(key: str, model: Knowledge) -> None:
    """File a validated model under ``key``; silently gives up if the cache cannot be written."""
    if not enabled() or not _is_key(key):
        return
    from backpain_cli.knowledge import codec

    try:
        body = codec.encode(model)
    except (TypeError, ValueError, RecursionError):
        return
    _write_signed(f"kb-{key}.bin", key, body)


def fetch_names(key: str) -> dict[str, list[str]] | None:
    """Completion's name lists, or ``None``. Stored with ``marshal``, which is built in (a Tab press should
    not pay for importing ``json``), and unmarshalled only once the MAC has verified them."""
    body = _verified("names-", key)
    if body is None:
        return None
    try:
        names = marshal.loads(body)  # noqa: S302 - authenticated above with the user's secret key
    except (ValueError, EOFError, TypeError):
        return None
    if not isinstance(names, dict):
        return None
    for kind, items in names.items():
        if type(kind) is not str or type(items) is not list or not all(type(n) is str for n in items):
            return None
    return names


def store_names(key: str, names: dict[str, list[str]]) -> None:
    if enabled() and _is_key(key):
        _write_signed(f"names-{key}.bin", key, marshal.dumps(names))


# --- files: a safe folder, bounded reads, atomic writes ----------------------------------------------


def _safe(info: os.stat_result, kind: Callable[[int], bool]) -> bool:
    """Of the expected kind, the user's own, and writable by no one else (another local user could
    plant entries, or swap the key, in a folder they can write to)."""
    return kind(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o022


def _open_folder(*, create: bool) -> int | None:
    """A descriptor of the cache folder if it is safe to use; ``None`` if missing or unsafe. Everything
    after goes through the descriptor, so the folder checked is the folder used."""
    folder = directory()
    if folder is None:
        return None
    try:
        try:
            info = os.lstat(folder)
        except FileNotFoundError:
            if not create:
                return None
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            info = os.lstat(folder)
        if not _safe(info, stat.S_ISDIR):
            return None
        descriptor = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _NOFOLLOW)
    except (OSError, ValueError):  # ValueError: a NUL in the path
        return None
    try:
        if _safe(os.fstat(descriptor), stat.S_ISDIR):
            return descriptor
    except OSError:
        pass
    os.close(descriptor)
    return None


def _read(folder: int, name: str, limit: int) -> bytes | None:
    """A safe regular file's bytes, if it holds at most ``limit``; ``None`` for anything else: a link,
    a pipe, a device, a folder, someone else's file, one too large. Never waits, never reads past it."""
    try:
        descriptor = os.open(name, _READ, dir_fd=folder)
    except OSError:
        return None
    try:
        info = os.fstat(descriptor)
        if not _safe(info, stat.S_ISREG) or info.st_size > limit:
            return None
        data = os.read(descriptor, info.st_size + 1)
    except OSError:
        return None
    finally:
        os.close(descriptor)
    return data if len(data) == info.st_size else None  # changed while read: a miss


def _write(folder: int, name: str, data: bytes, *, keep_existing: bool = False) -> None:
    """Write ``name`` through a temporary file in the folder, which is removed on any failure.

    ``keep_existing`` (the key): flushed to disk, then linked, which never replaces a file of that name
    (``FileExistsError``: another run won); otherwise renamed over the old entry.
    """
    temporary = f"{_TEMPORARY[0]}{os.urandom(16).hex()}{_TEMPORARY[1]}"
    descriptor = os.open(temporary, _CREATE, 0o600, dir_fd=folder)
    renamed = False
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(descriptor, view) :]
            if keep_existing:
                os.fsync(descriptor)
        finally:
            os.close(descriptor)
        if keep_existing:
            os.link(temporary, name, src_dir_fd=folder, dst_dir_fd=folder)
        else:
            os.replace(temporary, name, src_dir_fd=folder, dst_dir_fd=folder)
            renamed = True
    finally:
        if not renamed:
            _forget(folder, temporary)


def _forget(folder: int, name: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(name, dir_fd=folder)


# --- signing -----------------------------------------------------------------------------------------


def _verified(prefix: str, key: str) -> bytes | None:
    """An entry's body if its MAC checks out with the user's key; a forged or damaged one is deleted."""
    if not enabled() or not _is_key(key):
        return None
    folder = _open_folder(create=False)
    if folder is None:
        return None
    try:
        name = f"{prefix}{key}.bin"
        blob = _read(folder, name, MAX_BYTES + _TAG)
        secret = None if blob is None else _secret(folder, create=False)
        if blob is None or secret is None:
            return None
        tag, body = blob[:_TAG], blob[_TAG:]
        if not compare_digest(tag, _sign(secret, key, body)):
            _forget(folder, name)
            return None
        return body
    finally:
        os.close(folder)


def _write_signed(name: str, key: str, body: bytes) -> None:
    """Write ``body`` with its MAC, then prune; give up on any error."""
    folder = _open_folder(create=True)
    if folder is None:
        return
    try:
        secret = _secret(folder, create=True)
        if secret is not None:
            _write(folder, name, _sign(secret, key, body) + body)
            _prune(folder)
    except OSError:
        return
    finally:
        os.close(folder)


def _sign(secret: bytes, key: str, body: bytes) -> bytes:
    if len(secret) != 32:  # a shorter key weakens the MAC, and an empty one makes it a plain hash
        raise ValueError("the MAC key must be 32 bytes")
    mac = blake2b(key.encode(), key=secret, digest_size=32)
    mac.update(b"\0")
    mac.update(body)
    return mac.hexdigest().encode()


def _secret(folder: int, *, create: bool) -> bytes | None:
    """The user's 32-byte key, or ``None``: missing, unsafe or malformed (empty, short, long, not hex).

    With ``create``, a missing key is made, and a damaged one of the user's own (a run that died while
    writing it, before keys were written atomically) is replaced; an unsafe one is left alone.
    """
    secret = _parse_key(_read(folder, "key", _KEY_HEX))
    if secret is not None or not create:
        return secret
    try:
        info = os.stat("key", dir_fd=folder, follow_symlinks=False)
    except FileNotFoundError:
        pass
    else:
        if not _safe(info, stat.S_ISREG):
            return None
        _forget(folder, "key")
    secret = os.urandom(32)
    try:
        _write(folder, "key", secret.hex().encode(), keep_existing=True)
    except FileExistsError:  # another run made one first: use theirs
        return _parse_key(_read(folder, "key", _KEY_HEX))
    return secret


def _parse_key(raw: bytes | None) -> bytes | None:
    if raw is None or len(raw) != _KEY_HEX or raw.strip(b"0123456789abcdefABCDEF"):
        return None
    return bytes.fromhex(raw.decode())


def _prune(folder: int) -> None:
    """Keep the newest ``KEEP`` entries of each kind and drop temporary files older than ``STALE``.
    Only names of the exact shapes this program writes are touched: anything else is left alone."""
    import time

    now = time.time()
    entries: dict[str, list[tuple[float, str]]] = {"kb-": [], "names-": []}
    with os.scandir(folder) as listing:
        for item in listing:
            name = item.name
            temporary = _is_temporary(name)
            kind = next((p for p in entries if name.startswith(p) and name.endswith(".bin") and _is_key(name[len(p) : -4])), None)
            if not temporary and kind is None:
                continue
            try:
                modified = item.stat(follow_symlinks=False).st_mtime
            except OSError:
                continue
            if kind is not None:
                entries[kind].append((modified, name))
            elif now - modified > STALE:
                _forget(folder, name)
    for found in entries.values():
        for _, name in sorted(found, reverse=True)[KEEP:]:
            _forget(folder, name)


def _is_temporary(name: str) -> bool:
    """One of this program's temporary files: ``_write``'s, or ``tempfile.mkstemp``'s before FORMAT 4."""
    prefix, suffix = _TEMPORARY
    if not (name.startswith(prefix) and name.endswith(suffix)):
        return False
    middle = name[len(prefix) : -len(suffix)]
    if len(middle) == 32:
        return not middle.strip(_HEX)
    return len(middle) == 8 and not middle.strip("abcdefghijklmnopqrstuvwxyz0123456789_")
