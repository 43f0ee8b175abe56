"""The printable plan (Markdown and HTML), saving it safely, and the pathway ladder, on the shipped knowledge base."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markupsafe import escape
from rich.console import Console

from backpain_cli.engine import pathway as engine
from backpain_cli.engine.pathway import Pathway, Profile
from backpain_cli.errors import UsageError
from backpain_cli.knowledge import files
from backpain_cli.knowledge import loader as knowledge
from backpain_cli.knowledge.model import PERMISSIVE, Knowledge, Source
from backpain_cli.views import plan
from backpain_cli.views.ladder_text import render_ladder
from backpain_cli.views.markdown import md_code, md_escape
from backpain_cli.views.plan import STATUS_LABELS, ladder_rows, plan_format, render_plan, save_plan
from backpain_cli.views.plan_formats import FORMATS, USUAL_SUFFIXES

TODAY = dt.date(2026, 12, 1)
MARKUP_NAME = "<b>x</b> *y* [z]"
SCENARIOS = {
    "months-4": Profile(months=4),
    "red-flag": Profile(months=4, leg_pain=True, red_flags=frozenset({"saddle-numbness", "fever"})),
    "tried-helped": Profile(
        months=8,
        leg_pain=True,
        pain=7,
        tried=frozenset({"nsaids", "physical-therapy", "regular-exercise"}),
        helped=frozenset({"massage"}),
        avoid=frozenset({"surgery"}),
        risk="high",
    ),
}
SUFFIX = dict(zip(FORMATS, USUAL_SUFFIXES, strict=True))


@pytest.fixture(scope="module")
def shipped() -> Knowledge:
    return knowledge.load(knowledge.default_path())


def _pathway(kb: Knowledge, scenario: str) -> Pathway:
    return engine.build_pathway(kb, SCENARIOS[scenario])


def _saved(kb: Knowledge, p: Pathway, fmt: plan.PlanFormat, folder: Path) -> str:
    path = folder / f"plan{SUFFIX[fmt]}"
    save_plan(render_plan(kb, p, fmt=fmt, today=TODAY), path, force=False)
    return path.read_text(encoding="utf-8")


def _shown(fmt: str, text: str) -> str:
    """How a piece of data must appear in the document: escaped for its format."""
    return str(escape(text)) if fmt == "html" else md_escape(text)


def _cited(kb: Knowledge, p: Pathway) -> list[str]:
    """Every source the plan cites, worked out independently of the plan code."""
    ids: list[str] = []
    if p.urgent is not None:
        ids += p.urgent.sources
    if p.stage is not None:
        ids += kb.stage(p.stage).sources
    if p.profile.risk is not None:
        ids += kb.risk_groups[p.profile.risk].sources
    for step in p.steps:
        ids += step.sources
    for flag in kb.red_flags:
        ids += flag.sources
    return [i for i in dict.fromkeys(ids) if i in kb.sources]


def _outside_code(md: str) -> str:
    return re.sub(r"^(`{3,})text\n.*?^\1$", "", md, flags=re.DOTALL | re.MULTILINE)


def _section(fmt: str, text: str, heading: str) -> str:
    """The text from one top-level section's heading to the next."""
    marker = f"## {heading}" if fmt == "md" else f">{heading}</h2>"
    start = text.index(marker)
    following = text.find("\n## " if fmt == "md" else "<h2", start + len(marker))
    return text[start : following if following != -1 else len(text)]


# --- content -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_saved_plan_has_every_step_status_and_source(shipped: Knowledge, scenario: str, fmt: plan.PlanFormat, tmp_path: Path) -> None:
    p = _pathway(shipped, scenario)
    text = _saved(shipped, p, fmt, tmp_path)
    steps = _section(fmt, text, "Every option, step by step")
    assert len(p.steps) == len(shipped.treatments)
    for step in p.steps:
        assert _shown(fmt, step.treatment.name) in steps, step.treatment.id
        assert _shown(fmt, step.reason) in steps, step.treatment.id
    for status in {s.status for s in p.steps}:
        assert STATUS_LABELS[status] in steps
    for tier in shipped.tiers:
        assert _shown(fmt, tier.name) in steps
    sources = _section(fmt, text, "Sources")
    cited = _cited(shipped, p)
    assert cited
    for source_id in cited:
        s = shipped.sources[source_id]
        assert _shown(fmt, s.title) in sources, source_id
        if s.url and fmt == "html":
            assert f'href="{escape(s.url)}"' in sources
    assert text.count(_shown(fmt, shipped.disclaimer)) >= 1
    assert shipped.version in text and TODAY.isoformat() in text and shipped.review_due.isoformat() in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_steps_are_grouped_by_tier_in_pathway_order(shipped: Knowledge, fmt: plan.PlanFormat) -> None:
    p = _pathway(shipped, "months-4")
    text = _section(fmt, render_plan(shipped, p, fmt=fmt, today=TODAY), "Every option, step by step")
    positions = [text.index(_shown(fmt, s.treatment.name)) for s in sorted(p.steps, key=lambda s: s.order)]
    assert positions == sorted(positions)
    tier_positions = [text.index(_shown(fmt, t.name)) for t in shipped.tiers]
    assert tier_positions == sorted(tier_positions)


