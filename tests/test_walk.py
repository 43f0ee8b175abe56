"""The guided walk and answers files: scripted through CliRunner and once through a real terminal."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from backpain_cli import cli
from backpain_cli.cli import seams

FULL_WALK = [
    "",  # Enter on the warning signs...
    "no",  # ...and none apply when asked again
    "5 months",
    "yes",  # leg pain
    "7",
    "physio, ibuprofen",  # tried: any alias works
    "3",  # physio did not help
    "a little",  # ibuprofen helped a little
    "8",  # weeks of the exercise programme
    "yes",  # scan matches
    "no",  # claudication
    "",  # neuropathic: don't know
    "medium",
    "",  # avoid nothing
    "no",  # do not save the plan
]


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(seams, "stdin_is_terminal", lambda: True)


def walk(runner: CliRunner, replies: list[str], *args: str) -> tuple[int, str, str]:
    result = runner.invoke(cli.app, ["walk", *args], input="\n".join(replies) + "\n")
    return result.exit_code, result.stdout, result.stderr


def test_full_walk_gives_the_same_pathway_as_the_options(runner: CliRunner, terminal: None) -> None:
    code, out, err = walk(runner, FULL_WALK, "--json")
    assert code == 0, err
    walked = json.loads(out)
    flags = ["pathway", "--months", "5", "--leg-pain", "--pain", "7", "--tried", "physio", "--helped-a-little", "ibuprofen"]
    flags += ["--programme-weeks", "8"]
    flags += ["--imaging-match", "--no-claudication", "--risk", "medium", "--json"]
    direct = json.loads(runner.invoke(cli.app, flags).stdout)
    assert walked["answers"] == direct["answers"]
    assert [(s["id"], s["status"]) for s in walked["steps"]] == [(s["id"], s["status"]) for s in direct["steps"]]
    assert {s["id"]: s["status"] for s in walked["steps"]}["discectomy"] == "consider"
    assert "Why we ask:" in err  # every question says why it is asked


def test_red_flag_stops_the_walk_with_the_action(runner: CliRunner, terminal: None) -> None:
    code, out, err = walk(runner, ["1, 2", "no"])
    assert code == 0, err
    assert "emergency department" in out
    assert "How long have you had this pain" not in err  # no routine questions after a red flag


def test_every_question_can_be_skipped(runner: CliRunner, terminal: None) -> None:
    code, out, err = walk(runner, [""] * 13 + ["no"], "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["stage"] is None and data["answers"]["tried"] == []


def test_bad_answers_are_asked_again_with_the_reason(runner: CliRunner, terminal: None) -> None:
    replies = ["13", "none", "four mnths", "4 months", "maybe", "no", "11", "6", "unicorn therapy", "physio", "", "", "", "", "", "no"]
    code, out, err = walk(runner, replies, "--json")
    assert code == 0, err
    assert err.count("Sorry:") >= 5
    answers = json.loads(out)["answers"]
    assert answers["months"] == 4 and answers["leg_pain"] is False and answers["pain"] == 6
    assert answers["tried"] == ["physical-therapy"]
    assert "Traceback" not in err


# Up to the question about what was tried: no warning signs (Enter, then no), 4 months, no leg pain, 6.
TO_TRIED = ["", "no", "4 months", "no", "6"]


def test_walk_reads_answers_as_people_type_them(runner: CliRunner, terminal: None) -> None:
    code, out, err = walk(runner, ["", "no", "about 4 months", "yes", "7/10", *[""] * 10], "--json")
    assert code == 0, err
    answers = json.loads(out)["answers"]
    assert answers["months"] == 4 and answers["pain"] == 7 and answers["red_flags"] == []
    assert "Sorry" not in err
    code, out, err = walk(runner, ["none", "six weeks", "no", "7 out of 10", *[""] * 10], "--json")
    answers = json.loads(out)["answers"]
    assert code == 0 and answers["weeks"] == 6 and answers["pain"] == 7, err


def test_one_unknown_name_keeps_the_others(runner: CliRunner, terminal: None) -> None:
    """Issue 12: "physio, yoga, blorp" threw away physio and yoga; now only blorp is asked about again."""
    replies = [*TO_TRIED, "physio, yoga, blorp", "", "3", "2", *[""] * 8]
    code, out, err = walk(runner, replies, "--json")
    assert code == 0, err
    said = " ".join(err.split())
    assert "No treatment called 'blorp'" in said and "Type 'blorp' another way, type list to see the names" in said
    assert "Noted: Physical therapy" in said
    answers = json.loads(out)["answers"]
    assert answers["tried"] == ["physical-therapy"] and answers["helped_a_little"] == ["yoga-tai-chi"]


def test_an_unknown_name_typed_again_is_added(runner: CliRunner, terminal: None) -> None:
    replies = [*TO_TRIED, "physio and blorp, zzzq", "heat", "3", "1", *[""] * 8]
    code, out, err = walk(runner, replies, "--json")
    assert code == 0, err
    assert "Type 'blorp' and 'zzzq' another way" in " ".join(err.split())
    answers = json.loads(out)["answers"]
    assert answers["tried"] == ["physical-therapy"] and answers["helped"] == ["heat"]


@pytest.mark.parametrize("word", ["list", "?", "help", "LIST"])
def test_list_in_the_name_prompt_shows_the_names_and_asks_again(runner: CliRunner, terminal: None, word: str, kb: Any) -> None:
    code, out, err = walk(runner, [*TO_TRIED, word, "physio", "3", *[""] * 8], "--json")
    assert code == 0, err
    for tier in kb.tiers:
        assert tier.name in err
    assert err.count("What have you already tried for this pain?") == 2  # listed, then asked again
    assert json.loads(out)["answers"]["tried"] == ["physical-therapy"]
    lines = err.splitlines()  # (the runner echoes no answers, so a prompt and what follows it share a line)
    start = next(i for i, line in enumerate(lines) if line.startswith("Every option, by kind of care."))
    listed = lines[start : lines.index("Surgery (last resort)") + 3]
    assert max(map(len, listed)) <= 80 and all(line.startswith("  ") or line in [t.name for t in kb.tiers] for line in listed[2:])


def test_enter_on_the_warning_signs_asks_before_taking_none(runner: CliRunner, terminal: None) -> None:
    code, out, err = walk(runner, ["", "yes", "2", "no"])
    assert code == 0, err
    assert "You pressed Enter. Do any of these warning signs apply to you? [yes/no]" in err
    assert "emergency department" in out
    assert "How long have you had this pain" not in err  # the walk ends on the action


def test_enter_twice_on_the_warning_signs_is_not_taken_as_none(runner: CliRunner, terminal: None) -> None:
    code, out, err = walk(runner, ["skip", "", *[""] * 12], "--json")
    assert code == 0, err
    said = " ".join(err.split())
    assert "You did not type a number. Do any of these warning signs apply to you?" in said
    assert "If you are not sure about any of these warning signs, ask a doctor or nurse" in said
    assert "How long have you had this pain" in said  # then the walk goes on
    assert json.loads(out)["answers"]["red_flags"] == []


def test_several_warning_signs_each_keep_their_action(runner: CliRunner, terminal: None) -> None:
    code, out, err = walk(runner, ["1 and 8", "no"], "--json")
    assert code == 0, err
    walked = json.loads(out)
    direct = json.loads(
        runner.invoke(cli.app, ["pathway", "--red-flag", "saddle-numbness", "--red-flag", "cancer-history", "--json"]).stdout
    )
    assert sorted(walked["answers"]["red_flags"]) == ["cancer-history", "saddle-numbness"]
    assert walked.pop("from") == {"red_flags": {"saddle-numbness": "walk", "cancer-history": "walk"}}
    assert direct.pop("from") == {"red_flags": {"saddle-numbness": "options", "cancer-history": "options"}}
    assert walked == direct  # the same pathway, whichever way the answers came


# Two bad replies to every question the walk can ask, then a skip; "13" and "maybe" fail everywhere.
BAD_EVERYWHERE = ["13", "maybe", "no"]
BAD_EVERYWHERE += ["13", "more than 3 months", "4 months"]
BAD_EVERYWHERE += ["maybe", "13", "yes"]
BAD_EVERYWHERE += ["13", "3/5", "7"]
BAD_EVERYWHERE += ["physio, blorp", "zzzq", "exercise class"]
BAD_EVERYWHERE += ["13", "maybe", "3", "9", "", "lots", "-1", "8"]
BAD_EVERYWHERE += ["13", "maybe", "", "13", "maybe", "", "13", "maybe", ""]
BAD_EVERYWHERE += ["13", "maybe", "", "13", "maybe", "none", "no"]


def test_nothing_the_walk_says_names_an_option(runner: CliRunner, terminal: None) -> None:
    """Issue 12: the walk showed "--pain must be ..." and "run 'backpain list'"; it speaks of answers, not options."""
    code, _, err = walk(runner, BAD_EVERYWHERE)
    assert code == 0, err
    assert err.count("Sorry:") >= 15
    assert not re.search(r"--[a-z]", err), [line for line in err.splitlines() if "--" in line]
    assert "run 'backpain" not in err and "Traceback" not in err


def test_a_shared_check_naming_an_option_is_said_plainly(runner: CliRunner, terminal: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Should a reply pass the walk's reading but fail the options' checks, the walk still names no option."""
    from backpain_cli.cli import walk as walk_module

    monkeypatch.setattr(walk_module, "parse_pain", lambda reply: 12.0)  # past what build_profile allows
    code, out, err = walk(runner, ["none", "4 months", "no", "7", *[""] * 10], "--json")
    assert code == 0 and "--pain" not in err and "That answer cannot be used here" in err
    assert json.loads(out)["answers"]["pain"] is None


