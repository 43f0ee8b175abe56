"""The options for a person at a terminal: the list, one option explained, warning signs and sources."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from backpain_cli.knowledge.conditions import Facts
from backpain_cli.knowledge.model import DIRECTION_WORDS, Knowledge, Treatment
from backpain_cli.views.blocks import (
    DIRECTION_STYLE,
    LEVEL_STYLE,
    RULE_WORDS,
    STATUS_STYLE,
    ByWidth,
    Hang,
    bullets,
    cite,
    disclaimer,
    hang,
    heading,
    indent,
)


def treatment_list(kb: Knowledge, tier: str | None) -> Group:
    parts: list[RenderableType] = []
    for number, tier_obj in enumerate(kb.tiers, start=1):
        if tier is not None and tier_obj.id != tier:
            continue
        parts.append(Text(f"{number}. {tier_obj.name}", style="bold"))
        parts.append(indent(Text(tier_obj.description, style="italic"), 3))
        parts.extend(hang("•", t.name, indent=3) for t in kb.treatments if t.tier == tier_obj.id)
        parts.append(Text(""))
    parts.append(Text("More about one: backpain explain NAME (any name above, or a word from it)", style="dim"))
    parts.append(Text("Your own plan: backpain pathway --months N (how long you have had the pain)", style="dim"))
    return Group(*parts)


ALIASES_SHOWN = 6  # the rest still work when typed; a long list of spellings helps nobody read


def explain(kb: Knowledge, t: Treatment, today: dt.date) -> Group:
    tier = kb.tier(t.tier)
    parts: list[RenderableType] = [
        Text(t.name, style="bold"),
        Text.assemble(("Tier: ", "bold"), tier.name),
    ]
    if t.aliases:
        parts.append(Hang(Text("Also called: ", style="bold"), Text(", ".join(t.aliases[:ALIASES_SHOWN]))))
    if today > t.review_due:
        parts.append(
            Text(
                f"Review overdue: this entry was due for review on {t.review_due.isoformat()}; check for newer guidance.",
                style="bold yellow",
            )
        )
    parts += [
        Text(""),
        Text(t.summary),
        Text(""),
        heading("How it works"),
        Text(t.how_it_works),
        Text(""),
        heading("What to expect"),
        hang("Time:", t.expect.time),
        hang("Recovery:", t.expect.recovery),
        hang("How soon it may help:", t.expect.onset),
        Text(""),
        heading("Possible benefits"),
        *(_statement(kb, s.text, s.sources) for s in t.benefits),
        Text(""),
        *_section("How much it helps", [_statement(kb, s.text, s.sources) for s in t.benefit_size]),
        *_section("Risks and side effects", [_statement(kb, s.text, s.sources) for s in t.risks]),
        heading("Who it is for"),
        bullets(t.suitable_for),
        heading("Who it is not for"),
        bullets(t.not_suitable_for),
        Text(""),
        heading("What the guidelines say"),
    ]
    if t.disagreement():
        parts.append(Text("The guidelines disagree about this option; each one's view is shown below.", style="bold yellow"))
    parts.append(ByWidth(guideline_table(kb, t), guideline_blocks(kb, t), min_width=90))
    if t.article is not None:
        verdict = ("agrees with the guidelines", "green") if t.article.agrees else ("differs from the guidelines", "bold yellow")
        parts += [
            Text(""),
            heading("The popular article versus the guidelines"),
            hang("The article:", t.article.claim),
            hang("Verdict:", Text(*verdict)),
            hang("Guidelines:", t.article.note),
        ]
    parts += [Text(""), heading("How backpain decides on this option"), *decision_rules(kb, t)]
    parts += [
        Text(""),
        heading("Cost, insurance and access"),
        hang("Cost:", t.access.cost),
        hang("Insurance:", t.access.insurance),
        hang("Access:", t.access.access),
        Text(""),
        heading("Questions to ask a specialist"),
        bullets(t.questions),
        Text(""),
        heading("Sources"),
        *(_source_line(kb, s) for s in t.all_sources()),
        Text(""),
        Text(
            f"Last reviewed {t.reviewed.isoformat()}; next review due {t.review_due.isoformat()}. Knowledge base {kb.version}.", style="dim"
        ),
        disclaimer(kb),
    ]
    return Group(*parts)


def _section(title: str, lines: list[RenderableType]) -> list[RenderableType]:
    """A heading and its lines, or nothing when there are none (an entry that is not a treatment)."""
    return [heading(title), *lines, Text("")] if lines else []


def decision_rules(kb: Knowledge, t: Treatment) -> list[RenderableType]:
    """The option's pathway rules in words, then its tier's gates (engine/pathway.py says how they combine)."""
    facts = Facts({}, t.id, kb.wording())
    lines: list[RenderableType] = [Text("Warning signs come first: any of them puts this option on hold.", style="dim")]
    tier = kb.tier(t.tier)
    for number, rule in enumerate((*t.rules, *tier.rules), start=1):
        if number == len(t.rules) + 1:
            lines.append(Text(f"And, for every option in '{tier.name}':", style="dim"))
        word, style = STATUS_STYLE[rule.status]
        condition = rule.condition.describe(facts) if rule.condition is not None else ""
        only = f" (only when following {_either(kb, rule.guidelines)})" if rule.guidelines else ""
        head = Text.assemble((f"{RULE_WORDS[rule.kind]}{' ' if condition else ''}", "bold"), condition, only, ": ", (word, style))
        lines.append(hang(f"{number}.", Text.assemble(head, "\n", rule.reason, " ", cite(kb, rule.sources))))
    return lines


def _either(kb: Knowledge, modes: Iterable[str]) -> str:
    shorts = [kb.guideline_modes[m].short for m in kb.guideline_modes if m in modes]  # the file's order
    return shorts[0] if len(shorts) == 1 else ", ".join(shorts[:-1]) + " or " + shorts[-1]


def _statement(kb: Knowledge, text: str, sources: Iterable[str]) -> Hang:
    labels = "; ".join(kb.sources[s].label for s in sources)
    return hang("•", Text.assemble(text, (f" [{labels}]", "dim")))


def _source_line(kb: Knowledge, source_id: str) -> Hang:
    s = kb.sources[source_id]
    bits = [s.title, s.publisher, str(s.year) if s.year else "", s.section or "", s.url or ""]
    return hang(s.label + ":", ", ".join(b for b in bits if b))


def guideline_blocks(kb: Knowledge, t: Treatment) -> Group:
    """The guideline comparison for narrow terminals: one short block per guideline."""
    blocks: list[RenderableType] = []
    for g in t.guidelines:
        label = kb.sources[g.source].label + (f" {g.section}" if g.section else "")
        words = DIRECTION_WORDS[g.direction]
        direction = Text(words[:1].upper() + words[1:], style=DIRECTION_STYLE[g.direction])
        # The guideline's own grading words are jargon: they follow the plain note, dimmed.
        after = f" Its own words: {g.strength}. {kb.verification[g.verified]}."
        blocks.append(hang(label + ":", Text.assemble(direction, ". ", g.note, (after, "dim"))))
    return Group(*blocks)


def guideline_table(kb: Knowledge, t: Treatment) -> Table:
    table = Table(show_lines=False, expand=False, pad_edge=False)
    table.add_column("Guideline", style="bold", no_wrap=True)
    table.add_column("Direction")
    table.add_column("Strength (own words)")
    table.add_column("Note")
    table.add_column("How sure we are")
    for g in t.guidelines:
        label = kb.sources[g.source].label + (f" {g.section}" if g.section else "")
        table.add_row(
            Text(label),
            Text(DIRECTION_WORDS[g.direction], style=DIRECTION_STYLE[g.direction]),
            Text(g.strength),
            Text(g.note),
            Text(kb.verification[g.verified], style="dim"),
        )
    return table


def red_flags(kb: Knowledge) -> Group:
    parts: list[RenderableType] = [
        Text("Warning signs that need a medical check before any routine treatment", style="bold"),
        Text(""),
    ]
    for f in kb.red_flags:
        parts += [
            Text.assemble((f.code, "cyan"), "  ", (kb.levels[f.level].label, LEVEL_STYLE[f.level])),
            indent(Text(f.question)),
            hang("Why it matters:", f.why),
            hang("What to do:", f.action),
            indent(cite(kb, f.sources)),
            Text(""),
        ]
    parts.append(Text("Tell the pathway about one with: backpain pathway --red-flag CODE", style="dim"))
    parts.append(disclaimer(kb))
    return Group(*parts)


def sources(kb: Knowledge, cited: dict[str, list[str]]) -> Group:
    parts: list[RenderableType] = []
    for s in kb.sources.values():
        parts.append(Text(s.label, style="bold"))
        parts.append(indent(Text(s.title + f" ({s.publisher}" + (f", {s.year}" if s.year else "") + ")")))
        if s.section:
            parts.append(hang("Section:", s.section))
        if s.url:
            parts.append(indent(Text(s.url, style="blue")))
        users = cited.get(s.id, [])
        parts.append(Hang(Text("  Cited by: ", style="dim"), Text("; ".join(users) if users else "nothing", style="dim")))
        parts.append(Text(""))
    return Group(*parts)