@pytest.mark.parametrize("fmt", FORMATS)
def test_urgent_box_comes_first_and_replaces_the_warning_line(shipped: Knowledge, fmt: plan.PlanFormat) -> None:
    p = _pathway(shipped, "red-flag")
    assert p.urgent is not None
    text = render_plan(shipped, p, fmt=fmt, today=TODAY)
    level = _shown(fmt, shipped.levels[p.urgent.level].label)
    first = text.index(level)
    assert first < text.index(_shown(fmt, "My answers")) < text.index(_shown(fmt, "Every option, step by step"))
    assert _shown(fmt, p.urgent.message) in text
    for code in p.urgent.red_flags:
        assert _shown(fmt, shipped.red_flag(code).question) in text
    assert _shown(fmt, shipped.warning_signs) not in text
    assert all(s.status == "on-hold" for s in p.steps)


@pytest.mark.parametrize("fmt", FORMATS)
def test_page_one_lists_every_warning_sign_most_urgent_first(shipped: Knowledge, fmt: plan.PlanFormat) -> None:
    text = render_plan(shipped, _pathway(shipped, "months-4"), fmt=fmt, today=TODAY)
    assert "urgent-heading" not in text and "> ## " not in text
    watch = _section(fmt, text, "Warning signs to watch for")
    at = [watch.index(_shown(fmt, shipped.levels[f.level].label)) for f in shipped.red_flags]
    assert at == sorted(at)  # grouped under their level's label, most urgent first
    for flag in shipped.red_flags:
        assert _shown(fmt, flag.sign) in watch
    assert "`" not in watch and "backpain" not in watch


@pytest.mark.parametrize("fmt", FORMATS)
def test_answers_name_tried_and_helped_treatments(shipped: Knowledge, fmt: plan.PlanFormat) -> None:
    p = _pathway(shipped, "tried-helped")
    answers = _section(fmt, render_plan(shipped, p, fmt=fmt, today=TODAY), "My answers")
    for treatment_id in p.profile.tried | p.profile.helped:
        assert _shown(fmt, shipped.treatment(treatment_id).name) in answers
    for fact in ("tried", "helped", "pain", "leg_pain", "months", "risk", "avoid"):
        label = shipped.questions[fact].label
        assert _shown(fmt, label[:1].upper() + label[1:]) in answers
    assert _shown(fmt, shipped.risk_groups["high"].label) in answers
    assert "7 out of 10" in answers


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_red_flag_is_listed_with_its_action(shipped: Knowledge, fmt: plan.PlanFormat) -> None:
    flags = _section(fmt, render_plan(shipped, _pathway(shipped, "months-4"), fmt=fmt, today=TODAY), "What to do about each warning sign")
    for flag in shipped.red_flags:
        assert _shown(fmt, flag.question) in flags
        assert _shown(fmt, flag.action) in flags


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("scenario", ["months-4", "tried-helped"])
def test_questions_come_from_open_steps_once_each(shipped: Knowledge, scenario: str, fmt: plan.PlanFormat) -> None:
    p = _pathway(shipped, scenario)
    section = _section(fmt, render_plan(shipped, p, fmt=fmt, today=TODAY), "Questions to ask at your appointment")
    open_steps = [s for s in p.steps if s.status in PERMISSIVE]
    assert open_steps
    expected = dict.fromkeys(q for s in open_steps for q in s.treatment.questions)
    for question in expected:
        assert section.count(_shown(fmt, question)) == 1, question
    closed = {q for s in p.steps if s.status not in PERMISSIVE for q in s.treatment.questions} - set(expected)
    for question in closed:
        assert _shown(fmt, question) not in section
    assert _shown(fmt, open_steps[0].treatment.name) in section


