"""Hypothesis strategies shared by the engine's property tests: any profile a person could give."""

from __future__ import annotations

from hypothesis import strategies as st

from backpain_cli.engine.pathway import Profile
from backpain_cli.knowledge.model import RESULTS, Knowledge

_optional_bool = st.one_of(st.none(), st.booleans())
# Where each result goes in a profile.
RESULT_FIELDS = {"helped": "helped", "some": "helped_a_little", "no-help": "tried", "side-effects": "side_effects"}


@st.composite
def profiles(draw: st.DrawFn, kb: Knowledge, *, red_flags: bool = True) -> Profile:
    """A profile with any mix of answers, unknowns, results for what was tried, preferences and guideline."""
    ids = [t.id for t in kb.treatments]
    results = draw(st.dictionaries(st.sampled_from(ids), st.sampled_from(RESULTS), max_size=8))
    by_field = {field: frozenset(t for t, r in results.items() if RESULT_FIELDS[r] == field) for field in RESULT_FIELDS.values()}
    use_weeks = draw(st.booleans())
    duration = draw(st.one_of(st.none(), st.floats(min_value=0, max_value=600, allow_nan=False)))
    codes = [f.code for f in kb.red_flags]
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
        programme_weeks=draw(st.one_of(st.none(), st.integers(0, 30).map(float))),
        red_flags=draw(st.frozensets(st.sampled_from(codes), max_size=3)) if red_flags else frozenset(),
        avoid=draw(st.frozensets(st.sampled_from(["medication", "injections", "surgery"]), max_size=3)),
        guideline=draw(st.sampled_from(["default", "nice", "acp", "who"])),
        **by_field,
    )


def without_result(profile: Profile, treatment_id: str) -> Profile:
    """The same profile, as if the person had said nothing about this option."""
    return profile._replace(**{field: getattr(profile, field) - {treatment_id} for field in RESULT_FIELDS.values()})
