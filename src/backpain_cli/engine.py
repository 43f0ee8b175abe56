"""The rule engine: pure (knowledge, profile) -> pathway. No I/O, no Typer, no Rich.

Fixed precedence for every treatment: red-flag hold, then the treatment's own rules in the order the
knowledge base lists them (exclusions, applicability and timing, then the final decision), then its
tier's rules (such as the surgical gate). Unknown answers fail closed: a rule that would hold a step
back, whose answer is missing, turns a would-be "now" into "needs-answer" naming the question.
"""

from typing import Any, NamedTuple

from backpain_cli.conditions import Check, Facts
from backpain_cli.model import AVOIDABLE, LEVELS, PERMISSIVE, Knowledge, Level, Rule, Status, Treatment

WEEKS_PER_MONTH = 52 / 12


class Profile(NamedTuple):
    """What a person has told us. ``None`` means "not given", which the engine treats as unknown."""

    weeks: float | None = None
    months: float | None = None
    leg_pain: bool | None = None
    pain: float | None = None
    imaging_match: bool | None = None
    neuropathic: bool | None = None
    claudication: bool | None = None
    medial_branch_block: str | None = None
    risk: str | None = None
    tried: frozenset[str] = frozenset()
    helped: frozenset[str] = frozenset()
    red_flags: frozenset[str] = frozenset()
    avoid: frozenset[str] = frozenset()
    guideline: str = "default"


class RuleTrace(NamedTuple):
    """How one rule fared: applied, did not apply, unknown, or skipped for the chosen guideline."""

    path: str
    kind: str
    status: str
    outcome: str  # "applied" | "did not apply" | "unknown" | "other guideline"
    check: Check | None
    facts: frozenset[str] = frozenset()  # the answers this rule looks at: what could change it


class Step(NamedTuple):
    treatment: Treatment
    order: int
    status: Status
    reason: str
    sources: tuple[str, ...]
    rule_path: str
    trace: tuple[RuleTrace, ...]
    missing: tuple[str, ...] = ()  # facts whose answers would decide a needs-answer step
    avoided: bool = False

    def would_change_with(self) -> tuple[str, ...]:
        """The answers that could change this step: those the rules up to the deciding one look at."""
        facts: dict[str, None] = {}
        for rule in self.trace:
            if rule.outcome == "other guideline":
                facts["guideline"] = None
                continue
            facts.update(dict.fromkeys(sorted(rule.facts)))
            if rule.path == self.rule_path:
                break
        return tuple(facts)


class Urgent(NamedTuple):
    level: Level
    message: str
    red_flags: tuple[str, ...]
    sources: tuple[str, ...]


class Pathway(NamedTuple):
    profile: Profile
    stage: str | None
    facts: dict[str, Any]
    urgent: Urgent | None
    steps: tuple[Step, ...]
    guideline: str


def derive_facts(knowledge: Knowledge, profile: Profile) -> dict[str, Any]:
    """Profile -> the engine's facts, with duration converted both ways and the stage worked out."""
    weeks, months = profile.weeks, profile.months
    if weeks is None and months is not None:
        weeks = months * WEEKS_PER_MONTH
    elif months is None and weeks is not None:
        months = weeks / WEEKS_PER_MONTH
    return {
        "weeks": weeks,
        "months": months,
        "stage": stage_of(knowledge, profile),
        "leg_pain": profile.leg_pain,
        "pain": profile.pain,
        "imaging_match": profile.imaging_match,
        "neuropathic": profile.neuropathic,
        "claudication": profile.claudication,
        "medial_branch_block": profile.medial_branch_block,
        "risk": profile.risk,
        "guideline": profile.guideline,
        "tried": profile.tried,
        "helped": profile.helped,
        "red_flags": profile.red_flags,
        "avoid": profile.avoid,
    }


def stage_of(knowledge: Knowledge, profile: Profile) -> str | None:
    """Acute, subacute or chronic, from whichever unit the person used (each has its own bounds)."""
    if profile.weeks is not None:
        value, unit = profile.weeks, "weeks"
    elif profile.months is not None:
        value, unit = profile.months, "months"
    else:
        return None
    return next((stage.id for stage in knowledge.stages if stage.covers(value, unit)), None)


def urgent_of(knowledge: Knowledge, facts: Facts) -> Urgent | None:
    """The most severe red-flag action; a matching combination rule beats a single flag of its level."""
    given = [f for f in knowledge.red_flags if f.code in facts.get("red_flags")]
    if not given:
        return None
    candidates: list[tuple[int, int, str, tuple[str, ...]]] = []
    for rule in knowledge.red_flag_rules:
        if rule.condition.evaluate(facts).result is True:
            candidates.append((LEVELS.index(rule.level), 0, rule.action, rule.sources))
    for flag in given:
        candidates.append((LEVELS.index(flag.level), 1, flag.action, flag.sources))
    severity, _, message, _ = min(candidates, key=lambda c: (c[0], c[1]))
    sources: dict[str, None] = {}
    for candidate in sorted(candidates, key=lambda c: (c[0], c[1])):
        sources.update(dict.fromkeys(candidate[3]))
    codes = tuple(f.code for f in sorted(given, key=lambda f: LEVELS.index(f.level)))
    return Urgent(LEVELS[severity], message, codes, tuple(sources))