def test_plain_wording_of_shared_messages() -> None:
    from backpain_cli.cli.walk import plain

    assert plain("give the duration once: --months or --weeks, not both", "x") == "x"
    assert plain("unknown red-flag code 'a': run 'backpain red-flags' to see the codes", "x") == "x"
    assert plain("no treatment called 'blorp'; run 'backpain list' to see every option", "x") == "no treatment called 'blorp'"


def test_walk_questions_keep_their_hanging_indent(runner: CliRunner, terminal: None) -> None:
    _, _, err = walk(runner, ["none"])
    lines = err.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("  1. "))
    prompt = next(i for i, line in enumerate(lines) if line.startswith("Do you have any of these warning signs?"))
    for line in lines[first:prompt]:
        assert re.match(r" ?[ 1]\d\. |     \S", line), line  # a number, or a wrapped line under the text
    why = next(i for i, line in enumerate(lines) if line.startswith("Why we ask: Guidelines treat new pain"))
    assert lines[why + 1].startswith(" " * len("Why we ask: ")) and lines[why + 1].strip()
    assert max(map(len, lines)) <= 80


def test_walk_offers_to_save_and_never_overwrites_without_asking(runner: CliRunner, terminal: None, tmp_path: Path) -> None:
    target = tmp_path / "plan.html"
    target.write_text("my own notes", encoding="utf-8")
    replies = [*FULL_WALK[:-1], "yes", "plan.txt", str(target), "no", str(tmp_path / "plan.md")]
    code, _, err = walk(runner, replies)
    assert code == 0, err
    assert target.read_text(encoding="utf-8") == "my own notes"  # asked, answered no: untouched
    saved = (tmp_path / "plan.md").read_text(encoding="utf-8")
    assert "Discectomy" in saved and "saved your plan" in err


