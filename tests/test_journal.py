"""The journal (issue 13): every command through CliRunner, bad input refused with nothing stored, faults
that never touch the file, migrations with a backup, writers at once, and export/import round trips.

Every test has its own ``BACKPAIN_JOURNAL`` (tests/conftest.py), not yet created; today is pinned.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from backpain_cli import cli
from backpain_cli.cli import seams
from backpain_cli.knowledge import journal_store
from backpain_cli.knowledge.journal import FORMAT_VERSION, Entry, onset_entry, pain_entry, tried_entry
from backpain_cli.knowledge.journal_files import export_bytes, parse_import
from backpain_cli.knowledge.journal_store import Journal
from backpain_cli.knowledge.model import Knowledge
from journal_helpers import TODAY, pinned_today, run  # noqa: F401 - pinned_today is an autouse fixture


def stored(path: Path) -> list[Entry]:
    journal = Journal.read(path)
    if journal is None:
        return []
    with journal:
        return journal.entries()


def log_a_season(runner: CliRunner) -> None:
    for args in (
        ["onset", "2026-07-03"],
        ["pain", "7", "--date", "2026-09-01", "--note", "bad week"],
        ["tried", "physio", "--result", "no-help", "--from", "2026-09-01", "--to", "2026-10-15"],
        ["pain", "6", "--date", "2026-10-01"],
        ["tried", "ibuprofen", "--result", "some", "--from", "2026-10-20"],
        ["pain", "4", "--date", "2026-11-20"],
    ):
        code, _, err = run(runner, "log", *args)
        assert code == 0, err


# --- log ---------------------------------------------------------------------------------------------


def test_log_pain_onset_and_tried_are_stored_private(runner: CliRunner, journal_path: Path) -> None:
    code, out, err = run(runner, "log", "pain", "6", "--note", "after gardening")
    assert (code, err) == (0, "")
    assert out == "Logged pain 6 on 27 November.\n"
    assert run(runner, "log", "onset", "2026-07-03")[1] == "Logged that your back pain began on 3 July.\n"
    code, out, _ = run(runner, "log", "tried", "stretching", "--result", "helped", "--from", "2026-10-01")
    assert code == 0 and out.startswith("Logged Physical therapy") and out.endswith("from 1 Oct: helped.\n")
    assert stored(journal_path) == [
        Entry("onset", dt.date(2026, 7, 3)),
        Entry("pain", TODAY, score=6.0, note="after gardening"),  # one day's entries: in the order they were logged
        Entry("tried", TODAY, treatment="physical-therapy", result="helped", start=dt.date(2026, 10, 1)),
    ]
    assert journal_path.stat().st_mode & 0o777 == 0o600


def test_the_folder_is_created_private(runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "new" / "journal.sqlite3"
    monkeypatch.setenv("BACKPAIN_JOURNAL", str(path))
    assert run(runner, "log", "pain", "3")[0] == 0
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert path.stat().st_mode & 0o777 == 0o600


def test_log_json_prints_the_entry(runner: CliRunner) -> None:
    code, out, _ = run(runner, "log", "tried", "CBT", "--result", "side effects", "--to", "2026-11-01", "--json")
    assert code == 0
    assert json.loads(out) == {
        "kind": "tried",
        "date": "2026-11-01",
        "treatment": "cognitive-behavioral-therapy",
        "result": "side-effects",
        "from": None,
        "to": "2026-11-01",
        "note": None,
    }


BAD_INPUT = [
    pytest.param(["pain", "11"], "from 0 (no pain) to 10", id="score-too-high"),
    pytest.param(["pain", "nan"], "from 0 (no pain) to 10", id="score-nan"),
    pytest.param(["pain", "six"], "six", id="score-not-a-number"),
    pytest.param(["pain", "5", "--date", "2026-02-30"], "not a real date", id="impossible-date"),
    pytest.param(["pain", "5", "--date", "2026-11-28"], "in the future", id="future-date"),
    pytest.param(["pain", "5", "--date", "27/11/2026"], "YYYY-MM-DD", id="date-format"),
    pytest.param(["pain", "5", "--date", "1901-01-01"], "over 100 years ago", id="ancient-date"),
    pytest.param(["pain", "5", "--note", "two\nlines"], "one line", id="note-newline"),
    pytest.param(["pain", "5", "--note", "x" * 1001], "under 1,000", id="note-too-long"),
    pytest.param(["onset", "2027-01-01"], "in the future", id="future-onset"),
    pytest.param(["onset", "2026-13-01"], "not a real date", id="impossible-onset"),
    pytest.param(["tried", "unicorn therapy", "--result", "helped"], "no treatment called", id="unknown-treatment"),
    pytest.param(["tried", "physio", "--result", "nohelp"], "did you mean 'no-help'", id="unknown-result"),
    pytest.param(["tried", "physio"], "--result", id="no-result"),
    pytest.param(
        ["tried", "physio", "--result", "helped", "--from", "2026-10-02", "--to", "2026-10-01"], "before --from", id="to-before-from"
    ),
    pytest.param(["tried", "physio", "--result", "helped", "--from", "2026-12-01"], "in the future", id="future-from"),
]


@pytest.mark.parametrize(("args", "said"), BAD_INPUT)
def test_bad_input_is_refused_with_exit_2_and_nothing_stored(runner: CliRunner, journal_path: Path, args: list[str], said: str) -> None:
    assert run(runner, "log", "pain", "5")[0] == 0
    before = journal_path.read_bytes()
    code, out, err = run(runner, "log", *args)
    assert code == 2 and out == ""
    assert err.startswith("backpain: error:") and err.count("\n") == 1 and said in err, err
    assert len(stored(journal_path)) == 1
    assert journal_path.read_bytes() == before


def test_an_empty_journal_variable_is_a_usage_error(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKPAIN_JOURNAL", " ")
    code, _, err = run(runner, "log", "pain", "5")
    assert code == 2 and "BACKPAIN_JOURNAL is set but empty" in err


# --- history -------------------------------------------------------------------------------------------


def test_history_json_is_in_date_order(runner: CliRunner, journal_path: Path) -> None:
    log_a_season(runner)
    code, out, _ = run(runner, "history", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["schema_version"] == FORMAT_VERSION
    dates = [e["date"] for e in data["entries"]]
    assert dates == sorted(dates) and len(dates) == 6
    assert data["entries"][0] == {"kind": "onset", "date": "2026-07-03", "note": None}
    assert data["entries"][1] == {"kind": "pain", "date": "2026-09-01", "score": 7.0, "note": "bad week"}
    assert data["entries"][3] == {
        "kind": "tried",
        "date": "2026-10-15",
        "treatment": "physical-therapy",
        "result": "no-help",
        "from": "2026-09-01",
        "to": "2026-10-15",
        "note": None,
    }
    from backpain_cli.knowledge.journal_files import history_json

    assert out == json.dumps(history_json(stored(journal_path))) + "\n"  # written a batch at a time, the same text
    since = json.loads(run(runner, "history", "--since", "2026-10-16", "--json")[1])
    assert [e["date"] for e in since["entries"]] == ["2026-11-20", "2026-11-27"]


def test_the_history_json_version_is_the_json_schema_version() -> None:
    from backpain_cli.views.data import JSON_SCHEMA_VERSION

    assert FORMAT_VERSION == JSON_SCHEMA_VERSION


def test_history_of_nothing_says_how_to_start(runner: CliRunner, journal_path: Path) -> None:
    code, out, _ = run(runner, "history")
    assert code == 0 and "Your journal is empty" in out and "backpain log pain" in out
    assert json.loads(run(runner, "history", "--json")[1]) == {"schema_version": FORMAT_VERSION, "entries": []}
    assert not journal_path.exists()  # reading never creates the file


def test_history_golden_at_80_columns(runner: CliRunner) -> None:
    """The chart, the timeline, what was tried and what changed, as a person sees them in a pipe."""
    from tests.test_cli import GOLDEN, UPDATE

    log_a_season(runner)
    code, out, err = run(runner, "history")
    assert code == 0, err
    path = GOLDEN / "history.txt"
    if UPDATE:
        path.write_text(out, encoding="utf-8")
    assert out == path.read_text(encoding="utf-8"), "golden history drifted; rerun with UPDATE_GOLDEN=1 after checking the diff"
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "\x1b[" not in out


def test_history_fits_narrow_and_wide_terminals(runner: CliRunner) -> None:
    log_a_season(runner)
    for columns in ("40", "200"):
        result = CliRunner(env={**runner.env, "COLUMNS": columns}).invoke(cli.app, ["history"])
        assert result.exit_code == 0
        assert max(len(line) for line in result.stdout.splitlines()) <= int(columns)


# --- journal where / undo / forget -------------------------------------------------------------------------


def test_where_prints_the_path_without_creating_it(runner: CliRunner, journal_path: Path) -> None:
    code, out, err = run(runner, "journal", "where")
    assert code == 0 and out == f"{journal_path}\n" and "no journal there yet" in err
    assert not journal_path.exists()


def test_undo_removes_the_entry_logged_last(runner: CliRunner, journal_path: Path) -> None:
    assert run(runner, "journal", "undo")[1] == "Your journal is empty: there is nothing to undo.\n"
    run(runner, "log", "pain", "5")
    run(runner, "log", "pain", "8", "--date", "2026-01-05")  # older date, logged last
    code, out, _ = run(runner, "journal", "undo")
    assert code == 0 and out == "Removed the last entry: pain 8 on 5 January.\n"
    assert stored(journal_path) == [Entry("pain", TODAY, score=5.0)]
    assert json.loads(run(runner, "journal", "undo", "--json")[1])["removed"]["score"] == 5.0
    assert stored(journal_path) == []


def test_forget_needs_yes_without_a_terminal(runner: CliRunner, journal_path: Path) -> None:
    log_a_season(runner)
    code, out, err = run(runner, "journal", "forget")
    assert code == 2 and out == "" and "add --yes" in err
    assert len(stored(journal_path)) == 6
    code, out, _ = run(runner, "journal", "forget", "--yes")
    assert code == 0 and "Deleted 6 entries" in out
    assert stored(journal_path) == []
    assert b"bad week" not in journal_path.read_bytes()  # secure_delete and VACUUM: the words are gone from the file


def test_forget_asks_at_a_terminal(runner: CliRunner, journal_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(seams, "stdin_is_terminal", lambda: True)
    log_a_season(runner)
    code, out, err = run(runner, "journal", "forget", input="n\n")
    assert code == 0 and "Nothing was deleted" in out and "Delete all 6 entries" in err
    assert len(stored(journal_path)) == 6
    assert run(runner, "journal", "forget", input="y\n")[0] == 0
    assert stored(journal_path) == []


# --- export and import ------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".json", ".csv"])
def test_export_forget_import_round_trip(runner: CliRunner, journal_path: Path, tmp_path: Path, suffix: str) -> None:
    log_a_season(runner)
    before = stored(journal_path)
    target = tmp_path / f"backup{suffix}"
    code, out, _ = run(runner, "journal", "export", str(target))
    assert code == 0 and out == f"Exported 6 entries to {target}.\n"
    assert target.stat().st_mode & 0o777 == 0o600
    if suffix == ".csv":
        assert target.read_text(encoding="utf-8").splitlines()[0] == "kind,date,score,treatment,result,from,to,note"
    else:
        assert json.loads(target.read_text(encoding="utf-8"))["entries"] == json.loads(run(runner, "history", "--json")[1])["entries"]
    run(runner, "journal", "forget", "--yes")
    code, out, _ = run(runner, "journal", "import", str(target))
    assert code == 0 and out == f"Imported 6 entries from {target}.\n"
    assert stored(journal_path) == before
    code, out, _ = run(runner, "journal", "import", str(target))  # twice: nothing new
    assert out == f"Imported 0 entries from {target} (6 entries already in your journal were left out).\n"
    assert stored(journal_path) == before


def test_export_never_overwrites_without_force(runner: CliRunner, tmp_path: Path) -> None:
    run(runner, "log", "pain", "4")
    target = tmp_path / "mine.json"
    target.write_text("keep me", encoding="utf-8")
    code, _, err = run(runner, "journal", "export", str(target))
    assert code == 2 and "--force" in err and target.read_text(encoding="utf-8") == "keep me"
    assert run(runner, "journal", "export", str(target), "--force")[0] == 0
    assert json.loads(target.read_text(encoding="utf-8"))["entries"][0]["score"] == 4.0
    assert run(runner, "journal", "export", str(tmp_path / "mine.txt"))[0] == 2
    assert run(runner, "journal", "export", str(tmp_path / "no" / "such" / "folder.csv"))[0] == 2


BAD_IMPORTS = [
    pytest.param(".json", "not json", "not valid JSON", id="json-syntax"),
    pytest.param(".json", '{"entries": []}', "'schema_version' must be 2", id="json-no-version"),
    pytest.param(".json", '{"schema_version": 9, "entries": []}', "newer backpain", id="json-newer"),
    pytest.param(
        ".json", '{"schema_version": 2, "entries": [{"kind": "pain", "date": "2026-01-01", "score": 12}]}', "entry 1", id="json-score"
    ),
    pytest.param(".json", '{"schema_version": 2, "entries": [{"kind": "mood", "date": "2026-01-01"}]}', "'kind' must be", id="json-kind"),
    pytest.param(
        ".json",
        '{"schema_version": 2, "entries": [{"kind": "pain", "date": "2026-01-01", "score": 2, "colour": "red"}]}',
        "no field 'colour'",
        id="json-extra-field",
    ),
    pytest.param(".csv", "kind,date,score\npain,2026-01-01,3\npain,2026-02-30,3\n", "row 3", id="csv-impossible-date"),
    pytest.param(".csv", "kind,date,score\npain,2099-01-01,3\n", "in the future", id="csv-future"),
    pytest.param(".csv", "kind,date,treatment,result\ntried,2026-01-01,unicorn,helped\n", "no treatment called", id="csv-treatment"),
    pytest.param(".csv", "kind,date,treatment,result\ntried,2026-01-01,physio,meh\n", "unknown result", id="csv-result"),
    pytest.param(".csv", "date,score\n2026-01-01,3\n", "header row", id="csv-no-header"),
    pytest.param(".csv", "kind,date,mood\npain,2026-01-01,3\n", "unknown column 'mood'", id="csv-unknown-column"),
    pytest.param(".csv", "\x00\x01binary", "binary", id="binary"),
    pytest.param(".csv", b"kind,date\n\xff\xfe", "not UTF-8", id="not-utf8"),
]


@pytest.mark.parametrize(("suffix", "content", "said"), BAD_IMPORTS)
def test_a_bad_import_file_adds_nothing(
    runner: CliRunner, journal_path: Path, tmp_path: Path, suffix: str, content: str | bytes, said: str
) -> None:
    run(runner, "log", "pain", "5")
    before = journal_path.read_bytes()
    source = tmp_path / f"in{suffix}"
    source.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    code, out, err = run(runner, "journal", "import", str(source))
    assert code == 2 and out == ""
    assert said in err and "nothing was imported" in err and err.count("\n") == 1, err
    assert journal_path.read_bytes() == before


def test_import_takes_names_a_byte_order_mark_and_fewer_columns(runner: CliRunner, journal_path: Path, tmp_path: Path) -> None:
    """What a person writes in a spreadsheet: any name explain accepts, only the columns used, Excel's BOM."""
    source = tmp_path / "mine.CSV"
    source.write_bytes('\ufeffkind,date,treatment,result,note\ntried,2026-10-01,Yoga,Helped,"calmer, sleeping better"\n'.encode())
    code, out, err = run(runner, "journal", "import", str(source))
    assert out == f"Imported 1 entry from {source}.\n"
    assert code == 0, err
    assert stored(journal_path) == [
        Entry("tried", dt.date(2026, 10, 1), treatment="yoga-tai-chi", result="helped", note="calmer, sleeping better")
    ]


