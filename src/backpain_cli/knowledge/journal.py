"""Journal entries: what a person logged, checked once by the same code whichever way it came in.

A command (``backpain log ...``), an import file and the guided walk all build entries here, so a score
out of range, an impossible or future date, an unknown result or a note that cannot be shown is refused
with the same message every time, before anything is stored. An entry holds a treatment's id (the name
typed is resolved first, by ``lookup.NameIndex``), and its result in the words a person uses
(``helped``, ``some``, ``no-help``, ``side-effects``), each one an answer in the fact registry
(``facts.RESULTS``). The file itself is ``journal_store``; where it is, ``journal_path``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from backpain_cli.errors import UsageError, printable
from backpain_cli.knowledge.facts import FACTS, RESULTS

KINDS = ("pain", "onset", "tried")
# The history JSON's and the export file's ``schema_version``: the one number every --json output
# follows (``views.data.JSON_SCHEMA_VERSION``; a test keeps them equal).
FORMAT_VERSION = 2
MAX_NOTE = 1000  # characters: a note is a line or two, not a diary page
MAX_YEARS_BACK = 100  # the fact registry's longest duration (facts.MAX_MONTHS): an older date is a typo
_PAIN = FACTS["pain"]
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# The fields each kind holds besides ``kind`` and ``date``, in the order the JSON shows them.
FIELDS: dict[str, tuple[str, ...]] = {
    "pain": ("score", "note"),
    "onset": ("note",),
    "tried": ("treatment", "result", "from", "to", "note"),
}


class Entry(NamedTuple):
    """One logged line. ``start`` and ``end`` are the ``from`` and ``to`` of a treatment tried."""

    kind: str
    date: dt.date
    score: float | None = None
    treatment: str | None = None  # a treatment id
    result: str | None = None  # a key of facts.RESULTS
    start: dt.date | None = None
    end: dt.date | None = None
    note: str | None = None


# --- checking one value ----------------------------------------------------------------------------


def parse_date(text: str, what: str, today: dt.date) -> dt.date:
    """A date written YYYY-MM-DD that exists, is not in the future and is not over 100 years ago."""
    shown = printable(text.strip())[:40]
    if not _ISO_DATE.fullmatch(text.strip()):
        raise UsageError(f"{what} '{shown}' is not a date written YYYY-MM-DD, such as {today.isoformat()}")
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"{what} '{shown}' is not a real date (check the month and the day)") from None
    return check_date(day, what, today)


def check_date(day: dt.date, what: str, today: dt.date) -> dt.date:
    if day > today:
        raise UsageError(f"{what} {day.isoformat()} is in the future; log what has happened, up to today ({today.isoformat()})")
    if day.year < today.year - MAX_YEARS_BACK:
        raise UsageError(f"{what} {day.isoformat()} is over {MAX_YEARS_BACK} years ago; check the year")
    return day


def check_score(value: Any) -> float:
    """A pain score from 0 (none) to 10 (worst), as the pathway's ``--pain`` takes it."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UsageError(f"the pain score must be a number from 0 to 10, not {printable(str(value))[:40]!r}")
    if math.isnan(value) or not _PAIN.low <= value <= _PAIN.high:
        raise UsageError(f"the pain score must be from {_PAIN.low:g} (no pain) to {_PAIN.high:g} (the worst), not {value:g}")
    return float(value) + 0.0  # -0.0 becomes 0.0


def check_note(note: str | None) -> str | None:
    """A note as typed, on one line; an empty one is no note."""
    if note is None or not note.strip():
        return None
    if len(note) > MAX_NOTE:
        raise UsageError(f"the note is {len(note):,} characters long; keep it under {MAX_NOTE:,}")
    if not note.isprintable():
        raise UsageError("the note holds a line break or a control character; write it on one line of plain text")
    return note


def check_result(word: str) -> str:
    """``helped``, ``some``, ``no-help`` or ``side-effects``, in any case and with spaces or hyphens."""
    from backpain_cli.knowledge.conditions import suggest

    key = "-".join(word.strip().lower().replace("_", " ").replace("-", " ").split())
    if key in RESULTS:
        return key
    hint = suggest(key, RESULTS) or "expected one of: " + ", ".join(RESULTS)
    raise UsageError(f"unknown result '{printable(word)[:40]}': {hint}")


# --- building entries ------------------------------------------------------------------------------


