"""The rule engine: pure (knowledge, profile) -> pathway. No I/O, no Typer, no Rich.

Every option is decided in four layers, each of which can only hold it back, never lift it:

1. Warning signs: any reported sign puts every routine option on hold.
2. Safety rules: the option's own ``exclude``, ``require`` and ``after`` rules and its tier's gates
   (who it must never be for, what must come first). Every one that applies holds the option back,
   whatever the order; the strictest wins. An unknown answer to one of them fails closed: a step it
   could hold back becomes ``needs-answer``, naming the question.
3. Placement: the first ``when`` rule that applies (or the final rule) says how far forward the
   option goes for this person, capped by the safety rules. With one guideline chosen, an option
   that guideline does not support, or whose stance is unconfirmed, is capped at ``not-covered``
   (or ``not-recommended`` where it advises against): no other guideline's view leaks in.
4. What the person says of the option itself (helped, helped a little, did not help, side effects)
   turns it into ``helped`` or ``tried`` with the knowledge base's wording, never into anything more
   open; a final verdict (``not-recommended``) keeps its status and gains the note.

Preferences (``--avoid``) re-rank within a tier and never change a status.
"""

from typing import Any, NamedTuple

from backpain_cli.knowledge.conditions import Check, Facts
from backpain_cli.knowledge.facts import INPUTS, RESULTS, FactValues
from backpain_cli.knowledge.model import (
    AVOIDABLE,
    LEVELS,
    PERMISSIVE,
    STATUS_TABLE,
    Knowledge,
    Level,
    Rule,
    Signal,
    Status,
    Treatment,
)

SAFETY_KINDS = frozenset({"exclude", "require", "after"})


class Profile(FactValues):
    """What a person has told us, checked: one value per input fact of the registry (``backpain_cli.knowledge.facts``).

    ``None`` means "not given", which the engine treats as unknown; a set fact not given is empty.
    ``tried``, ``helped_a_little`` and ``side_effects`` are what was tried without enough relief, by
    what the person said of it; ``helped`` is what helped enough. An option is in at most one of them.
    """

    __slots__ = ()
    _empty = tuple((name, "default" if name == "guideline" else value) for name, value in FactValues._empty)

    def replace(self, **changes: Any) -> "Profile":
        return Profile(**{**self.as_dict(), **changes})

    _replace = replace  # the NamedTuple spelling, still used by callers and tests

    def result_of(self, treatment_id: str) -> str | None:
        """What the person said of this option: helped, some, no-help, side-effects, or None."""
        for result, fact in RESULTS.items():
            if treatment_id in self._values[fact]:
                return result
        return None


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
    short: str = ""  # the reason in a few words, when the rule or signal gives one (every now and helped step)

    def would_change_with(self) -> tuple[str, ...]:
        """The answers that could change this step: those the rules that were checked look at."""
        facts: dict[str, None] = {}
        for rule in self.trace:
            if rule.outcome == "other guideline":
                facts["guideline"] = None
                continue
            facts.update(dict.fromkeys(sorted(rule.facts)))
        return tuple(facts)


class Action(NamedTuple):
    """What to do about one or more warning signs that share an action."""

    level: Level
    message: str
    red_flags: tuple[str, ...]
    sources: tuple[str, ...]


class Urgent(NamedTuple):
    """The warning signs given: the most urgent action leads, and every sign keeps its own action."""

    level: Level
    message: str
    red_flags: tuple[str, ...]
    sources: tuple[str, ...]
    actions: tuple[Action, ...]


class Pathway(NamedTuple):
    profile: Profile
    stage: str | None
    facts: dict[str, Any]
    urgent: Urgent | None
    steps: tuple[Step, ...]
    guideline: str


def duration_in_weeks(profile: Profile) -> float | None:
    """The pain's duration in weeks, whichever unit the person used (months x 52 / 12)."""
    weeks: float | None = profile.weeks
    months: float | None = profile.months
    if weeks is not None:
        return weeks
    return None if months is None else months * 52 / 12