def test_import_of_a_missing_file_or_bad_suffix(runner: CliRunner, tmp_path: Path) -> None:
    code, _, err = run(runner, "journal", "import", str(tmp_path / "none.json"))
    assert code == 2 and "no such file" in err
    assert run(runner, "journal", "import", str(tmp_path / "x.yaml"))[0] == 2


_day = st.dates(min_value=dt.date(1930, 1, 1), max_value=TODAY)
_note = st.one_of(
    st.none(), st.text(st.characters(codec="utf-8", categories=("L", "N", "P", "S"), include_characters=" ,\"'"), max_size=40)
)


@st.composite
def _entries(draw: st.DrawFn, ids: list[str]) -> Entry:
    kind = draw(st.sampled_from(["pain", "onset", "tried"]))
    day = draw(_day)
    note = draw(_note)
    note = note if note is None or note.strip() else None
    if kind == "pain":
        return pain_entry(draw(st.floats(0, 10, allow_nan=False)), day, note, TODAY)
    if kind == "onset":
        return onset_entry(day, note, TODAY)
    start = draw(st.one_of(st.none(), st.dates(min_value=dt.date(1930, 1, 1), max_value=day)))
    end = draw(st.one_of(st.none(), st.dates(min_value=start or dt.date(1930, 1, 1), max_value=day)))
    result = draw(st.sampled_from(["helped", "some", "no-help", "side-effects"]))
    return tried_entry(draw(st.sampled_from(ids)), result, start, end, note, TODAY, day=day)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), fmt=st.sampled_from(["json", "csv"]))
