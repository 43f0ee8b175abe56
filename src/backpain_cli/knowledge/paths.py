"""Where the knowledge base is: light enough for shell completion to import."""

from __future__ import annotations

import os
from pathlib import Path

from backpain_cli.errors import KnowledgeBaseError, Problem

KB_ENV = "BACKPAIN_KB"
# Far above any real knowledge base (the shipped one is under 300 KiB, a generated 20,000-treatment
# one about 62 MiB), small enough that a mistaken path to a huge file fails at once.
KB_MAX_BYTES = 128 * 1024 * 1024
_PACKAGE_KB = Path(__file__).parents[1] / "data" / "treatments.yaml"  # inside a built wheel: backpain_cli/data
_SOURCE_KB = Path(__file__).resolve().parents[3] / "data" / "treatments.yaml"  # checkout or editable


def default_path() -> Path:
    """The shipped knowledge base: inside the wheel, else the source tree's ``data/``."""
    return _PACKAGE_KB if _PACKAGE_KB.is_file() else _SOURCE_KB


def resolve_path(explicit: str | None) -> Path:
    """``--kb`` wins, then ``$BACKPAIN_KB``, then the shipped file."""
    chosen = explicit if explicit is not None else os.environ.get(KB_ENV)
    if chosen is None:
        return default_path()
    if not chosen.strip():
        raise KnowledgeBaseError(chosen or "''", [Problem("", "the knowledge base path is empty", "give a file path")])
    return Path(chosen)
