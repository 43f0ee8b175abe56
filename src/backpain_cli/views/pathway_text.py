"""The pathway for a person at a terminal.

By default it is short and says what to do next: one line on warning signs, one on how long, the next
steps with their reasons, a few options worth discussing, what comes later, what was tried, and how to
see everything (``--all``). With a warning sign it shows only the signs' actions and ends on them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.rule import Rule
from rich.text import Text

from backpain_cli.engine.digest import digest
from backpain_cli.knowledge.conditions import Check
from backpain_cli.knowledge.model import Knowledge
from backpain_cli.views.blocks import LEVEL_STYLE, RULE_WORDS, STATUS_STYLE, TRUTH_MARK, Hang, cite, disclaimer, hang, indent

if TYPE_CHECKING:  # Panel and Tree are imported where used: most outputs need neither.
    from rich.tree import Tree

    from backpain_cli.engine.pathway import Pathway, Step, Urgent


# How many "worth discussing" options the short pathway shows; --all shows every option.
DISCUSS_SHOWN = 4
ALL_WITH_OPTION = "To see every option and the full reasons, add --all to the same command."
ALL_IN_PLAN = "A saved plan has every option and the full reasons."


def pathway(
    kb: Knowledge,
    p: Pathway,
    *,
    why: bool = False,
    full: bool = False,
    understood: Understood = (),
    walked: bool = False,
    journal_line: str | None = None,
) -> Group:
    """The short pathway: what to do next first. ``full`` (--all) or ``why`` adds every option, the ladder
    and the full reasons. With a warning sign, nothing but the sign's actions, ending on them.
    ``understood`` says how names were read ("stretching" as physical therapy). After the guided walk
    (``walked``) it names no options: questions are the walk's own and the saved plan holds the detail.
    ``journal_line``, when answers came from the journal, is the first line after the title."""
    title = _title(journal_line)
    if p.urgent is not None:
        return _urgent(kb, p, title)
    if full or why:
        return _full(kb, p, title, why=why, understood=understood)
    return _short(kb, p, understood, walked, title)


def _title(journal_line: str | None) -> list[RenderableType]:
    """The title, and the line saying the journal was used (issue 13) when it was."""
    title: list[RenderableType] = [Text("Your back pain pathway", style="bold")]
    return title if journal_line is None else [*title, Text(journal_line, style="dim")]


Understood = tuple[tuple[str, str], ...]


def _understood(understood: Understood) -> list[RenderableType]:
    if not understood:
        return []
    read = "; ".join(f"'{typed}' as {name}" for typed, name in understood)
    return [Text(f"We read {read}.", style="dim")]


def _urgent(kb: Knowledge, p: Pathway, title: list[RenderableType]) -> Group:
    """Short, and it ends on the action: no list of held options, one line says routine care waits."""
    from rich.panel import Panel

    assert p.urgent is not None
    level = kb.levels[p.urgent.level]
    body = Group(*urgent_actions(kb, p.urgent))
    return Group(
        *title,
        Text(level.hold_reason),
        disclaimer(kb),
        Text(""),
        Panel(body, title=Text(level.label, style=LEVEL_STYLE[p.urgent.level]), border_style="red"),
    )


def _short(kb: Knowledge, p: Pathway, understood: Understood, walked: bool, title: list[RenderableType]) -> Group:
    d = digest(kb, p)
    parts: list[RenderableType] = [
        *title,
        _warning_line(kb),
        _stage_line(kb, p),
    ]
    if p.guideline != "default":
        parts.append(Text.assemble(("Following: ", "bold"), kb.guideline_modes[p.guideline].name))
    if p.profile.risk is not None:
        parts.append(Text.assemble(("Your risk group: ", "bold"), kb.risk_groups[p.profile.risk].label))
    notes = _Footnotes(kb)
    parts += _section("Your next steps", (*d.keep, *d.now), notes, brief=True)
    parts += _section("Worth discussing", d.discuss[:DISCUSS_SHOWN], notes)
    if len(d.discuss) > DISCUSS_SHOWN:
        more = "; ".join(s.treatment.name for s in d.discuss[DISCUSS_SHOWN:])
        parts.append(indent(Text(f"Also worth a word: {more}.", style="dim")))
    if d.later:
        parts += [Text(""), Text("Later, if these don't help", style="bold"), indent(Text("; ".join(s.treatment.name for s in d.later)))]
    parts += _section("What you have tried", d.tried, notes)
    if d.missing:
        parts += [Text(""), Text("Answers that would settle more of your plan", style="bold")]
        parts += [hang("•", kb.questions[f].prompt if walked else kb.questions[f].ask) for f in d.missing]
    everything = ALL_IN_PLAN if walked else ALL_WITH_OPTION
    parts += [Text(""), *notes.key(), *_understood(understood), Text(everything, style="dim"), disclaimer(kb)]
    return Group(*parts)


def _warning_line(kb: Knowledge) -> Text:
    return Text.assemble(("Warning signs: ", "bold red"), kb.messages["warning-signs-line"])


def _stage_line(kb: Knowledge, p: Pathway) -> Text:
    if p.stage is None:
        return Text.assemble(("How long: ", "bold"), ("not given. ", "magenta"), kb.questions["stage"].ask)
    return Text.assemble(("How long: ", "bold"), kb.stage(p.stage).label)


class _Footnotes:
    """Numbers the sources in the order the short pathway cites them: a step ends "[1,2]" and one
    line at the end names them, so a step's reason and sources fit on one line."""

    def __init__(self, kb: Knowledge) -> None:
        self.kb = kb
        self.numbers: dict[str, int] = {}

    def mark(self, ids: Iterable[str]) -> str:
        numbers = sorted(self.numbers.setdefault(i, len(self.numbers) + 1) for i in ids if i in self.kb.sources)
        return "[" + ",".join(map(str, numbers)) + "]" if numbers else ""  # no spaces: the mark never wraps

    def key(self) -> list[RenderableType]:
        if not self.numbers:
            return []
        listed = "; ".join(f"[{n}] {self.kb.sources[i].label}" for i, n in self.numbers.items())
        return [Hang(Text("Sources: ", style="dim"), Text(listed, style="dim"))]


