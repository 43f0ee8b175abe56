"""The journal's commands: ``log pain|onset|tried``, ``history``, and ``journal export|import|undo|forget|where``.

Light at import (every run imports it to register the commands): the store, SQLite, the views and
the charting code are imported inside the commands that need them.
"""

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from typer.core import TyperGroup

from backpain_cli.cli import output, seams
from backpain_cli.cli.completion import complete_treatment, fixed
from backpain_cli.cli.root import app, state_of
from backpain_cli.errors import UsageError, printable
from backpain_cli.knowledge.facts import RESULTS

if TYPE_CHECKING:
    from backpain_cli.knowledge.journal import Entry
    from backpain_cli.knowledge.journal_store import Journal

log_app = typer.Typer(
    cls=TyperGroup,
    help="Add to your journal: a pain score, when this back pain began, or something you tried and how it went.",
    no_args_is_help=True,
)
journal_app = typer.Typer(
    cls=TyperGroup,
    help="Your journal file: export it, import entries, undo the last entry, delete everything, or show where it is.",
    no_args_is_help=True,
)
app.add_typer(log_app, name="log")
app.add_typer(journal_app, name="journal")

DateOption = Annotated[str | None, typer.Option("--date", help="The day it was, YYYY-MM-DD (default: today).")]
NoteOption = Annotated[str | None, typer.Option("--note", help="A short note in your own words, on one line.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the entry as JSON.")]


# --- log -------------------------------------------------------------------------------------------


@log_app.command("pain")
def log_pain_command(
    score: Annotated[float, typer.Argument(help="Your pain today, 0 (none) to 10 (the worst).", show_default=False)],
    date: DateOption = None,
    note: NoteOption = None,
    as_json: JsonOption = False,
) -> None:
    """Log a pain score from 0 (none) to 10 (the worst), for today or --date."""
    from backpain_cli.knowledge.journal import pain_entry, parse_date

    today = seams.today()
    day = today if date is None else parse_date(date, "--date", today)
    entry = pain_entry(score, day, note, today)
    _store(entry, as_json, f"pain {entry.score:g} on {_day(entry.date, today)}")


@log_app.command("onset")
def log_onset_command(
    date: Annotated[str, typer.Argument(help="The day this back pain began, YYYY-MM-DD.", show_default=False)],
    note: NoteOption = None,
    as_json: JsonOption = False,
) -> None:
    """Log when this episode of back pain began: the pathway works out how long you have had it."""
    from backpain_cli.knowledge.journal import onset_entry, parse_date

    today = seams.today()
    entry = onset_entry(parse_date(date, "the start date", today), note, today)
    _store(entry, as_json, f"that your back pain began on {_day(entry.date, today)}")


