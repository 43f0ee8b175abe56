"""The pathway for a person at a terminal: warning signs first, the steps, and the reasons behind them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.rule import Rule
from rich.text import Text

from backpain_cli.knowledge.conditions import Check
from backpain_cli.knowledge.model import Knowledge
from backpain_cli.views.blocks import LEVEL_STYLE, STATUS_STYLE, TRUTH_MARK, Hang, cite, disclaimer, indent

if TYPE_CHECKING:  # Panel and Tree are imported where used: most outputs need neither.
    from rich.tree import Tree

    from backpain_cli.engine.pathway import Pathway, Step, Urgent


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
            indent(Text(stage.meaning)),
            indent(Text(stage.what_we_do)),
            indent(cite(kb, stage.sources)),
        ]
    else:
        parts.append(Text.assemble(("Stage: ", "bold"), ("not known yet: ", "magenta"), kb.questions["stage"].ask))
    parts.append(Text.assemble(("Following: ", "bold"), kb.guideline_modes[p.guideline].name))
    if p.profile.risk is not None:
        group = kb.risk_groups[p.profile.risk]
        parts.append(Text.assemble(("Risk group: ", "bold"), group.label, ": ", group.meaning))
        parts.append(indent(cite(kb, group.sources)))
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
            cite(kb, action.sources),
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
    step = Hang(Text(f"{s.order:>2}. ", style="dim"), body, Text(s.reason), cite(kb, s.sources))
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
