"""Plain language (issue 12): what people read is written at a median reading grade of 8 or lower.

The grade is the Flesch-Kincaid grade of textstat 0.7.3 (pinned in the test extras: other versions
count syllables differently; it needs no network, pyphen ships its dictionaries). Patient material
should read at grade 6 to 8; the shipped file aims at about 6 to 7, so that later edits do not tip it
over. The bar is a median, so one sentence that must carry an explained medical word does not fail a
group, but a drift of the whole group does. Each failure names the group and its measured median.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable

import pytest
import textstat

from backpain_cli.engine.answers import Answers, build_profile
from backpain_cli.engine.pathway import build_pathway
from backpain_cli.knowledge import loader
from backpain_cli.knowledge.model import Knowledge

MAX_GRADE = 8.0

# Varied people, so that every kind of reason the pathway writes is read: new and long-lasting pain,
# back pain alone and sciatica, each result of trying an option, each guideline, warning signs,
# missing answers (which put the question before the reason) and a preference.
PROFILES = {
    "nothing answered": Answers(),
    "4 months, back pain only": Answers(months=4, leg_pain=False),
    "3 weeks, an NSAID helped": Answers(weeks=3, helped=("ibuprofen",)),
    "8 weeks, leg pain, ACP": Answers(weeks=8, leg_pain=True, guideline="acp"),
    "sciatica after physiotherapy": Answers(
        months=5, leg_pain=True, imaging_match=True, pain=7, programme_weeks=8, tried=("physio", "ibuprofen")
    ),
    "narrowed canal, avoids surgery": Answers(months=12, leg_pain=True, claudication=True, imaging_match=True, avoid=("surgery",)),
    "nerve pain after a long trial": Answers(
        months=14, leg_pain=True, neuropathic=True, pain=8, programme_weeks=12, tried=("physio", "cbt", "gabapentin")
    ),
    "facet pain, test block positive, NICE": Answers(
        months=24, pain=6, medial_branch_block="positive", programme_weeks=10, tried=("exercise", "cbt"), guideline="nice"
    ),
    "mixed results, high risk": Answers(
        months=6, risk="high", helped_a_little=("yoga",), side_effects=("amitriptyline",), helped=("tramadol",)
    ),
    "helped enough, WHO": Answers(months=9, pain=3, helped=("exercise",), guideline="who"),
    "emergency warning sign": Answers(months=4, red_flags=("saddle-numbness",)),
    "urgent warning sign": Answers(weeks=2, red_flags=("night-pain",)),
}


@pytest.fixture(scope="module")
def kb() -> Knowledge:
    return loader.load(loader.default_path())


def _median_grade(texts: Iterable[str]) -> float:
    grades = [textstat.flesch_kincaid_grade(text) for text in texts]
    assert grades, "nothing to measure"
    return float(statistics.median(grades))


def _assert_plain(what: str, texts: Iterable[str]) -> None:
    median = _median_grade(texts)
    assert median <= MAX_GRADE, f"{what}: median Flesch-Kincaid grade {median:.1f}, above {MAX_GRADE:g}"


def test_summaries(kb: Knowledge) -> None:
    _assert_plain("treatment summaries", [t.summary for t in kb.treatments])


def test_rule_and_signal_reasons(kb: Knowledge) -> None:
    reasons = [rule.reason for t in kb.treatments for rule in t.rules]
    reasons += [rule.reason for tier in kb.tiers for rule in tier.rules]
    reasons += [signal.reason for t in kb.treatments for signal in t.signals.values()]
    reasons += [signal.reason for by_care_type in kb.signals.values() for signal in by_care_type.values()]
    _assert_plain("rule and signal reasons", reasons)


def test_reasons_the_pathway_generates(kb: Knowledge) -> None:
    reasons = [step.reason for answers in PROFILES.values() for step in build_pathway(kb, build_profile(kb, answers)).steps]
    assert len(reasons) == len(PROFILES) * len(kb.treatments)
    _assert_plain(f"reasons the pathway generates for {len(PROFILES)} people", reasons)


def test_how_it_works(kb: Knowledge) -> None:
    _assert_plain("how_it_works", [t.how_it_works for t in kb.treatments])


def test_warning_sign_actions(kb: Knowledge) -> None:
    _assert_plain("warning-sign actions", [f.action for f in kb.red_flags] + [r.action for r in kb.red_flag_rules])


def test_the_measure_tells_plain_from_hard() -> None:
    """Guards the bar itself: a textstat that scored everything low would pass any file."""
    plain = "Keep moving. Bed rest is not advised. Ask your doctor if the pain gets worse."
    hard = (
        "Multidisciplinary biopsychosocial rehabilitation incorporating cognitive-behavioural methodologies is "
        "recommended preferentially for persistent nonspecific musculoskeletal presentations."
    )
    assert _median_grade([plain]) <= MAX_GRADE < _median_grade([hard])


def test_topic_pages(kb: Knowledge) -> None:
    """What `explain sciatica` (or slipped disc, tablets...) says about the condition and what to avoid."""
    texts = [t.summary for t in kb.topics] + [t.advised_against.text for t in kb.topics if t.advised_against is not None]
    _assert_plain("topic summaries and advice against", texts)


def test_short_reasons_and_rule_sentences(kb: Knowledge) -> None:
    """The first screen's short reasons, and the rules as `explain` words them from their data."""
    from backpain_cli.knowledge.conditions import Facts

    _assert_plain("short reasons", [r.short for t in kb.treatments for r in t.rules if r.short])
    sentences = [r.condition.describe(Facts({}, t.id, kb.wording())) for t in kb.treatments for r in t.rules if r.condition is not None]
    _assert_plain("rules in words", sentences)