def test_no_open_step_means_no_option_questions(shipped: Knowledge) -> None:
    text = render_plan(shipped, _pathway(shipped, "red-flag"), fmt="md", today=TODAY)
    assert "no option-specific questions" in _section("md", text, "Questions to ask at your appointment")


@pytest.mark.parametrize("fmt", FORMATS)
def test_overdue_review_is_flagged(shipped: Knowledge, fmt: plan.PlanFormat) -> None:
    p = _pathway(shipped, "months-4")
    late = shipped.review_due + dt.timedelta(days=1)
    assert "due for review" in render_plan(shipped, p, fmt=fmt, today=late)
    assert "due for review" not in render_plan(shipped, p, fmt=fmt, today=shipped.review_due)


def test_unknown_format_is_a_programming_error(shipped: Knowledge) -> None:
    with pytest.raises(ValueError, match="unknown plan format"):
        render_plan(shipped, _pathway(shipped, "months-4"), fmt="pdf", today=TODAY)  # type: ignore[arg-type]


# --- HTML ----------------------------------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _TagChecker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.seen: set[str] = set()
        self.problems: list[str] = []
        self.ids: list[str] = []
        self.hrefs: list[str] = []
        self.doctype = False

    def handle_decl(self, decl: str) -> None:
        self.doctype = self.doctype or decl.lower() == "doctype html"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.add(tag)
        for name, value in attrs:
            if name == "id" and value:
                self.ids.append(value)
            if name == "href" and value:
                self.hrefs.append(value)
            if name.startswith("on") or name in ("src", "srcset"):
                self.problems.append(f"<{tag} {name}>")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.add(tag)
        if tag not in VOID:
            self.problems.append(f"self-closed <{tag}/>")

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes <{self.stack[-1] if self.stack else 'nothing'}> at line {self.getpos()[0]}")
            return
        self.stack.pop()


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_html_is_well_formed_and_self_contained(shipped: Knowledge, scenario: str) -> None:
    text = render_plan(shipped, _pathway(shipped, scenario), fmt="html", today=TODAY)
    checker = _TagChecker()
    checker.feed(text)
    checker.close()
    assert checker.problems == []
    assert checker.stack == [], f"unclosed: {checker.stack}"
    assert checker.doctype
    assert {"html", "head", "title", "style", "body", "main", "h1", "h2", "h3", "table"} <= checker.seen
    assert "script" not in checker.seen and "link" not in checker.seen and "iframe" not in checker.seen
    assert "@import" not in text and "url(" not in text
    assert len(checker.ids) == len(set(checker.ids)), "duplicate ids"
    for href in checker.hrefs:
        assert href.startswith(("#", "https://", "http://")), href
        if href.startswith("#"):
            assert href[1:] in checker.ids, f"dangling link {href}"
    assert "@media print" in text
    assert 'class="badge status-' in text


def test_html_only_links_web_addresses(shipped: Knowledge) -> None:
    p = _pathway(shipped, "months-4")
    cited = _cited(shipped, p)[0]
    sources = dict(shipped.sources)
    sources[cited] = sources[cited]._replace(url="javascript:alert(1)")
    kb = shipped._replace(sources=sources)
    text = render_plan(kb, p, fmt="html", today=TODAY)
    assert 'href="javascript' not in text
    assert "javascript:alert(1)" in text  # still shown, as text
    md = render_plan(kb, p, fmt="md", today=TODAY)
    assert "<javascript:" not in md


# --- escaping ------------------------------------------------------------------------------------------


def _with_markup_name(kb: Knowledge, *treatment_ids: str) -> Knowledge:
    treatments = tuple(t._replace(name=MARKUP_NAME) if t.id in treatment_ids else t for t in kb.treatments)
    return kb._replace(treatments=treatments, by_id={t.id: t for t in treatments})