@pytest.mark.parametrize("name", ["plan.md", "./sub/../plan.md"])
def test_the_saved_plan_s_full_path_is_printed(
    runner: CliRunner, terminal: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """Issue 12: "saved your plan to plan.md" did not say where that is; the full path does."""
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path)
    code, _, err = walk(runner, [*FULL_WALK[:-1], "yes", name])
    assert code == 0, err
    assert f"backpain: saved your plan to {(tmp_path / 'plan.md').resolve()}\n" in err
    result = runner.invoke(cli.app, ["pathway", "--months", "4", "--save", "again.md"])
    assert f"saved your plan to {(tmp_path / 'again.md').resolve()}\n" in result.stderr


@pytest.mark.parametrize("bad", ["no-such-folder/plan.md", "a-file/plan.md"], ids=["missing-folder", "file-as-folder"])
def test_a_save_path_whose_folder_cannot_take_it_is_asked_again(runner: CliRunner, terminal: None, tmp_path: Path, bad: str) -> None:
    """Issue 14: the walk threw every answer away when the folder did not exist; now it asks again, saying why."""
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    replies = [*FULL_WALK[:-1], "yes", str(tmp_path / bad), str(tmp_path / "plan.md")]
    code, _, err = walk(runner, replies)
    assert code == 0, err
    said = " ".join(err.split())  # the prompts wrap at 80 columns
    assert ("does not exist" if "no-such" in bad else "is not a folder") in said and "Try another name" in said
    assert "Discectomy" in (tmp_path / "plan.md").read_text(encoding="utf-8") and "saved your plan" in err


