"""The journal file: one SQLite database, private to its owner, safe with several writers at once.

- Reading never creates anything: no file, or an empty one, is a journal with no entries, and
  ``sqlite3`` is not even imported then (a pathway run without a journal pays nothing for it).
- Before the first write the file is created 0600, inside a folder created 0700 if it was missing.
- WAL and a busy timeout: processes logging at once wait their turn, and every entry is kept.
- ``PRAGMA user_version`` numbers the schema. An older file is first copied to a backup beside it
  (``journal.sqlite3.v1.backup``), then migrated in one transaction; a newer one is refused unchanged.
- A file that is not a SQLite database, is damaged (SQLite finds it so, or ``PRAGMA quick_check`` does
  before a migration or an import), belongs to something else, is a folder or cannot be read is
  reported by name with what to do, and never written, truncated or deleted: every failure is a
  ``JournalError`` (exit 6) and every write is one transaction.
- Deleting is for good: ``secure_delete`` overwrites what ``undo`` and ``forget`` remove, and
  ``forget`` compacts the file and empties the write-ahead log.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from backpain_cli.errors import JournalError
from backpain_cli.knowledge.journal import Entry
from backpain_cli.knowledge.journal_path import has_content

if TYPE_CHECKING:
    import sqlite3

SCHEMA_VERSION = 1
_CREATE = (
    """CREATE TABLE entries (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL CHECK (kind IN ('pain', 'onset', 'tried')),
        date TEXT NOT NULL,
        score REAL,
        treatment TEXT,
        result TEXT,
        from_date TEXT,
        to_date TEXT,
        note TEXT
    )""",
    "CREATE INDEX entries_by_kind ON entries (kind, date, seq)",
)
# MIGRATIONS[n]: the statements that take a version-n file to version n + 1, run in one transaction
# after a backup. Add one here (and raise SCHEMA_VERSION) for every change to the schema above.
MIGRATIONS: dict[int, tuple[str, ...]] = {}
BUSY_SECONDS = 10.0  # how long a writer waits for another to finish before saying the journal is busy
_HEADER = b"SQLite format 3\x00"
_COLUMNS = "kind, date, score, treatment, result, from_date, to_date, note"
_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_MOVE_ASIDE = "move it aside to start a new journal (or set BACKPAIN_JOURNAL to another file), and keep it"


class Summary(NamedTuple):
    """What the pathway needs from a journal, read with a few queries instead of every entry."""

    total: int  # how many entries
    first: dt.date | None  # the earliest entry's date
    onset: dt.date | None  # the start date logged last
    pain: float | None  # the latest pain score by date
    results: tuple[tuple[str, str], ...]  # (treatment id, result): the latest for each treatment, by date


class Journal:
    """An open journal. Use ``Journal.read`` (None when there is none yet) or ``Journal.write``, as a context manager."""

    def __init__(self, path: Path, connection: sqlite3.Connection | None) -> None:
        self.path = path
        self._db = connection  # None: an empty file, read without opening it

    @classmethod
    def read(cls, path: Path) -> Journal | None:
        """The journal at ``path``, or None when there is no file (or an empty one): nothing is created."""
        if not has_content(path):
            return None
        return cls(path, _open(path, create=False))

    @classmethod
    def write(cls, path: Path) -> Journal:
        """The journal at ``path``, created (0600, in a 0700 folder) if it does not exist."""
        _create_file(path)
        return cls(path, _open(path, create=True))

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    # --- reading -----------------------------------------------------------------------------------

    def count(self) -> int:
        return int(self._one("SELECT count(*) FROM entries", ())[0]) if self._db is not None else 0

    def entries(self, since: dt.date | None = None) -> list[Entry]:
        """Every entry (from ``since`` on), in date order; entries of one day in the order they were logged."""
        if self._db is None:
            return []
        where, params = ("WHERE date >= ?", (since.isoformat(),)) if since is not None else ("", ())
        return self._entries(self._all(f"SELECT {_COLUMNS} FROM entries {where} ORDER BY date, seq", params))  # noqa: S608 - fixed text

    def batches(self, since: dt.date | None = None, size: int = 512) -> Iterator[list[Entry]]:
        """The same entries as ``entries``, a batch at a time: ``history --json`` never holds them all."""
        import sqlite3

        if self._db is None:
            return
        where, params = ("WHERE date >= ?", (since.isoformat(),)) if since is not None else ("", ())
        try:
            cursor = self._db.execute(f"SELECT {_COLUMNS} FROM entries {where} ORDER BY date, seq", params)  # noqa: S608 - fixed text
            while rows := cursor.fetchmany(size):
                yield self._entries(rows)
        except sqlite3.Error as error:
            raise _fault(self.path, error, writing=False) from None

    def summary(self) -> Summary:
        if self._db is None:
            return Summary(0, None, None, None, ())
        count, first = self._one("SELECT count(*), min(date) FROM entries", ())
        onset = self._one("SELECT date FROM entries WHERE kind = 'onset' ORDER BY seq DESC LIMIT 1", ())
        pain = self._one("SELECT score FROM entries WHERE kind = 'pain' ORDER BY date DESC, seq DESC LIMIT 1", ())
        latest: dict[str, str] = {}
        for treatment, result in self._all("SELECT treatment, result FROM entries WHERE kind = 'tried' ORDER BY date, seq", ()):
            latest.pop(treatment, None)  # re-inserted: the dict keeps the order of each treatment's latest result
            latest[treatment] = result
        return Summary(
            int(count),
            None if first is None else self._date(first),
            None if onset is None else self._date(onset[0]),
            None if pain is None else float(pain[0]),
            tuple(latest.items()),
        )

    # --- writing: each one transaction ------------------------------------------------------------

    def add(self, entries: Sequence[Entry]) -> int:
        """Store every entry, or none of them."""
        with self._transaction() as db:
            db.executemany(f"INSERT INTO entries ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [_row(e) for e in entries])  # noqa: S608
        return len(entries)

    def add_new(self, entries: Sequence[Entry]) -> tuple[int, int]:
        """Store the entries the journal does not hold yet (an import read twice adds nothing); (added, skipped).

        A bulk write: the file is checked whole first (``PRAGMA quick_check``), as before a migration.
        """
        if self._db is not None and self._all("PRAGMA quick_check", ())[0][0] != "ok":
            raise _damaged(self.path, "it failed SQLite's quick check")
        with self._transaction() as db:
            held = Counter(self._entries(db.execute(f"SELECT {_COLUMNS} FROM entries").fetchall()))  # noqa: S608
            fresh = []
            for entry in entries:
                if held[entry] > 0:
                    held[entry] -= 1
                else:
                    fresh.append(entry)
            db.executemany(f"INSERT INTO entries ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [_row(e) for e in fresh])  # noqa: S608
        return len(fresh), len(entries) - len(fresh)

    def undo(self) -> Entry | None:
        """Remove the entry logged last (whatever its date); None when the journal is empty."""
        with self._transaction() as db:
            row = db.execute(f"SELECT seq, {_COLUMNS} FROM entries ORDER BY seq DESC LIMIT 1").fetchone()  # noqa: S608
            if row is None:
                return None
            db.execute("DELETE FROM entries WHERE seq = ?", (row[0],))
        return self._entries([row[1:]])[0]

    def forget(self) -> int:
        """Delete every entry, then compact the file and empty the write-ahead log; how many were deleted."""
        with self._transaction() as db:
            count = int(db.execute("SELECT count(*) FROM entries").fetchone()[0])
            db.execute("DELETE FROM entries")
        self._run("VACUUM")
        self._run("PRAGMA wal_checkpoint(TRUNCATE)")
        return count

    # --- plumbing ----------------------------------------------------------------------------------

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        import sqlite3

        db = self._db
        if db is None:
            raise JournalError(f"internal error: the journal {self.path} was opened for reading only")
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        except sqlite3.Error as error:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise _fault(self.path, error, writing=True) from None

    def _run(self, sql: str) -> None:
        import sqlite3

        assert self._db is not None
        try:
            self._db.execute(sql).fetchall()
        except sqlite3.Error as error:
            raise _fault(self.path, error, writing=True) from None

    def _all(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        import sqlite3

        assert self._db is not None
        try:
            return self._db.execute(sql, params).fetchall()
        except sqlite3.Error as error:
            raise _fault(self.path, error, writing=False) from None

    def _one(self, sql: str, params: tuple[Any, ...]) -> Any:
        rows = self._all(sql, params)
        return rows[0] if rows else None

    def _date(self, text: Any) -> dt.date:
        try:
            return dt.date.fromisoformat(text)
        except (TypeError, ValueError):
            raise _damaged(self.path, f"an entry's date is {str(text)[:20]!r}") from None

    def _entries(self, rows: Sequence[Sequence[Any]]) -> list[Entry]:
        """Rows as entries: one comprehension, as a ten-year journal has thousands (``history`` reads them all)."""
        iso = dt.date.fromisoformat
        try:
            return [
                Entry(
                    kind,
                    iso(day),
                    None if score is None else float(score),
                    treatment,
                    result,
                    None if start is None else iso(start),
                    None if end is None else iso(end),
                    note,
                )
                for kind, day, score, treatment, result, start, end, note in rows
            ]
        except (TypeError, ValueError):  # only a file changed by something else: every write here checks its values
            raise _damaged(self.path, "an entry holds a value that is not a date or a number") from None


def _row(entry: Entry) -> tuple[Any, ...]:
    iso = [None if d is None else d.isoformat() for d in (entry.date, entry.start, entry.end)]
    return (entry.kind, iso[0], entry.score, entry.treatment, entry.result, iso[1], iso[2], entry.note)


# --- opening ---------------------------------------------------------------------------------------


def _check_header(path: Path) -> None:
    """Refuse anything that is not a SQLite file before SQLite sees it; an empty file becomes a new journal."""
    try:
        with open(path, "rb") as f:
            head = f.read(len(_HEADER))
    except OSError as error:
        raise _os_fault(path, error) from None
    if head and head != _HEADER:
        raise _damaged(path, "it is not a SQLite database")


def _create_file(path: Path) -> None:
    """Create the folder (0700) if missing and the file (0600) if missing; an existing one is left as it is."""
    folder = path.parent
    try:
        if not folder.is_dir():
            os.makedirs(folder, mode=0o700, exist_ok=True)
        fd = os.open(path, _CREATE_FLAGS, 0o600)
    except FileExistsError:
        has_content(path)  # a folder or a device where the journal should be: say so
        return
    except NotADirectoryError:
        raise JournalError(
            f"cannot create the journal {path}: part of its folder path is a file; set BACKPAIN_JOURNAL to another path"
        ) from None
    except PermissionError:
        raise JournalError(
            f"cannot create the journal {path}: permission denied; set BACKPAIN_JOURNAL to a file in a folder you can write to"
        ) from None
    except OSError as error:
        raise JournalError(f"cannot create the journal {path}: {(error.strerror or type(error).__name__).lower()}") from None
    os.close(fd)


def _uri(path: Path) -> str:
    """A ``file:`` URI opening an existing file only: SQLite must never create one with the default mode."""
    text = os.path.abspath(path).replace("%", "%25").replace("?", "%3f").replace("#", "%23")
    return f"file:{text}?mode=rw"


def _open(path: Path, *, create: bool) -> sqlite3.Connection | None:
    """A connection with the schema current (migrated after a backup if older), or None for an empty file read."""
    import sqlite3

    _check_header(path)
    try:
        db = sqlite3.connect(_uri(path), uri=True, timeout=BUSY_SECONDS, isolation_level=None)
    except sqlite3.Error as error:
        raise _fault(path, error, writing=create) from None
    try:
        db.execute("PRAGMA secure_delete = ON")
        # NORMAL: a commit does not wait for the disk; closing the last connection checkpoints the log
        # with the disk synced, before the command says what it logged. Half the time of FULL here.
        db.execute("PRAGMA synchronous = NORMAL")
        version = int(db.execute("PRAGMA user_version").fetchone()[0])
        _refuse_newer(path, version)
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if version == 0 and not tables and not create:
            db.close()
            return None  # a file another process has just created: no entries yet
        if "entries" not in tables and tables:
            raise _damaged(path, "it is a SQLite database of another program")
        if create and db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            db.execute("PRAGMA journal_mode = WAL")  # kept in the file: once for all
        if version < SCHEMA_VERSION:
            _upgrade(path, db, version)
    except sqlite3.Error as error:
        db.close()
        raise _fault(path, error, writing=create) from None
    except BaseException:
        db.close()
        raise
    return db


def _refuse_newer(path: Path, version: int) -> None:
    if version > SCHEMA_VERSION:
        raise JournalError(
            f"the journal {path} was written by a newer backpain (journal format {version}; this one reads up to "
            f"{SCHEMA_VERSION}) and was left unchanged; update backpain to use it"
        )


def _upgrade(path: Path, db: sqlite3.Connection, version: int) -> None:
    """Bring the schema to ``SCHEMA_VERSION``: create it in a new file, or back the file up and migrate it."""
    if version > 0:
        if db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise _damaged(path, "it failed SQLite's quick check")
        # Before the write lock: SQLite cannot copy a database while the same connection writes to it.
        # Two processes updating at once make two backups of the same file; neither loses anything.
        _backup(path, db, version)
    db.execute("BEGIN IMMEDIATE")  # one writer decides; another that waited finds the work done
    try:
        version = int(db.execute("PRAGMA user_version").fetchone()[0])
        _refuse_newer(path, version)
        if version == 0:
            for statement in _CREATE:
                db.execute(statement)
        elif version < SCHEMA_VERSION:
            for step in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[step]:
                    db.execute(statement)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION:d}")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _backup(path: Path, db: sqlite3.Connection, version: int) -> Path:
    """A consistent copy of the journal beside it, 0600, under a name not yet taken."""
    import sqlite3

    for n in range(1, 100):
        target = path.with_name(f"{path.name}.v{version}.backup" + ("" if n == 1 else f".{n}"))
        try:
            os.close(os.open(target, _CREATE_FLAGS, 0o600))
        except FileExistsError:
            continue
        except OSError as error:
            raise JournalError(f"cannot back up the journal {path} before updating it: {error.strerror}; nothing was changed") from None
        copy = sqlite3.connect(_uri(target), uri=True)
        try:
            db.backup(copy)
        finally:
            copy.close()
        return target
    raise JournalError(f"cannot back up the journal {path}: too many backups beside it; move some away and try again")


# --- saying what went wrong --------------------------------------------------------------------------


def _damaged(path: Path, why: str) -> JournalError:
    return JournalError(f"the journal {path} cannot be used: {why}. It was left as it is: {_MOVE_ASIDE}")


def _os_fault(path: Path, error: OSError) -> JournalError:
    if isinstance(error, PermissionError):
        return JournalError(f"cannot read the journal {path}: permission denied; make it readable and writable by you (chmod 600)")
    if isinstance(error, IsADirectoryError):
        return JournalError(f"the journal {path} is a folder, not a file; move the folder or set BACKPAIN_JOURNAL to a file path")
    return JournalError(f"cannot read the journal {path}: {(error.strerror or type(error).__name__).lower()}")


def _fault(path: Path, error: Exception, *, writing: bool) -> JournalError:
    """A SQLite error in words: busy, read-only, full, unreadable, or damaged (the rest)."""
    text = str(error).lower()
    nothing = "nothing was stored" if writing else "nothing was changed"
    if "locked" in text or "busy" in text:
        return JournalError(f"the journal {path} is busy: another backpain is still writing to it; try again in a moment ({nothing})")
    if "readonly" in text or "read-only" in text:
        return JournalError(f"cannot write to the journal {path}: it is read-only; make it and its folder writable by you ({nothing})")
    if "full" in text:
        return JournalError(f"cannot write to the journal {path}: the disk is full; free some space and try again ({nothing})")
    if "unable to open" in text or "authorization" in text:
        return JournalError(f"cannot open the journal {path}: check that it and its folder are yours and readable ({nothing})")
    if "i/o" in text:
        return JournalError(f"cannot read or write the journal {path}: a disk error; check the disk ({nothing})")
    return _damaged(path, f"SQLite says: {text[:80]}")
