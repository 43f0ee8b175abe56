"""The rule engine: three-valued logic, stages, fail-closed unknowns, and one property per invariant."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backpain_cli.engine.pathway import Profile, build_pathway, stage_of
from backpain_cli.knowledge.conditions import AllOf, AnyOf, Facts, FactTest, Not
from backpain_cli.knowledge.model import PERMISSIVE, Knowledge
from strategies import profiles

# An exercise-based programme: the active care surgery, implants and RFD must come after (issue 10).
ACTIVE_CARE = ("physical-therapy", "regular-exercise", "yoga-tai-chi", "multidisciplinary-rehabilitation")
AGAINST_BY_ALL = ("paracetamol", "gabapentinoids", "other-antidepressants", "tens", "braces-belts", "traction", "facet-joint-injection")


def _facts(**values: Any) -> Facts:
    return Facts(values)


# --- three-valued logic -------------------------------------------------------------------------------

T = FactTest("leg_pain", "is", True)  # true when leg_pain is True, unknown when None
F = FactTest("leg_pain", "is", False)


@pytest.mark.parametrize(
    ("value", "expected_all", "expected_any"),
    [(True, False, True), (False, False, True), (None, None, None)],
)
def test_all_and_any_follow_kleene_logic(value: bool | None, expected_all: bool | None, expected_any: bool | None) -> None:
    facts = _facts(leg_pain=value)
    assert AllOf((T, F)).evaluate(facts).result is expected_all
    assert AnyOf((T, F)).evaluate(facts).result is expected_any


def test_false_beats_unknown_in_all_and_true_beats_unknown_in_any() -> None:
    facts = _facts(leg_pain=None, pain=3.0)
    low_pain = FactTest("pain", "lt", 5)
    assert AllOf((T, Not(low_pain))).evaluate(facts).result is False
    assert AnyOf((T, low_pain)).evaluate(facts).result is True
    assert Not(T).evaluate(facts).result is None


def test_unknown_facts_are_named_only_when_they_matter() -> None:
    facts = _facts(leg_pain=None, pain=3.0)
    assert AllOf((T, FactTest("pain", "gte", 5))).evaluate(facts).unknown_facts == frozenset()
    assert AllOf((T, FactTest("pain", "lt", 5))).evaluate(facts).unknown_facts == {"leg_pain"}


def test_known_operator_is_never_unknown() -> None:
    assert FactTest("pain", "known", False).evaluate(_facts(pain=None)).result is True
    assert FactTest("pain", "known", True).evaluate(_facts(pain=4.0)).result is True


# --- stages ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("profile", "stage"),
    [
        (Profile(weeks=0), "acute"),
        (Profile(weeks=3.9), "acute"),
        (Profile(weeks=4), "subacute"),
        (Profile(weeks=12), "subacute"),
        (Profile(weeks=13), "subacute"),  # 13 weeks is exactly 3 months: not yet chronic, as in months
        (Profile(weeks=13.5), "chronic"),
        (Profile(months=0), "acute"),
        (Profile(months=0.9), "acute"),
        (Profile(months=1), "subacute"),
        (Profile(months=3), "subacute"),
        (Profile(months=3.1), "chronic"),
        (Profile(months=4), "chronic"),
        (Profile(), None),
    ],
)
def test_stage_boundaries(kb: Knowledge, profile: Profile, stage: str | None) -> None:
    assert stage_of(kb, profile) == stage


@given(months=st.floats(min_value=0, max_value=1200, allow_nan=False))
@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_weeks_and_months_give_the_same_stage(kb: Knowledge, months: float) -> None:
    """The same duration, given in months or in the equal number of weeks, is always the same stage."""
    assert stage_of(kb, Profile(months=months)) == stage_of(kb, Profile(weeks=months * 52 / 12))


# --- worked cases (clinical-evidence.md §6) -------------------------------------------------------------


def _statuses(kb: Knowledge, profile: Profile) -> dict[str, str]:
    return {s.treatment.id: s.status for s in build_pathway(kb, profile).steps}


def test_case_1_four_months_nothing_tried(kb: Knowledge) -> None:
    st_ = _statuses(kb, Profile(months=4))
    assert st_["education-self-management"] == "now"
    assert st_["physical-therapy"] == "now"
    assert st_["nsaids"] == "consider"
    for later in (
        "spinal-fusion",
        "discectomy",
        "spinal-cord-stimulator",
        "radiofrequency-denervation",
        "epidural-steroid-injection",
        "opioids",
    ):
        assert st_[later] not in ("now", "consider", "next"), later


def test_case_2_cauda_equina_signs_hold_everything(kb: Knowledge) -> None:
    pathway = build_pathway(kb, Profile(red_flags=frozenset({"saddle-numbness", "bladder-bowel"})))
    assert pathway.urgent is not None and pathway.urgent.level == "emergency"
    assert {s.status for s in pathway.steps} == {"on-hold"}


def test_case_3_sciatica_with_matching_imaging_after_failed_care(kb: Knowledge) -> None:
    tried = frozenset({"physical-therapy", "nsaids"})
    st_ = _statuses(kb, Profile(months=5, leg_pain=True, imaging_match=True, programme_weeks=8, tried=tried))
    assert st_["discectomy"] == "consider"
    assert st_["spinal-fusion"] == "not-recommended"


def test_case_4_back_pain_only_after_everything(kb: Knowledge) -> None:
    tried = frozenset({"physical-therapy", "cognitive-behavioral-therapy", "nsaids", "multidisciplinary-rehabilitation"})
    st_ = _statuses(kb, Profile(months=24, leg_pain=False, tried=tried))
    assert st_["spinal-fusion"] == "not-recommended"
    assert st_["disc-replacement"] == "not-recommended"
    assert st_["discectomy"] == "not-recommended"
    assert st_["laminectomy"] == "not-recommended"


def test_case_5_spinal_cord_stimulation_criteria(kb: Knowledge) -> None:
    base = Profile(
        months=9, neuropathic=True, pain=7, programme_weeks=8, tried=frozenset({"physical-therapy", "cognitive-behavioral-therapy"})
    )
    assert _statuses(kb, base)["spinal-cord-stimulator"] == "consider"
    assert _statuses(kb, base._replace(months=4))["spinal-cord-stimulator"] == "not-yet"
    assert _statuses(kb, base._replace(pain=4))["spinal-cord-stimulator"] == "not-yet"
    assert _statuses(kb, base._replace(neuropathic=False))["spinal-cord-stimulator"] == "not-recommended"
    assert _statuses(kb, base._replace(programme_weeks=None))["spinal-cord-stimulator"] == "needs-answer"


def test_case_6_three_weeks_is_acute(kb: Knowledge) -> None:
    pathway = build_pathway(kb, Profile(weeks=3))
    st_ = {s.treatment.id: s.status for s in pathway.steps}
    assert pathway.stage == "acute"
    assert st_["heat"] == "consider" and st_["regular-exercise"] == "now"
    assert st_["muscle-relaxants"] == "consider"
    assert st_["cognitive-behavioral-therapy"] == "not-yet"
    assert st_["radiofrequency-denervation"] == "not-yet"


def test_missing_answer_fails_closed_and_names_the_question(kb: Knowledge) -> None:
    tried = frozenset({"physical-therapy", "nsaids"})
    profile = Profile(months=5, leg_pain=True, programme_weeks=8, tried=tried)
    step = next(s for s in build_pathway(kb, profile).steps if s.treatment.id == "discectomy")
    assert step.status == "needs-answer"
    assert step.missing == ("imaging_match",)
    assert kb.questions["imaging_match"].prompt in step.reason


def test_preferences_annotate_and_rerank_but_never_change_a_status(kb: Knowledge) -> None:
    plain = build_pathway(kb, Profile(months=4))
    avoiding = build_pathway(kb, Profile(months=4, avoid=frozenset({"medication"})))
    assert {s.treatment.id: s.status for s in plain.steps} == {s.treatment.id: s.status for s in avoiding.steps}
    nsaid = next(s for s in avoiding.steps if s.treatment.id == "nsaids")
    assert nsaid.avoided
    traditional = [s.treatment.id for s in avoiding.steps if s.treatment.tier == "traditional"]
    assert traditional.index("nsaids") > traditional.index("physical-therapy")


def test_guideline_mode_follows_one_guideline(kb: Knowledge) -> None:
    assert _statuses(kb, Profile(months=6))["acupuncture"] == "consider"
    assert _statuses(kb, Profile(months=6, guideline="nice"))["acupuncture"] == "not-recommended"
    assert _statuses(kb, Profile(months=6, guideline="acp", tried=frozenset({"nsaids"})))["duloxetine"] == "consider"
    assert _statuses(kb, Profile(months=6))["duloxetine"] == "not-recommended"


# --- properties: one per invariant -------------------------------------------------------------------

PROPERTY = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@PROPERTY
@given(data=st.data())
def test_property_every_treatment_exactly_once_with_a_real_source(kb: Knowledge, data: st.DataObject) -> None:
    pathway = build_pathway(kb, data.draw(profiles(kb)))
    assert sorted(s.treatment.id for s in pathway.steps) == sorted(t.id for t in kb.treatments)
    assert [s.order for s in pathway.steps] == list(range(1, len(kb.treatments) + 1))
    for step in pathway.steps:
        assert step.sources, step.treatment.id
        assert all(source in kb.sources for source in step.sources)
        assert step.reason


@PROPERTY
@given(data=st.data())
def test_property_red_flag_leaves_nothing_now_consider_or_next(kb: Knowledge, data: st.DataObject) -> None:
    profile = data.draw(profiles(kb))
    pathway = build_pathway(kb, profile)
    if profile.red_flags:
        assert pathway.urgent is not None
        assert not any(s.status in PERMISSIVE for s in pathway.steps)
    else:
        assert pathway.urgent is None


@PROPERTY
@given(data=st.data())
def test_property_surgery_never_offered_without_a_fair_trial_of_active_care(kb: Knowledge, data: st.DataObject) -> None:
    """Issue 10: "non-surgical care has not worked" means an exercise programme kept up for 6 weeks or more."""
    profile = data.draw(profiles(kb))
    pathway = build_pathway(kb, profile)
    not_enough = profile.tried | profile.helped_a_little | profile.side_effects
    fair_trial = bool(not_enough & set(ACTIVE_CARE)) and (profile.programme_weeks or 0) >= 6
    if not fair_trial:
        for step in pathway.steps:
            if step.treatment.tier == "surgical" or step.treatment.id in ("radiofrequency-denervation", "spinal-cord-stimulator"):
                assert step.status not in PERMISSIVE, (step.treatment.id, step.status)


@PROPERTY
@given(data=st.data())
def test_property_options_all_guidelines_advise_against_are_never_offered(kb: Knowledge, data: st.DataObject) -> None:
    pathway = build_pathway(kb, data.draw(profiles(kb)))
    for step in pathway.steps:
        if step.treatment.id in AGAINST_BY_ALL or all(g.direction == "against" for g in step.treatment.guidelines):
            assert step.status not in PERMISSIVE, step.treatment.id


@PROPERTY
@given(data=st.data())
def test_property_missing_answers_never_open_a_door(kb: Knowledge, data: st.DataObject) -> None:
    """Answering a needs-answer question can only settle it; leaving it out never yields now/consider."""
    profile = data.draw(profiles(kb))
    for step in build_pathway(kb, profile).steps:
        if step.status == "needs-answer":
            assert step.missing, step.treatment.id


@PROPERTY
@given(data=st.data())
def test_property_preferences_never_change_a_status(kb: Knowledge, data: st.DataObject) -> None:
    profile = data.draw(profiles(kb))
    with_prefs = build_pathway(kb, profile)
    without = build_pathway(kb, profile._replace(avoid=frozenset()))
    assert {s.treatment.id: s.status for s in with_prefs.steps} == {s.treatment.id: s.status for s in without.steps}


def test_every_fact_in_the_registry_reaches_the_rules(kb: Knowledge) -> None:
    """A fact declared once in the registry is seen by the rules: no hand-kept list between the profile
    and the engine can leave a new fact "unknown" forever."""
    from backpain_cli.engine.pathway import derive_facts
    from backpain_cli.knowledge.facts import FACTS

    sample = {"number": 5.0, "bool": True, "set": frozenset({"massage"})}
    values = {}
    for fact in FACTS.values():
        if fact.derived:
            continue
        values[fact.name] = fact.values[-1] if fact.kind == "enum" else sample[fact.kind]
    values.pop("weeks")  # one duration at a time
    facts = derive_facts(kb, Profile(**values))
    assert set(facts) == set(FACTS)
    for name, value in values.items():
        assert facts[name] is not None and (facts[name] == value or name in ("tried",)), name


def test_conditions_are_equal_only_when_their_parts_are() -> None:
    """Equality and hashing compare every field, a shared base class's included (the cache relies on it)."""
    a, b = FactTest("pain", "gte", 5), FactTest("pain", "lt", 5)
    assert AllOf((a, b)) == AllOf((a, b)) and hash(AllOf((a, b))) == hash(AllOf((a, b)))
    assert AllOf((a,)) != AllOf((b,)) and AnyOf((a,)) != AnyOf((b,)) and AllOf((a,)) != AnyOf((a,))
    assert "pain" in repr(AnyOf((a, b)))


def test_every_avoid_word_names_a_care_type() -> None:
    """--avoid's words (the fact registry) and the care types they cover (the engine) are the same list."""
    from backpain_cli.knowledge.facts import FACTS
    from backpain_cli.knowledge.model import AVOIDABLE, CARE_TYPES

    assert set(AVOIDABLE) == set(FACTS["avoid"].values)
    assert set(AVOIDABLE.values()) <= set(CARE_TYPES)
