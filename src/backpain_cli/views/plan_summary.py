"""The first page of a saved plan: what a clinician can read in a minute.

The person's answers, the warning signs to watch (most urgent first), the next steps with their
reasons and sources, what is worth discussing, the five questions that matter most, and room to write.
The steps come from ``engine.digest``, so the page says what the terminal's short pathway says.
No Rich, no Jinja2: plain values for the templates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from backpain_cli.engine.digest import digest
from backpain_cli.engine.pathway import Pathway, Step
from backpain_cli.knowledge.model import Knowledge

QUESTIONS_SHOWN = 5
DISCUSS_SHOWN = 4


@dataclass(frozen=True)
class SummaryStep:
    name: str
    reason: str
    sources: tuple[Any, ...]  # the plan's numbered citations


@dataclass(frozen=True)
class WarningGroup:
    level: str
    label: str  # says what to do: "Emergency: get help now"
    signs: tuple[str, ...]
    sources: tuple[Any, ...]


def summary_context(kb: Knowledge, pathway: Pathway, cite: Callable[[Iterable[str]], tuple[Any, ...]]) -> dict[str, Any]:
    """Page one's content. ``cite`` numbers sources in the plan's order (page one cites first)."""
    warnings = _warning_groups(kb, cite)
    if pathway.urgent is not None:
        return {"steps": [], "discuss": [], "later": [], "questions": [], "warnings": warnings}
    d = digest(kb, pathway)
    steps = [SummaryStep(s.treatment.name, s.short or s.reason, cite(s.sources)) for s in (*d.keep, *d.now)]
    return {
        "steps": steps,
        "discuss": [s.treatment.name for s in d.discuss[:DISCUSS_SHOWN]],
        "later": [s.treatment.name for s in d.later],
        "questions": top_questions((*d.keep, *d.now, *d.discuss)),
        "warnings": warnings,
    }


def _warning_groups(kb: Knowledge, cite: Callable[[Iterable[str]], tuple[Any, ...]]) -> list[WarningGroup]:
    """Every warning sign, grouped under its level's label (the knowledge base lists them most urgent first)."""
    groups: dict[str, list[str]] = {}
    sources: dict[str, dict[str, None]] = {}
    for flag in kb.red_flags:
        groups.setdefault(flag.level, []).append(flag.sign)
        sources.setdefault(flag.level, {}).update(dict.fromkeys(flag.sources))
    return [WarningGroup(level, kb.levels[level].label, tuple(signs), cite(sources[level])) for level, signs in groups.items()]


def top_questions(steps: Iterable[Step], limit: int = QUESTIONS_SHOWN) -> list[str]:
    """The questions that matter most: each step's first question in the order the steps matter,
    then each one's second, and so on; a question two options share is asked once."""
    per_step = [step.treatment.questions for step in steps]
    chosen: dict[str, str] = {}
    depth = 0
    while len(chosen) < limit and any(depth < len(qs) for qs in per_step):
        for questions in per_step:
            if depth < len(questions) and len(chosen) < limit:
                chosen.setdefault(" ".join(questions[depth].casefold().split()), questions[depth])
        depth += 1
    return list(chosen.values())