def test_any_valid_entries_survive_export_and_import(kb: Knowledge, data: st.DataObject, fmt: str) -> None:
    """Property: what export writes, import reads back the same, in either format."""
    from backpain_cli.knowledge.lookup import NameIndex

    entries = data.draw(st.lists(_entries([t.id for t in kb.treatments]), max_size=12))
    entries.sort(key=lambda e: e.date)
    index = NameIndex.build(kb)
    assert parse_import(export_bytes(entries, fmt), fmt, index.resolve, TODAY) == entries  # type: ignore[arg-type]


# --- the file: faults, versions, writers at once -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "said"),
    [
        pytest.param(b"this is not a database, it is my shopping list\n", "not a SQLite database", id="garbage"),
        pytest.param(b"SQLite format 3\x00" + b"\xff" * 2000, "SQLite says", id="damaged-sqlite"),
    ],
)
def test_a_damaged_file_is_reported_and_never_changed(runner: CliRunner, journal_path: Path, content: bytes, said: str) -> None:
    journal_path.write_bytes(content)
    for args in (["log", "pain", "5"], ["history"], ["pathway", "--months", "4"], ["journal", "forget", "--yes"], ["journal", "undo"]):
        code, out, err = run(runner, *args)
        assert code == 6 and out == "", args
        assert str(journal_path) in err and said in err and err.count("\n") == 1, err
        assert "left as it is" in err
        assert journal_path.read_bytes() == content
    assert sorted(p.name for p in journal_path.parent.iterdir()) == [journal_path.name]
    assert "--no-journal" in run(runner, "pathway", "--months", "4")[2]
    assert run(runner, "pathway", "--months", "4", "--no-journal")[0] == 0


