"""Rich rendering of search results, with the matched words highlighted.

Snippets and the query go into ``Text`` objects and are highlighted with ``Text.stylize`` by character
offsets, never through Rich markup, so brackets in data or in what was typed print literally.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text

from backpain_cli.engine.search import Hit, Match
from backpain_cli.knowledge.model import Knowledge, Topic
from backpain_cli.views.blocks import Hang

HIGHLIGHT = "bold reverse"
FIELD_LABELS = {
    "name": "Name",
    "id": "Id",
    "alias": "Also called",
    "summary": "Summary",
    "how_it_works": "How it works",
    "benefits": "Benefit",
    "risks": "Risk",
    "guidelines": "Guideline",
    "article": "Article versus guidelines",
    "topic": "Listed for",
    "topic_against": "Advised against for",
}
TOPIC_FIELDS = ("topic", "topic_against")


def shown_query(query: str, limit: int = 60) -> str:
    """What was typed, safe to echo: one line, printable, bounded."""
    cleaned = "".join(ch if ch.isprintable() else "?" for ch in query.strip())
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 3] + "..."


def highlighted(snippet: str, spans: tuple[tuple[int, int], ...], style: str = HIGHLIGHT) -> Text:
    """``snippet`` as plain text (no markup), with each ``(start, end)`` span styled."""
    text = Text(snippet)
    for start, end in spans:
        text.stylize(style, start, end)
    return text


def _label(kb: Knowledge, m: Match) -> str:
    label = FIELD_LABELS.get(m.field, m.field)
    if m.source is not None and m.source in kb.sources and m.field not in TOPIC_FIELDS:
        label += f" ({kb.sources[m.source].label})"
    return label + ":"


def _snippet(kb: Knowledge, m: Match) -> Text:
    """A topic is shown by its name alone (its other names are what matched); any other field by its snippet."""
    topic = next((t for t in kb.topics if t.id == m.source), None) if m.field in TOPIC_FIELDS else None
    return Text(topic.name) if topic is not None else highlighted(m.snippet, m.spans)


def _heading_part(hit: Hit, field: str, value: str, style: str) -> Text:
    """The name or id for a hit's heading, with its matched words highlighted when it matched."""
    match = next((m for m in hit.matches if m.field == field and m.snippet == value), None)
    text = Text(value, style=style)
    for start, end in match.spans if match is not None else ():
        text.stylize(HIGHLIGHT, start, end)
    return text


def _hit(kb: Knowledge, rank: int, hit: Hit) -> RenderableType:
    name = _heading_part(hit, "name", hit.name, "bold")
    head = Text.assemble((f"{rank:>2}. ", "dim"), name)  # no id: people type names
    snippets = [Text.assemble((_label(kb, m), "dim"), " ", _snippet(kb, m)) for m in hit.matches if m.field not in ("name", "id")]
    # Each snippet on its own line, wrapped lines kept under the snippet's start.
    return Group(head, Hang(Text("    "), *snippets)) if snippets else head


def topic_lines(topics: tuple[Topic, ...]) -> list[RenderableType]:
    """For a query that names topics: where each one's page is, and the order the results come in."""
    if not topics:
        return []
    return [
        *(
            Hang(Text(""), Text.assemble((t.name, "bold"), " is a topic; its options on one page: ", (f"backpain explain {t.id}", "cyan")))
            for t in topics
        ),
        Text("Results in pathway order: first steps first, then other matches, then options advised against.", style="dim"),
        Text(""),
    ]


def render_hits(kb: Knowledge, query: str, hits: list[Hit], topics: tuple[Topic, ...] = ()) -> RenderableType:
    """Ranked hits with their snippets, or one helpful line when nothing matched. ``topics``: those the
    query names (``SearchIndex.topics_named``), whose pages are pointed to first."""
    shown = shown_query(query)
    if not hits:
        return Text.assemble("No match for '", shown, "'; try 'backpain list' to see every option, or fewer or other words.")
    count = f"{len(hits)} result" + ("" if len(hits) == 1 else "s")
    parts: list[RenderableType] = [*topic_lines(topics), Text.assemble((count, "bold"), " for '", shown, "'"), Text("")]
    parts.extend(_hit(kb, rank, hit) for rank, hit in enumerate(hits, start=1))
    parts += [Text(""), Text("More about one: backpain explain NAME (any name above)", style="dim")]
    return Group(*parts)
