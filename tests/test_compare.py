"""The option grid (backpain_cli.engine.compare) and its terminal rendering, on the shipped knowledge base."""

from __future__ import annotations

import io
import json

import pytest
from rich.console import Console

from backpain_cli.engine.compare import DISAGREE_MARKER, ROWS, Comparison, compare, comparison_json
from backpain_cli.errors import UsageError
from backpain_cli.knowledge import loader as knowledge
from backpain_cli.knowledge.model import Knowledge
from backpain_cli.views.compare_text import min_table_width, render_comparison

IDS = ["epidural-steroid-injection", "spinal-cord-stimulator", "physical-therapy"]
QUESTIONS = [
    "What is it?",
    "How well does it work?",
    "What are the risks?",
    "Recovery and time",
    "What the guidelines say",
    "Cost and access",
    "When is it considered?",
]


@pytest.fixture(scope="module")
def shipped() -> Knowledge:
    return knowledge.load(knowledge.default_path())


@pytest.fixture(scope="module")
def grid(shipped: Knowledge) -> Comparison:
    return compare(shipped, [shipped.treatment(i) for i in IDS])


def render(kb: Knowledge, c: Comparison, width: int) -> str:
    console = Console(width=width, file=io.StringIO(), color_system=None, highlight=False, markup=False, emoji=False)
    console.print(render_comparison(kb, c))
    out = console.file.getvalue()
    assert isinstance(out, str)
    return out


def flat(text: str) -> str:
    """Rendered text with line breaks folded away, so wrapped words can be found."""
    return " ".join(text.split())


def readable(out: str) -> list[str]:
    """The whole output folded to one line, then each table column's text (top to bottom) folded likewise."""
    columns: dict[int, list[str]] = {}
    for line in out.splitlines():
        if "│" in line:
            for index, cell in enumerate(line.split("│")[1:-1]):
                columns.setdefault(index, []).append(cell)
    return [flat(out), *(flat(" ".join(cells)) for cells in columns.values())]


def shows(out: str, phrase: str) -> bool:
    return any(phrase in text for text in readable(out))


def test_every_row_and_every_column(grid: Comparison) -> None:
    assert [t.id for t in grid.options] == IDS
    assert [r.question for r in grid.rows] == QUESTIONS
    assert [r.key for r in grid.rows] == [key for key, _, _ in ROWS]
    for row in grid.rows:
        assert len(row.cells) == len(IDS)
        for cell in row.cells:
            assert cell, f"empty cell in {row.key}"
            assert all(str(item).strip() for item in cell)


def test_cells_come_from_the_knowledge_base(shipped: Knowledge, grid: Comparison) -> None:
    rows = {r.key: r for r in grid.rows}
    for t in (shipped.treatment(i) for i in IDS):
        assert [str(i) for i in grid.cell(rows["summary"], t.id)] == [t.summary]
        assert [i.text for i in grid.cell(rows["benefits"], t.id)] == [s.text for s in t.benefits]
        assert [i.text for i in grid.cell(rows["risks"], t.id)] == [s.text for s in t.risks]
        assert [i.text for i in grid.cell(rows["time"], t.id)] == [t.expect.time, t.expect.recovery, t.expect.onset]
        assert [i.text for i in grid.cell(rows["access"], t.id)] == [t.access.cost, t.access.insurance, t.access.access]
        when = [str(i) for i in grid.cell(rows["suitability"], t.id)]
        assert when[0] == f"Tier: {shipped.tier(t.tier).name}"
        assert when[1:] == [f"For: {s}" for s in t.suitable_for] + [f"Not for: {s}" for s in t.not_suitable_for]
        stances = [str(i) for i in grid.cell(rows["guidelines"], t.id) if i.text != DISAGREE_MARKER]
        assert len(stances) == len(t.guidelines)
        for line, g in zip(stances, t.guidelines, strict=True):
            assert line.startswith(f"{shipped.sources[g.source].label}: ")
            assert line.endswith(f"({g.strength})")


def test_benefits_and_risks_carry_their_sources(shipped: Knowledge, grid: Comparison) -> None:
    rows = {r.key: r for r in grid.rows}
    t = shipped.treatment("spinal-cord-stimulator")
    for item, statement in zip(grid.cell(rows["risks"], t.id), t.risks, strict=True):
        assert item.cite == "; ".join(shipped.sources[s].label for s in statement.sources)
        assert str(item).endswith(f"[{item.cite}]")


