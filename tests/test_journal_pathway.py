"""The journal as a source of answers (issue 13): the pathway fed by it and overridden, --no-journal, what
JSON says came from where, the walk's offer to log, the saved plan's journal section, and the chart."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backpain_cli.cli import seams
from backpain_cli.knowledge.journal_store import Journal
from backpain_cli.views import chart
from backpain_cli.views.journal_words import JOURNAL_LINE
from journal_helpers import TODAY, pinned_today, run  # noqa: F401 - pinned_today is an autouse fixture


def pathway_json(runner: CliRunner, *args: str) -> dict:  # type: ignore[type-arg]
    code, out, err = run(runner, "pathway", *args, "--json")
    assert code == 0, err
    return json.loads(out)


@pytest.fixture
def season(runner: CliRunner) -> None:
    """Began 3 July (21 weeks before today), pain 7 then 4, physio did not help, ibuprofen a little."""
    for args in (
        ["onset", "2026-07-03"],
        ["pain", "7", "--date", "2026-09-01"],
        ["tried", "physio", "--result", "no-help", "--from", "2026-09-01", "--to", "2026-10-15"],
        ["tried", "ibuprofen", "--result", "some", "--from", "2026-10-20"],
        ["pain", "4", "--date", "2026-11-20"],
    ):
        assert run(runner, "log", *args)[0] == 0


# --- the pathway --------------------------------------------------------------------------------------------


def test_the_pathway_takes_its_answers_from_the_journal(runner: CliRunner, season: None) -> None:
    data = pathway_json(runner)
    answers = data["answers"]
    assert answers["weeks"] == (TODAY - dt.date(2026, 7, 3)).days / 7 and answers["months"] is None
    assert data["stage"] == "chronic"
    assert answers["pain"] == 4.0  # the latest by date
    assert answers["tried"] == ["physical-therapy"] and answers["helped_a_little"] == ["nsaids"]
    assert data["from"] == {
        "weeks": "journal",
        "pain": "journal",
        "tried": {"physical-therapy": "journal"},
        "helped_a_little": {"nsaids": "journal"},
    }
    assert data["journal"] == {"entries": 5, "since": "2026-07-03"}
    steps = {s["id"]: s["status"] for s in data["steps"]}
    assert steps["physical-therapy"] == "tried" and steps["nsaids"] == "tried"


def test_the_same_answers_as_options_give_the_same_pathway(runner: CliRunner, season: None) -> None:
    weeks = str((TODAY - dt.date(2026, 7, 3)).days / 7)
    fed = pathway_json(runner)
    typed = pathway_json(runner, "--no-journal", "--weeks", weeks, "--pain", "4", "--tried", "physio", "--helped-a-little", "ibuprofen")
    assert [(s["id"], s["status"], s["reason"]) for s in fed["steps"]] == [(s["id"], s["status"], s["reason"]) for s in typed["steps"]]


def test_options_win_over_the_journal_treatment_by_treatment(runner: CliRunner, season: None, tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text("leg_pain: yes\npain: 6\n", encoding="utf-8")
    data = pathway_json(runner, "--months", "2", "--helped", "physio", "--answers", str(answers))
    assert data["answers"]["months"] == 2.0 and data["answers"]["weeks"] is None and data["stage"] == "subacute"
    assert data["answers"]["pain"] == 6.0  # the answers file over the journal
    assert data["answers"]["helped"] == ["physical-therapy"] and data["answers"]["tried"] == []  # no clash: the option wins
    assert data["answers"]["helped_a_little"] == ["nsaids"]
    assert data["from"] == {
        "months": "options",
        "pain": "answers-file",
        "leg_pain": "answers-file",
        "helped": {"physical-therapy": "options"},
        "helped_a_little": {"nsaids": "journal"},
    }


def test_no_journal_leaves_it_out(runner: CliRunner, season: None) -> None:
    data = pathway_json(runner, "--no-journal")
    assert data["stage"] is None and data["answers"]["tried"] == []
    assert data["from"] == {} and data["journal"] is None
    code, out, _ = run(runner, "pathway", "--no-journal")
    assert code == 0 and "Using your journal" not in out


def test_the_first_line_after_the_title_says_the_journal_was_used(runner: CliRunner, season: None) -> None:
    for extra in ([], ["--all"], ["--why"], ["--red-flag", "saddle-numbness"]):
        code, out, err = run(runner, "pathway", *extra)
        assert code == 0, err
        lines = out.splitlines()
        assert lines[0] == "Your back pain pathway"
        assert lines[1] == "Using your journal: 5 entries since 3 July; --no-journal to ignore it", extra
    assert JOURNAL_LINE.format(entries="5 entries", since="3 July") == lines[1]


def test_a_journal_from_another_year_says_the_year(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run(runner, "log", "pain", "3", "--date", "2025-12-30")[0] == 0
    assert run(runner, "pathway")[1].splitlines()[1] == "Using your journal: 1 entry since 30 December 2025; --no-journal to ignore it"


def test_without_a_journal_the_pathway_creates_nothing_and_says_nothing(runner: CliRunner, journal_path: Path) -> None:
    code, out, _ = run(runner, "pathway", "--months", "4")
    assert code == 0 and "journal" not in out.lower()
    assert pathway_json(runner, "--months", "4")["journal"] is None
    assert not journal_path.exists() and list(journal_path.parent.iterdir()) == []


def test_an_empty_journal_file_is_no_journal(runner: CliRunner, journal_path: Path) -> None:
    journal_path.write_bytes(b"")
    code, out, _ = run(runner, "pathway", "--months", "4")
    assert code == 0 and "Using your journal" not in out
    assert journal_path.read_bytes() == b""
    assert run(runner, "log", "pain", "2")[0] == 0  # a write makes it a journal
    assert "1 entry" in run(runner, "pathway")[1]


def test_without_a_journal_file_the_pathway_never_imports_sqlite(journal_path: Path) -> None:
    """Start-up: no journal, no SQLite. With one, it is imported (and used)."""
    code = (
        "import sys; from backpain_cli.cli import main; sys.argv = ['backpain', 'pathway', '--months', '4', '--json']\n"
        "import atexit; atexit.register(lambda: sys.stderr.write('\\nSQLITE:' + str('sqlite3' in sys.modules)))\nmain()"
    )
    env = {**os.environ, "BACKPAIN_JOURNAL": str(journal_path)}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60, check=False)
    assert result.returncode == 0 and result.stderr.endswith("SQLITE:False"), result.stderr
    with Journal.write(journal_path) as journal:
        from backpain_cli.knowledge.journal import pain_entry

        journal.add([pain_entry(3, dt.date.today(), None, dt.date.today())])
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60, check=False)
    assert result.returncode == 0 and result.stderr.endswith("SQLITE:True"), result.stderr
    assert json.loads(result.stdout)["answers"]["pain"] == 3.0


def test_a_journal_treatment_this_knowledge_base_does_not_know_is_left_out(runner: CliRunner, journal_path: Path) -> None:
    from backpain_cli.knowledge.journal import tried_entry

    with Journal.write(journal_path) as journal:
        journal.add([tried_entry("retired-treatment", "helped", None, None, None, TODAY)])
    data = pathway_json(runner)
    assert data["answers"]["helped"] == [] and data["journal"]["entries"] == 1


# --- the walk --------------------------------------------------------------------------------------------


WALK = [
    "",  # Enter on the warning signs...
    "no",  # ...and none apply when asked again
    "5 months",
    "yes",  # leg pain
    "7",
    "physio",
    "3",  # physio did not help
    "",  # programme weeks
    "",
    "",
    "",
    "",
    "",  # avoid
    "no",  # do not save the plan
]


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(seams, "stdin_is_terminal", lambda: True)


def test_the_walk_offers_to_log_its_answers(runner: CliRunner, terminal: None, journal_path: Path) -> None:
    code, _, err = run(runner, "walk", input="\n".join([*WALK, "yes"]) + "\n")
    assert code == 0, err
    assert "Add today's answers to your journal" in err and "Added 3 entries to your journal" in err
    with Journal.write(journal_path) as journal:
        entries = journal.entries()
    assert [(e.kind, e.score, e.treatment, e.result) for e in entries] == [
        ("onset", None, None, None),
        ("pain", 7.0, None, None),
        ("tried", None, "physical-therapy", "no-help"),
    ]
    assert entries[0].date == TODAY - dt.timedelta(days=round(5 * 52 / 12 * 7))
    data = pathway_json(runner)  # the next pathway uses them
    assert data["answers"]["pain"] == 7.0 and data["stage"] == "chronic"


def test_the_walk_logs_nothing_by_default(runner: CliRunner, terminal: None, journal_path: Path) -> None:
    for reply in ([""], ["no"], []):  # Enter, no, or the input ending: all mean no
        code, _, err = run(runner, "walk", input="\n".join([*WALK, *reply]) + "\n")
        assert code == 0, err
    assert not journal_path.exists()


def test_the_walk_with_no_journal_does_not_offer(runner: CliRunner, terminal: None, journal_path: Path) -> None:
    code, _, err = run(runner, "walk", "--no-journal", input="\n".join([*WALK, "yes"]) + "\n")
    assert code == 0 and "journal" not in err
    assert not journal_path.exists()


# --- the saved plan -------------------------------------------------------------------------------------------


def test_the_saved_plan_shows_the_chart_and_what_was_tried(runner: CliRunner, season: None, tmp_path: Path) -> None:
    html, md = tmp_path / "plan.html", tmp_path / "plan.md"
    assert run(runner, "pathway", "--save", str(html))[0] == 0
    assert run(runner, "pathway", "--save", str(md))[0] == 0
    page = html.read_text(encoding="utf-8")
    assert '<h2 id="journal-heading">Your journal</h2>' in page
    assert page.index('class="detail"') < page.index("journal-heading")  # after page one, in the detail
    svg = page[page.index("<svg") : page.index("</svg>") + 6]
    assert "<script" not in svg and "<circle" in svg and "<polyline" in svg
    assert "Physical therapy (physiotherapy and supervised exercise): did not help" in svg
    import xml.etree.ElementTree as ET

    ET.fromstring(svg)  # well formed
    text = md.read_text(encoding="utf-8")
    assert "## Your journal" in text
    assert "| 1 September | 7 |" in text and "| 20 November | 4 |" in text
    assert "- **NSAIDs (anti-inflammatory painkillers)**, from 20 Oct: helped a little." in text
    assert text.index("# The full detail") < text.index("## Your journal") < text.index("## Stage")  # page one stays what to do next
    lines = text.splitlines()
    assert [lines[i] for i in range(1, len(lines)) if lines[i].startswith("#") and lines[i - 1] != ""] == []  # room above every heading
    assert re.search(r"^- \*\*Weeks of pain:\*\* 21\n", text, re.MULTILINE)  # 147 days: whole weeks, not 21.000000


def test_the_journal_gives_weeks_to_a_tenth() -> None:
    """From the start date to today in weeks, to a tenth: 22.4 for 157 days (not 22.428571428571427),
    and a stage boundary never moves (13 weeks and a day is still more than 13)."""
    from backpain_cli.engine.journal import journal_answers
    from backpain_cli.knowledge.journal_store import Summary

    def weeks(days: int) -> float | None:
        summary = Summary(total=1, first=TODAY, onset=TODAY - dt.timedelta(days=days), pain=None, results=())
        return journal_answers(summary, TODAY, known=lambda _: True).weeks

    assert (weeks(157), weeks(92), weeks(91), weeks(27), weeks(0)) == (22.4, 13.1, 13.0, 3.9, 0.0)


def test_the_plan_has_no_journal_section_without_one(runner: CliRunner, tmp_path: Path) -> None:
    md = tmp_path / "plan.md"
    assert run(runner, "pathway", "--months", "4", "--save", str(md))[0] == 0
    assert "Your journal" not in md.read_text(encoding="utf-8")


def test_a_ten_year_journal_goes_into_the_plan_a_month_a_row(kb: object) -> None:
    from backpain_cli.knowledge.journal import pain_entry
    from backpain_cli.views.journal_plan import plan_section

    start = TODAY - dt.timedelta(days=3649)
    entries = [pain_entry((i * 7) % 11, start + dt.timedelta(days=i), None, TODAY) for i in range(3650)]
    md = plan_section(kb, entries, TODAY, "md")  # type: ignore[arg-type]
    html = plan_section(kb, entries, TODAY, "html")  # type: ignore[arg-type]
    assert md is not None and html is not None
    assert md["by_month"] and 119 <= len(md["scores"]) <= 121
    assert html["svg"].count("<circle") <= 150 and len(html["svg"]) < 20_000


# --- the chart ----------------------------------------------------------------------------------------------


def test_the_chart_scales_time_in_proportion() -> None:
    d = dt.date(2026, 1, 1)
    points = [(d, 2.0), (d + dt.timedelta(days=1), 4.0), (d + dt.timedelta(days=99), 9.0)]
    s = chart.scale(points, 50)
    assert s.days == 2 and len(s.columns) == 50  # 100 days in 50 columns
    assert s.columns[0] == 3.0  # the mean of the two days in the first column
    assert s.columns[-1] == 9.0 and all(v is None for v in s.columns[1:-1])
    assert s.column(d + dt.timedelta(days=99)) == 49 and s.column(d - dt.timedelta(days=5)) == 0
    one = chart.scale([(d, 5.0)], 70)
    assert one.days == 1 and one.columns == (5.0,)
    wide = chart.scale(points, 500)
    assert wide.days == 1 and len(wide.columns) == 100
    assert [chart.level(v) for v in (0, 0.4, 0.5, 6.5, 10)] == [0, 0, 1, 7, 10]


def test_the_chart_draws_each_score_at_its_height(runner: CliRunner) -> None:
    for day, score in (("2026-11-01", "0"), ("2026-11-02", "10"), ("2026-11-03", "5")):
        run(runner, "log", "pain", score, "--date", day)
    out = run(runner, "history")[1].splitlines()
    top = out.index("10 ┤ ●")  # 10 on the second day, one column a day
    assert out[top + 5] == "   │  ●" and out[top + 10] == " 0 ┤●"
    assert out[top + 11] == "   └───" and out[top + 12] == "    1 Nov"
