"""The rule engine: three-valued logic, stages, fail-closed unknowns, and one property per invariant."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backpain_cli.conditions import AllOf, AnyOf, Facts, FactTest, Not
from backpain_cli.engine import Profile, build_pathway, stage_of
from backpain_cli.model import PERMISSIVE, Knowledge

GATE_IDS = (
    "education-self-management",
    "regular-exercise",
    "physical-therapy",
    "yoga-tai-chi",
    "nsaids",
    "multidisciplinary-rehabilitation",
)
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
        (Profile(weeks=13), "chronic"),
        (Profile(months=0), "acute"),
        (Profile(months=1), "subacute"),
        (Profile(months=3), "subacute"),
        (Profile(months=3.5), "chronic"),
        (Profile(months=4), "chronic"),
        (Profile(), None),
    ],
)
def test_stage_boundaries(kb: Knowledge, profile: Profile, stage: str | None) -> None:
    assert stage_of(kb, profile) == stage


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
    st_ = _statuses(kb, Profile(months=5, leg_pain=True, imaging_match=True, tried=frozenset({"physical-therapy", "nsaids"})))
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
    tried = frozenset({"physical-therapy", "cognitive-behavioral-therapy"})
    assert _statuses(kb, Profile(months=9, neuropathic=True, pain=7, tried=tried))["spinal-cord-stimulator"] == "consider"
    assert _statuses(kb, Profile(months=4, neuropathic=True, pain=7, tried=tried))["spinal-cord-stimulator"] == "not-yet"
    assert _statuses(kb, Profile(months=9, neuropathic=True, pain=4, tried=tried))["spinal-cord-stimulator"] == "not-yet"
    assert _statuses(kb, Profile(months=9, neuropathic=False, pain=7, tried=tried))["spinal-cord-stimulator"] == "not-recommended"


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
    step = next(s for s in build_pathway(kb, Profile(months=5, leg_pain=True, tried=tried)).steps if s.treatment.id == "discectomy")
    assert step.status == "needs-answer"
    assert step.missing == ("imaging_match",)
    assert kb.questions["imaging_match"].ask in step.reason


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

_optional_bool = st.one_of(st.none(), st.booleans())


@st.composite
def profiles(draw: st.DrawFn, kb: Knowledge) -> Profile:
    ids = [t.id for t in kb.treatments]
    tried = draw(st.frozensets(st.sampled_from(ids), max_size=6))
    helped = draw(st.frozensets(st.sampled_from(ids), max_size=3)) - tried
    use_weeks = draw(st.booleans())
    duration = draw(st.one_of(st.none(), st.floats(min_value=0, max_value=600, allow_nan=False)))
    return Profile(
        weeks=duration if use_weeks else None,
        months=None if use_weeks else duration,
        leg_pain=draw(_optional_bool),
        pain=draw(st.one_of(st.none(), st.integers(0, 10).map(float))),
        imaging_match=draw(_optional_bool),
        neuropathic=draw(_optional_bool),
        claudication=draw(_optional_bool),
        medial_branch_block=draw(st.one_of(st.none(), st.sampled_from(["positive", "negative", "not-done"]))),
        risk=draw(st.one_of(st.none(), st.sampled_from(["low", "medium", "high"]))),
        tried=tried,
        helped=helped,
        red_flags=draw(st.frozensets(st.sampled_from([f.code for f in kb.red_flags]), max_size=3)),
        avoid=draw(st.frozensets(st.sampled_from(["medication", "injections", "surgery"]), max_size=3)),
        guideline=draw(st.sampled_from(["default", "nice", "acp", "who"])),
    )


PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


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
def test_property_surgery_never_now_before_conservative_care(kb: Knowledge, data: st.DataObject) -> None:
    profile = data.draw(profiles(kb))
    pathway = build_pathway(kb, profile)
    if not profile.tried & set(GATE_IDS):
        for step in pathway.steps:
            if step.treatment.tier == "surgical":
                assert step.status not in ("now", "consider", "next"), (step.treatment.id, step.status)


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