@pytest.mark.parametrize("fmt", FORMATS)
def test_markup_in_data_is_escaped(shipped: Knowledge, fmt: plan.PlanFormat, tmp_path: Path) -> None:
    kb = _with_markup_name(shipped, "specialist-assessment", "heat")
    assert shipped.treatment("specialist-assessment").name != MARKUP_NAME
    # One is "now" (so it is on the ladder and among the questions), the other named as tried in the answers.
    profile = Profile(months=4, helped_a_little=frozenset({"heat"}))
    p = engine.build_pathway(kb, profile)
    step = next(s for s in p.steps if s.treatment.id == "specialist-assessment")
    assert step.status == "now"
    assert MARKUP_NAME in [n for rung in ladder_rows(kb, p) for _, names in rung.highlights for n in names]
    text = _saved(kb, p, fmt, tmp_path)
    if fmt == "html":
        assert "&lt;b&gt;x&lt;/b&gt; *y* [z]" in text
        assert "<b>" not in text
    else:
        assert r"\<b\>x\</b\> \*y\* \[z\]" in text
        assert MARKUP_NAME not in _outside_code(text)
        assert MARKUP_NAME in text  # literal inside the ladder's code block, where Markdown does not apply
    for heading in ("My answers", "Every option, step by step", "Questions to ask at your appointment"):
        assert _shown(fmt, MARKUP_NAME) in _section(fmt, text, heading), heading


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("*bold* _it_ `code` [link](x) <tag> a|b ~s~", r"\*bold\* \_it\_ \`code\` \[link\](x) \<tag\> a\|b \~s\~"),
        ("# heading", r"\# heading"),
        ("- item", r"\- item"),
        ("+ item", r"\+ item"),
        ("12. item", r"12\. item"),
        ("3) item", r"3\) item"),
        ("0.1.0 stays", "0.1.0 stays"),
        ("line one\n# two", "line one # two"),  # one line: a mid-line # is plain text
        ("back\\slash", "back\\\\slash"),
        ("&amp; &#42; but not & alone", r"\&amp; \&#42; but not & alone"),
    ],
)
def test_md_escape(raw: str, escaped: str) -> None:
    assert md_escape(raw) == escaped


def test_md_code_block_cannot_be_closed_by_data() -> None:
    block = md_code("a ``` b ```` c")
    fence = block.split("\n", 1)[0].removesuffix("text")
    assert fence == "`````"
    assert block.endswith("\n" + fence)


# --- saving --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("plan.md", "md"), ("plan.MD", "md"), ("p.Markdown", "md"), ("plan.html", "html"), ("PLAN.HTM", "html"), ("a.b.html", "html")],
)
def test_plan_format_from_suffix(name: str, fmt: str) -> None:
    assert plan_format(Path(name)) == fmt


@pytest.mark.parametrize("name", ["plan.txt", "plan", "plan.pdf", "plan.md.bak", ".md"])
def test_unknown_suffix_is_refused(name: str, tmp_path: Path) -> None:
    with pytest.raises(UsageError) as caught:
        plan_format(Path(name))
    message = str(caught.value)
    assert all(s in message for s in (".md", ".markdown", ".html", ".htm")) and "\n" not in message
    with pytest.raises(UsageError):
        save_plan("text", tmp_path / name, force=True)
    assert not (tmp_path / name).exists()


def test_overwrite_refused_without_force_and_allowed_with_it(tmp_path: Path) -> None:
    path = tmp_path / "plan.md"
    save_plan("first\n", path, force=False)
    with pytest.raises(UsageError, match=r"exists; use --force to replace it or choose another name"):
        save_plan("second\n", path, force=False)
    assert path.read_text(encoding="utf-8") == "first\n"
    path.chmod(0o640)
    save_plan("second\n", path, force=True)
    assert path.read_text(encoding="utf-8") == "second\n"
    assert path.stat().st_mode & 0o777 == 0o600  # replaced, it is as private as a new plan: it holds health answers
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.md"]  # no temporary file left behind


def test_force_on_a_new_file_creates_it(tmp_path: Path) -> None:
    path = tmp_path / "new.html"
    save_plan("<p>é</p>\n", path, force=True)
    assert path.read_bytes() == "<p>é</p>\n".encode()


def test_a_dangling_symlink_counts_as_existing(tmp_path: Path) -> None:
    path = tmp_path / "plan.md"
    path.symlink_to(tmp_path / "nowhere.md")
    with pytest.raises(UsageError, match="exists"):
        save_plan("x", path, force=False)
    assert not (tmp_path / "nowhere.md").exists()


def test_missing_folder_is_one_line_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "no" / "such" / "plan.md"
    with pytest.raises(UsageError) as caught:
        save_plan("x", path, force=False)
    assert "does not exist" in str(caught.value) and "\n" not in str(caught.value)
    with pytest.raises(UsageError, match="does not exist"):
        save_plan("x", path, force=True)
    assert not path.parent.exists()


def test_parent_that_is_a_file_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("", encoding="utf-8")
    with pytest.raises(UsageError, match="not a folder"):
        save_plan("x", tmp_path / "file" / "plan.md", force=False)