def test_another_programs_database_is_not_taken_over(runner: CliRunner, journal_path: Path) -> None:
    with sqlite3.connect(journal_path) as db:
        db.execute("CREATE TABLE recipes (name TEXT)")
    before = journal_path.read_bytes()
    code, _, err = run(runner, "log", "pain", "5")
    assert code == 6 and "another program" in err
    assert journal_path.read_bytes() == before


def test_a_folder_at_the_path_is_reported(runner: CliRunner, journal_path: Path) -> None:
    journal_path.mkdir()
    for args in (["log", "pain", "5"], ["history"], ["pathway", "--months", "4"]):
        code, _, err = run(runner, *args)
        assert code == 6 and "is a folder" in err, err
    assert journal_path.is_dir() and list(journal_path.iterdir()) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_an_unreadable_file_is_reported(runner: CliRunner, journal_path: Path) -> None:
    run(runner, "log", "pain", "5")
    journal_path.chmod(0)
    try:
        code, _, err = run(runner, "history")
        assert code == 6 and "permission denied" in err
    finally:
        journal_path.chmod(0o600)


def test_a_newer_journal_is_refused_unchanged(runner: CliRunner, journal_path: Path) -> None:
    run(runner, "log", "pain", "5")
    with sqlite3.connect(journal_path) as db:
        db.execute(f"PRAGMA user_version = {journal_store.SCHEMA_VERSION + 1}")
    before = journal_path.read_bytes()
    for args in (["log", "pain", "6"], ["history", "--json"], ["pathway"], ["journal", "import", "x.json"]):
        code, _, err = run(runner, *args)
        if args[0] == "journal":
            continue  # a bad suffix would be refused first; nothing to check about the file here
        assert code == 6 and "newer backpain" in err and "left unchanged" in err, (args, err)
    assert journal_path.read_bytes() == before