@log_app.command("tried")
def log_tried_command(
    ctx: typer.Context,
    name: Annotated[
        str,
        typer.Argument(help="Any name 'explain' accepts: physio, ibuprofen, CBT...", autocompletion=complete_treatment, show_default=False),
    ],
    result: Annotated[
        str,
        typer.Option(
            "--result",
            help="How it went: helped, some (helped a little), no-help, or side-effects.",
            autocompletion=fixed(*RESULTS),
            show_default=False,
        ),
    ],
    start: Annotated[str | None, typer.Option("--from", help="The day you started it, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="The day you stopped it, YYYY-MM-DD (leave out if you still do it).")] = None,
    note: NoteOption = None,
    as_json: JsonOption = False,
) -> None:
    """Log something you tried and how it went; the pathway takes it into account."""
    from backpain_cli.knowledge.journal import parse_date, tried_entry
    from backpain_cli.knowledge.lookup import NameIndex
    from backpain_cli.views import journal_words as words

    today = seams.today()
    begun = None if start is None else parse_date(start, "--from", today)
    ended = None if end is None else parse_date(end, "--to", today)
    kb = state_of(ctx).knowledge()
    entry = tried_entry(NameIndex.build(kb).resolve(name), result, begun, ended, note, today)
    assert entry.treatment is not None and entry.result is not None
    dates = words.tried_dates(entry.start, entry.end, entry.date, today)
    _store(entry, as_json, f"{words.treatment_name(kb, entry.treatment)}, {dates}: {words.RESULT_WORDS[entry.result]}")


def _store(entry: "Entry", as_json: bool, said: str) -> None:
    from backpain_cli.knowledge.journal_path import journal_path
    from backpain_cli.knowledge.journal_store import Journal

    with Journal.write(journal_path()) as journal:
        journal.add([entry])
    if as_json:
        from backpain_cli.knowledge.journal import as_dict

        output.print_json(as_dict(entry))
    else:
        output.write_out(f"Logged {printable(said)}.\n")


def _day(day: dt.date, today: dt.date) -> str:
    from backpain_cli.views.journal_words import long_day

    return long_day(day, today)


# --- history ---------------------------------------------------------------------------------------


@app.command("history")
def history_command(
    ctx: typer.Context,
    since: Annotated[str | None, typer.Option("--since", help="Only entries from this day on, YYYY-MM-DD.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help='Print JSON: {"schema_version": 2, "entries": [...]} in date order.')] = False,
) -> None:
    """Your journal: the pain over time as a chart, what you tried on the same timeline, and what changed."""
    from backpain_cli.knowledge.journal import parse_date

    today = seams.today()
    start = None if since is None else parse_date(since, "--since", today)
    with _existing() as journal:
        if as_json:
            _print_history_json(journal, start)
            return
        entries = journal.entries(start)
        onset = journal.summary().onset if entries else None
    if not entries:
        from backpain_cli.views.journal_words import EMPTY

        output.write_out(EMPTY + "\n" if start is None else f"No entries since {start.isoformat()}.\n")
        return
    from backpain_cli.engine.journal_changes import changes
    from backpain_cli.views.history_text import history

    output.render(history(state_of(ctx).knowledge(), entries, onset, changes(entries), today))


def _print_history_json(journal: "Journal", start: dt.date | None) -> None:
    """``{"schema_version": 2, "entries": [...]}``, as ``output.print_json`` would print it. For a program
    (not a terminal) the entries are read and encoded a batch at a time (one encoder call a batch, not
    one an entry), so a ten-year journal is never all in memory as entries, only as its text; the text
    is written once it is complete, so a fault half-way prints nothing."""
    import sys

    from backpain_cli.knowledge.journal import FORMAT_VERSION, as_dict
    from backpain_cli.knowledge.journal_files import history_json

    stream = sys.stdout
    if stream is not None and stream.isatty():  # indented for a person, built whole
        output.print_json(history_json(journal.entries(start)))
        return
    ascii_only = not output.stream_takes_unicode()
    batches = (output.compact_json([as_dict(entry) for entry in batch], ascii_only=ascii_only)[1:-1] for batch in journal.batches(start))
    items = ", ".join(batch for batch in batches if batch)
    output.write_stdout(f'{{"schema_version": {FORMAT_VERSION}, "entries": [{items}]}}\n')


def _existing() -> "Journal":
    """The journal, never created: one with no file reads as empty."""
    from backpain_cli.knowledge.journal_path import journal_path
    from backpain_cli.knowledge.journal_store import Journal

    path = journal_path()
    return Journal.read(path) or Journal(path, None)


# --- journal ---------------------------------------------------------------------------------------


@journal_app.command("export")
def export_command(
    path: Annotated[str, typer.Argument(help="The file to write: .json (the history shape) or .csv (with a header row).")],
    force: Annotated[bool, typer.Option("--force", help="Replace the file if it already exists.")] = False,
) -> None:
    """Write every entry to a file you keep (private to you, 0600), in date order."""
    from backpain_cli.knowledge.files import write_private_atomically
    from backpain_cli.knowledge.journal_files import export_bytes, file_format

    target = _path(path)
    fmt = file_format(target)
    shown = printable(str(target))
    if target.is_dir():
        raise UsageError(f"'{shown}' is a folder: give a file name ending in .json or .csv")
    if not force and target.exists():
        raise UsageError(f"'{shown}' exists; use --force to replace it or choose another name")
    with _existing() as journal:
        entries = journal.entries()
    try:
        write_private_atomically(target, export_bytes(entries, fmt), replace=force)
    except FileExistsError:
        raise UsageError(f"'{shown}' exists; use --force to replace it or choose another name") from None
    except OSError as error:
        reason = "the folder does not exist" if isinstance(error, FileNotFoundError) else (error.strerror or type(error).__name__).lower()
        raise UsageError(f"cannot write '{shown}': {reason}; choose another path") from None
    output.write_out(f"Exported {_count(len(entries))} to {shown}.\n")


@journal_app.command("import")
def import_command(
    ctx: typer.Context,
    path: Annotated[str, typer.Argument(help="A .json or .csv file as 'journal export' writes it.")],
) -> None:
    """Add the entries of a .json or .csv file: all checked first, then all added, or none.

    Entries your journal already holds are left out, so importing a file twice adds nothing.
    """
    from backpain_cli.knowledge import files
    from backpain_cli.knowledge.journal_files import MAX_IMPORT_BYTES, file_format, parse_import
    from backpain_cli.knowledge.journal_path import journal_path
    from backpain_cli.knowledge.journal_store import Journal
    from backpain_cli.knowledge.lookup import NameIndex

    source = _path(path)
    shown = printable(str(source))
    fmt = file_format(source)
    try:
        data = files.read_regular(source, MAX_IMPORT_BYTES)
    except files.FileProblem as problem:
        raise UsageError(f"import file {shown}: {problem.message} ({problem.suggestion}); nothing was imported") from None
    index = NameIndex.build(state_of(ctx).knowledge())
    try:
        entries = parse_import(data, fmt, index.resolve, seams.today())
    except UsageError as problem:
        raise UsageError(f"import file {shown}: {problem}; nothing was imported") from None
    with Journal.write(journal_path()) as journal:
        added, skipped = journal.add_new(entries)
    left_out = f" ({_count(skipped)} already in your journal {'was' if skipped == 1 else 'were'} left out)" if skipped else ""
    output.write_out(f"Imported {_count(added)} from {shown}{left_out}.\n")


@journal_app.command("undo")
def undo_command(
    ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json", help="Print the removed entry as JSON.")] = False
) -> None:
    """Remove the entry you logged last (whatever its date)."""
    with _existing() as journal:
        removed = journal.undo() if journal.count() else None
    if as_json:
        from backpain_cli.knowledge.journal import as_dict

        output.print_json({"removed": None if removed is None else as_dict(removed)})
        return
    if removed is None:
        output.write_out("Your journal is empty: there is nothing to undo.\n")
        return
    output.write_out(f"Removed the last entry: {_describe(ctx, removed)}.\n")


@journal_app.command("forget")
def forget_command(yes: Annotated[bool, typer.Option("--yes", help="Do not ask first (needed without a terminal).")] = False) -> None:
    """Delete every entry for good. Asks first at a terminal; elsewhere needs --yes."""
    with _existing() as journal:
        count = journal.count()
        if count == 0:
            output.write_out("Your journal is already empty.\n")
            return
        if not yes:
            if not seams.stdin_is_terminal():
                raise UsageError("journal forget deletes every entry for good; add --yes to do it without being asked")
            if not typer.confirm(f"Delete all {_count(count)} in {journal.path} for good?", default=False, err=True):
                output.write_out("Nothing was deleted.\n")
                return
        journal.forget()
        path = journal.path
    output.write_out(f"Deleted {_count(count)}; the journal {printable(str(path))} is empty now.\n")
    backups = sorted(path.parent.glob(f"{path.name}.v*.backup*"))
    if backups:
        listed = ", ".join(printable(str(b)) for b in backups)
        output.write_out(f"Backups made before journal updates still hold older entries: {listed}; delete them too to keep nothing.\n")


@journal_app.command("where")
def where_command() -> None:
    """Print the journal file's path (set BACKPAIN_JOURNAL to use another file)."""
    from backpain_cli.knowledge.journal_path import journal_path

    path = journal_path()
    output.write_out(f"{printable(str(path))}\n")
    if not path.exists():
        import sys

        sys.stderr.write("backpain: no journal there yet; 'backpain log' creates it\n")


def _path(typed: str) -> Path:
    if "\x00" in typed or not typed.strip():
        raise UsageError("give a file name (one with no NUL characters in it)")
    return Path(typed).expanduser()


def _count(n: int) -> str:
    from backpain_cli.views.journal_words import entries

    return entries(n)


def _describe(ctx: typer.Context, entry: "Entry") -> str:
    from backpain_cli.views import journal_words as words

    today = seams.today()
    if entry.kind == "pain" and entry.score is not None:
        return f"pain {entry.score:g} on {words.long_day(entry.date, today)}"
    if entry.kind == "onset":
        return f"back pain began on {words.long_day(entry.date, today)}"
    name = words.treatment_name(state_of(ctx).knowledge(), entry.treatment or "")
    return f"{name}, {words.tried_dates(entry.start, entry.end, entry.date, today)}: {words.RESULT_WORDS.get(entry.result or '', '')}"