def test_a_folder_named_like_a_plan_is_refused(tmp_path: Path) -> None:
    (tmp_path / "plan.md").mkdir()
    for force in (False, True):
        with pytest.raises(UsageError, match="is a folder"):
            save_plan("x", tmp_path / "plan.md", force=force)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_folder_is_a_usage_error(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(UsageError, match="permission denied"):
            save_plan("x", locked / "plan.md", force=False)
    finally:
        locked.chmod(0o700)


def test_permission_error_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object, **__: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(files.os, "open", refuse)
    with pytest.raises(UsageError, match="permission denied") as caught:
        save_plan("x", tmp_path / "plan.md", force=False)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("force", [False, True])
def test_a_failed_write_leaves_no_partial_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, force: bool) -> None:
    path = tmp_path / "plan.html"
    if force:
        path.write_text("old plan\n", encoding="utf-8")

    def full_disk(_: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", full_disk)
    with pytest.raises(UsageError, match="No space left on device"):
        save_plan("new plan\n", path, force=force)
    if force:
        assert path.read_text(encoding="utf-8") == "old plan\n"
        assert [p.name for p in tmp_path.iterdir()] == ["plan.html"]
    else:
        assert list(tmp_path.iterdir()) == []


# --- the ladder ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_ladder_rows_reflect_statuses(shipped: Knowledge, scenario: str) -> None:
    p = _pathway(shipped, scenario)
    rungs = ladder_rows(shipped, p)
    assert [r.tier_id for r in rungs] == [t.id for t in shipped.tiers]
    assert [r.position for r in rungs] == list(range(1, len(shipped.tiers) + 1))
    for rung in rungs:
        steps = [s for s in p.steps if s.treatment.tier == rung.tier_id]
        assert rung.total == len(steps)
        assert sorted(rung.statuses) == sorted(s.status for s in steps)
        assert dict(rung.counts) == {st: sum(1 for s in steps if s.status == st) for st in {s.status for s in steps}}
        assert rung.open_count == sum(1 for s in steps if s.status in PERMISSIVE)
        assert rung.open_count + rung.closed_count == rung.total
        assert len(rung.bar) == rung.total
        for status in ("now", "consider"):
            names = tuple(s.treatment.name for s in steps if s.status == status)
            assert dict(rung.highlights).get(status, ()) == names
        assert set(dict(rung.highlights)) <= {"now", "consider"}


def test_ladder_rows_for_specific_pathways(shipped: Knowledge) -> None:
    held = ladder_rows(shipped, _pathway(shipped, "red-flag"))
    assert all(r.highlights == () and r.open_count == 0 and r.statuses == ("on-hold",) * r.total for r in held)
    helped = {r.tier_id: r for r in ladder_rows(shipped, _pathway(shipped, "tried-helped"))}
    assert dict(helped["traditional"].counts).get("helped", 0) > 0  # "helped" is its own status, not "now"
    # The pain is still 7 out of 10: what helped did not help enough to close the ladder.
    assert dict(helped["surgical"].counts).get("not-needed", 0) == 0
    mild = {r.tier_id: r for r in ladder_rows(shipped, engine.build_pathway(shipped, SCENARIOS["tried-helped"]._replace(pain=3.0)))}
    assert dict(mild["surgical"].counts).get("not-needed", 0) > 0
    plain = {r.tier_id: r for r in ladder_rows(shipped, _pathway(shipped, "months-4"))}
    assert plain["holistic"].open_count > 0
    assert plain["surgical"].open_count == 0
    assert plain["support"].summary().startswith(f"{plain['support'].total} options: ")


@pytest.mark.parametrize("width", [40, 120])
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_render_ladder_fits_the_terminal(shipped: Knowledge, scenario: str, width: int) -> None:
    p = _pathway(shipped, scenario)
    console = Console(width=width, record=True, no_color=True, force_terminal=False, file=open(os.devnull, "w"))  # noqa: SIM115
    try:
        console.print(render_ladder(shipped, p))
        out = console.export_text()
    finally:
        console.file.close()
    lines = out.splitlines()
    assert all(len(line) <= width for line in lines)
    flat = " ".join(re.sub(r"[┃┣━▲▼]", " ", out).split())
    for tier in shipped.tiers:
        assert tier.name in flat
    for rung in ladder_rows(shipped, p):
        assert rung.summary() in flat
        for _, names in rung.highlights:
            assert all(n in flat for n in names)
    # surgery at the top, conservative care at the bottom
    assert flat.index(shipped.tiers[-1].name) < flat.index(shipped.tiers[0].name)


def test_plain_ladder_puts_surgery_on_top(shipped: Knowledge) -> None:
    text = plan.ladder_plain(ladder_rows(shipped, _pathway(shipped, "months-4")), width=60)
    assert all(len(line) <= 60 for line in text.splitlines())
    assert text.isascii()
    assert text.index(shipped.tiers[-1].name) < text.index(shipped.tiers[0].name)


# --- packaging and imports -----------------------------------------------------------------------------


def test_templates_are_package_files() -> None:
    folder = Path(plan.__file__).parent / "templates"
    assert (folder / "plan.md.j2").is_file() and (folder / "plan.html.j2").is_file()


def test_the_terminal_ladder_does_not_import_jinja() -> None:
    code = "import sys, backpain_cli.views.ladder_text, backpain_cli.views.plan; print('jinja2' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.strip() == "False"


def test_sources_in_plan_match_kb_type(shipped: Knowledge) -> None:
    """Guards the helper above: every cited id is a real source."""
    assert all(isinstance(shipped.sources[i], Source) for i in _cited(shipped, _pathway(shipped, "tried-helped")))


# --- page one: the summary a clinician reads in a minute ------------------------------------------------


def _page_one(fmt: str, text: str) -> str:
    end = text.index("# The full detail" if fmt == "md" else 'class="detail"')
    return text[:end]


def _visible(html: str) -> str:
    """What a browser shows of an HTML plan: no style sheet, no tags, entities decoded."""
    import html as html_module

    body = re.sub(r"<style>.*?</style>", "", html, flags=re.DOTALL)
    return html_module.unescape(re.sub(r"<[^>]+>", "", body))


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_nothing_on_paper_is_terminal_syntax(shipped: Knowledge, fmt: plan.PlanFormat, scenario: str) -> None:
    """No backticks, no option names (--leg-pain), no commands (backpain red-flags) anywhere in a plan."""
    text = render_plan(shipped, _pathway(shipped, scenario), fmt=fmt, today=TODAY)
    shown = _visible(text) if fmt == "html" else _outside_code(text)
    assert not re.search(r"`|(?<![\w-])--[a-z]|backpain [a-z]", shown), re.search(r".{40}(`|--[a-z]|backpain [a-z]).{40}", shown)


@pytest.mark.parametrize("fmt", FORMATS)
def test_page_one_has_the_answers_signs_next_steps_questions_and_room_to_write(shipped: Knowledge, fmt: plan.PlanFormat) -> None:
    from backpain_cli.engine.digest import digest

    p = _pathway(shipped, "tried-helped")
    page = _page_one(fmt, render_plan(shipped, p, fmt=fmt, today=TODAY))
    order = ["My answers", "Warning signs to watch for", "My next steps", "Five questions to ask", "Notes"]
    at = [page.index(_shown(fmt, heading)) for heading in order]
    assert at == sorted(at)
    d = digest(shipped, p)
    for step in (*d.keep, *d.now):
        assert _shown(fmt, step.treatment.name) in page and _shown(fmt, step.short or step.reason) in page
    assert len(re.findall(r"^\d\. " if fmt == "md" else r"<li>", _section(fmt, page, "Five questions to ask"), re.MULTILINE)) == 5
    assert "Appointment date" in page
    assert _shown(fmt, shipped.treatment("surgery-fusion" if "surgery-fusion" in shipped.by_id else "spinal-fusion").name) not in page


def test_page_one_golden(shipped: Knowledge) -> None:
    """Read it as a clinician would, on paper: tests/golden/plan-page-one.md."""
    golden = Path(__file__).parent / "golden" / "plan-page-one.md"
    page = _page_one("md", render_plan(shipped, _pathway(shipped, "tried-helped"), fmt="md", today=TODAY))
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.write_text(page, encoding="utf-8")
    assert page == golden.read_text(encoding="utf-8"), "rerun with UPDATE_GOLDEN=1 after reading the diff"


def test_an_urgent_plan_starts_with_the_action_and_offers_no_steps(shipped: Knowledge) -> None:
    p = _pathway(shipped, "red-flag")
    page = _page_one("md", render_plan(shipped, p, fmt="md", today=TODAY))
    assert page.index("> ## ") < page.index("## My answers")
    assert "My next steps" not in page and "Five questions" not in page
