"""The text views' own layout pieces, rendered by a real Rich console at fixed widths."""

from __future__ import annotations

import io
import re

from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from backpain_cli.engine.answers import Answers, build_profile
from backpain_cli.engine.pathway import build_pathway
from backpain_cli.knowledge.model import Knowledge
from backpain_cli.views.blocks import Hang, ascii_wrap, drawn_lightly, hang, indent

# Spaces at the end of a line, before any closing escape codes: invisible, and not drawn alike.
_TRAILING_SPACES = re.compile(r" +((?:\x1b\[[0-9;]*m)*)$")


def _lines(renderable: object, width: int, *, colour: bool = False) -> list[str]:
    console = Console(width=width, force_terminal=colour, color_system="standard" if colour else None, highlight=False, markup=False)
    with console.capture() as captured:
        console.print(renderable)
    return [_TRAILING_SPACES.sub(r"\1", line) for line in captured.get().rstrip("\n").split("\n")]


def _grid(prefix: Text, body: Text) -> Table:
    """What ``_hang`` drew before ``Hang``: a two-column grid."""
    grid = Table.grid(padding=(0, 1, 0, 0))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_row(Text("  ") + prefix, body)
    return grid


BODY = "The guidelines we use do not say how quickly it works; NICE only suggests it for recent, severe sciatica."


def test_continuation_lines_hang_under_the_text() -> None:
    assert _lines(hang("Time:", BODY), 40) == [
        "  Time: The guidelines we use do not say",
        "        how quickly it works; NICE only",
        "        suggests it for recent, severe",
        "        sciatica.",
    ]


def test_a_long_label_on_a_narrow_terminal_gets_its_own_line() -> None:
    assert _lines(hang("How soon it may help:", BODY), 40) == [
        "  How soon it may help:",
        "    The guidelines we use do not say how",
        "    quickly it works; NICE only suggests",
        "    it for recent, severe sciatica.",
    ]


def test_indent_keeps_every_line_indented() -> None:
    assert _lines(indent(Text(BODY), 4), 30) == [
        "    The guidelines we use do",
        "    not say how quickly it",
        "    works; NICE only suggests",
        "    it for recent, severe",
        "    sciatica.",
    ]


def test_an_empty_body_still_prints_its_label() -> None:
    assert _lines(hang("Cost:", ""), 40) == ["  Cost:"]


def test_styles_survive_and_no_markup_is_read() -> None:
    console = Console(width=60, force_terminal=True, color_system="standard", highlight=False, markup=False)
    with console.capture() as captured:
        console.print(Hang(Text("  • "), Text("[bold]not markup[/bold]", style="red")))
    out = captured.get()
    assert "[bold]not markup[/bold]" in out
    assert "\x1b[31m" in out  # red


WIDTHS = st.integers(min_value=20, max_value=200)
PROSE = st.lists(st.text(alphabet="abcdefghij ", min_size=1, max_size=14), min_size=1, max_size=30).map(" ".join)


@given(width=WIDTHS, body=PROSE, label=st.sampled_from(["•", "Time:", "Recovery:", "How soon it may help:", "12."]))
def test_no_line_is_wider_than_the_terminal_and_no_word_is_lost(width: int, body: str, label: str) -> None:
    lines = _lines(hang(label, body), width)
    assert all(len(line) <= width for line in lines)
    assert " ".join(" ".join(lines).split()) == " ".join(f"{label} {body}".split())


@given(
    width=st.integers(min_value=60, max_value=200),
    body=PROSE,
    label=st.sampled_from(["•", "Time:", "Recovery:", "Cost:", "12."]),
    style=st.sampled_from(["", "dim", "bold red"]),
    colour=st.booleans(),
)
def test_same_lines_as_the_grid_it_replaced(width: int, body: str, label: str, style: str, colour: bool) -> None:
    """Where the label leaves room, ``Hang`` is a faster drawing of the same two-column grid."""
    label_text, body_text = Text(label, style="bold"), Text(body, style=style)
    assert _lines(hang(label_text, body_text), width, colour=colour) == _lines(_grid(label_text, body_text), width, colour=colour)


