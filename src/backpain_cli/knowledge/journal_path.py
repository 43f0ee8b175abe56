"""Where the journal is, worked out without opening it: light enough for every pathway run.

``$BACKPAIN_JOURNAL`` when set, else ``journal.sqlite3`` in the user's data folder for the platform, as
``platformdirs`` names it (``~/.local/share/backpain`` on Linux, ``~/Library/Application
Support/backpain`` on macOS, ``%LOCALAPPDATA%\\backpain`` on Windows).

``platformdirs`` imports ``tempfile`` (and with it ``random`` and ``shutil``): about 6 ms on a run that
has not loaded Rich, which the pathway pays on every run to learn whether a journal exists. On Linux,
where the answer is the XDG rule, the two common cases (``$XDG_DATA_HOME`` absolute, or unset with an
absolute ``$HOME``) are worked out here with ``os`` alone; everything else asks ``platformdirs``.
``tests/test_journal_store.py`` checks that both give the same folder.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

from backpain_cli.errors import JournalError, UsageError

JOURNAL_ENV = "BACKPAIN_JOURNAL"
APP = "backpain"
FILE_NAME = "journal.sqlite3"


def journal_path() -> Path:
    """The journal file's path; it may not exist yet. An empty ``$BACKPAIN_JOURNAL`` is a ``UsageError``."""
    explicit = os.environ.get(JOURNAL_ENV)
    if explicit is not None:
        if not explicit.strip():
            raise UsageError(f"{JOURNAL_ENV} is set but empty; give it a file path, or unset it to use the usual place")
        return Path(explicit).expanduser()
    return Path(data_folder(), FILE_NAME)


def data_folder() -> str:
    """The user's data folder for backpain, as ``platformdirs.user_data_dir`` names it (never created here)."""
    fast = _xdg_data_folder()
    if fast is not None:
        return fast
    import platformdirs

    return platformdirs.user_data_dir(APP, appauthor=False)


def _xdg_data_folder() -> str | None:
    """platformdirs' answer on plain Linux, for the cases that need nothing but the environment; else None."""
    if sys.platform != "linux" or "ANDROID_DATA" in os.environ:
        return None
    base = os.environ.get("XDG_DATA_HOME", "")
    if os.path.isabs(base):
        return os.path.join(base, APP)
    if not os.path.isabs(os.environ.get("HOME", "")):
        return None  # platformdirs looks the home folder up in the password database
    return os.path.join(os.path.expanduser("~/.local/share"), APP)


def has_content(path: Path) -> bool:
    """Whether ``path`` is a journal with something in it; a folder, a device or an unreadable path is an error."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return False
    except NotADirectoryError:
        raise JournalError(
            f"the journal {path} cannot be there: part of its folder path is a file; set BACKPAIN_JOURNAL to another path"
        ) from None
    except OSError as error:
        raise JournalError(f"cannot read the journal {path}: {(error.strerror or type(error).__name__).lower()}") from None
    if stat.S_ISDIR(info.st_mode):
        raise JournalError(f"the journal {path} is a folder, not a file; move the folder or set BACKPAIN_JOURNAL to a file path")
    if not stat.S_ISREG(info.st_mode):
        raise JournalError(f"the journal {path} is not a regular file (a device or a pipe?); set BACKPAIN_JOURNAL to a file path")
    return info.st_size > 0