def test_an_older_journal_is_backed_up_then_migrated(runner: CliRunner, journal_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log_a_season(runner)
    old = stored(journal_path)
    version = journal_store.SCHEMA_VERSION
    monkeypatch.setattr(journal_store, "SCHEMA_VERSION", version + 1)
    monkeypatch.setitem(journal_store.MIGRATIONS, version, ("ALTER TABLE entries ADD COLUMN mood TEXT",))
    assert run(runner, "log", "pain", "3")[0] == 0
    backup = journal_path.with_name(f"{journal_path.name}.v{version}.backup")
    assert backup.stat().st_mode & 0o777 == 0o600
    with sqlite3.connect(backup) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == version
        assert db.execute("SELECT count(*) FROM entries").fetchone()[0] == len(old)
    with sqlite3.connect(journal_path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == version + 1
        assert "mood" in [row[1] for row in db.execute("PRAGMA table_info(entries)")]
    assert stored(journal_path)[: len(old)] == old
    assert "Backups made before journal updates" in run(runner, "journal", "forget", "--yes")[1]


_WRITER = """
import datetime as dt, sys
from pathlib import Path
from backpain_cli.knowledge.journal import pain_entry
from backpain_cli.knowledge.journal_store import Journal
today = dt.date.today()
for i in range(int(sys.argv[2])):
    with Journal.write(Path(sys.argv[1])) as journal:
        journal.add([pain_entry(i % 11, today, f"writer {sys.argv[3]} entry {i}", today)])
"""


def test_writers_at_once_keep_every_entry(journal_path: Path) -> None:
    """Several processes create and write the same new journal at the same moment: nothing is lost."""
    writers, each = 4, 25
    procs = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(journal_path), str(each), str(n)], stderr=subprocess.PIPE, text=True)
        for n in range(writers)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    notes = sorted(e.note or "" for e in stored(journal_path))
    assert notes == sorted(f"writer {n} entry {i}" for n in range(writers) for i in range(each))