def derive_facts(knowledge: Knowledge, profile: Profile) -> dict[str, Any]:
    """Profile -> the engine's facts: every answer as given (from the fact registry, so a new fact
    reaches the rules with no change here), the duration converted both ways, the stage worked out,
    and "tried" widened to everything tried without enough relief."""
    facts: dict[str, Any] = {fact.name: getattr(profile, fact.name) for fact in INPUTS}
    weeks = duration_in_weeks(profile)
    facts["weeks"] = weeks
    facts["months"] = profile.months if profile.months is not None else (None if weeks is None else weeks * 12 / 52)
    facts["stage"] = stage_of(knowledge, profile)
    facts["tried"] = profile.tried | profile.helped_a_little | profile.side_effects
    return facts


def stage_of(knowledge: Knowledge, profile: Profile) -> str | None:
    """Acute, subacute or chronic: the same duration in weeks or in months gives the same stage."""
    weeks = duration_in_weeks(profile)
    if weeks is None:
        return None
    return next((stage.id for stage in knowledge.stages if stage.covers(weeks)), None)


def urgent_of(knowledge: Knowledge, facts: Facts) -> Urgent | None:
    """Every warning sign's action, most urgent first; a matching combination rule leads its level.

    Signs that share the same action are shown together. Nothing is dropped: with a history of cancer
    and a fever, the same-day action for a possible infection leads and the cancer action follows.
    """
    given = frozenset(facts.get("red_flags"))
    if not given:
        return None
    candidates: list[tuple[int, int, int, str, tuple[str, ...], tuple[str, ...]]] = []
    for order, rule in enumerate(knowledge.red_flag_rules):
        if rule.condition.evaluate(facts).result is True:
            codes = tuple(f.code for f in knowledge.red_flags if f.code in given and f.code in rule.codes)
            candidates.append((LEVELS.index(rule.level), 0, order, rule.action, codes, rule.sources))
    for order, flag in enumerate(knowledge.red_flags):
        if flag.code in given:
            candidates.append((LEVELS.index(flag.level), 1, order, flag.action, (flag.code,), flag.sources))
    candidates.sort(key=lambda c: c[:3])
    merged: dict[str, tuple[int, list[str], dict[str, None]]] = {}
    for severity, _, _, message, codes, sources in candidates:
        _, seen_codes, seen_sources = merged.setdefault(message, (severity, [], {}))
        seen_codes.extend(c for c in codes if c not in seen_codes)
        seen_sources.update(dict.fromkeys(sources))
    actions = tuple(Action(LEVELS[level], message, tuple(codes), tuple(sources)) for message, (level, codes, sources) in merged.items())
    all_sources: dict[str, None] = {}
    for action in actions:
        all_sources.update(dict.fromkeys(action.sources))
    codes = tuple(f.code for f in knowledge.red_flags if f.code in given)  # knowledge.red_flags: most urgent first
    lead = actions[0]
    return Urgent(lead.level, lead.message, codes, tuple(all_sources), actions)


def build_pathway(knowledge: Knowledge, profile: Profile) -> Pathway:
    """Decide every treatment's step for this person. Linear in the number of treatments and rules."""
    values = derive_facts(knowledge, profile)
    facts = Facts(values, wording=knowledge.wording())
    urgent = urgent_of(knowledge, facts)
    tier_rank = {tier.id: i for i, tier in enumerate(knowledge.tiers)}
    tier_rules = {tier.id: tier.rules for tier in knowledge.tiers}
    avoided_types = {AVOIDABLE[a] for a in profile.avoid if a in AVOIDABLE}

    decided: list[tuple[tuple[int, int, int], Step]] = []
    for index, treatment in enumerate(knowledge.treatments):
        if urgent is not None:
            step = _on_hold(knowledge, treatment, urgent)
        else:
            step = _decide(knowledge, treatment, facts.for_treatment(treatment.id), tier_rules[treatment.tier])
            step = _apply_result(knowledge, step, profile.result_of(treatment.id))
        avoided = treatment.care_type in avoided_types and step.status in PERMISSIVE
        if avoided:
            step = step._replace(avoided=True)
        # Preferences re-rank within a tier; they never change a status.
        decided.append(((tier_rank[treatment.tier], int(avoided), index), step))
    decided.sort(key=lambda pair: pair[0])
    steps = tuple(step._replace(order=i) for i, (_, step) in enumerate(decided, start=1))
    return Pathway(profile, values["stage"], values, urgent, steps, profile.guideline)