def build_pathway(knowledge: Knowledge, profile: Profile) -> Pathway:
    """Decide every treatment's step for this person. Linear in the number of treatments and rules."""
    values = derive_facts(knowledge, profile)
    labels = {fact: q.label for fact, q in knowledge.questions.items()}
    facts = Facts(values, labels=labels)
    urgent = urgent_of(knowledge, facts)
    tier_rank = {tier.id: i for i, tier in enumerate(knowledge.tiers)}
    tier_rules = {tier.id: tier.rules for tier in knowledge.tiers}
    avoided_types = {AVOIDABLE[a] for a in profile.avoid if a in AVOIDABLE}

    decided: list[tuple[tuple[int, int, int], Step]] = []
    for index, treatment in enumerate(knowledge.treatments):
        step = _decide(knowledge, treatment, facts.for_treatment(treatment.id), urgent, tier_rules[treatment.tier])
        avoided = treatment.care_type in avoided_types and step.status in PERMISSIVE
        if avoided:
            step = _replace(step, avoided=True)
        # Preferences re-rank within a tier; they never change a status.
        decided.append(((tier_rank[treatment.tier], int(avoided), index), step))
    decided.sort(key=lambda pair: pair[0])
    steps = tuple(_replace(step, order=i) for i, (_, step) in enumerate(decided, start=1))
    return Pathway(profile, values["stage"], values, urgent, steps, profile.guideline)


def _replace(step: Step, **changes: Any) -> Step:
    return step._replace(**changes)


def _decide(knowledge: Knowledge, treatment: Treatment, facts: Facts, urgent: Urgent | None, tier_rules: tuple[Rule, ...]) -> Step:
    if urgent is not None:
        hold = knowledge.levels[urgent.level].hold_reason
        check = Check("warning signs given", True, ", ".join(urgent.red_flags))
        trace = (RuleTrace("red_flags", "override", "on-hold", "applied", check, frozenset({"red_flags"})),)
        return Step(treatment, 0, "on-hold", hold, urgent.sources, "red_flags", trace)
    step = _run_rules(knowledge, treatment, treatment.rules, facts, None)
    if step.status in PERMISSIVE or step.status in ("needs-answer", "not-yet"):
        step = _run_rules(knowledge, treatment, tier_rules, facts, step)
    return step


def _run_rules(knowledge: Knowledge, treatment: Treatment, rules: tuple[Rule, ...], facts: Facts, previous: Step | None) -> Step:
    """First rule that applies decides, unless an earlier rule with an unknown answer could have held it back.

    An earlier unknown rule "could have held it back" when its status is less open than the one
    reached (``not-yet`` before ``now``, ``next`` before ``consider``): then the step needs that answer.
    With ``previous`` (tier rules), no rule applying leaves the previous decision standing.
    """
    mode = facts.get("guideline")
    traces: list[RuleTrace] = list(previous.trace) if previous is not None else []
    pending: list[tuple[Rule, Check]] = []
    for rule in rules:
        if rule.guidelines is not None and mode not in rule.guidelines:
            traces.append(RuleTrace(rule.path, rule.kind, rule.status, "other guideline", None))
            continue
        check = rule.condition.evaluate(facts) if rule.condition is not None else None
        applies = _applies(rule, check)
        facts_used = rule.condition.fact_names() if rule.condition is not None else frozenset()
        traces.append(RuleTrace(rule.path, rule.kind, rule.status, _OUTCOME[applies], check, facts_used))
        if applies is None:
            assert check is not None  # an unconditional rule is never unknown
            pending.append((rule, check))
        if applies is not True:
            continue
        blockers = _blockers(pending, rule.status)
        if blockers:
            return _needs_answer(knowledge, treatment, blockers, tuple(traces))
        return Step(treatment, 0, rule.status, rule.reason, rule.sources, rule.path, tuple(traces))
    if previous is None:  # pragma: no cover - validation guarantees a final unconditional rule
        raise AssertionError(f"no rule decided {treatment.id}")
    blockers = _blockers(pending, previous.status)
    if blockers:
        return _needs_answer(knowledge, treatment, blockers, tuple(traces))
    return previous._replace(trace=tuple(traces))


_OUTCOME = {True: "applied", False: "did not apply", None: "unknown"}
# How far a status opens the door; an unknown rule may only be passed over for a status no more open.
_OPENNESS = {"now": 3, "consider": 2, "next": 1}


def _blockers(pending: list[tuple[Rule, Check]], reached: str) -> list[tuple[Rule, Check]]:
    return [(rule, check) for rule, check in pending if _OPENNESS.get(rule.status, 0) < _OPENNESS.get(reached, 0)]


def _applies(rule: Rule, check: Check | None) -> bool | None:
    if check is None:
        return True
    if rule.kind in ("require", "after"):
        return None if check.result is None else not check.result
    return check.result


def _needs_answer(knowledge: Knowledge, treatment: Treatment, pending: list[tuple[Rule, Check]], traces: tuple[RuleTrace, ...]) -> Step:
    missing: dict[str, None] = {}
    for _, check in pending:
        missing.update(dict.fromkeys(sorted(check.unknown_facts)))
    rule = pending[0][0]
    asks = " ".join(knowledge.questions[f].ask for f in missing if f in knowledge.questions)
    reason = f"{asks} {rule.reason}".strip()
    sources: dict[str, None] = {}
    for pending_rule, _ in pending:
        sources.update(dict.fromkeys(pending_rule.sources))
    return Step(treatment, 0, "needs-answer", reason, tuple(sources), rule.path, traces, tuple(missing))