def test_a_real_process_logs_and_reads_the_journal(journal_path: Path) -> None:
    env = {**os.environ, "COLUMNS": "80"}
    today = dt.date.today().isoformat()
    logged = subprocess.run(
        [sys.executable, "-m", "backpain_cli", "log", "pain", "4", "--date", today], capture_output=True, text=True, env=env, timeout=60
    )
    assert logged.returncode == 0 and logged.stdout.startswith("Logged pain 4 on "), logged.stderr
    read = subprocess.run([sys.executable, "-m", "backpain_cli", "history", "--json"], capture_output=True, text=True, env=env, timeout=60)
    assert json.loads(read.stdout)["entries"] == [{"kind": "pain", "date": today, "score": 4.0, "note": None}]
    bad = subprocess.run([sys.executable, "-m", "backpain_cli", "log", "pain", "12"], capture_output=True, text=True, env=env, timeout=60)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_history_in_an_ascii_stream_draws_the_chart_in_ascii(journal_path: Path) -> None:
    today = dt.date.today()
    with Journal.write(journal_path) as journal:
        journal.add([pain_entry(s, today - dt.timedelta(days=10 - i), None, today) for i, s in enumerate((7, 6, 4))])
    env = {**os.environ, "COLUMNS": "80", "PYTHONIOENCODING": "ascii"}
    shown = subprocess.run([sys.executable, "-m", "backpain_cli", "history"], capture_output=True, env=env, timeout=60)
    assert shown.returncode == 0 and shown.stderr == b""
    text = shown.stdout.decode("ascii")
    assert " 8 |\n   |o\n 6 | o\n" in text and "   +---" in text and "?" not in text.split("Pain over time")[1].split("What changed")[0]


