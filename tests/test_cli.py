"""The real CLI over the real knowledge base: CliRunner, a subprocess, and golden renders at 80 columns."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from backpain_cli import __version__, cli
from backpain_cli.cli import seams
from backpain_cli.knowledge.model import Knowledge
from backpain_cli.views.plan_formats import USUAL_SUFFIXES

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def run(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(cli.app, list(args))
    return result.exit_code, result.stdout, result.stderr


def run_json(runner: CliRunner, *args: str) -> object:
    code, out, err = run(runner, *args, "--json")
    assert code == 0, err
    return json.loads(out)


# --- JSON contract -----------------------------------------------------------------------------------


def test_list_json(runner: CliRunner, kb: Knowledge) -> None:
    items = run_json(runner, "list")
    assert isinstance(items, list) and len(items) == len(kb.treatments)
    for item in items:
        assert {"id", "name", "tier", "aliases", "summary"} <= set(item)
    surgical = run_json(runner, "list", "--tier", "surgical")
    assert isinstance(surgical, list) and {i["tier"] for i in surgical} == {"surgical"}


def test_list_json_is_in_pathway_order(runner: CliRunner, kb: Knowledge) -> None:
    items = run_json(runner, "list")
    assert isinstance(items, list)
    ranks = [[t.id for t in kb.tiers].index(i["tier"]) for i in items]
    assert ranks == sorted(ranks)


def test_a_bug_is_one_line_and_exit_1(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    from backpain_cli.engine import pathway as engine

    def broken(*_: object) -> None:
        raise ZeroDivisionError("secret answer: 7/10")

    monkeypatch.setattr(engine, "build_pathway", broken)
    code, out, err = run(runner, "pathway", "--months", "4", "--pain", "7")
    assert code == 1 and out == ""
    assert err.startswith("backpain: error: internal error") and err.count("\n") == 1
    assert "secret" not in err and "Traceback" not in err


def test_explain_json_by_alias_any_case(runner: CliRunner) -> None:
    data = run_json(runner, "explain", "EPIDURAL")
    assert isinstance(data, dict)
    assert data["id"] == "epidural-steroid-injection"
    assert {"id", "name", "tier", "aliases", "summary", "benefits", "risks", "guidelines", "sources"} <= set(data)
    for stance in data["guidelines"]:
        assert {"source", "direction", "strength", "note"} <= set(stance)
        assert stance["direction"] in ("for", "against", "restricted", "no-recommendation")
    assert all(s["url"] or s["title"] for s in data["sources"])


def test_red_flags_json(runner: CliRunner) -> None:
    flags = run_json(runner, "red-flags")
    assert isinstance(flags, list)
    for flag in flags:
        assert {"code", "question", "level", "action"} <= set(flag)
        assert flag["level"] in ("emergency", "same-day", "urgent", "soon")
    levels = ["emergency", "same-day", "urgent", "soon"]
    assert [levels.index(f["level"]) for f in flags] == sorted(levels.index(f["level"]) for f in flags)  # most urgent first


def test_pathway_json_contract(runner: CliRunner, kb: Knowledge) -> None:
    data = run_json(runner, "pathway", "--months", "4")
    assert isinstance(data, dict)
    assert data["stage"] == "chronic" and data["urgent"] is None and data["disclaimer"]
    assert data["guideline"] == "default"
    ids = [s["id"] for s in data["steps"]]
    assert sorted(ids) == sorted(t.id for t in kb.treatments)
    for step in data["steps"]:
        assert {"id", "tier", "order", "status", "reason", "sources", "trace"} <= set(step)
        assert "\n" not in step["reason"]
        assert step["sources"]


def test_pathway_json_with_red_flag(runner: CliRunner) -> None:
    data = run_json(runner, "pathway", "--months", "4", "--red-flag", "saddle-numbness", "--red-flag", "night-pain")
    assert isinstance(data, dict)
    urgent = data["urgent"]
    assert urgent["level"] == "emergency"
    assert urgent["red_flags"][0] == "saddle-numbness"
    assert urgent["message"] and urgent["sources"]
    assert {s["status"] for s in data["steps"]} == {"on-hold"}


def test_every_warning_sign_keeps_its_own_action_in_json_text_and_plan(runner: CliRunner, kb: Knowledge, tmp_path: Path) -> None:
    """A cancer history with a fever: the same-day action leads, and the cancer action is still shown."""
    args = ["pathway", "--months", "6", "--red-flag", "cancer-history", "--red-flag", "fever"]
    data = run_json(runner, *args)
    assert isinstance(data, dict)
    actions = data["urgent"]["actions"]
    assert data["urgent"]["level"] == "same-day" and actions[0]["level"] == "same-day"
    assert [a["red_flags"] for a in actions] == [["fever"], ["cancer-history"]]
    assert actions[0]["message"] == kb.red_flag("fever").action and actions[1]["message"] == kb.red_flag("cancer-history").action
    code, out, _ = run(runner, *args)
    flat = " ".join(out.replace("│", " ").split())
    assert code == 0
    assert flat.index("See a doctor the same day") < flat.index("tell them about your cancer history")
    for suffix in USUAL_SUFFIXES:
        plan = tmp_path / f"plan{suffix}"
        assert run(runner, *args, "--save", str(plan))[0] == 0
        text = " ".join(plan.read_text(encoding="utf-8").replace("&#39;", "'").split())
        assert text.index("the same day") < text.index("tell them about your cancer history"), suffix


def test_kb_audit_passes_on_the_shipped_knowledge_base(runner: CliRunner, kb: Knowledge) -> None:
    code, out, _ = run(runner, "kb", "audit")
    assert code == 0 and "passed" in out
    data = run_json(runner, "kb", "audit")
    assert isinstance(data, dict) and data["passed"] is True
    assert {e["id"] for e in data["entries"]} == {t.id for t in kb.treatments}
    for entry in data["entries"]:
        assert [c["check"] for c in entry["checks"]] == ["harms", "benefit-size", "source-years", "review-date"]
        for check in entry["checks"]:
            assert check["result"] in ("pass", "excepted") and (check["result"] == "pass" or check["detail"])


def test_kb_audit_names_each_gap_and_exits_4(runner: CliRunner, write_kb: Any) -> None:
    def unbalance(data: dict[str, Any]) -> None:
        heat = next(t for t in data["treatments"] if t["id"] == "heat")
        del heat["benefit_size"]
        telehealth = next(t for t in data["treatments"] if t["id"] == "telehealth")
        telehealth["benefit_size"] = [{"text": "A size.", "sources": ["nice-ng59"]}]  # its exception is now stale
        next(s for s in data["sources"] if s["id"] == "lancet-2018").pop("year")
        del next(t for t in data["treatments"] if t["id"] == "massage")["risks"]

    path = write_kb(unbalance)
    code, out, _ = run(runner, "kb", "audit", str(path))
    assert code == 4
    assert "heat (size): says nothing about how large the benefit is" in out
    assert "telehealth (size): has an audit exception it no longer needs" in out
    assert "cites sources without a year: lancet-2018" in " ".join(out.split())
    assert "massage (harms): lists no harms" in out
    monkey_today = run(runner, "kb", "audit", "--json", str(path))
    assert monkey_today[0] == 4 and json.loads(monkey_today[1])["passed"] is False


def test_pathway_guideline_is_reported(runner: CliRunner) -> None:
    data = run_json(runner, "pathway", "--months", "6", "--guideline", "NICE")
    assert isinstance(data, dict) and data["guideline"] == "nice"


def test_sources_json_lists_citers(runner: CliRunner) -> None:
    data = run_json(runner, "sources")
    assert isinstance(data, list)
    nice = next(s for s in data if s["id"] == "nice-ng59")
    assert "epidural-steroid-injection" in nice["cited_by"]
    assert all(s["cited_by"] for s in data)


def test_kb_check_valid_and_invalid(runner: CliRunner, tmp_path: Path) -> None:
    code, out, _ = run(runner, "kb", "check")
    assert code == 0 and "valid" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\n", encoding="utf-8")
    code, out, _ = run(runner, "kb", "check", str(bad))
    assert code == 3
    assert out.count(str(bad)) >= 3  # every problem is listed with the file name


def test_version_shows_program_and_knowledge_base(runner: CliRunner, kb: Knowledge) -> None:
    code, out, _ = run(runner, "--version")
    assert code == 0
    assert __version__ in out and kb.version in out and kb.review_due.isoformat() in out


def test_invalid_knowledge_base_stops_with_exit_3(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: [\n", encoding="utf-8")
    code, out, err = run(runner, "--kb", str(bad), "list")
    assert code == 3 and out == ""
    assert err.startswith("backpain: error: ") and str(bad) in err and "line" in err
    assert err.count("\n") == 1


# --- bad input: one line on stderr, exit 2, no traceback ----------------------------------------------

BAD_INPUT = [
    ["pathway", "--months", "-1"],
    ["pathway", "--months", "abc"],
    ["pathway", "--months", "nan"],
    ["pathway", "--months", "inf"],
    ["pathway", "--months", "100000"],
    ["pathway", "--weeks", "-2"],
    ["pathway", "--pain", "11"],
    ["pathway", "--pain", "-1"],
    ["pathway", "--pain", "ten"],
    ["pathway", "--months", "4", "--weeks", "3"],
    ["pathway", "--tried", "unicorn-therapy"],
    ["pathway", "--tried", "physio", "--helped", "physical therapy"],
    ["pathway", "--red-flag", "toothache"],
    ["pathway", "--risk", "extreme"],
    ["pathway", "--avoid", "hospitals"],
    ["pathway", "--guideline", "cochrane"],
    ["pathway", "--medial-branch-block", "maybe"],
    ["pathway", "--tried", "physio", "--side-effects", "physiotherapy"],
    ["pathway", "--helped", "heat", "--helped-a-little", "heat pack"],
    ["pathway", "--programme-weeks", "-1"],
    ["pathway", "--programme-weeks", "lots"],
    ["pathway", "--no-such-option"],
    ["explain", "epidurl"],
    ["explain", "leg pain"],
    ["pathway", "--months", "4", "--tried", "injection"],
    ["pathway", "--months", "4", "--tried", "sciatica"],
    ["explain", ""],
    ["explain"],
    ["list", "--tier", "magic"],
    ["no-such-command"],
]


@pytest.mark.parametrize("args", BAD_INPUT, ids=[" ".join(a) or "empty" for a in BAD_INPUT])
def test_bad_input_is_one_clear_line_and_exit_2(runner: CliRunner, args: list[str]) -> None:
    code, out, err = run(runner, *args)
    assert code == 2, (code, out, err)
    assert out == ""
    assert err.startswith("backpain: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err


def test_near_miss_suggests(runner: CliRunner) -> None:
    _, _, err = run(runner, "explain", "epidurl")
    assert "did you mean 'epidural-steroid-injection'" in err
    _, _, err = run(runner, "pathway", "--tried", "injection")
    assert "epidural-steroid-injection" in err and "facet-joint-injection" in err
    code, out, _ = run(runner, "explain", "injection")  # a kind of care: its page lists the candidates by name
    assert code == 0 and "Epidural steroid injection" in out and "Facet joint injection" in out
    assert "epidural-steroid-injection" not in out


def test_markup_in_input_is_echoed_literally(runner: CliRunner) -> None:
    _, _, err = run(runner, "explain", "[bold]x[/]")
    assert "[bold]x[/]" in err


# --- human output --------------------------------------------------------------------------------------


def test_pathway_without_red_flags_names_warning_signs_once(runner: CliRunner, kb: Knowledge) -> None:
    code, out, _ = run(runner, "pathway", "--months", "4")
    assert code == 0
    assert out.count("Warning signs:") == 1
    assert " ".join(out.split()).count(kb.disclaimer) == 1
    assert "Chronic" in out


def test_pathway_with_emergency_is_short_and_ends_on_the_action(runner: CliRunner, kb: Knowledge) -> None:
    """Nothing competes with the action: no held options, one line says routine care waits, and the
    action is the last thing printed."""
    for args in ([], ["--all"], ["--why"]):
        code, out, _ = run(runner, "pathway", "--months", "4", "--red-flag", "bladder-bowel", *args)
        assert code == 0
        lines = [line for line in out.splitlines() if line.strip()]
        assert len(lines) <= 20
        assert "emergency department" in " ".join(lines[-8:])
        assert "ON HOLD" not in out and "NOW" not in out and "CONSIDER" not in out
        assert kb.levels["emergency"].hold_reason.split()[0] in out


def test_why_shows_rules_and_checks(runner: CliRunner) -> None:
    code, out, _ = run(runner, "pathway", "--months", "5", "--leg-pain", "--tried", "physio", "--why")
    assert code == 0
    assert "below decided it" in out and "you said:" in out and "(not answered)" in out and "unknown" in out
    assert "rules[" not in out and "treatments[" not in out  # the rule language's paths stay in JSON


def test_explain_marks_disagreement_and_article(runner: CliRunner) -> None:
    code, out, _ = run(runner, "explain", "acupuncture")
    assert code == 0 and "guidelines disagree" in out.lower()
    code, out, _ = run(runner, "explain", "spinal fusion")
    assert "differs from the guidelines" in out


def test_explain_flags_overdue_review(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(seams, "today", lambda: dt.date(2099, 1, 1))
    _, out, _ = run(runner, "explain", "heat")
    assert "Review overdue" in out
    monkeypatch.setattr(seams, "today", lambda: dt.date(2026, 11, 27))
    _, out, _ = run(runner, "explain", "heat")
    assert "Review overdue" not in out


GOLDEN_CASES = {
    "list": ["list"],
    "explain-epidural": ["explain", "epidural"],
    "pathway-months-4": ["pathway", "--months", "4"],
    "pathway-months-4-all": ["pathway", "--months", "4", "--all"],
    "pathway-sciatica": [
        "pathway",
        "--months",
        "5",
        "--leg-pain",
        "--imaging-match",
        "--no-claudication",
        "--programme-weeks",
        "8",
        "--tried",
        "physio",
        "--helped-a-little",
        "ibuprofen",
    ],
    "pathway-emergency": ["pathway", "--red-flag", "saddle-numbness"],
    "red-flags": ["red-flags"],
    "compare-epidural-physio": ["compare", "epidural", "physio"],
    "search-sciatica": ["search", "sciatica", "--limit", "4"],
}


@pytest.mark.parametrize("name", sorted(GOLDEN_CASES))
def test_golden_render_at_80_columns(runner: CliRunner, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setattr(seams, "today", lambda: dt.date(2026, 11, 27))
    code, out, err = run(runner, *GOLDEN_CASES[name])
    assert code == 0, err
    path = GOLDEN / f"{name}.txt"
    if UPDATE:
        path.write_text(out, encoding="utf-8")
    assert out == path.read_text(encoding="utf-8"), f"golden {name} drifted; rerun with UPDATE_GOLDEN=1 after checking the diff"
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "\x1b[" not in out


# --- a real process -------------------------------------------------------------------------------------


def _subprocess(*args: str, columns: str = "80", extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("BACKPAIN_KB", "NO_COLOR", "FORCE_COLOR")}
    env.update({"COLUMNS": columns, **(extra_env or {})})
    return subprocess.run([sys.executable, "-m", "backpain_cli", *args], capture_output=True, text=True, env=env, timeout=60, check=False)


def test_subprocess_pipe_has_no_colour_and_fits_60_columns() -> None:
    done = _subprocess("pathway", "--months", "4", columns="60")
    assert done.returncode == 0, done.stderr
    assert "\x1b[" not in done.stdout
    assert max(len(line) for line in done.stdout.splitlines()) <= 60
    assert "Education and self-management" in done.stdout


def test_subprocess_bad_input_exit_code_and_no_traceback() -> None:
    done = _subprocess("pathway", "--months", "-5")
    assert done.returncode == 2
    assert done.stdout == "" and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_subprocess_closed_pipe_is_quiet() -> None:
    pipeline = subprocess.run(
        f"{sys.executable} -m backpain_cli list | head -1", shell=True, capture_output=True, text=True, timeout=60, check=False
    )
    assert pipeline.stdout.strip()
    assert pipeline.stderr == ""


def test_subprocess_json_is_valid() -> None:
    done = _subprocess("pathway", "--months", "4", "--json")
    assert done.returncode == 0
    assert json.loads(done.stdout)["stage"] == "chronic"


# --- shell completion ------------------------------------------------------------------------------


def _complete(words: str, cword: int) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k != "BACKPAIN_KB"}
    env.update({"_BACKPAIN_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(cword)})
    done = subprocess.run([sys.executable, "-m", "backpain_cli"], capture_output=True, text=True, env=env, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_completion_offers_treatments_aliases_codes_and_tiers() -> None:
    assert "epidural-steroid-injection" in _complete("backpain explain epi", 2)
    assert "ibuprofen" in _complete("backpain pathway --tried ibu", 3)
    assert _complete("backpain pathway --red-flag sad", 3) == ["saddle-numbness"]
    assert _complete("backpain list --tier sur", 3) == ["surgical"]
    assert _complete("backpain pathway --risk h", 3) == ["high"]


def test_completion_never_imports_rich() -> None:
    env = {k: v for k, v in os.environ.items() if k != "BACKPAIN_KB"}
    env.update({"_BACKPAIN_COMPLETE": "complete_bash", "COMP_WORDS": "backpain explain epi", "COMP_CWORD": "2"})
    code = "import sys, runpy; sys.argv = ['backpain']\ntry:\n    runpy.run_module('backpain_cli', run_name='__main__')\nexcept SystemExit:\n    pass\nprint('RICH' if any(m == 'rich' or m.startswith('rich.') for m in sys.modules) else 'NO-RICH')"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60, check=False)
    assert done.stdout.strip().endswith("NO-RICH"), done.stdout


# --- compare and search through the CLI ------------------------------------------------------------


def test_compare_json_and_text(runner: CliRunner) -> None:
    data = run_json(runner, "compare", "epidural", "physio", "SCS")
    assert isinstance(data, dict)
    assert [o["id"] for o in data["options"]] == ["epidural-steroid-injection", "physical-therapy", "spinal-cord-stimulator"]
    assert {r["key"] for r in data["rows"]} >= {"summary", "benefits", "risks", "time", "guidelines", "access", "suitability"}
    code, out, _ = run(runner, "compare", "epidural", "physio")
    assert code == 0 and "How well does it work?" in out


def test_compare_needs_two_known_options(runner: CliRunner) -> None:
    code, _, err = run(runner, "compare", "epidural")
    assert code == 2 and err.count("\n") == 1
    code, _, err = run(runner, "compare", "epidural", "unicorn")
    assert code == 2 and "unicorn" in err


def test_search_json_ranks_and_forgives_typos(runner: CliRunner) -> None:
    hits = run_json(runner, "search", "ibuprofen")
    assert isinstance(hits, list) and hits[0]["id"] == "nsaids"
    hits = run_json(runner, "search", "acupunture")
    assert isinstance(hits, list) and hits[0]["id"] == "acupuncture"
    code, out, _ = run(runner, "search", "sciatica", "--limit", "3")
    assert code == 0 and out.count("\n 1. ") + out.count("\n1. ") >= 1


def test_search_bad_input(runner: CliRunner) -> None:
    for args in (["search", ""], ["search", "   "], ["search", "x", "--limit", "0"]):
        code, out, err = run(runner, *args)
        assert code == 2 and out == "" and err.count("\n") == 1, args


def test_one_error_boundary_covers_a_new_command_with_nothing_of_its_own() -> None:
    """A command added without any decorator still turns our errors into one line and their exit code."""
    import copy

    import typer

    from backpain_cli.errors import KnowledgeBaseError, Problem, UsageError

    app = copy.copy(cli.app)
    app.registered_commands = list(cli.app.registered_commands)

    @app.command("bare-usage")
    def bare_usage() -> None:
        raise UsageError("give a number, e.g. --pain 6")

    @app.command("bare-kb")
    def bare_kb() -> None:
        raise KnowledgeBaseError("kb.yaml", [Problem("treatments[0]", "broken")])

    @app.command("bare-interrupt")
    def bare_interrupt() -> None:
        raise KeyboardInterrupt

    runner = CliRunner()
    for name, code, words in (("bare-usage", 2, "give a number"), ("bare-kb", 3, "kb.yaml"), ("bare-interrupt", 130, "interrupted")):
        result = runner.invoke(app, [name])
        assert result.exit_code == code, (name, result.exit_code, result.stderr)
        assert result.stderr.startswith("backpain: error: ") and words in result.stderr and result.stderr.count("\n") == 1
        assert "Traceback" not in result.stderr
    assert isinstance(app, typer.Typer)


CASES = str(Path(__file__).resolve().parents[1] / "data" / "cases.yaml")


def test_kb_check_runs_the_shipped_worked_cases(runner: CliRunner) -> None:
    code, out, _ = run(runner, "kb", "check", "--cases", CASES)
    assert code == 0 and "worked cases:" in out and "0 failed" in out
    data = run_json(runner, "kb", "check", "--cases", CASES)
    assert isinstance(data, dict) and data["valid"] and all(c["passed"] for c in data["cases"])


def test_kb_check_cases_names_each_failure_and_exits_4(runner: CliRunner, write_kb: Any, tmp_path: Path) -> None:
    """A clinic edits its knowledge base (surgery now without a fair trial): its cases catch it."""

    def unsafe(data: dict[str, Any]) -> None:
        surgical = next(t for t in data["tiers"] if t["id"] == "surgical")
        surgical["rules"] = surgical["rules"][:1]
        discectomy = next(t for t in data["treatments"] if t["id"] == "discectomy")
        discectomy["rules"] = [r for r in discectomy["rules"] if r.get("require") != {"condition": "adequate-active-care"}]

    cases = tmp_path / "cases.yaml"
    cases.write_text(
        "cases:\n- id: surgery-after-a-painkiller\n  answers: {months: 6, leg-pain: yes, imaging-match: yes, no-claudication: null,"
        " tried: [ibuprofen]}\n  expect: {discectomy: not-yet}\n",
        encoding="utf-8",
    )
    code, out, err = run(runner, "kb", "check", str(write_kb(unsafe)), "--cases", str(cases))
    assert code == 2 and "unknown key 'no-claudication'" in err  # a bad cases file: exit 2, nothing checked
    cases.write_text(cases.read_text(encoding="utf-8").replace(" no-claudication: null,", " claudication: no,"), encoding="utf-8")
    code, out, _ = run(runner, "kb", "check", str(write_kb(unsafe)), "--cases", str(cases))
    assert code == 4
    assert "case surgery-after-a-painkiller: discectomy: got 'consider'" in out and "1 failed" in out
    code, out, _ = run(runner, "kb", "check", "--cases", str(cases))  # the shipped knowledge base passes it
    assert code == 0


# --- the first screen ------------------------------------------------------------------------------------

FIRST_SCREEN_PROFILES = [
    ["--months", "4"],
    ["--weeks", "2"],
    ["--weeks", "8", "--risk", "high"],
    ["--months", "4", "--risk", "high"],
    ["--months", "4", "--risk", "high", "--helped", "heat", "--tried", "physio"],
    ["--months", "4", "--risk", "high", "--helped", "heat,massage", "--helped-a-little", "ibuprofen"],
    ["--months", "8", "--leg-pain", "--pain", "8", "--tried", "physio,cbt", "--programme-weeks", "8", "--imaging-match"],
    ["--months", "8", "--guideline", "acp", "--tried", "exercise,nsaids"],
    ["--months", "8", "--guideline", "who", "--risk", "high", "--helped", "yoga"],
    ["--months", "14", "--leg-pain", "--neuropathic", "--tried", "physio,cbt,pain management programme", "--programme-weeks", "12"],
    ["--months", "4", "--avoid", "medication", "--helped", "tramadol"],
    ["--months", "4", "--tried", "stretching,ibuprofen,heat"],
]


@pytest.mark.parametrize("args", FIRST_SCREEN_PROFILES, ids=lambda a: " ".join(a))
def test_every_next_step_is_on_the_first_24_lines(runner: CliRunner, kb: Knowledge, args: list[str]) -> None:
    """At 80 x 24, a person sees every step to take now (and what to keep up) without scrolling."""
    from backpain_cli.engine.answers import build_profile
    from backpain_cli.engine.digest import digest
    from backpain_cli.engine.pathway import build_pathway

    code, out, err = run(runner, "pathway", *args)
    assert code == 0, err
    first = out.splitlines()[:24]
    d = digest(kb, build_pathway(kb, build_profile(kb, _answers_of(args))))
    steps = (*d.keep, *d.now)
    assert steps, "a profile with no next steps tests nothing here"
    for step in steps:
        assert any(step.treatment.name in line for line in first), f"{step.treatment.name} is below the first screen"
    assert first[0] == "Your back pain pathway" and first[1].startswith("Warning signs:")
    assert len(out.splitlines()) <= 70


def _answers_of(args: list[str]) -> Any:
    """The same answers the CLI reads, through Click's own parser for the pathway command."""
    from backpain_cli.engine.answers import from_options

    command = typer.main.get_command(cli.app).commands["pathway"]  # type: ignore[attr-defined]
    ctx = command.make_context("pathway", list(args), resilient_parsing=True)
    return from_options(ctx.params)


HELP_COMMANDS = [[], ["list"], ["explain"], ["compare"], ["search"], ["red-flags"], ["sources"], ["pathway"], ["walk"], ["kb", "check"]]


@pytest.mark.parametrize("args", HELP_COMMANDS, ids=lambda a: " ".join(a) or "backpain")
def test_help_is_plain_text_that_fits_80_columns(args: list[str]) -> None:
    """Help piped to a file is plain text: no boxes, no padding, no option name cut off, and the
    examples are whole commands on lines of their own."""
    env = {**os.environ, "COLUMNS": "80", "NO_COLOR": "1"}
    done = subprocess.run([sys.executable, "-m", "backpain_cli", *args, "--help"], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("Usage: backpain")
    assert all(len(line) <= 80 and line == line.rstrip() for line in lines)
    assert not any(ch in done.stdout for ch in "│╭╰…\x1b")
    if not args:
        assert "    backpain pathway --months 4 --leg-pain" in lines
    if args == ["pathway"]:
        assert any(line.startswith("  --medial-branch-block RESULT") for line in lines)