def test_an_unwritable_folder_or_a_failed_save_is_asked_again(
    runner: CliRunner, terminal: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from backpain_cli.knowledge import files

    locked = tmp_path / "locked"
    locked.mkdir()
    real_access, real_fsync = os.access, os.fsync
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: Path(path) != locked and real_access(path, mode, **kw))  # even for root
    failures = iter([OSError(28, "No space left on device")])

    def full_once(fd: int) -> None:
        error = next(failures, None)
        if error is not None:
            raise error
        real_fsync(fd)

    monkeypatch.setattr(files.os, "fsync", full_once)
    replies = [*FULL_WALK[:-1], "yes", str(locked / "plan.md"), str(tmp_path / "full.md"), str(tmp_path / "plan.md")]
    code, _, err = walk(runner, replies)
    assert code == 0, err
    said = " ".join(err.split())
    assert "permission denied" in said and "No space left on device" in said
    assert sorted(p.name for p in tmp_path.iterdir()) == ["locked", "plan.md"]  # the failed save left nothing behind


def test_save_with_a_missing_folder_fails_before_the_walk(runner: CliRunner, terminal: None, tmp_path: Path) -> None:
    result = runner.invoke(cli.app, ["pathway", "-i", "--save", str(tmp_path / "nowhere" / "plan.md")], input="\n" * 20)
    assert result.exit_code == 2 and "does not exist" in result.stderr
    assert "Why we ask" not in result.stderr  # not one question asked, so no answer is lost


def test_end_of_input_leaves_cleanly(runner: CliRunner, terminal: None) -> None:
    code, out, err = walk(runner, ["", "4 months"])
    assert code == 130
    assert out == ""
    assert err.strip().endswith("nothing was saved") and "Traceback" not in err