def _on_hold(knowledge: Knowledge, treatment: Treatment, urgent: Urgent) -> Step:
    hold = knowledge.levels[urgent.level].hold_reason
    check = Check("warning signs given", True, ", ".join(urgent.red_flags))
    trace = (RuleTrace("red_flags", "override", "on-hold", "applied", check, frozenset({"red_flags"})),)
    return Step(treatment, 0, "on-hold", hold, urgent.sources, "red_flags", trace)


# --- one option ------------------------------------------------------------------------------------

# How far a status lets a step forward, for passing over an unknown rule: an unknown answer may only
# be passed over on the way to a status no more open than the rule it leaves unchecked.
_OPENNESS = {"now": 3, "consider": 2, "next": 1}
_OUTCOME = {True: "applied", False: "did not apply", None: "unknown"}


class _Checked(NamedTuple):
    rule: Rule
    applies: bool | None
    check: Check | None


def _decide(knowledge: Knowledge, treatment: Treatment, facts: Facts, tier_rules: tuple[Rule, ...]) -> Step:
    """Safety rules hold back, placement rules place, and the chosen guideline caps (layers 2 and 3)."""
    mode = facts.get("guideline")
    traces: list[RuleTrace] = []
    safety: list[_Checked] = []
    placement: list[_Checked] = []
    for rule in (*treatment.rules, *tier_rules):
        if rule.guidelines is not None and mode not in rule.guidelines:
            traces.append(RuleTrace(rule.path, rule.kind, rule.status, "other guideline", None))
            continue
        check = rule.condition.evaluate(facts) if rule.condition is not None else None
        applies = _applies(rule, check)
        facts_used = rule.condition.fact_names() if rule.condition is not None else frozenset()
        traces.append(RuleTrace(rule.path, rule.kind, rule.status, _OUTCOME[applies], check, facts_used))
        (safety if rule.kind in SAFETY_KINDS else placement).append(_Checked(rule, applies, check))

    offer, pending = _placement(placement)
    held = [c for c in safety if c.applies is True]
    decided = offer.rule
    if held:
        strictest = min(held, key=lambda c: STATUS_TABLE[c.rule.status].rank)  # ties: the first listed
        if STATUS_TABLE[strictest.rule.status].rank <= STATUS_TABLE[decided.status].rank:
            decided = strictest.rule
    pending += [c for c in safety if c.applies is None]
    blockers = [c for c in pending if _OPENNESS.get(c.rule.status, 0) < _OPENNESS.get(decided.status, 0)]
    if blockers:
        step = _needs_answer(knowledge, treatment, blockers, tuple(traces))
    else:
        step = Step(treatment, 0, decided.status, decided.reason, decided.sources, decided.path, tuple(traces), short=decided.short or "")
    return _cap_to_guideline(knowledge, step, facts)


def _placement(placement: list[_Checked]) -> tuple[_Checked, list[_Checked]]:
    """The first placement rule that applies, and the unknown ones met before it."""
    pending: list[_Checked] = []
    for checked in placement:
        if checked.applies is True:
            return checked, pending
        if checked.applies is None:
            pending.append(checked)
    raise AssertionError("validation guarantees a final unconditional rule")  # pragma: no cover


def _applies(rule: Rule, check: Check | None) -> bool | None:
    if check is None:
        return True
    if rule.kind in ("require", "after"):
        return None if check.result is None else not check.result
    return check.result


def _needs_answer(knowledge: Knowledge, treatment: Treatment, pending: list[_Checked], traces: tuple[RuleTrace, ...]) -> Step:
    missing: dict[str, None] = {}
    for checked in pending:
        assert checked.check is not None  # an unconditional rule is never unknown
        missing.update(dict.fromkeys(sorted(checked.check.unknown_facts)))
    rule = pending[0].rule
    asks = " ".join(knowledge.questions[f].prompt for f in missing if f in knowledge.questions)  # plain: no option names
    reason = f"{asks} {rule.reason}".strip()
    sources: dict[str, None] = {}
    for checked in pending:
        sources.update(dict.fromkeys(checked.rule.sources))
    return Step(treatment, 0, "needs-answer", reason, tuple(sources), rule.path, traces, tuple(missing))