def pain_entry(score: Any, day: dt.date, note: str | None, today: dt.date) -> Entry:
    return Entry("pain", check_date(day, "the date", today), score=check_score(score), note=check_note(note))


def onset_entry(day: dt.date, note: str | None, today: dt.date) -> Entry:
    return Entry("onset", check_date(day, "the start date", today), note=check_note(note))


def tried_entry(
    treatment: str, result: str, start: dt.date | None, end: dt.date | None, note: str | None, today: dt.date, day: dt.date | None = None
) -> Entry:
    """A treatment tried. Its date is the day the result was known: ``day`` if given, else ``end``, else today."""
    if start is not None:
        check_date(start, "--from", today)
    if end is not None:
        check_date(end, "--to", today)
    if start is not None and end is not None and end < start:
        raise UsageError(f"--to {end.isoformat()} is before --from {start.isoformat()}; swap them or check the dates")
    when = check_date(day or end or today, "the date", today)
    if start is not None and when < start:
        raise UsageError(f"the date {when.isoformat()} is before --from {start.isoformat()}; a result comes after the start")
    return Entry("tried", when, treatment=treatment, result=check_result(result), start=start, end=end, note=check_note(note))


# --- the JSON shape (history --json, export, import) ----------------------------------------------


def as_dict(entry: Entry) -> dict[str, Any]:
    """An entry as the history JSON shows it: ``kind``, ``date`` and its kind's fields (null when not given)."""
    values = {
        "score": entry.score,
        "note": entry.note,
        "treatment": entry.treatment,
        "result": entry.result,
        "from": None if entry.start is None else entry.start.isoformat(),
        "to": None if entry.end is None else entry.end.isoformat(),
    }
    return {"kind": entry.kind, "date": entry.date.isoformat(), **{key: values[key] for key in FIELDS[entry.kind]}}


def from_dict(raw: Mapping[str, Any], where: str, resolve: Callable[[str], str], today: dt.date) -> Entry:
    """An entry from its JSON shape (or a CSV row read into one), checked as if it had been typed.

    ``resolve`` turns a treatment name into its id (``NameIndex.resolve``). Every problem is a
    ``UsageError`` starting with ``where`` ("entry 3").
    """
    try:
        return _from_dict(raw, resolve, today)
    except UsageError as problem:
        raise UsageError(f"{where}: {problem}") from None


def _from_dict(raw: Mapping[str, Any], resolve: Callable[[str], str], today: dt.date) -> Entry:
    kind = raw.get("kind")
    if kind not in KINDS:
        raise UsageError(f"'kind' must be one of {', '.join(KINDS)}, not {printable(str(kind))[:40]!r}")
    allowed = {"kind", "date", *FIELDS[kind]}
    extra = sorted(str(key) for key, value in raw.items() if key not in allowed and value not in (None, ""))
    if extra:
        raise UsageError(f"a {kind} entry has no field '{printable(extra[0])[:40]}' (it takes {', '.join(sorted(allowed))})")
    day = _date(raw.get("date"), "'date'", today)
    note = _text(raw.get("note"), "note")
    if kind == "pain":
        score = raw.get("score")
        if isinstance(score, str):
            score = _number(score)
        return pain_entry(score, day, note, today)
    if kind == "onset":
        return onset_entry(day, note, today)
    name = _text(raw.get("treatment"), "treatment")
    if name is None:
        raise UsageError("a tried entry needs a 'treatment'")
    result = _text(raw.get("result"), "result")
    if result is None:
        raise UsageError("a tried entry needs a 'result': helped, some, no-help or side-effects")
    start = _optional_date(raw.get("from"), "'from'", today)
    end = _optional_date(raw.get("to"), "'to'", today)
    return tried_entry(resolve(name), result, start, end, note, today, day=day)


def _date(value: Any, what: str, today: dt.date) -> dt.date:
    if not isinstance(value, str):
        raise UsageError(f"{what} must be a date written YYYY-MM-DD, not {printable(str(value))[:40]!r}")
    return parse_date(value, what, today)


def _optional_date(value: Any, what: str, today: dt.date) -> dt.date | None:
    return None if value in (None, "") else _date(value, what, today)


def _text(value: Any, what: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise UsageError(f"'{what}' must be text, not {printable(str(value))[:40]!r}")
    return value


def _number(text: str) -> float | str:
    """A score read from a CSV cell; text that is not a number stays text, for ``check_score`` to refuse."""
    try:
        return float(text)
    except ValueError:
        return text