def test_several_paragraphs_start_on_lines_of_their_own() -> None:
    assert _lines(Hang(Text(" 7. "), Text("Name  NOW"), Text(BODY), Text("Sources: NICE NG59")), 50) == [
        " 7. Name  NOW",
        "    The guidelines we use do not say how quickly",
        "    it works; NICE only suggests it for recent,",
        "    severe sciatica.",
        "    Sources: NICE NG59",
    ]


def test_the_ladder_bars_keep_their_status_colours(kb: Knowledge) -> None:
    """The rail and the key's label are dim; the glyphs are drawn in their own colours, not dimmed with them."""
    from backpain_cli.views.ladder_text import render_ladder

    pathway = build_pathway(kb, build_profile(kb, Answers(months=4)))
    console = Console(width=80, force_terminal=True, color_system="standard", highlight=False, markup=False)
    segments = list(console.render(render_ladder(kb, pathway)))
    glyphs = [s for s in segments if s.text == "#"]
    assert glyphs, "the pathway has a 'now' step, so the ladder draws a #"
    assert all(s.style is not None and s.style.bold and not s.style.dim and s.style.color is not None for s in glyphs)


# The rule language's own words: what a condition reads like when a question gives no sentence for it.
RULE_SYNTAX = re.compile(r" is at (least|most) | is (less|more) than | includes | is one of |\bis (yes|no)\b|_|not \(")


def test_every_rule_reads_as_a_sentence(kb: Knowledge) -> None:
    """Rules are explained from their data as plain clauses ("your pain spreads below the knee"), never
    as the rule language ("leg pain spreading below the knee is no")."""
    from backpain_cli.knowledge.conditions import Facts

    for t in kb.treatments:
        facts = Facts({}, t.id, kb.wording())
        for rule in (*t.rules, *kb.tier(t.tier).rules):
            if rule.condition is None:
                continue
            said = rule.condition.describe(facts)
            assert not RULE_SYNTAX.search(said), (t.id, rule.path, said)
            assert t.id not in said and "self" not in said.split(), (t.id, said)


@given(
    plain=st.text(alphabet=st.sampled_from("ab cd-ef.  x"), max_size=80)
    | st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126)),
    width=st.integers(min_value=1, max_value=40),
)
def test_the_fast_wrap_gives_richs_lines(plain: str, width: int) -> None:
    """The hanging lines' own wrap for plain ASCII is Rich's wrap, line for line, spaces included."""
    rich_lines = [line.plain for line in Text(plain).wrap(Console(width=200), width, overflow="fold")] or [""]
    assert ascii_wrap(plain, width) == rich_lines


_WORDS = st.text(alphabet=st.sampled_from("ab cd-ef. é→x"), max_size=90)


@given(
    paragraphs=st.lists(st.tuples(_WORDS, _WORDS, st.sampled_from([None, "bold", "dim"])), max_size=5),
    width=st.integers(min_value=5, max_value=100),
)
def test_drawing_lightly_prints_what_rich_prints(paragraphs: list[tuple[str, str, str | None]], width: int) -> None:
    """output.render draws bare paragraphs through Hang: the same lines as Rich's own, styles included."""
    parts = [Text(a, style=style or "") + Text(b, style="bold") if b else Text(a, style=style or "") for a, b, style in paragraphs]
    group = Group(*parts, Group(*parts[:1]))

    def printed(renderable: object) -> str:
        console = Console(width=width, force_terminal=True, color_system="standard", record=False, file=io.StringIO())
        console.print(renderable)
        return "\n".join(line.rstrip() for line in console.file.getvalue().split("\n"))  # type: ignore[attr-defined]

    assert printed(drawn_lightly(group)) == printed(group)