def test_the_data_folder_is_platformdirs_own(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The quick XDG path gives what platformdirs gives, in every case it answers itself."""
    import platformdirs

    from backpain_cli.knowledge import journal_path as where

    monkeypatch.delenv("BACKPAIN_JOURNAL")
    cases = [{"XDG_DATA_HOME": str(tmp_path / "xdg")}, {"XDG_DATA_HOME": "relative/path"}, {"XDG_DATA_HOME": ""}, {}]
    for case in cases:
        for home in (str(tmp_path / "home"), str(tmp_path / "home") + "/"):
            monkeypatch.delenv("XDG_DATA_HOME", raising=False)
            monkeypatch.setenv("HOME", home)
            for key, value in case.items():
                monkeypatch.setenv(key, value)
            assert where.data_folder() == platformdirs.user_data_dir("backpain", appauthor=False), (case, home)
            assert where.journal_path() == Path(where.data_folder(), "journal.sqlite3")


def test_what_changed_on_a_treatment_counts_only_its_own_weeks() -> None:
    """Pain after a treatment ended says nothing about the time on it: a stopped one is measured to its end."""
    from backpain_cli.engine.journal_changes import changes

    d = dt.date
    entries = [
        Entry("pain", d(2026, 9, 1), score=7),
        Entry("tried", d(2026, 10, 15), treatment="physical-therapy", result="no-help", start=d(2026, 9, 1), end=d(2026, 10, 15)),
        Entry("pain", d(2026, 10, 14), score=6),
        Entry("tried", d(2026, 10, 20), treatment="nsaids", result="some", start=d(2026, 10, 20)),
        Entry("pain", d(2026, 11, 20), score=3),
    ]
    entries.sort(key=lambda e: e.date)
    found = {t.treatment: t.pain for t in changes(entries).tried}
    assert found["physical-therapy"] is not None and (found["physical-therapy"].after, found["physical-therapy"].until) == (
        6,
        d(2026, 10, 14),
    )
    assert found["nsaids"] is not None and (found["nsaids"].before, found["nsaids"].after) == (6, 3)  # ongoing: to the latest score
    overall = changes(entries).overall
    assert overall is not None and (overall.before, overall.after) == (7, 3)
