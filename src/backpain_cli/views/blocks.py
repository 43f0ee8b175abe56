"""The shared pieces of every terminal view: styles, hanging paragraphs, headings, citations.

Only the views and the command line import Rich. Every string from the knowledge base or the command
line goes into ``Text`` objects, never through Rich markup, so brackets in data print literally.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.segment import Segment
from rich.text import Text

from backpain_cli.knowledge.model import STATUS_TABLE, Knowledge

# Colours only: every other word about a status comes from the model's one status table.
STATUS_COLOUR = {
    "now": "bold green",
    "consider": "green",
    "next": "cyan",
    "helped": "bold blue",
    "tried": "blue",
    "not-yet": "yellow",
    "not-needed": "dim",
    "not-covered": "dim yellow",
    "not-recommended": "red",
    "needs-answer": "magenta",
    "on-hold": "bold red",
}

STATUS_STYLE = {name: (info.tag, STATUS_COLOUR[name]) for name, info in STATUS_TABLE.items()}

LEVEL_STYLE = {"emergency": "bold white on red", "same-day": "bold red", "urgent": "bold red", "soon": "bold yellow"}

DIRECTION_STYLE = {"for": "green", "against": "red", "restricted": "yellow", "no-recommendation": "dim"}

# How each kind of rule begins in words ("Only if your pain ..."): explain and --why say it the same way.
RULE_WORDS = {
    "exclude": "Not offered if",
    "require": "Only if",
    "after": "Only once",
    "when": "If",
    "always": "Otherwise",
    "override": "Warning signs come first",
    "guideline": "The guideline you follow",
}

TRUTH_MARK = {True: ("met", "green"), False: ("not met", "red"), None: ("unknown", "magenta")}


class Hang:
    """``lead`` then ``body``, the body's wrapped lines kept under the body rather than under the lead.

    The same lines a two-column ``Table.grid`` gives, at a fraction of the cost: explain and pathway
    print hundreds of these (docs/performance.md). ``body`` may be several paragraphs, each starting
    on a line of its own under the first. When a labelled lead would leave the body fewer than
    ``MIN_BODY`` columns, or takes more than ``MAX_LEAD`` of the width (a long source name), the label
    gets a line of its own and the body goes under it, so no body is squeezed into a narrow column.
    """

    MIN_BODY = 20
    MAX_LEAD = 0.4

    def __init__(self, lead: Text, *body: Text) -> None:
        self.lead, self.body = lead, body

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        lead = self.lead
        lead_len = lead.cell_len  # measured once: explain and pathway draw hundreds of these
        if lead.plain.strip() and (width - lead_len < self.MIN_BODY or lead_len > width * self.MAX_LEAD):
            lead_len = len(lead.plain) - len(lead.plain.lstrip()) + 2
            yield from wrapped_lines(console, lead, width, Text(), Text(), 0)
            lead = Text(" " * lead_len)
        rest = Text(" " * lead_len)
        for number, paragraph in enumerate(self.body or (Text(),)):
            yield from wrapped_lines(console, paragraph, width, rest if number else lead, rest, lead_len)


def wrapped_lines(console: Console, body: Text, width: int, first: Text, rest: Text, margin: int | None = None) -> RenderResult:
    """``body`` wrapped to fit after ``first`` (first line) and ``rest`` (the others), as segments;
    ``margin``, when the caller knows it, is the wider of the two in columns."""
    room = max(width - (max(first.cell_len, rest.cell_len) if margin is None else margin), 1)
    plain = body.plain
    fits = (len(plain) <= room if plain.isascii() else body.cell_len <= room) and "\n" not in plain  # most lines: no word-by-word wrap
    lines: Iterable[Text]
    if fits:
        lines = [body]
    elif not body.spans and plain.isascii() and plain.isprintable():  # most paragraphs: one style, plain ASCII
        lines = [Text(line, style=body.style) for line in ascii_wrap(plain, room)]
    else:
        lines = body.wrap(console, room, overflow="fold") or [Text()]
    for number, line in enumerate(lines):
        yield from _segments(console, rest if number else first)
        yield from _segments(console, line)
        yield Segment.line()


_WORD = re.compile(r"\s*\S+\s*")  # a word and the spaces around it, as Rich splits a line


def ascii_wrap(plain: str, width: int) -> list[str]:
    """The lines ``Text(plain).wrap(console, width, overflow="fold")`` gives, for printable ASCII on one
    line: Rich's greedy wrap, without measuring each word's cells (every character is one column).
    About a third of the time explain spent drawing; tests/test_views.py checks it against Rich."""
    breaks: list[int] = []
    offset = 0
    for match in _WORD.finditer(plain):
        start, word = match.start(), match.group()
        length = len(word.rstrip())
        if width - offset >= length:
            offset += len(word)
        elif length > width:  # longer than a line: folded, as Rich folds it
            pieces = [word[i : i + width] for i in range(0, len(word), width)]
            for piece in pieces[:-1]:
                if start:
                    breaks.append(start)
                start += len(piece)
            if start:
                breaks.append(start)
            offset = len(pieces[-1])
        elif offset and start:
            breaks.append(start)
            offset = len(word)
    lines = [plain[a:b] for a, b in zip([0, *breaks], [*breaks, len(plain)], strict=True)]
    return [_fit(line, width) for line in lines] or [""]


def _fit(line: str, width: int) -> str:
    """Rich's ``rstrip_end`` then ``truncate``: spaces beyond the width go first, then anything still over."""
    if len(line) > width:
        line = line[: max(width, len(line.rstrip()))]
    return line[:width]


