"""A cache of validated knowledge bases, keyed by content, so most runs skip parsing and validation.

Why it is safe:
- never stale: the key is a BLAKE2b hash of the file's bytes together with the program's version and
  the model's shape, so any edit to the file, or a new backpain, is a miss and the file is parsed and
  validated afresh;
- never tampered: each entry carries a keyed BLAKE2b MAC made with a random per-user key (a 0600 file
  in a 0700 folder), checked before anything in the entry is read; an entry that does not verify is
  deleted and treated as a miss. The entry is a pickle of the validated model, and it is unpickled
  only after that check, so only data this program wrote with the user's own key is ever loaded;
- only a knowledge base that validated is ever stored.

Any failure to read or write the cache is a miss, never an error.
Location: ``$BACKPAIN_CACHE_DIR``, else ``$XDG_CACHE_HOME/backpain``, else ``~/.cache/backpain``.
``BACKPAIN_NO_CACHE=1`` turns it off.
"""

from __future__ import annotations

import contextlib
import marshal
import os
from _operator import _compare_digest as compare_digest  # constant time, without importing hmac

try:  # BLAKE2 is built into CPython; hashlib would load OpenSSL (+4 MiB) for no gain here
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - other Pythons
    from hashlib import blake2b
from pathlib import Path
from typing import Any

from backpain_cli import __version__

FORMAT = 3
_TAG = 64  # hex digits of a 32-byte MAC
KEEP = 8  # entries kept: a few knowledge bases in use at once, no unbounded growth


def directory() -> Path:
    explicit = os.environ.get("BACKPAIN_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "backpain"


def enabled() -> bool:
    return os.environ.get("BACKPAIN_NO_CACHE", "") in ("", "0")


def content_key(data: bytes) -> str:
    """What an entry is filed under: the file's bytes, the program version and the model's shape."""
    salt = f"\0backpain {__version__} cache {FORMAT} {_model_shape()}".encode()
    return blake2b(data + salt, digest_size=32).hexdigest()


def _model_shape() -> str:
    """The model classes' fields: a change to the model makes every older entry a miss."""
    from backpain_cli.knowledge import model

    classes = sorted((name, cls) for name, cls in vars(model).items() if isinstance(cls, type) and hasattr(cls, "_fields"))
    return ";".join(f"{name}:{','.join(cls._fields)}" for name, cls in classes)


def _verified(path: Path, key: str) -> bytes | None:
    """An entry's body if its MAC checks out with the user's key; a forged or damaged one is deleted."""
    if not enabled():
        return None
    try:
        blob = path.read_bytes()
        secret = _secret(create=False)
    except OSError:
        return None
    if secret is None:
        return None
    tag, body = blob[:_TAG], blob[_TAG:]
    if not compare_digest(tag, _sign(secret, key, body).encode()):
        _forget(path)
        return None
    return body


def fetch(key: str) -> Any | None:
    """The validated model stored under ``key``, or ``None`` (missing, unverifiable or disabled)."""
    path = directory() / f"kb-{key}.bin"
    body = _verified(path, key)
    if body is None:
        return None
    # Here, not at the top: shell completion reads only the small name lists. The C unpickler alone:
    # pickle.py and the struct module it needs for writing cost ~2 ms more on every warm run.
    try:
        from _pickle import loads
    except ImportError:  # pragma: no cover - other Pythons
        from pickle import loads

    try:
        return loads(body)  # noqa: S301 - authenticated above with the user's secret key
    except Exception:  # an entry from an incompatible build: recompute rather than fail
        _forget(path)
        return None


def store(key: str, model: Any) -> None:
    """File a validated model under ``key``; silently gives up if the cache cannot be written."""
    if not enabled():
        return
    import pickle

    try:
        body = pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
    except (TypeError, ValueError, pickle.PicklingError, RecursionError):
        return
    _write_signed(f"kb-{key}.bin", key, body)


def _write_signed(filename: str, key: str, body: bytes) -> None:
    """Write ``body`` with its MAC, atomically (temporary file, then rename); give up on any error."""
    try:
        folder = directory()
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        secret = _secret(create=True)
        if secret is None:
            return
        import tempfile  # only on a miss: it pulls in random and more, which a warm run never needs

        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".part")
        with os.fdopen(handle, "wb") as out:
            out.write(_sign(secret, key, body).encode() + body)
        os.replace(temporary, folder / filename)
        _prune(folder)
    except OSError:
        return


def names_key(data: bytes) -> str:
    """Where completion's name lists are filed: the file's bytes, the program version and the format."""
    salt = f"\0backpain {__version__} names {FORMAT} marshal {marshal.version}"
    return blake2b(data + salt.encode(), digest_size=32).hexdigest()


def fetch_names(key: str) -> dict[str, list[str]] | None:
    """Completion's name lists (signed like the models), or ``None``.

    Stored with ``marshal``, which is built in: a Tab press should not pay for importing ``json``.
    """
    body = _verified(directory() / f"names-{key}.bin", key)
    if body is None:
        return None
    try:
        names = marshal.loads(body)  # noqa: S302 - authenticated above with the user's secret key
    except (ValueError, EOFError, TypeError):
        return None
    return names if isinstance(names, dict) else None


def store_names(key: str, names: dict[str, list[str]]) -> None:
    if not enabled():
        return
    _write_signed(f"names-{key}.bin", key, marshal.dumps(names))


def _sign(secret: bytes, key: str, body: bytes) -> str:
    return blake2b(key.encode() + b"\0" + body, key=secret, digest_size=32).hexdigest()


def _secret(*, create: bool) -> bytes | None:
    path = directory() / "key"
    try:
        return bytes.fromhex(path.read_bytes().decode().strip())  # bytes: no ascii codec to import
    except (OSError, ValueError):
        if not create:
            return None
    secret = os.urandom(32)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another run made it first: use theirs
        return _secret(create=False)
    with os.fdopen(descriptor, "w", encoding="ascii") as out:
        out.write(secret.hex())
    return secret


def _forget(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def _prune(folder: Path) -> None:
    for pattern in ("kb-*.bin", "names-*.bin"):
        entries = sorted(folder.glob(pattern), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[KEEP:]:
            _forget(old)
