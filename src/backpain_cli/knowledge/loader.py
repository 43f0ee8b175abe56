"""Find, safely load and completely validate the knowledge base into frozen models.

Loading never runs code (safe loader only), rejects duplicate keys at any depth and alias bombs, and
validation (``format.build``, from the one definition of the format) collects every problem with its
YAML path before giving up, so ``backpain kb check`` can list them all and everything else can stop
with the first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from backpain_cli.errors import KnowledgeBaseError, Problem
from backpain_cli.knowledge import files
from backpain_cli.knowledge import model as m
from backpain_cli.knowledge.paths import KB_ENV as KB_ENV  # re-exported: callers know the knowledge module
from backpain_cli.knowledge.paths import KB_MAX_BYTES
from backpain_cli.knowledge.paths import default_path as default_path
from backpain_cli.knowledge.paths import resolve_path as resolve_path

MAX_BYTES = KB_MAX_BYTES  # a module attribute, so tests can lower it


def load(path: Path, *, use_cache: bool = True) -> m.Knowledge:
    """Read and validate; raise ``KnowledgeBaseError`` with every problem found.

    Parsing and validating are most of a run's cost, so a file that validated is kept, as its
    validated model, in the user's cache under its content hash (see ``backpain_cli.knowledge.cache``): the
    same bytes are never validated twice by the same code, and changed bytes are never served from the
    cache. ``use_cache=False`` always parses and validates, and leaves the cache alone (``kb check``).
    """
    data = read_bytes(path)
    if not use_cache:
        return _with_path(_parse_and_validate(data, path), str(path))
    from backpain_cli.knowledge import cache

    digest = cache.content_key(data)
    cached = cache.fetch(digest)
    if isinstance(cached, m.Knowledge):
        return _with_path(cached, str(path))
    knowledge = _parse_and_validate(data, path)
    cache.store(digest, knowledge)
    cache.store_names(cache.names_key(data), completion_names(knowledge))
    return _with_path(knowledge, str(path))


def completion_names(knowledge: m.Knowledge) -> dict[str, list[str]]:
    """What shell completion offers, kept beside the cached model so a Tab press needs no model."""
    return {
        "treatments": [t.id for t in knowledge.treatments] + [a for t in knowledge.treatments for a in t.aliases if " " not in a],
        "red_flags": [f.code for f in knowledge.red_flags],
        "tiers": [t.id for t in knowledge.tiers],
        "topics": [t.id for t in knowledge.topics] + [a for t in knowledge.topics for a in t.aliases if " " not in a],
    }


def _parse_and_validate(data: bytes, path: Path) -> m.Knowledge:
    # Here, not at the top: a warm run reads the cache and never needs the validator (about 3 ms to import).
    from backpain_cli.knowledge.format import build
    from backpain_cli.knowledge.safeyaml import parse_yaml

    raw = parse_yaml(decode(data, str(path)), str(path))
    problems: list[Problem] = []
    knowledge = build(raw, problems)  # every problem found, each with its YAML path
    if problems or knowledge is None:
        unique = list({str(p): p for p in problems}.values())  # a shared mistake is reported once
        raise KnowledgeBaseError(str(path), unique or [Problem("", "the knowledge base is invalid")])
    return knowledge


def parse_yaml(text: str, name: str) -> Any:
    """Safe YAML parsing (see ``backpain_cli.knowledge.safeyaml``); imported lazily, it is the costly part."""
    from backpain_cli.knowledge import safeyaml

    return safeyaml.parse_yaml(text, name)


def read_text(path: Path) -> str:
    """The file's text, after the same checks as a knowledge base (size, binary, UTF-8)."""
    return decode(read_bytes(path), str(path))


def read_bytes(path: Path, limit: int | None = None) -> bytes:
    """The file's bytes through the one safe reader (``files.read_regular``: a regular file only, never
    a device or a pipe, at most ``limit`` bytes), refusing an empty or binary file."""
    name = str(path)
    try:
        data = files.read_regular(path, MAX_BYTES if limit is None else limit)
    except files.FileProblem as problem:
        suggestion = "check the path, or unset BACKPAIN_KB" if problem.missing else problem.suggestion
        raise KnowledgeBaseError(name, [Problem("", problem.message, suggestion)]) from None
    if not data.strip():
        raise KnowledgeBaseError(name, [Problem("", "is empty", "use the shipped data/treatments.yaml as a template")])
    if b"\x00" in data:
        raise KnowledgeBaseError(name, [Problem("", "is a binary file, not YAML text", "check the path")])
    return data


def decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        where = f"byte {error.start}"
        raise KnowledgeBaseError(name, [Problem(where, "is not valid UTF-8 text", "save the file as UTF-8")]) from None


def _with_path(knowledge: m.Knowledge, path: str) -> m.Knowledge:
    return knowledge._replace(path=path)
