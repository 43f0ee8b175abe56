"""Issue 10's safety invariants, as properties over generated profiles (one property per invariant).

Each property recomputes what must hold from the knowledge base's own data (its rules, stances and
warning signs), not from the engine's decisions, so a change to the engine that broke the invariant
would fail here whatever the rules happen to say today.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backpain_cli.engine.pathway import SAFETY_KINDS, Step, build_pathway, derive_facts, signal_for
from backpain_cli.knowledge.conditions import Facts
from backpain_cli.knowledge.model import LEVELS, PERMISSIVE, STATUS_TABLE, Knowledge, Rule
from strategies import RESULT_FIELDS, profiles, without_result

PROPERTY = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
ACTIVE_CARE = frozenset({"physical-therapy", "regular-exercise", "yoga-tai-chi", "multidisciplinary-rehabilitation"})


def _holding_rules(kb: Knowledge, step: Step, facts: Facts) -> list[Rule]:
    """The option's own safety rules (and its tier's gates) that definitely apply for this person."""
    mode = facts.get("guideline")
    holding = []
    for rule in (*step.treatment.rules, *kb.tier(step.treatment.tier).rules):
        if rule.kind not in SAFETY_KINDS or (rule.guidelines is not None and mode not in rule.guidelines):
            continue
        assert rule.condition is not None
        result = rule.condition.evaluate(facts.for_treatment(step.treatment.id)).result
        applies = result if rule.kind == "exclude" else (None if result is None else not result)
        if applies:
            holding.append(rule)
    return holding


@PROPERTY
@given(data=st.data())
def test_no_signal_lifts_an_option_past_its_own_safety_rules(kb: Knowledge, data: st.DataObject) -> None:
    """Whatever else the person said, an option on the table is no more open than any safety rule allows."""
    profile = data.draw(profiles(kb, red_flags=False))
    facts = Facts(derive_facts(kb, profile))
    for step in build_pathway(kb, profile).steps:
        if step.status not in PERMISSIVE:
            continue
        for rule in _holding_rules(kb, step, facts):
            assert STATUS_TABLE[step.status].rank <= STATUS_TABLE[rule.status].rank, (step.treatment.id, step.status, rule.path)


@PROPERTY
@given(data=st.data())
def test_helped_never_puts_an_option_forward(kb: Knowledge, data: st.DataObject) -> None:
    """ "It helped" means carry on or review it; it never makes a held-back option (an opioid, say) active."""
    profile = data.draw(profiles(kb, red_flags=False))
    steps = {s.treatment.id: s for s in build_pathway(kb, profile).steps}
    for treatment_id in profile.helped:
        step = steps[treatment_id]
        assert step.status not in PERMISSIVE, (treatment_id, step.status)
        before = next(s for s in build_pathway(kb, without_result(profile, treatment_id)).steps if s.treatment.id == treatment_id)
        if before.status not in PERMISSIVE:
            # A held-back option keeps its status (with the note), or becomes not-needed (a procedure that was done).
            assert step.status in (before.status, "not-needed"), (treatment_id, before.status, step.status)
        if step.treatment.care_type == "medication":
            assert step.status != "now" and "prescriber" in step.reason.lower(), treatment_id


@PROPERTY
@given(data=st.data())
def test_tried_options_are_never_offered_again_as_new(kb: Knowledge, data: st.DataObject) -> None:
    """Tried without enough relief: the step says so and what comes next; it is never now, consider or next."""
    profile = data.draw(profiles(kb, red_flags=False))
    pathway = build_pathway(kb, profile)
    for step in pathway.steps:
        result = profile.result_of(step.treatment.id)
        if result is None:
            continue
        assert step.status not in PERMISSIVE, (step.treatment.id, result, step.status)
        assert signal_for(kb, step.treatment, result).reason in step.reason, (step.treatment.id, result)


@PROPERTY
@given(data=st.data())
def test_one_guideline_uses_its_own_confirmed_stance_only(kb: Knowledge, data: st.DataObject) -> None:
    """With --guideline X, an option is on the table only if X itself supports it, confirmed, in X's scope."""
    profile = data.draw(profiles(kb, red_flags=False).filter(lambda p: p.guideline != "default"))
    mode = kb.guideline_modes[profile.guideline]
    facts = Facts(derive_facts(kb, profile))
    in_scope = mode.scope is None or mode.scope.evaluate(facts).result is True
    for step in build_pathway(kb, profile).steps:
        if step.status in PERMISSIVE:
            own = [s for s in step.treatment.guidelines if s.source in mode.sources]
            assert any(s.direction in ("for", "restricted") and s.verified != "U" for s in own), (profile.guideline, step.treatment.id)
            assert in_scope, (profile.guideline, step.treatment.id)


@PROPERTY
@given(data=st.data())
def test_every_warning_sign_keeps_its_own_action(kb: Knowledge, data: st.DataObject) -> None:
    """Several signs: the most urgent level leads, every sign's own action is shown, most urgent first."""
    codes = data.draw(st.frozensets(st.sampled_from([f.code for f in kb.red_flags]), min_size=1, max_size=5))
    profile = data.draw(profiles(kb, red_flags=False))._replace(red_flags=codes)
    urgent = build_pathway(kb, profile).urgent
    assert urgent is not None
    messages = {a.message: a for a in urgent.actions}
    for flag in kb.red_flags:
        if flag.code in codes:
            assert flag.action in messages, flag.code
            assert flag.code in messages[flag.action].red_flags
    levels = [LEVELS.index(a.level) for a in urgent.actions]
    assert levels == sorted(levels)
    assert urgent.level == urgent.actions[0].level
    assert LEVELS.index(urgent.level) == min(LEVELS.index(f.level) for f in kb.red_flags if f.code in codes)


@PROPERTY
@given(data=st.data())
def test_later_steps_close_only_when_something_helped_enough(kb: Knowledge, data: st.DataObject) -> None:
    """A little help, or help while the pain stays at 5 or more, never makes procedures not-needed."""
    profile = data.draw(profiles(kb, red_flags=False))
    enough = bool(profile.helped) and profile.pain is not None and profile.pain < 5
    for step in build_pathway(kb, profile).steps:
        if step.treatment.tier not in ("interventional", "surgical") or step.status != "not-needed":
            continue
        test_done = step.treatment.id == "medial-branch-block" and profile.medial_branch_block in ("positive", "negative")
        assert enough or step.treatment.id in profile.helped or test_done, (step.treatment.id, profile.helped, profile.pain)


@PROPERTY
@given(data=st.data())
def test_procedures_come_only_after_a_fair_trial_of_active_care(kb: Knowledge, data: st.DataObject) -> None:
    """Injections for chronic pain, implants and surgery: an exercise programme kept up 6 weeks or more comes first."""
    profile = data.draw(profiles(kb, red_flags=False))
    not_enough = profile.tried | profile.helped_a_little | profile.side_effects
    fair_trial = bool(not_enough & ACTIVE_CARE) and (profile.programme_weeks or 0) >= 6
    for step in build_pathway(kb, profile).steps:
        gated = step.treatment.tier == "surgical" or step.treatment.id in (
            "radiofrequency-denervation",
            "medial-branch-block",
            "spinal-cord-stimulator",
        )
        if gated and step.status in PERMISSIVE:
            assert fair_trial, (step.treatment.id, step.status)


def test_results_cover_every_field() -> None:
    """The strategy draws every result a person can give, so the properties above see them all."""
    assert set(RESULT_FIELDS) == {"helped", "some", "no-help", "side-effects"}
