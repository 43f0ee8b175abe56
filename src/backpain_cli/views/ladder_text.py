"""The pathway as a ladder for the terminal: surgery at the top, conservative care at the bottom.

Draws ``backpain_cli.ladder.ladder_rows`` with Rich ``Text`` objects only (never markup), wrapping each
line under the ladder's rail so it stays readable from 40 columns up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.text import Text

from backpain_cli.engine.ladder import LADDER_BOTTOM, LADDER_TOP, STATUS_GLYPHS, STATUS_LABELS, LadderRung, ladder_legend, ladder_rows
from backpain_cli.views.blocks import STATUS_STYLE, wrapped_lines

if TYPE_CHECKING:
    from backpain_cli.engine.pathway import Pathway
    from backpain_cli.knowledge.model import Knowledge

RAIL_STYLE = "dim"
TITLE = "Your pathway as a ladder"


class Ladder:
    """A Rich renderable: one rung per tier, top rung first, lines wrapped to the width Rich offers."""

    def __init__(self, rungs: list[LadderRung]) -> None:
        self.rungs = rungs

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = max(options.max_width, 20)
        number = len(str(len(self.rungs))) if self.rungs else 1
        rail = Text(" " * number + " ┃", style=RAIL_STYLE)
        yield Text(TITLE, style="bold")
        yield Text.assemble((" " * number + " ▲ ", RAIL_STYLE), (LADDER_TOP, "dim"))
        yield rail
        for rung in reversed(self.rungs):
            head = Text.assemble((f"{rung.position:>{number}} ", "bold"), ("┣━ ", RAIL_STYLE))
            name = Text(rung.tier_name, style="bold" if rung.highlights else "")
            yield from wrapped_lines(console, name, width, head, rail + Text("   "))
            yield from wrapped_lines(console, _bar(rung), width, rail + Text("   "), rail + Text("   "))
            for status, names in rung.highlights:
                label = Text(f"{STATUS_LABELS[status]}: ", style=STATUS_STYLE[status][1])
                yield from wrapped_lines(console, label + Text("; ".join(names)), width, rail + Text("   "), rail + Text("     "))
            yield rail
        yield Text.assemble((" " * number + " ▼ ", RAIL_STYLE), (LADDER_BOTTOM, "dim"))
        yield from _legend(self.rungs, width)


def _legend(rungs: list[LadderRung], width: int) -> list[Text]:
    """The key to the glyphs, never splitting a glyph from its word."""
    items = [Text.assemble((glyph, STATUS_STYLE[status][1]), (f" {label.lower()}", "dim")) for status, glyph, label in ladder_legend(rungs)]
    if not items:
        return []
    lines = [Text.assemble(("Key: ", "dim"))]  # a span, not the line's style: the glyphs keep their colours
    for item in items:
        line = lines[-1]
        gap = 0 if line.plain in ("Key: ", "     ") else 2
        if line.cell_len + gap + item.cell_len > width and gap:
            lines.append(Text("     "))
            line, gap = lines[-1], 0
        line.append(" " * gap)
        line.append_text(item)
    return lines


def _bar(rung: LadderRung) -> Text:
    bar = Text()
    for status in rung.statuses:
        bar.append(STATUS_GLYPHS[status], style=STATUS_STYLE[status][1])
    if rung.statuses:
        bar.append(" ")
    bar.append(rung.summary(), style="dim")
    return bar


def render_ladder(kb: Knowledge, pathway: Pathway) -> RenderableType:
    """The ladder for ``pathway``, ready for ``console.print``."""
    return Ladder(ladder_rows(kb, pathway))
