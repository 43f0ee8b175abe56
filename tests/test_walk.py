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

import pytest
from typer.testing import CliRunner

from backpain_cli import cli
from backpain_cli.cli import seams

FULL_WALK = [
    "",  # no warning signs
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
    code, out, err = walk(runner, [""] * 12 + ["no"], "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["stage"] is None and data["answers"]["tried"] == []


def test_bad_answers_are_asked_again_with_the_reason(runner: CliRunner, terminal: None) -> None:
    replies = ["13", "", "four months", "4 months", "maybe", "no", "11", "6", "unicorn therapy", "physio", "", "", "", "", "", "no"]
    code, out, err = walk(runner, replies, "--json")
    assert code == 0, err
    assert err.count("Sorry:") >= 5
    answers = json.loads(out)["answers"]
    assert answers["months"] == 4 and answers["leg_pain"] is False and answers["pain"] == 6
    assert answers["tried"] == ["physical-therapy"]
    assert "Traceback" not in err


def test_walk_offers_to_save_and_never_overwrites_without_asking(runner: CliRunner, terminal: None, tmp_path: Path) -> None:
    target = tmp_path / "plan.html"
    target.write_text("my own notes", encoding="utf-8")
    replies = [*FULL_WALK[:-1], "yes", "plan.txt", str(target), "no", str(tmp_path / "plan.md")]
    code, _, err = walk(runner, replies)
    assert code == 0, err
    assert target.read_text(encoding="utf-8") == "my own notes"  # asked, answered no: untouched
    saved = (tmp_path / "plan.md").read_text(encoding="utf-8")
    assert "Discectomy" in saved and "saved your plan" in err


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
