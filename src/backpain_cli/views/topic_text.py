"""A topic for a person at a terminal: what it is, its options from first steps to last resort, and
those guidelines advise against. A short page: each option by its name, in one sentence."""

from __future__ import annotations

import re

from rich.console import Group, RenderableType
from rich.text import Text

from backpain_cli.knowledge.facts import FACTS
from backpain_cli.knowledge.model import Knowledge, Topic, Treatment
from backpain_cli.views.blocks import Hang, cite, disclaimer, hang, heading

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
ALSO_CALLED = 6  # names shown on the page; JSON has them all


def first_sentence(text: str) -> str:
    """The first sentence of a summary: what an option is, in a line or two."""
    return _SENTENCE_END.split(text.strip(), maxsplit=1)[0]


def explain_topic(kb: Knowledge, topic: Topic) -> Group:
    parts: list[RenderableType] = [Text(topic.name, style="bold")]
    if topic.aliases:
        more = len(topic.aliases) - ALSO_CALLED
        names = ", ".join(topic.aliases[:ALSO_CALLED]) + (f" and {more} more" if more > 0 else "")
        parts.append(hang(Text("Also called:", style="bold"), names, indent=0))
    parts += [
        hang(Text("Warning signs:", style="bold red"), kb.messages["warning-signs-line"], indent=0),
        Text(""),
        Text(topic.summary),
        cite(kb, topic.sources),
    ]
    if topic.options:
        parts += [Text(""), heading("Options, from first steps to last resort")]
        for tier in kb.tiers:
            members = [kb.treatment(i) for i in topic.options if kb.treatment(i).tier == tier.id]
            if members:
                parts.append(Text(tier.name, style="bold"))
                parts.extend(_option(t) for t in members)
    against = topic.advised_against
    if against is not None:
        parts += [Text(""), heading("Advised against"), Text(against.text), cite(kb, against.sources)]
        parts.extend(Hang(Text("  • "), _name(kb.treatment(i))) for i in against.options)
    parts += [
        Text(""),
        Text("More about one option: backpain explain NAME (any name above)", style="dim"),
        Text(f"The options that fit you: {pathway_hint(topic)}", style="dim"),
        disclaimer(kb),
    ]
    return Group(*parts)


def pathway_hint(topic: Topic) -> str:
    """The pathway command with the answers that usually hold for the topic ("--leg-pain")."""
    return " ".join(["backpain pathway --months N", *(FACTS[fact].option for fact in topic.answers)])


def _name(t: Treatment) -> Text:
    return Text(t.name, style="bold")


def _option(t: Treatment) -> Hang:
    """The option's name, then its summary's first sentence under it; a note when guidelines disagree."""
    lines = [_name(t), Text(first_sentence(t.summary))]
    if t.disagreement():
        lines.append(Text("The guidelines disagree about this option.", style="yellow"))
    return Hang(Text("  • "), *lines)
