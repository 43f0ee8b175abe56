"""What a person needs from a pathway to act on it, in the order they need it. Pure; shared by the
terminal's short pathway and the first page of a saved plan, so both say the same thing.

- ``keep``: what has helped (carry on; a medicine: review it with the prescriber);
- ``now``: the steps to take now;
- ``discuss``: the options worth discussing, the best supported first (ranked, not cut: views choose
  how many to show);
- ``later``: what comes next if these do not help;
- ``tried``: what was tried without enough relief, each saying what usually comes next;
- ``missing``: the answers that would settle a step still waiting on one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from backpain_cli.engine.pathway import Pathway, Step
from backpain_cli.knowledge.model import Knowledge


class Digest(NamedTuple):
    keep: tuple[Step, ...]
    now: tuple[Step, ...]
    discuss: tuple[Step, ...]
    later: tuple[Step, ...]
    tried: tuple[Step, ...]
    missing: tuple[str, ...]


def digest(kb: Knowledge, p: Pathway) -> Digest:
    def having(status: str) -> tuple[Step, ...]:
        return tuple(s for s in p.steps if s.status == status)

    support = _support(kb, p.guideline)
    discuss = tuple(sorted(having("consider"), key=lambda s: (-support(s), s.avoided, s.order)))
    missing = tuple(dict.fromkeys(f for s in p.steps for f in s.missing))
    return Digest(having("helped"), having("now"), discuss, having("next"), having("tried"), missing)


def _support(kb: Knowledge, mode: str) -> Callable[[Step], int]:
    """How many confirmed guideline views support an option (the chosen guideline's only, when one is chosen).

    Ranks the options worth discussing: what more guidelines back comes first, practical points last.
    """
    counted = frozenset(kb.guideline_modes[mode].sources)

    def score(step: Step) -> int:
        return sum(
            1
            for stance in step.treatment.guidelines
            if stance.direction in ("for", "restricted") and stance.verified != "U" and (not counted or stance.source in counted)
        )

    return score