def _segments(console: Console, text: Text) -> Iterable[Segment]:
    """``text`` as segments, with its own style: ``Text.render`` leaves that out when there are no spans."""
    if text.spans:
        return text.render(console)
    return (Segment(text.plain, console.get_style(text.style) if text.style else None),) if text.plain else ()


def drawn_lightly(renderable: RenderableType) -> RenderableType:
    """The same output, drawn with ``Hang`` where Rich would wrap a plain paragraph itself: explain and
    the pathway print dozens of bare ``Text`` paragraphs and headings, and Rich measures every word of
    each (a fifth of explain's drawing time). Groups are rebuilt; anything else is left as it is."""
    if isinstance(renderable, Group):
        return Group(*(drawn_lightly(part) for part in renderable.renderables), fit=renderable.fit)
    if type(renderable) is Text and _wraps_as_a_paragraph(renderable):
        return Hang(Text(""), renderable)
    return renderable


def _wraps_as_a_paragraph(text: Text) -> bool:
    """Rich would draw it as Hang does: word-wrapped, folded, left-aligned, a line end after it."""
    return text.end == "\n" and not text.no_wrap and text.justify in (None, "default", "left") and text.overflow in (None, "fold")


def indent(body: Text, width: int = 2) -> Hang:
    return Hang(Text(" " * width), body)


def heading(text: str) -> Text:
    return Text(text, style="bold underline")


def cite(kb: Knowledge, ids: Iterable[str]) -> Text:
    return Text("Sources: " + "; ".join(kb.sources[i].label for i in ids if i in kb.sources), style="dim")


def hang(prefix: str | Text, body: str | Text, indent: int = 2) -> Hang:
    """A line whose wrapped continuation lines stay indented under the text, not under the prefix."""
    label = prefix if isinstance(prefix, Text) else Text(prefix, style="bold")
    return Hang(Text(" " * indent) + label + " ", body if isinstance(body, Text) else Text(body))


def bullets(items: Iterable[str]) -> Group:
    return Group(*(hang("•", item) for item in items))


class ByWidth:
    """Shows ``wide`` when the output is at least ``min_width`` columns, else ``narrow``."""

    def __init__(self, wide: RenderableType, narrow: RenderableType, min_width: int) -> None:
        self.wide, self.narrow, self.min_width = wide, narrow, min_width

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.wide if options.max_width >= self.min_width else self.narrow


def disclaimer(kb: Knowledge) -> Text:
    return Text(kb.disclaimer, style="italic dim")
