"""Journal export and import files: the history JSON shape, or CSV with a header row.

JSON: ``{"schema_version": 2, "entries": [...]}``, each entry as ``journal.as_dict`` writes it, in date
order. CSV: one row an entry under the header ``kind,date,score,treatment,result,from,to,note``, an
empty cell for a field the entry does not have. An import file is read whole and every entry checked
(``journal.from_dict``, as if typed) before anything is stored; the first problem is a ``UsageError``
naming the entry or row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

from backpain_cli.errors import UsageError, printable
from backpain_cli.knowledge.files import format_from_suffix
from backpain_cli.knowledge.journal import FORMAT_VERSION, Entry, as_dict, from_dict

FileFormat = Literal["json", "csv"]
SUFFIXES: dict[str, FileFormat] = {".json": "json", ".csv": "csv"}
CSV_COLUMNS = ("kind", "date", "score", "treatment", "result", "from", "to", "note")
MAX_IMPORT_BYTES = 32 * 1024 * 1024  # a ten-year daily journal exports to well under 2 MiB


def file_format(path: Path) -> FileFormat:
    """``json`` or ``csv`` from the file name's suffix, in any case; another suffix is a ``UsageError``."""
    return format_from_suffix(path, SUFFIXES, "the format")


def history_json(entries: Sequence[Entry]) -> dict[str, Any]:
    """The history shape: ``schema_version`` and the entries in date order."""
    return {"schema_version": FORMAT_VERSION, "entries": [as_dict(e) for e in entries]}


def export_bytes(entries: Sequence[Entry], fmt: FileFormat) -> bytes:
    if fmt == "json":
        import json

        return (json.dumps(history_json(entries), ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        row = as_dict(entry)
        writer.writerow(["" if row.get(column) is None else _cell(row[column]) for column in CSV_COLUMNS])
    return out.getvalue().encode("utf-8")


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}" if value.is_integer() else repr(value)
    return str(value)


def parse_import(data: bytes, fmt: FileFormat, resolve: Callable[[str], str], today: dt.date) -> list[Entry]:
    """Every entry of an import file, each checked; a problem anywhere refuses the whole file."""
    if b"\x00" in data:
        raise UsageError("it is a binary file, not JSON or CSV text (check the path)")
    try:
        text = data.decode("utf-8-sig")  # a spreadsheet may start its CSV with a byte-order mark
    except UnicodeDecodeError as error:
        raise UsageError(f"it is not UTF-8 text (a byte at position {error.start} cannot be read); save it as UTF-8") from None
    return _from_json(text, resolve, today) if fmt == "json" else _from_csv(text, resolve, today)


def _from_json(text: str, resolve: Callable[[str], str], today: dt.date) -> list[Entry]:
    import json

    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise UsageError(f"it is not valid JSON ({error.msg} at line {error.lineno}, column {error.colno})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("entries"), list):
        raise UsageError(
            'it must be a JSON object like the one \'backpain history --json\' prints: {"schema_version": 2, "entries": [...]}'
        )
    version = raw.get("schema_version")
    if version != FORMAT_VERSION:
        if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION:
            raise UsageError(
                f"it was written by a newer backpain (schema_version {version}; this one reads {FORMAT_VERSION}); update backpain"
            )
        raise UsageError(f"'schema_version' must be {FORMAT_VERSION}, not {printable(repr(version))[:40]}")
    entries = []
    for number, item in enumerate(raw["entries"], start=1):
        if not isinstance(item, dict):
            raise UsageError(f"entry {number}: must be an object with 'kind' and 'date'")
        entries.append(from_dict(item, f"entry {number}", resolve, today))
    return entries


def _from_csv(text: str, resolve: Callable[[str], str], today: dt.date) -> list[Entry]:
    import csv
    import io

    rows = csv.reader(io.StringIO(text, newline=""))
    header = [cell.strip().lower() for cell in next(rows, [])]
    if "kind" not in header or "date" not in header:
        raise UsageError(f"row 1 must be the header row: {','.join(CSV_COLUMNS)}")
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if unknown or len(set(header)) != len(header):
        what = f"an unknown column '{printable(unknown[0])[:40]}'" if unknown else "a column twice"
        raise UsageError(f"row 1 (the header) has {what}; the columns are {','.join(CSV_COLUMNS)}")
    entries = []
    for number, cells in enumerate(rows, start=2):
        if not any(cell.strip() for cell in cells):
            continue  # a blank line
        if len(cells) > len(header):
            raise UsageError(f"row {number}: has {len(cells)} cells, more than the {len(header)} columns of the header")
        item = {column: (cell if cell != "" else None) for column, cell in zip(header, cells, strict=False)}
        entries.append(from_dict(item, f"row {number}", resolve, today))
    return entries
