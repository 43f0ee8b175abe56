"""Worked cases as data: answers in, and what the pathway must say for them.

A cases file (data/cases.yaml for the shipped knowledge base) lists cases; each has the answers (the
answers-file keys), and what must follow: the stage, the urgency of any warning sign, and for some
steps a status, one of several statuses, the words its reason must contain, or the questions it must
ask. ``backpain kb check --cases FILE`` runs them against a knowledge base, and the test suite runs the
shipped ones through the engine and the real command line.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from backpain_cli.engine.answers import Answers, answers_from_mapping, build_profile
from backpain_cli.engine.pathway import Pathway, build_pathway
from backpain_cli.errors import UsageError
from backpain_cli.knowledge.facts import FACTS
from backpain_cli.knowledge.model import LEVELS, STATUSES, Knowledge

_NOT_GIVEN = "not given"  # a case that says nothing about the stage or the urgency


class Expect(NamedTuple):
    """What one step must be: one of ``statuses``, a reason with these words, these questions asked."""

    statuses: frozenset[str]
    says: tuple[str, ...] = ()
    asks: tuple[str, ...] = ()


class Case(NamedTuple):
    id: str
    about: str
    answers: Answers
    stage: str | None  # "not given" when the case does not say
    urgent: str | None  # "not given" when the case does not say
    expect: dict[str, Expect]


def read_cases(raw: Any, name: str) -> list[Case]:
    """The cases in a parsed cases file; a ``UsageError`` naming the case and key for the first mistake."""
    if not isinstance(raw, Mapping) or not isinstance(raw.get("cases"), list):
        raise UsageError(f"cases file {name}: must hold 'cases:', a list of cases")
    cases = []
    seen: set[str] = set()
    for i, item in enumerate(raw["cases"]):
        where = f"cases file {name}: cases[{i}]"
        if not isinstance(item, Mapping) or not isinstance(item.get("id"), str):
            raise UsageError(f"{where}: each case needs an id")
        where = f"cases file {name}: case '{item['id']}'"
        unknown = sorted(set(item) - {"id", "about", "answers", "stage", "urgent", "expect"})
        if unknown:
            raise UsageError(f"{where}: unknown key '{unknown[0]}' (expected id, about, answers, stage, urgent, expect)")
        if item["id"] in seen:
            raise UsageError(f"{where}: the id is used twice")
        seen.add(item["id"])
        stage = item.get("stage", _NOT_GIVEN)
        if stage not in (_NOT_GIVEN, None, *FACTS["stage"].values):
            raise UsageError(f"{where}: stage must be acute, subacute, chronic or null, not {stage!r}")
        urgent = item.get("urgent", _NOT_GIVEN)
        if urgent not in (_NOT_GIVEN, None, *LEVELS):
            raise UsageError(f"{where}: urgent must be one of {', '.join(LEVELS)} or null, not {urgent!r}")
        expect = item.get("expect", {})
        if not isinstance(expect, Mapping):
            raise UsageError(f"{where}: expect must map step ids to what they must be")
        cases.append(
            Case(
                item["id"],
                str(item.get("about", "")),
                answers_from_mapping(item.get("answers") or {}, f"{where}: answers"),
                stage,
                urgent,
                {str(step): _expect(want, f"{where}: expect.{step}") for step, want in expect.items()},
            )
        )
    return cases


def _expect(want: Any, where: str) -> Expect:
    if isinstance(want, str | list):
        return Expect(_statuses(want, where))
    if not isinstance(want, Mapping) or not set(want) <= {"status", "says", "asks"}:
        raise UsageError(f"{where}: give a status, a list of statuses, or a mapping with status, says and asks")
    asks = tuple(_words(want.get("asks", []), where))
    unknown = [f for f in asks if f not in FACTS]
    if unknown:
        raise UsageError(f"{where}: asks names an unknown fact '{unknown[0]}'")
    statuses = _statuses(want["status"], where) if "status" in want else frozenset({"needs-answer"} if asks else STATUSES)
    return Expect(statuses, tuple(_words(want.get("says", []), where)), asks)


def _statuses(value: Any, where: str) -> frozenset[str]:
    statuses = frozenset(_words(value, where))
    unknown = sorted(statuses - set(STATUSES))
    if unknown:
        raise UsageError(f"{where}: unknown status '{unknown[0]}' (expected one of {', '.join(STATUSES)})")
    return statuses


def _words(value: Any, where: str) -> list[str]:
    words = [value] if isinstance(value, str) else value
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise UsageError(f"{where}: must be a word or a list of words")
    return words


def run_case(kb: Knowledge, case: Case) -> list[str]:
    """What the pathway for this case gets wrong, in words; empty when every expectation holds."""
    return check_pathway(kb, case, build_pathway(kb, build_profile(kb, case.answers)))


def check_pathway(kb: Knowledge, case: Case, pathway: Pathway) -> list[str]:
    """The same checks for a pathway made any other way (the test suite also runs each case through the CLI)."""
    problems = []
    if case.stage != _NOT_GIVEN and pathway.stage != case.stage:
        problems.append(f"stage: got {pathway.stage!r}, expected {case.stage!r}")
    level = None if pathway.urgent is None else pathway.urgent.level
    if case.urgent != _NOT_GIVEN and level != case.urgent:
        problems.append(f"urgent: got {level!r}, expected {case.urgent!r}")
    steps = {s.treatment.id: s for s in pathway.steps}
    for step_id, want in case.expect.items():
        step = steps.get(step_id)
        if step is None:
            problems.append(f"{step_id}: no such step in this knowledge base")
            continue
        got = f"{step_id}: got {step.status!r} ({step.reason[:90]!r})"
        if step.status not in want.statuses:
            problems.append(f"{got}, expected {' or '.join(sorted(want.statuses))}")
        missing = [w for w in want.says if w.lower() not in step.reason.lower()]
        if missing:
            problems.append(f"{got}: the reason does not mention {missing}")
        for fact in want.asks:
            if fact not in step.missing:
                problems.append(f"{got}: '{fact}' is not among the missing answers {list(step.missing)}")
            elif kb.questions[fact].prompt not in step.reason:
                problems.append(f"{got}: the reason does not ask the question for '{fact}'")
    return problems