def test_disagreement_marker_only_when_guidelines_disagree(shipped: Knowledge) -> None:
    disagree = next(t for t in shipped.treatments if t.disagreement())
    agree = next(t for t in shipped.treatments if not t.disagreement())
    c = compare(shipped, [disagree, agree])
    row = next(r for r in c.rows if r.key == "guidelines")
    assert c.cell(row, disagree.id)[0].text == DISAGREE_MARKER
    assert DISAGREE_MARKER not in [i.text for i in c.cell(row, agree.id)]


def test_columns_follow_the_given_order_and_repeats_are_shown_once(shipped: Knowledge) -> None:
    order = ["physical-therapy", "epidural-steroid-injection", "physical-therapy", "acupuncture"]
    c = compare(shipped, [shipped.treatment(i) for i in order])
    assert [t.id for t in c.options] == ["physical-therapy", "epidural-steroid-injection", "acupuncture"]


@pytest.mark.parametrize("ids", [[], ["nsaids"], ["nsaids", "nsaids"]])
def test_fewer_than_two_options_is_a_usage_error(shipped: Knowledge, ids: list[str]) -> None:
    with pytest.raises(UsageError, match="at least two"):
        compare(shipped, [shipped.treatment(i) for i in ids])


def test_json_shape(grid: Comparison) -> None:
    data = comparison_json(grid)
    assert json.loads(json.dumps(data)) == data  # plain JSON types only
    assert set(data) == {"options", "rows"}
    assert data["options"] == [{"id": t.id, "name": t.name, "tier": t.tier} for t in grid.options]
    assert [r["question"] for r in data["rows"]] == QUESTIONS
    for row in data["rows"]:
        assert set(row) == {"question", "key", "cells"}
        assert list(row["cells"]) == IDS
        for lines in row["cells"].values():
            assert lines and all(isinstance(line, str) and line for line in lines)
    guidelines = next(r for r in data["rows"] if r["key"] == "guidelines")
    assert any(line.startswith("NICE NG59: only for some (") for line in guidelines["cells"]["epidural-steroid-injection"])


def test_json_is_stable(shipped: Knowledge, grid: Comparison) -> None:
    again = compare(shipped, [shipped.treatment(i) for i in IDS])
    assert json.dumps(comparison_json(again)) == json.dumps(comparison_json(grid))


@pytest.mark.parametrize("width", [40, 60, min_table_width(3) - 1, min_table_width(3), 200])
def test_renders_every_option_and_question_at_any_width(shipped: Knowledge, grid: Comparison, width: int) -> None:
    out = render(shipped, grid, width)
    for t in grid.options:
        assert shows(out, t.name), t.name
    for question in QUESTIONS:
        assert shows(out, question), question
    assert all(len(line) <= width for line in out.splitlines())
    assert "\x1b[" not in out


def test_wide_is_a_table_and_narrow_is_stacked(shipped: Knowledge, grid: Comparison) -> None:
    wide = render(shipped, grid, min_table_width(3))
    narrow = render(shipped, grid, 40)
    assert "│" in wide and "│" not in narrow
    # Wide: the questions down the first column, one column per option, in the order given.
    columns = readable(wide)[1:]
    assert len(columns) == 1 + len(IDS)
    assert all(q in columns[0] for q in QUESTIONS)
    for column, t in zip(columns[1:], grid.options, strict=True):
        assert t.name in column and t.summary in column
    # Stacked: the question, then each option's name on a line of its own under it.
    lines = [line.strip() for line in narrow.splitlines()]
    start = lines.index("What is it?")
    assert lines.index("Epidural steroid injection (ESI)", start) < lines.index("Spinal cord stimulator (SCS)", start)


def test_markup_in_data_prints_literally(shipped: Knowledge) -> None:

    t = shipped.treatment("nsaids")._replace(summary="Take [bold]two[/bold] and [red]see[/]")
    c = compare(shipped, [t, shipped.treatment("paracetamol")])
    for width in (40, 200):
        assert shows(render(shipped, c, width), "Take [bold]two[/bold] and [red]see[/]")
