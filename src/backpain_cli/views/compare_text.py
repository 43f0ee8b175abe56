"""Rich rendering of an option grid: a table on wide terminals, stacked blocks per question on narrow ones.

Every string from the knowledge base goes into ``Text`` objects, never through Rich markup.
"""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from backpain_cli.engine.compare import Comparison, Item, Row
from backpain_cli.knowledge.model import Knowledge
from backpain_cli.views.blocks import ByWidth

# Columns each option needs before the side-by-side table is readable, and the questions' column.
COLUMN_WIDTH = 40
QUESTION_WIDTH = 24
TONE_STYLE = {"for": "green", "against": "red", "restricted": "yellow", "no-recommendation": "dim", "alert": "bold yellow"}


def min_table_width(options: int) -> int:
    """The narrowest output that gets the side-by-side table for this many options."""
    return COLUMN_WIDTH * options + QUESTION_WIDTH


def _item(item: Item) -> Text:
    text = Text()
    if item.label:
        text.append(f"{item.label}: ", style="bold")
    text.append(item.text, style=TONE_STYLE.get(item.tone, ""))
    if item.cite:
        text.append(f" [{item.cite}]", style="dim")
    return text


def _cell(items: tuple[Item, ...]) -> RenderableType:
    """One answer: a single line as it is, several as bullets whose wrapped lines hang under the text."""
    if len(items) == 1:
        return _item(items[0])
    grid = Table.grid(padding=(0, 1, 0, 0))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    for item in items:
        grid.add_row(Text("•"), _item(item))
    return grid


def _header(kb: Knowledge, c: Comparison, index: int) -> Text:
    t = c.options[index]
    tier = next((x.name for x in kb.tiers if x.id == t.tier), t.tier)
    return Text.assemble((t.name, "bold"), "\n", (t.id, "cyan"), "\n", (tier, "dim"))


def comparison_table(kb: Knowledge, c: Comparison) -> Table:
    table = Table(box=box.ROUNDED, show_lines=True, expand=True, pad_edge=True)
    table.add_column("", style="bold", width=QUESTION_WIDTH - 6, overflow="fold")
    for index in range(len(c.options)):
        table.add_column(_header(kb, c, index), ratio=1, overflow="fold")
    for row in c.rows:
        table.add_row(Text(row.question), *(_cell(cell) for cell in row.cells))
    return table


def _block(c: Comparison, row: Row) -> Group:
    parts: list[RenderableType] = [Text(row.question, style="bold underline")]
    for t, cell in zip(c.options, row.cells, strict=True):
        parts.append(Padding(Text(t.name, style="bold"), (0, 0, 0, 2), expand=False))
        parts.append(Padding(_cell(cell), (0, 0, 0, 4), expand=False))
    return Group(*parts)


def comparison_blocks(kb: Knowledge, c: Comparison) -> Group:
    """The grid for narrow terminals: each question in turn, every option's answer under it."""
    parts: list[RenderableType] = []
    for index, t in enumerate(c.options, start=1):
        parts.append(Text.assemble((f"{index}. ", "dim"), (t.name, "bold"), "  ", (t.id, "cyan")))
    for row in c.rows:
        parts += [Text(""), _block(c, row)]
    return Group(*parts)


def render_comparison(kb: Knowledge, c: Comparison) -> RenderableType:
    """The whole comparison: side by side when the terminal is wide enough, else one question at a time."""
    return Group(
        Text(f"Comparing {len(c.options)} options", style="bold"),
        Text(""),
        ByWidth(comparison_table(kb, c), comparison_blocks(kb, c), min_table_width(len(c.options))),
        Text(""),
        Text("Details: backpain explain NAME   Your pathway: backpain pathway --months N", style="dim"),
        Text(kb.disclaimer, style="italic dim"),
    )