def test_no_prompt_without_a_terminal_or_with_no_input(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = walk(runner, FULL_WALK)
    assert code == 2 and out == "" and "--answers" in err
    monkeypatch.setattr(seams, "stdin_is_terminal", lambda: True)
    result = runner.invoke(cli.app, ["pathway", "--interactive", "--no-input"], input="\n")
    assert result.exit_code == 2 and "needs a terminal" in result.stderr


# --- answers files --------------------------------------------------------------------------------


def test_answers_file_matches_the_options(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text(
        "months: 5\nleg-pain: yes\npain: 7\ntried: [physio, ibuprofen]\nimaging_match: true\nneuropathic: unknown\nrisk: medium\n",
        encoding="utf-8",
    )
    from_file = json.loads(runner.invoke(cli.app, ["pathway", "--answers", str(path), "--json"]).stdout)
    flags = ["pathway", "--months", "5", "--leg-pain", "--pain", "7", "--tried", "physio", "--tried", "ibuprofen"]
    direct = json.loads(runner.invoke(cli.app, [*flags, "--imaging-match", "--risk", "medium", "--json"]).stdout)
    assert from_file["answers"] == direct["answers"]


def test_options_override_the_answers_file(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text("months: 5\npain: 3\ntried: physio\n", encoding="utf-8")
    data = json.loads(runner.invoke(cli.app, ["pathway", "--answers", str(path), "--weeks", "2", "--tried", "cbt", "--json"]).stdout)
    assert data["answers"]["weeks"] == 2 and data["answers"]["months"] is None
    assert data["answers"]["pain"] == 3
    assert data["answers"]["tried"] == ["cognitive-behavioral-therapy", "physical-therapy"]


BAD_ANSWERS = [
    ("unknown key", "monhts: 4\n", "did you mean 'months'?"),
    ("wrong type", "months: four\n", "must be a number"),
    ("bad bool", "leg_pain: sometimes\n", "yes, no or unknown"),
    ("bad list", "tried: {physio: yes}\n", "list of names"),
    ("unknown treatment", "tried: [unicorn therapy]\n", "no treatment called"),
    ("out of range", "pain: 12\n", "--pain must be"),
    ("not a mapping", "- months\n", "must be a mapping"),
    ("syntax error", "months: [4\n", "YAML syntax error"),
    ("tag", "months: !!python/object:os.system 4\n", "tags are not allowed"),
    ("duplicate key", "months: 4\nmonths: 5\n", "duplicate key"),
]


@pytest.mark.parametrize(("content", "expected"), [(c, e) for _, c, e in BAD_ANSWERS], ids=[n for n, _, _ in BAD_ANSWERS])
def test_bad_answers_file_is_one_line_and_exit_2(runner: CliRunner, tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text(content, encoding="utf-8")
    result = runner.invoke(cli.app, ["pathway", "--answers", str(path)])
    assert result.exit_code == 2, result.stderr
    assert expected in result.stderr and result.stderr.count("\n") == 1
    assert result.stdout == ""


def test_missing_answers_file(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli.app, ["pathway", "--answers", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2 and "no such file" in result.stderr


# --- a real pseudo-terminal -------------------------------------------------------------------------


def test_walk_in_a_real_terminal() -> None:
    """Drive `backpain walk` through a pseudo-terminal, answering each prompt as a person would."""
    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": "100", "TERM": "xterm", "NO_COLOR": "1"}
    env.pop("BACKPAIN_KB", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "backpain_cli", "walk"], stdin=follower, stdout=follower, stderr=follower, env=env, close_fds=True
    )
    os.close(follower)
    replies = iter(FULL_WALK)
    seen = b""
    answered_at = -1
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 0.3)
            if ready:
                try:
                    chunk = os.read(leader, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                seen += chunk
            elif process.poll() is not None:
                break
            elif len(seen) != answered_at and re.search(rb"[.?:\]] ?$", re.sub(rb"\x1b\[[0-9;]*m", b"", seen)):
                # Quiet, and the output ends as every prompt does (in ".", "?", "]" or ":"): it waits for an answer.
                # Nothing here depends on how long the program takes, so a busy machine cannot make it fail.
                os.write(leader, (next(replies, "") + "\n").encode())
                answered_at = len(seen)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        os.close(leader)
    text = seen.decode("utf-8", "replace")
    assert process.returncode == 0, text[-2000:]
    assert "Why we ask:" in text
    assert "Your back pain pathway" in text
    assert "Discectomy" in text


# --- the fact registry ties the answers together ----------------------------------------------------------


def test_pathway_options_match_the_fact_registry() -> None:
    """Every answer has its option, named as the registry says, and every answer-like option is a fact."""
    import typer.main

    from backpain_cli.knowledge.facts import INPUTS

    command = typer.main.get_command(cli.app).commands["pathway"]  # type: ignore[attr-defined]
    params = {p.name: p for p in command.params}
    for fact in INPUTS:
        assert fact.name in params, f"no option for the fact {fact.name}"
        assert fact.option in params[fact.name].opts, (fact.name, params[fact.name].opts)
    not_answers = {"answers_file", "as_json", "why", "show_all", "interactive", "no_input", "save", "force", "no_journal"}
    assert set(params) - not_answers == {f.name for f in INPUTS}


@pytest.mark.parametrize(
    ("content", "keys"),
    [
        ("red-flags: [saddle-numbness]\nred_flags: []\n", ("red-flags", "red_flags")),
        ("pain: 7\nPain: 2\n", ("pain", "Pain")),
        ("leg_pain: yes\nleg-pain: no\n", ("leg_pain", "leg-pain")),
    ],
)
def test_two_spellings_of_one_answer_are_refused(runner: CliRunner, tmp_path: Path, content: str, keys: tuple[str, str]) -> None:
    """Issue 14: a later spelling must never silently drop a reported warning sign or any other answer."""
    path = tmp_path / "answers.yaml"
    path.write_text(content, encoding="utf-8")
    result = runner.invoke(cli.app, ["pathway", "--answers", str(path)])
    assert result.exit_code == 2 and result.stdout == ""
    assert all(f"'{key}'" in result.stderr for key in keys), result.stderr
