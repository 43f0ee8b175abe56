"""Reading an answers file (``pathway --answers FILE``): YAML, a key per fact, checked like the options.

Here in the command line, not the engine, because it reads a file; what each key may hold comes from
the fact registry, and ``engine.answers.build_profile`` checks the values as it does for options.
"""

from pathlib import Path
from typing import Any

from backpain_cli.engine.answers import Answers
from backpain_cli.errors import KnowledgeBaseError, UsageError
from backpain_cli.knowledge.facts import FACTS, INPUTS, Fact

MAX_ANSWERS_BYTES = 1024 * 1024  # an answers file is a few lines; refuse anything this large
_UNKNOWN_WORDS = ("unknown", "don't know", "dont know", "skip")


def load_answers(path: Path) -> Answers:
    """Read an answers file (YAML: a key per fact, as in ``docs/answers.md``), checked like the options."""
    from backpain_cli.knowledge import files, loader

    name = str(path)
    try:
        data = files.read_regular(path, MAX_ANSWERS_BYTES)
    except files.FileProblem as problem:  # its own words: nothing here is about the knowledge base
        raise UsageError(f"answers file {name}: {problem.message} ({problem.suggestion})") from None
    if not data.strip():
        raise UsageError(f"answers file {name}: is empty (write one answer a line, such as 'months: 4'; see docs/answers.md)")
    if b"\x00" in data:
        raise UsageError(f"answers file {name}: is a binary file, not YAML text (check the path)")
    try:
        raw = loader.parse_yaml(loader.decode(data, name), name)
    except KnowledgeBaseError as error:  # decoding and YAML problems: their words are about any YAML file
        raise UsageError(f"answers file {error}") from None
    if raw is None:
        return Answers()
    if not isinstance(raw, dict):
        raise UsageError(f"answers file {name}: must be a mapping of answers such as 'months: 4'")
    values: dict[str, Any] = {}
    spelled: dict[str, str] = {}
    inputs = {f.name for f in INPUTS}
    for key, value in raw.items():
        field = str(key).strip().lower().replace("-", "_")
        if field not in inputs:
            from backpain_cli.knowledge.conditions import suggest

            hint = suggest(field, sorted(inputs)) or "see docs/answers.md"
            raise UsageError(f"answers file {name}: unknown key '{key}' ({hint})")
        if field in spelled:  # red-flags and red_flags are one answer: two spellings must not race
            raise UsageError(f"answers file {name}: '{spelled[field]}' and '{key}' are the same answer; keep one of them")
        spelled[field] = str(key)
        values[field] = _answer_value(name, FACTS[field], value)
    return Answers(**values)


def _answer_value(name: str, fact: Fact, value: Any) -> Any:
    where = f"answers file {name}: '{fact.name}'"
    if value is None:
        return () if fact.kind == "set" else None
    if fact.kind == "set":
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise UsageError(f"{where} must be a list of names, e.g. [physio, ibuprofen]")
        return tuple(items)
    if fact.kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise UsageError(f"{where} must be a number, not {value!r}")
        return float(value)
    if fact.kind == "bool":
        if isinstance(value, str) and value.strip().lower() in _UNKNOWN_WORDS:
            return None
        if not isinstance(value, bool):
            raise UsageError(f"{where} must be yes, no or unknown, not {value!r}")
        return value
    if not isinstance(value, str):
        raise UsageError(f"{where} must be text, not {value!r}")
    return value
