"""Rich renderables for people at a terminal. The only module that imports Rich.

Every string from the knowledge base or the command line goes into ``Text`` objects, never through
Rich markup, so brackets in data print literally and cannot restyle the output.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.rule import Rule
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from backpain_cli.conditions import Check, Facts
from backpain_cli.model import DIRECTION_WORDS, STATUS_TABLE, Knowledge, Treatment

if TYPE_CHECKING:  # Panel and Tree are imported where used: most outputs need neither.
    from rich.tree import Tree

    from backpain_cli.engine import Pathway, Step, Urgent

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
TRUTH_MARK = {True: ("met", "green"), False: ("not met", "red"), None: ("unknown", "magenta")}


class Hang:
    """``lead`` then ``body``, the body's wrapped lines kept under the body rather than under the lead.

    The same lines a two-column ``Table.grid`` gives, at a fraction of the cost: explain and pathway
    print hundreds of these (docs/performance.md). ``body`` may be several paragraphs, each starting
    on a line of its own under the first. When a labelled lead would leave the body fewer than
    ``MIN_BODY`` columns, the label gets a line of its own and the body goes under it.
    """

    MIN_BODY = 20

    def __init__(self, lead: Text, *body: Text) -> None:
        self.lead, self.body = lead, body

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        lead = self.lead
        label = lead.plain.strip()
        if label and width - lead.cell_len < self.MIN_BODY:
            margin = len(lead.plain) - len(lead.plain.lstrip()) + 2
            yield from wrapped_lines(console, lead, width, Text(), Text())
            lead = Text(" " * margin)
        rest = Text(" " * lead.cell_len)
        for number, paragraph in enumerate(self.body or (Text(),)):
            yield from wrapped_lines(console, paragraph, width, rest if number else lead, rest)


def wrapped_lines(console: Console, body: Text, width: int, first: Text, rest: Text) -> RenderResult:
    """``body`` wrapped to fit after ``first`` (first line) and ``rest`` (the others), as segments."""
    room = max(width - max(first.cell_len, rest.cell_len), 1)
    fits = body.cell_len <= room and "\n" not in body.plain  # most lines: no need for Rich's word-by-word wrap
    lines: Iterable[Text] = [body] if fits else (body.wrap(console, room, overflow="fold") or [Text()])
    for number, line in enumerate(lines):
        yield from _segments(console, rest if number else first)
        yield from _segments(console, line)
        yield Segment.line()


def _segments(console: Console, text: Text) -> Iterable[Segment]:
    """``text`` as segments, with its own style: ``Text.render`` leaves that out when there are no spans."""
    if text.spans:
        return text.render(console)
    return (Segment(text.plain, console.get_style(text.style) if text.style else None),) if text.plain else ()


def _indent(body: Text, width: int = 2) -> Hang:
    return Hang(Text(" " * width), body)


def _heading(text: str) -> Text:
    return Text(text, style="bold underline")


def _cite(kb: Knowledge, ids: Iterable[str]) -> Text:
    return Text("Sources: " + "; ".join(kb.sources[i].label for i in ids if i in kb.sources), style="dim")


def _hang(prefix: str | Text, body: str | Text, indent: int = 2) -> Hang:
    """A line whose wrapped continuation lines stay indented under the text, not under the prefix."""
    label = prefix if isinstance(prefix, Text) else Text(prefix, style="bold")
    return Hang(Text(" " * indent) + label + " ", body if isinstance(body, Text) else Text(body))


def _bullets(items: Iterable[str]) -> Group:
    return Group(*(_hang("•", item) for item in items))


class ByWidth:
    """Shows ``wide`` when the output is at least ``min_width`` columns, else ``narrow``."""

    def __init__(self, wide: RenderableType, narrow: RenderableType, min_width: int) -> None:
        self.wide, self.narrow, self.min_width = wide, narrow, min_width

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.wide if options.max_width >= self.min_width else self.narrow


def disclaimer(kb: Knowledge) -> Text:
    return Text(kb.disclaimer, style="italic dim")


# --- list ------------------------------------------------------------------------------------------


def treatment_list(kb: Knowledge, tier: str | None) -> Group:
    parts: list[RenderableType] = []
    for t_index, tier_obj in enumerate(kb.tiers, start=1):
        if tier is not None and tier_obj.id != tier:
            continue
        members = [t for t in kb.treatments if t.tier == tier_obj.id]
        parts.append(Text.assemble((f"{t_index}. {tier_obj.name}", "bold"), (f"  [{tier_obj.id}]", "dim")))
        parts.append(Text(tier_obj.description, style="italic"))
        width = max((len(t.id) for t in members), default=0)
        # Ids are never truncated: people copy them into other commands.
        parts.extend(Text.assemble("  ", (t.id.ljust(width), "cyan"), "  ", t.name) for t in members)
        parts.append(Text(""))
    parts.append(Text("Details: backpain explain NAME   Your pathway: backpain pathway --months N", style="dim"))
    return Group(*parts)


# --- explain ---------------------------------------------------------------------------------------


def explain(kb: Knowledge, t: Treatment, today: dt.date) -> Group:
    tier = kb.tier(t.tier)
    parts: list[RenderableType] = [
        Text.assemble((t.name, "bold"), ("  ", ""), (t.id, "cyan")),
        Text.assemble(("Tier: ", "bold"), tier.name),
    ]
    if t.aliases:
        parts.append(Text.assemble(("Also called: ", "bold"), ", ".join(t.aliases)))
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
        _heading("How it works"),
        Text(t.how_it_works),
        Text(""),
        _heading("What to expect"),
        _hang("Time:", t.expect.time),
        _hang("Recovery:", t.expect.recovery),
        _hang("How soon it may help:", t.expect.onset),
        Text(""),
        _heading("Possible benefits"),
        *(_statement(kb, s.text, s.sources) for s in t.benefits),
        Text(""),
        *_section("How much it helps", [_statement(kb, s.text, s.sources) for s in t.benefit_size]),
        *_section("Risks and side effects", [_statement(kb, s.text, s.sources) for s in t.risks]),
        _heading("Who it is for"),
        _bullets(t.suitable_for),
        _heading("Who it is not for"),
        _bullets(t.not_suitable_for),
        Text(""),
        _heading("What the guidelines say"),
    ]
    if t.disagreement():
        parts.append(Text("The guidelines disagree about this option; each one's view is shown below.", style="bold yellow"))
    parts.append(ByWidth(guideline_table(kb, t), guideline_blocks(kb, t), min_width=90))
    parts.append(verification_legend(kb))
    if t.article is not None:
        verdict = ("agrees with the guidelines", "green") if t.article.agrees else ("differs from the guidelines", "bold yellow")
        parts += [
            Text(""),
            _heading("The popular article versus the guidelines"),
            _hang("The article:", t.article.claim),
            _hang("Verdict:", Text(*verdict)),
            _hang("Guidelines:", t.article.note),
        ]
    parts += [Text(""), _heading("How backpain decides on this option"), *decision_rules(kb, t)]
    parts += [
        Text(""),
        _heading("Cost, insurance and access"),
        _hang("Cost:", t.access.cost),
        _hang("Insurance:", t.access.insurance),
        _hang("Access:", t.access.access),
        Text(""),
        _heading("Questions to ask a specialist"),
        _bullets(t.questions),
        Text(""),
        _heading("Sources"),
        *(_source_line(kb, s) for s in t.all_sources()),
        Text(""),
        Text(
            f"Last reviewed {t.reviewed.isoformat()}; next review due {t.review_due.isoformat()}. Knowledge base {kb.version}.", style="dim"
        ),
        disclaimer(kb),
    ]
    return Group(*parts)


RULE_WORDS = {
    "exclude": "Not offered when",
    "require": "Only when",
    "after": "Only after",
    "when": "When",
    "always": "Otherwise",
}


def _section(heading: str, lines: list[RenderableType]) -> list[RenderableType]:
    """A heading and its lines, or nothing when there are none (an entry that is not a treatment)."""
    return [_heading(heading), *lines, Text("")] if lines else []


def decision_rules(kb: Knowledge, t: Treatment) -> list[RenderableType]:
    """The option's pathway rules in words, then its tier's gates (engine.py says how they combine)."""
    facts = Facts({}, t.id, {fact: q.label for fact, q in kb.questions.items()})
    lines: list[RenderableType] = [Text("Warning signs come first: any of them puts this option on hold.", style="dim")]
    tier = kb.tier(t.tier)
    for number, rule in enumerate((*t.rules, *tier.rules), start=1):
        if number == len(t.rules) + 1:
            lines.append(Text(f"And, for every option in '{tier.name}':", style="dim"))
        word, style = STATUS_STYLE[rule.status]
        condition = rule.condition.describe(facts) if rule.condition is not None else ""
        only = f" (following {', '.join(sorted(rule.guidelines))} only)" if rule.guidelines else ""
        head = Text.assemble((f"{RULE_WORDS[rule.kind]}{' ' if condition else ''}", "bold"), condition, only, ": ", (word, style))
        lines.append(_hang(f"{number}.", Text.assemble(head, "\n", rule.reason, " ", _cite(kb, rule.sources))))
    return lines


def _statement(kb: Knowledge, text: str, sources: Iterable[str]) -> Hang:
    labels = "; ".join(kb.sources[s].label for s in sources)
    return _hang("•", Text.assemble(text, (f" [{labels}]", "dim")))


def _source_line(kb: Knowledge, source_id: str) -> Hang:
    s = kb.sources[source_id]
    bits = [s.title, s.publisher, str(s.year) if s.year else "", s.section or "", s.url or ""]
    return _hang(s.label + ":", ", ".join(b for b in bits if b))


def guideline_blocks(kb: Knowledge, t: Treatment) -> Group:
    """The guideline comparison for narrow terminals: one short block per guideline."""
    blocks: list[RenderableType] = []
    for g in t.guidelines:
        label = kb.sources[g.source].label + (f" {g.section}" if g.section else "")
        direction = Text(DIRECTION_WORDS[g.direction], style=DIRECTION_STYLE[g.direction])
        blocks.append(_hang(label + ":", Text.assemble(direction, f" ({g.strength}). ", g.note, (f" [{g.verified}]", "dim"))))
    return Group(*blocks)


def guideline_table(kb: Knowledge, t: Treatment) -> Table:
    table = Table(show_lines=False, expand=False, pad_edge=False)
    table.add_column("Guideline", style="bold", no_wrap=True)
    table.add_column("Direction")
    table.add_column("Strength (own words)")
    table.add_column("Note")
    table.add_column("Checked", no_wrap=True)
    for g in t.guidelines:
        label = kb.sources[g.source].label + (f" {g.section}" if g.section else "")
        table.add_row(
            Text(label),
            Text(DIRECTION_WORDS[g.direction], style=DIRECTION_STYLE[g.direction]),
            Text(g.strength),
            Text(g.note),
            Text(g.verified),
        )
    return table


def verification_legend(kb: Knowledge) -> Text:
    return Text("Checked: " + "; ".join(f"{tag} {meaning}" for tag, meaning in kb.verification.items()), style="dim")


# --- red flags and sources ---------------------------------------------------------------------------


def red_flags(kb: Knowledge) -> Group:
    parts: list[RenderableType] = [
        Text("Warning signs that need a medical check before any routine treatment", style="bold"),
        Text(""),
    ]
    for f in kb.red_flags:
        parts += [
            Text.assemble((f.code, "cyan"), "  ", (kb.levels[f.level].label, LEVEL_STYLE[f.level])),
            _indent(Text(f.question)),
            _hang("Why it matters:", f.why),
            _hang("What to do:", f.action),
            _indent(_cite(kb, f.sources)),
            Text(""),
        ]
    parts.append(Text("Tell the pathway about one with: backpain pathway --red-flag CODE", style="dim"))
    parts.append(disclaimer(kb))
    return Group(*parts)


def sources(kb: Knowledge, cited: dict[str, list[str]]) -> Group:
    parts: list[RenderableType] = []
    for s in kb.sources.values():
        parts += [
            Text.assemble((s.label, "bold"), "  ", (s.id, "cyan")),
            Text.assemble("  ", s.title, f" ({s.publisher}" + (f", {s.year}" if s.year else "") + ")"),
        ]
        if s.section:
            parts.append(Text.assemble("  Section: ", s.section))
        if s.url:
            parts.append(Text.assemble("  ", (s.url, "blue")))
        users = cited.get(s.id, [])
        parts.append(Text(f"  Cited by: {', '.join(users) if users else 'nothing'}", style="dim"))
        parts.append(Text(""))
    return Group(*parts)


# --- pathway ---------------------------------------------------------------------------------------


def pathway(kb: Knowledge, p: Pathway, *, why: bool) -> Group:
    parts: list[RenderableType] = [Text("Your back pain pathway", style="bold")]
    if p.urgent is not None:
        level = kb.levels[p.urgent.level]
        body = Group(
            *urgent_actions(kb, p.urgent),
            Text("Routine treatment options are on hold until you have been checked.", style="bold"),
        )
        from rich.panel import Panel

        parts.append(Panel(body, title=Text(level.label, style=LEVEL_STYLE[p.urgent.level]), border_style="red"))
    else:
        parts.append(Text.assemble(("Warning signs: ", "bold red"), kb.warning_signs))
    parts.append(Text(""))
    if p.stage is not None:
        stage = kb.stage(p.stage)
        parts += [
            Text.assemble(("Stage: ", "bold"), stage.label),
            _indent(Text(stage.meaning)),
            _indent(Text(stage.what_we_do)),
            _indent(_cite(kb, stage.sources)),
        ]
    else:
        parts.append(Text.assemble(("Stage: ", "bold"), ("not known yet: ", "magenta"), kb.questions["stage"].ask))
    parts.append(Text.assemble(("Following: ", "bold"), kb.guideline_modes[p.guideline].name))
    if p.profile.risk is not None:
        group = kb.risk_groups[p.profile.risk]
        parts.append(Text.assemble(("Risk group: ", "bold"), group.label, ": ", group.meaning))
        parts.append(_indent(_cite(kb, group.sources)))
    else:
        parts.append(Text.assemble(("Risk group: ", "bold"), "not given (--risk low, medium or high). ", (kb.risk_tool_note, "dim")))
    parts.append(Text(""))
    parts.append(_summary(p))
    if p.urgent is None:  # when urgent every rung is on hold; the warning box says it all
        from backpain_cli.views.ladder_text import render_ladder

        parts += [render_ladder(kb, p), Text("")]
    for tier in kb.tiers:
        steps = [s for s in p.steps if s.treatment.tier == tier.id]
        if not steps:
            continue
        parts.append(Rule(Text(tier.name, style="bold"), align="left", style="dim"))
        if p.urgent is not None:
            # Every step shares one hold reason: say it once, then list the options on hold.
            parts.extend(Text.assemble((f"{s.order:>2}. ", "dim"), s.treatment.name, "  ", ("ON HOLD", "bold red")) for s in steps)
            continue
        for s in steps:
            parts.append(_step(kb, s, why=why))
    missing = list(dict.fromkeys(f for s in p.steps for f in s.missing))
    if missing and p.urgent is None:
        parts.append(Text(""))
        parts.append(Text("Answers that would settle the steps marked NEEDS ANSWER:", style="bold magenta"))
        parts.extend(Text.assemble("  • ", kb.questions[f].ask) for f in missing)
    parts += [Text(""), disclaimer(kb)]
    return Group(*parts)


def urgent_actions(kb: Knowledge, urgent: Urgent) -> list[RenderableType]:
    """Every warning sign's own action, most urgent first; the first one's level is the panel's title."""
    parts: list[RenderableType] = []
    for number, action in enumerate(urgent.actions):
        if number:
            parts += [Text(""), Text(kb.levels[action.level].label, style=LEVEL_STYLE[action.level])]
        parts += [
            Text(action.message, style="bold"),
            Text("Because you reported: " + "; ".join(kb.red_flag(c).sign for c in action.red_flags)),
            _cite(kb, action.sources),
        ]
    return parts