def _cap_to_guideline(knowledge: Knowledge, step: Step, facts: Facts) -> Step:
    """With one guideline chosen, only its own confirmed support keeps an option on the table.

    Outside the guideline's scope (WHO 2023 covers long-lasting pain only) it supports nothing; where
    it is silent or its stance is unconfirmed, the step says so instead of borrowing another's view.
    """
    chosen = knowledge.guideline_modes[facts.get("guideline")]
    if not chosen.sources or (step.status not in PERMISSIVE and step.status != "needs-answer"):
        return step  # a missing answer cannot matter if the chosen guideline does not support the option
    scope = chosen.scope.evaluate(facts) if chosen.scope is not None else None
    if scope is not None and scope.result is False:  # outside its scope it has no view, for or against
        assert chosen.scope is not None
        trace = RuleTrace("guidelines", "guideline", "not-covered", "applied", scope, chosen.scope.fact_names())
        return step._replace(
            status="not-covered",
            reason=chosen.scope_note,
            short="",
            sources=chosen.sources,
            rule_path="guidelines",
            trace=(*step.trace, trace),
        )
    stances = [s for s in step.treatment.guidelines if s.source in chosen.sources]
    if not any(s.direction in ("for", "restricted") and s.verified != "U" for s in stances):
        against = [s for s in stances if s.direction == "against" and s.verified != "U"]
        status: Status = "not-recommended" if against else "not-covered"
        shown = against or stances
        note = " ".join(s.note for s in shown)
        reason = knowledge.messages["guideline-against" if against else "guideline-silent"].format(guideline=chosen.short, note=note)
        sources = tuple(dict.fromkeys(s.source for s in shown)) or chosen.sources
        trace = RuleTrace("guidelines", "guideline", status, "applied", None, frozenset({"guideline"}))
        return step._replace(
            status=status, reason=reason.strip(), short="", sources=sources, rule_path="guidelines", trace=(*step.trace, trace)
        )
    if scope is None or scope.result is True:
        return step
    assert chosen.scope is not None
    missing = tuple(sorted(scope.unknown_facts))
    asks = " ".join(knowledge.questions[f].prompt for f in missing if f in knowledge.questions)  # plain: no option names
    trace = RuleTrace("guidelines", "guideline", "needs-answer", "unknown", scope, chosen.scope.fact_names() | {"guideline"})
    return step._replace(
        status="needs-answer",
        reason=f"{asks} {chosen.scope_note}".strip(),
        short="",
        sources=chosen.sources,
        rule_path="guidelines",
        trace=(*step.trace, trace),
        missing=missing,
    )


def signal_for(knowledge: Knowledge, treatment: Treatment, result: str) -> Signal:
    """The option's own wording for a result, else its care type's, else the default."""
    own = treatment.signals.get(result)
    if own is not None:
        return own
    defaults = knowledge.signals[result]
    return defaults.get(treatment.care_type) or defaults["default"]


def _apply_result(knowledge: Knowledge, step: Step, result: str | None) -> Step:
    """Layer 4: what the person said of this option replaces its status, never lifting it.

    A verdict (not recommended, not covered) and "not needed" keep their status and gain the note.
    ``helped`` means "carry on (for a medicine: review it with your prescriber)", so it only replaces
    a status that had the option on the table: an opioid that helped is never put forward because it helped.
    """
    if result is None:
        return step
    signal = signal_for(knowledge, step.treatment, result)
    # "helped" (carry on) only replaces an option that was on the table; the other results also replace
    # a step still waiting on its conditions or an answer. Verdicts and "not needed" keep their status.
    replaceable = PERMISSIVE if signal.status == "helped" else PERMISSIVE | {"not-yet", "needs-answer"}
    keeps = step.status not in replaceable
    trace = RuleTrace("signals." + result, "signal", signal.status, "applied", None, frozenset(RESULTS.values()))
    sources = tuple(dict.fromkeys((*step.sources, *signal.sources)))
    if keeps:
        return step._replace(reason=f"{step.reason} {signal.reason}", sources=sources, trace=(*step.trace, trace))
    return step._replace(
        status=signal.status,
        reason=signal.reason,
        short=signal.short or "",
        sources=signal.sources,
        rule_path=trace.path,
        trace=(*step.trace, trace),
        missing=(),
    )