def _section(title: str, steps: tuple[Step, ...], notes: _Footnotes, *, brief: bool = False) -> list[RenderableType]:
    """A heading and its steps: each name, then its reason and its source numbers.
    ``brief`` uses the short reason, so the next steps fit on the first screen."""
    if not steps:
        return []
    lines: list[RenderableType] = [Text(""), Text(title, style="bold")]
    for s in steps:
        name = Text(s.treatment.name, style="bold")
        if s.avoided:
            name.append("  (a kind of care you would rather avoid)", style="dim")
        reason = (s.short or s.reason) if brief else s.reason
        lines.append(Hang(Text("  • "), name, Text.assemble(reason, " ", (notes.mark(s.sources), "dim"))))
    return lines


def _full(kb: Knowledge, p: Pathway, title: list[RenderableType], *, why: bool, understood: Understood) -> Group:
    """Every option: the stage in full, the ladder, and every step with its reason, sources and (--why) checks."""
    parts: list[RenderableType] = [
        *title,
        Text.assemble(("Warning signs: ", "bold red"), kb.warning_signs),
        *_understood(understood),
        Text(""),
    ]
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
    from backpain_cli.views.ladder_text import render_ladder

    parts += [render_ladder(kb, p), Text("")]
    for tier in kb.tiers:
        steps = [s for s in p.steps if s.treatment.tier == tier.id]
        if steps:
            parts.append(Rule(Text(tier.name, style="bold"), align="left", style="dim"))
            parts.extend(_step(kb, s, why=why) for s in steps)
    missing = list(dict.fromkeys(f for s in p.steps for f in s.missing))
    if missing:
        parts.append(Text(""))
        parts.append(Text("Answers that would settle the steps marked NEEDS ANSWER:", style="bold magenta"))
        parts.extend(hang("•", kb.questions[f].ask) for f in missing)
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
    for status, label in (("helped", "Helping you"), ("now", "Start now"), ("consider", "Worth considering"), ("next", "Next if needed")):
        names = [s.treatment.name for s in p.steps if s.status == status]
        if names:
            style = STATUS_STYLE[status][1]
            lines.append(Hang(Text.assemble((f"{label}: ", f"bold {style}")), Text("; ".join(names))))
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
    """The rules checked for a step, numbered in the order they were checked, each with its test in
    words and whether it applied."""
    from rich.tree import Tree

    decided = max((n for n, t in enumerate(s.trace, start=1) if t.path == s.rule_path), default=0)
    tree = Tree(Text(f"Why: rule {decided} below decided it" if decided else "Why:", style="dim"))
    for number, t in enumerate(s.trace, start=1):
        tag, style = STATUS_STYLE.get(t.status, (t.status, ""))
        label = Text.assemble(
            (f"{number}. ", "dim"), RULE_WORDS.get(t.kind, t.kind), " -> ", (tag, style), ": ", (t.outcome, _outcome_style(t.outcome))
        )
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
    answer = ""
    if check.answer is not None and not check.children:
        answer = " (not answered)" if check.answer == "not given" else f" (you said: {check.said or check.answer})"
    node = branch.add(Text.assemble(check.text, answer, " -> ", (word, style)))
    for child in check.children:
        _add_check(node, child)