def _summary(p: Pathway) -> Group:
    lines: list[RenderableType] = []
    for status, label in (("now", "Start now"), ("consider", "Worth considering"), ("next", "Next if needed")):
        names = [s.treatment.name for s in p.steps if s.status == status]
        if names:
            style = STATUS_STYLE[status][1]
            lines.append(Text.assemble((f"{label}: ", f"bold {style}"), "; ".join(names)))
    if p.urgent is not None:
        hold = p.steps[0].reason if p.steps else ""
        lines.append(Text(f"Every routine option below is on hold. {hold}", style="bold red"))
    lines.append(Text(""))
    return Group(*lines)


def _step(kb: Knowledge, s: Step, *, why: bool) -> RenderableType:
    word, style = STATUS_STYLE[s.status]
    body = Text.assemble((s.treatment.name, "bold"), "  ", (word, style))
    if s.avoided:
        body.append("  (a kind of care you would rather avoid)", style="dim")
    # One hanging block: the name, status, reason and sources all line up after the step's number.
    step = Hang(Text(f"{s.order:>2}. ", style="dim"), body, Text(s.reason), _cite(kb, s.sources))
    if not why:
        return step
    from rich.padding import Padding

    # expand=False: no trailing spaces, so piped output and golden files stay clean.
    return Group(step, Padding(trace_tree(kb, s), (0, 0, 0, 4), expand=False))


def trace_tree(kb: Knowledge, s: Step) -> Tree:
    from rich.tree import Tree

    tree = Tree(Text(f"Why: decided by {s.rule_path}", style="dim"))
    for t in s.trace:
        label = Text.assemble((f"{t.path} ", "dim"), f"[{t.kind} -> {t.status}] ", (t.outcome, _outcome_style(t.outcome)))
        branch = tree.add(label)
        if t.check is not None:
            _add_check(branch, t.check)
    if s.missing:
        tree.add(Text("Needs an answer about: " + ", ".join(_labels(kb, s.missing)), style="magenta"))
    changers = s.would_change_with()
    if changers:
        tree.add(Text("What would change it: a different answer about " + ", ".join(_labels(kb, changers)), style="cyan"))
    return tree


def _labels(kb: Knowledge, facts: Iterable[str]) -> list[str]:
    return [kb.questions[f].label if f in kb.questions else f for f in facts]


def _outcome_style(outcome: str) -> str:
    return {"applied": "bold", "did not apply": "dim", "unknown": "magenta", "other guideline": "dim"}.get(outcome, "")


def _add_check(branch: Tree, check: Check) -> None:
    word, style = TRUTH_MARK[check.result]
    answer = f" (your answer: {check.answer})" if check.answer is not None and not check.children else ""
    node = branch.add(Text.assemble(check.text, answer, " -> ", (word, style)))
    for child in check.children:
        _add_check(node, child)
