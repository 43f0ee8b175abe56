"""Table-driven clinical scenarios, each run through the engine and through the real CLI.

Every expectation below comes from the evidence brief (../shared/clinical-evidence.md) (§7 supersedes earlier sections),
never from what the program happens to print. A scenario is ``(id, CLI-style args, expected, urgent level)``:

- ``expected`` maps a step id to one status, a set of acceptable statuses (where the evidence leaves the
  status open, e.g. "may be mentioned"), ``asks(fact, ...)`` (needs-answer, and the reason names the
  question for each missing fact) or ``says(statuses, word, ...)`` (a status whose reason mentions the
  words). The special key ``"stage"`` holds the expected stage (``None`` when no duration was given).
- ``urgent`` is the expected red-flag level (``"emergency"``, ``"urgent"``, ``"soon"``) or ``None``.

Every scenario also checks the invariants in ``_structure_problems`` (asked for in every scenario) and
``_evidence_problems`` (must / must-not rules from evidence §1-§5 that hold for any profile). Where the
knowledge base disagrees with the evidence, the scenario is marked ``xfail(strict=True)`` with the reason,
so the suite stays green until the knowledge base is fixed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from backpain_cli.cli import app
from backpain_cli.engine import pathway as engine
from backpain_cli.knowledge import loader as knowledge
from backpain_cli.knowledge.lookup import NameIndex
from backpain_cli.knowledge.model import Knowledge

# --- vocabulary ------------------------------------------------------------------------------------

NOW = "now"
CONSIDER = "consider"
NEXT = "next"
NOT_YET = "not-yet"
NOT_NEEDED = "not-needed"
NOT_REC = "not-recommended"
NOT_COVERED = "not-covered"
HOLD = "on-hold"
HELPED = "helped"
TRIED = "tried"

OPEN = frozenset({NOW, CONSIDER, NEXT})  # statuses that put a step on the table
CURRENT = frozenset({NOW, CONSIDER})  # what `pathway` proposes now
HELD_BACK = frozenset({NOT_YET, NOT_REC, NOT_COVERED})
NOT_CURRENT_LATER = frozenset({NOT_YET, NEXT})
NOT_NOW = frozenset({CONSIDER, NEXT, NOT_YET, NOT_REC, NOT_COVERED})

# Options every guideline advises against or never presents (evidence §1 "Place: never"/"not a pathway step").
ALWAYS_AGAINST = frozenset(
    {
        "paracetamol",
        "gabapentinoids",
        "other-antidepressants",
        "tens",
        "braces-belts",
        "traction",
        "facet-joint-injection",
        "spinal-fusion",
        "disc-replacement",
    }
)
SURGICAL = ("discectomy", "laminectomy", "minimally-invasive-surgery")
AVOID_ALL = ("--avoid", "medication", "--avoid", "injections", "--avoid", "surgery")


@dataclass(frozen=True)
class Asks:
    """needs-answer, with each fact among the missing answers and its question named in the reason."""

    facts: tuple[str, ...]


@dataclass(frozen=True)
class Says:
    """One of ``statuses``, with every word in the reason (case-insensitive)."""

    statuses: frozenset[str]
    words: tuple[str, ...]


def asks(*facts: str) -> Asks:
    return Asks(facts)


def says(statuses: str | Iterable[str], *words: str) -> Says:
    return Says(frozenset({statuses} if isinstance(statuses, str) else statuses), words)


Expected = str | frozenset[str] | set[str] | Asks | Says


def sc(sid: str, args: Iterable[str], expected: Mapping[str, Any], urgent: str | None = None, *, kb_disagrees: str = "") -> Any:
    """One scenario; ``kb_disagrees`` marks a genuine disagreement with the evidence as a strict xfail."""
    marks = [pytest.mark.xfail(strict=True, reason=f"KB disagrees: {kb_disagrees}")] if kb_disagrees else []
    return pytest.param(tuple(args), dict(expected), urgent, id=sid, marks=marks)


def chain(*parts: Iterable[str]) -> tuple[str, ...]:
    return tuple(a for part in parts for a in part)


def tried(*ids: str) -> tuple[str, ...]:
    return chain(*(("--tried", i) for i in ids))


def helped(*ids: str) -> tuple[str, ...]:
    return chain(*(("--helped", i) for i in ids))


def flags(*codes: str) -> tuple[str, ...]:
    return chain(*(("--red-flag", c) for c in codes))


# --- scenario building blocks -----------------------------------------------------------------------

ROUTINE = (
    "education-self-management",
    "regular-exercise",
    "physical-therapy",
    "nsaids",
    "muscle-relaxants",
    "opioids",
    "heat",
    "cognitive-behavioral-therapy",
    "discectomy",
    "spinal-cord-stimulator",
)
# Evidence §4 / §6.2: a red flag at emergency or urgent level stops the routine pathway.
ALL_ON_HOLD = dict.fromkeys(ROUTINE, HOLD)
# "soon" (rheumatology referral, non-emergency): routine choices may wait, keeping moving is fine.
SOON = {
    "education-self-management": {HOLD, NOW},
    "regular-exercise": {HOLD, NOW},
    "discectomy": {HOLD, NOT_YET, NOT_REC, "needs-answer"},
    "spinal-cord-stimulator": {HOLD, NOT_YET, NOT_REC, "needs-answer"},
    "opioids": {HOLD, NOT_YET, NOT_REC},
}

# §5 stage boundaries; §1 placement of the chronic ladder and of short-course options.
NOT_CHRONIC = {
    "muscle-relaxants": {CONSIDER, NEXT},  # ACP acute/subacute (strong); short course
    "yoga-tai-chi": NOT_YET,  # ACP chronic list only; the chronic ladder does not start
    "cognitive-behavioral-therapy": NOT_YET,
    "mindfulness-based-stress-reduction": NOT_YET,
    "radiofrequency-denervation": NOT_YET,
}
CHRONIC = {
    "stage": "chronic",
    "muscle-relaxants": NOT_REC,  # not a chronic step; WHO against
    "yoga-tai-chi": OPEN,  # ACP chronic first line
    "cognitive-behavioral-therapy": OPEN,
    "specialist-assessment": CURRENT,  # WHO: thorough biopsychosocial assessment for chronic LBP
}

# §6.1: 4 months, nothing tried, no red flags, no leg pain.
W1_ARGS = ("--months", "4", "--no-leg-pain")
W1 = {
    "stage": "chronic",
    "education-self-management": NOW,
    "regular-exercise": NOW,
    "physical-therapy": NOW,
    "nsaids": {CONSIDER, NEXT, NOT_YET},  # "a time-limited NSAID may be mentioned"
    "opioids": NOT_REC,  # NICE: do not offer for chronic LBP; WHO against
    "epidural-steroid-injection": NOT_REC,  # no spinal injections for back pain itself
    "facet-joint-injection": NOT_REC,
    "nerve-block": NOT_REC,
    "radiofrequency-denervation": NOT_YET,  # non-surgical care has not failed yet
    "spinal-cord-stimulator": NOT_YET,  # under 6 months
    "discectomy": NOT_REC,  # decompression is never for back pain alone
    "laminectomy": NOT_REC,
    "minimally-invasive-surgery": NOT_REC,
    "spinal-fusion": NOT_REC,
    "disc-replacement": NOT_REC,
    "imaging": NOT_REC,  # NICE 1.1.4: no routine imaging
}

# §6.3: 5 months, leg-dominant sciatica, exercise and analgesia failed, matching imaging.
FAIR_TRIAL = ("--programme-weeks", "8")  # an exercise programme kept up for 8 weeks: a fair trial
W3_ARGS = ("--months", "5", "--leg-pain", "--imaging-match", *FAIR_TRIAL, *tried("physical-therapy", "nsaids"))
W3 = {
    "stage": "chronic",
    "discectomy": CONSIDER,
    "laminectomy": asks("claudication"),  # for a narrowed canal: the walking pattern decides which operation fits
    "minimally-invasive-surgery": {CONSIDER, NEXT},  # same entry criteria as open surgery
    "spinal-fusion": NOT_REC,
    "disc-replacement": NOT_REC,
    "epidural-steroid-injection": NOT_COVERED,  # outside NICE's recommendation: acute severe sciatica only
    "opioids": NOT_REC,  # no opioids for chronic sciatica
    "gabapentinoids": NOT_REC,
}

# §6.5: 9 months, neuropathic leg pain, 7/10 despite conventional care (exercise and a psychological step).
W5_BASE = ("--leg-pain", "--neuropathic", *FAIR_TRIAL, *tried("physical-therapy", "cbt"))
SCS_OK = says({CONSIDER, NEXT}, "trial")  # "may appear; the trial requirement is stated"


def w5(*extra: str, months: str = "9", pain: str = "7") -> tuple[str, ...]:
    return ("--months", months, "--pain", pain, *W5_BASE, *extra)


# §3 RFD: chronic, non-surgical care (both steps) failed, localised back pain >= 5, positive block.
RFD_BASE = ("--months", "8", "--no-leg-pain", *FAIR_TRIAL, *tried("physical-therapy", "cognitive-behavioral-therapy"))


def rfd(*extra: str, pain: str | None = "6", block: str | None = "positive") -> tuple[str, ...]:
    args = [*RFD_BASE, *extra]
    if pain is not None:
        args += ["--pain", pain]
    if block is not None:
        args += ["--medial-branch-block", block]
    return tuple(args)


# §1/§2 epidural: acute and severe sciatica only; never for neurogenic claudication or back pain alone.
def epi(*extra: str, leg: str | None = "--leg-pain", pain: str | None = "8", claud: str | None = "--no-claudication") -> tuple[str, ...]:
    args = ["--weeks", "3", *extra]
    args += [a for a in (leg, claud) if a is not None]
    if pain is not None:
        args += ["--pain", pain]
    return tuple(args)


CHRONIC_BACK = ("--months", "6", "--no-leg-pain")
ALL_CONSERVATIVE = FAIR_TRIAL + tried(
    "education-self-management",
    "regular-exercise",
    "physical-therapy",
    "nsaids",
    "cognitive-behavioral-therapy",
    "mindfulness-based-stress-reduction",
    "multidisciplinary-rehabilitation",
    "spinal-manipulation",
    "massage",
    "yoga-tai-chi",
)

SCENARIOS = [
    # ---- §6 worked cases -------------------------------------------------------------------------
    sc("w1-4m-nothing-tried-back-only", W1_ARGS, W1),
    sc(
        "w1-4m-nothing-tried-leg-unknown",
        ("--months", "4"),
        {
            "education-self-management": NOW,
            "physical-therapy": NOW,
            "opioids": NOT_REC,
            "epidural-steroid-injection": NOT_COVERED,  # outside NICE's recommendation (acute severe sciatica only)
            "radiofrequency-denervation": NOT_YET,
            "spinal-cord-stimulator": NOT_YET,
            "discectomy": {NOT_YET, "needs-answer"},
            "laminectomy": {NOT_YET, "needs-answer"},
        },
    ),
    sc("w2-ces-months-6", ("--months", "6", *flags("saddle-numbness", "bladder-bowel")), ALL_ON_HOLD, "emergency"),
    sc(
        "w2-ces-weeks-1-leg-pain",
        ("--weeks", "1", "--leg-pain", "--pain", "9", *flags("saddle-numbness", "bladder-bowel")),
        {**ALL_ON_HOLD, "epidural-steroid-injection": HOLD},
        "emergency",
    ),
    sc("w2-ces-no-duration", flags("saddle-numbness", "bladder-bowel"), ALL_ON_HOLD, "emergency"),
    sc("w3-sciatica-imaging-match", W3_ARGS, W3),
    sc(
        "w3-sciatica-no-imaging-match",
        ("--months", "5", "--leg-pain", "--no-imaging-match", *tried("physical-therapy", "nsaids")),
        {"discectomy": HELD_BACK, "laminectomy": HELD_BACK, "minimally-invasive-surgery": HELD_BACK, "spinal-fusion": NOT_REC},
    ),
    sc(
        "w3-sciatica-imaging-unknown",
        ("--months", "5", "--leg-pain", *FAIR_TRIAL, *tried("physical-therapy", "nsaids")),
        {
            "discectomy": asks("imaging_match"),
            "laminectomy": asks("imaging_match"),
            "minimally-invasive-surgery": asks("imaging_match"),
            "imaging": {CONSIDER, NEXT},  # ACP07 / NICE 1.1.6: scan when it would change management
        },
    ),
    sc(
        "w3-sciatica-nothing-tried",
        ("--months", "5", "--leg-pain", "--imaging-match"),
        {"discectomy": NOT_YET, "laminectomy": NOT_YET, "minimally-invasive-surgery": NOT_YET},
    ),
    sc(
        "w3-sciatica-acute-within-natural-history",
        ("--weeks", "3", "--leg-pain", "--imaging-match", *tried("physical-therapy", "nsaids")),
        {"stage": "acute", "discectomy": NOT_YET, "laminectomy": NOT_YET, "spinal-fusion": NOT_REC},
    ),
    sc(
        "w3-sciatica-something-helped-pain-now-mild",
        (*W3_ARGS[:-2], "--pain", "3", *helped("nsaids")),
        {
            "discectomy": NOT_NEEDED,
            "laminectomy": NOT_NEEDED,
            "minimally-invasive-surgery": NOT_NEEDED,
            "nsaids": says(HELPED, "prescriber"),  # a medicine that helped: review it, not "keep it up"
        },
    ),
    sc(
        "w3-sciatica-something-helped-pain-unknown",
        (*W3_ARGS[:-2], *helped("nsaids")),
        {"discectomy": asks("pain"), "minimally-invasive-surgery": asks("pain")},
    ),
    # Issue 10: one small thing that helped (a heat pack) does not close the ladder while the pain is still 7/10.
    sc(
        "w3-heat-helped-but-pain-still-high",
        (*W3_ARGS, "--pain", "7", *helped("heat pack")),
        {"discectomy": CONSIDER, "heat": says(HELPED, "keep it up"), "spinal-cord-stimulator": NOT_YET},
    ),
    sc(
        "w3-helped-a-little-does-not-close-the-ladder",
        (*W3_ARGS, "--pain", "3", "--helped-a-little", "heat"),
        {"discectomy": CONSIDER, "heat": TRIED},
    ),
    sc(
        "w4-24m-back-only-all-conservative-failed",
        ("--months", "24", "--no-leg-pain", *ALL_CONSERVATIVE),
        {
            "spinal-fusion": says(NOT_REC, "trial"),  # at most "only within a clinical trial"
            "disc-replacement": NOT_REC,
            "discectomy": NOT_REC,
            "laminectomy": NOT_REC,
            "minimally-invasive-surgery": NOT_REC,
            "epidural-steroid-injection": NOT_REC,
            "facet-joint-injection": NOT_REC,
            "opioids": NOT_REC,
            "radiofrequency-denervation": asks("pain", "medial_branch_block"),
            "spinal-cord-stimulator": asks("neuropathic", "pain"),
        },
    ),
    sc(
        "w4-24m-back-only-rfd-criteria-met",
        ("--months", "24", "--no-leg-pain", "--pain", "6", "--medial-branch-block", "positive", "--no-neuropathic", *ALL_CONSERVATIVE),
        {
            "radiofrequency-denervation": CONSIDER,
            "spinal-cord-stimulator": NOT_REC,
            "spinal-fusion": NOT_REC,
            "discectomy": NOT_REC,
            "disc-replacement": NOT_REC,
        },
    ),
    sc(
        "w5-scs-9m-neuropathic-7",
        w5(),
        {"spinal-cord-stimulator": SCS_OK, "gabapentinoids": NOT_REC, "opioids": NOT_REC, "other-antidepressants": NOT_REC},
    ),
    sc("w5-scs-4-months", w5(months="4"), {"spinal-cord-stimulator": NOT_YET}),
    sc("w5-scs-pain-4", w5(pain="4"), {"spinal-cord-stimulator": NOT_YET}),
    sc("w5-scs-6-months-boundary", w5(months="6"), {"spinal-cord-stimulator": SCS_OK}),
    sc("w5-scs-pain-5-boundary", w5(pain="5"), {"spinal-cord-stimulator": SCS_OK}),
    sc(
        "w5-scs-weeks-30",
        ("--weeks", "30", "--pain", "7", *W5_BASE),
        {"stage": "chronic", "spinal-cord-stimulator": SCS_OK},
    ),
    sc(
        "w5-scs-weeks-20",
        ("--weeks", "20", "--pain", "7", *W5_BASE),
        {"stage": "chronic", "spinal-cord-stimulator": NOT_YET},
    ),
    sc(
        "w5-scs-not-neuropathic",
        ("--months", "9", "--pain", "7", "--leg-pain", "--no-neuropathic", *tried("physical-therapy", "cbt")),
        {"spinal-cord-stimulator": NOT_REC},
    ),
    sc(
        "w5-scs-neuropathic-unknown",
        ("--months", "9", "--pain", "7", "--leg-pain", *tried("physical-therapy", "cbt")),
        {"spinal-cord-stimulator": asks("neuropathic")},
    ),
    sc(
        "w5-scs-pain-unknown",
        ("--months", "9", "--leg-pain", "--neuropathic", *tried("physical-therapy", "cbt")),
        {"spinal-cord-stimulator": asks("pain")},
    ),
    sc(
        "w5-scs-nothing-tried",
        ("--months", "9", "--pain", "7", "--leg-pain", "--neuropathic"),
        {"spinal-cord-stimulator": NOT_YET},
    ),
    sc(
        "w5-scs-first-step-only",
        ("--months", "9", "--pain", "7", "--leg-pain", "--neuropathic", *tried("physical-therapy")),
        {"spinal-cord-stimulator": NOT_CURRENT_LATER},
    ),
    sc(
        "w6-3-weeks-acute",
        ("--weeks", "3"),
        {
            "stage": "acute",
            "education-self-management": NOW,
            "regular-exercise": NOW,
            "heat": CONSIDER,
            "nsaids": {CONSIDER, NEXT},
            "muscle-relaxants": {CONSIDER, NEXT},
            "physical-therapy": NOT_CURRENT_LATER,
            "cognitive-behavioral-therapy": NOT_YET,
            "mindfulness-based-stress-reduction": NOT_YET,
            "multidisciplinary-rehabilitation": NOT_YET,
            "relaxation-techniques": NOT_YET,
            "yoga-tai-chi": NOT_YET,
            "radiofrequency-denervation": NOT_YET,
            "spinal-cord-stimulator": NOT_YET,
            "discectomy": NOT_YET,
            "opioids": HELD_BACK,  # not routinely for acute LBP; only after an NSAID
            "imaging": NOT_REC,
        },
    ),
    sc(
        "w6-3-weeks-nsaid-failed-nice-weak-opioid",
        ("--weeks", "3", "--guideline", "nice", *tried("nsaids")),
        {"stage": "acute", "opioids": says(CONSIDER, "weak"), "paracetamol": NOT_REC},
    ),
    sc(
        "w6-3-weeks-nsaid-helped",
        ("--weeks", "3", *helped("nsaids")),
        {"nsaids": says(HELPED, "prescriber"), "opioids": {NOT_NEEDED, NOT_REC}},
    ),
    # ---- §5 duration boundaries ---------------------------------------------------------------------
    sc("weeks-3-acute", ("--weeks", "3"), {"stage": "acute", **NOT_CHRONIC}),
    sc("weeks-4-subacute", ("--weeks", "4"), {"stage": "subacute", **NOT_CHRONIC}),
    sc("weeks-12-subacute", ("--weeks", "12"), {"stage": "subacute", **NOT_CHRONIC}),
    sc("weeks-12.5-subacute", ("--weeks", "12.5"), {"stage": "subacute", **NOT_CHRONIC}),
    sc("weeks-13-is-3-months-subacute", ("--weeks", "13"), {"stage": "subacute", **NOT_CHRONIC}),
    sc("weeks-13.5-chronic", ("--weeks", "13.5"), CHRONIC),
    sc("weeks-0-acute", ("--weeks", "0"), {"stage": "acute", **NOT_CHRONIC}),
    sc("months-0-acute", ("--months", "0"), {"stage": "acute", **NOT_CHRONIC}),
    sc("months-0.5-acute", ("--months", "0.5"), {"stage": "acute", **NOT_CHRONIC}),
    sc("months-1-subacute", ("--months", "1"), {"stage": "subacute", **NOT_CHRONIC}),
    sc("months-3-subacute-boundary", ("--months", "3"), {"stage": "subacute", **NOT_CHRONIC}),
    sc("months-4-chronic", ("--months", "4"), CHRONIC),
    sc("w5-scs-26-weeks-is-6-months", ("--weeks", "26", "--pain", "7", *W5_BASE), {"spinal-cord-stimulator": SCS_OK}),
    sc(
        "w5-scs-no-duration",
        ("--pain", "7", *W5_BASE),
        {"stage": None, "spinal-cord-stimulator": asks("months")},
    ),
    # ---- epidural entry criteria --------------------------------------------------------------------
    sc("epidural-acute-severe-sciatica", epi(), {"stage": "acute", "epidural-steroid-injection": CONSIDER}),
    sc("epidural-acute-not-severe", epi(pain="4"), {"epidural-steroid-injection": HELD_BACK}),
    sc("epidural-neurogenic-claudication", epi(claud="--claudication"), {"epidural-steroid-injection": NOT_REC}),
    sc(
        # NICE is silent on long-standing sciatica: "outside NICE's recommendation", not "advises against".
        "epidural-chronic-sciatica",
        ("--months", "6", "--leg-pain", "--pain", "8", "--no-claudication"),
        {"epidural-steroid-injection": says(NOT_COVERED, "outside NICE")},
    ),
    sc("epidural-back-pain-only", epi(leg="--no-leg-pain"), {"epidural-steroid-injection": NOT_REC}),
    sc("epidural-claudication-unknown", epi(claud=None), {"epidural-steroid-injection": asks("claudication")}),
    sc("epidural-pain-unknown", epi(pain=None), {"epidural-steroid-injection": asks("pain")}),
    sc("epidural-leg-pain-unknown", epi(leg=None), {"epidural-steroid-injection": asks("leg_pain")}),
    sc("epidural-something-helped-pain-still-severe", epi(*helped("nsaids")), {"epidural-steroid-injection": CONSIDER}),
    sc("epidural-something-helped-pain-now-mild", epi(*helped("nsaids"), pain="3"), {"epidural-steroid-injection": NOT_NEEDED}),
    sc(
        "epidural-no-duration",
        ("--leg-pain", "--pain", "8", "--no-claudication"),
        {"stage": None, "epidural-steroid-injection": asks("stage"), "discectomy": {NOT_YET, "needs-answer"}},
    ),
    # ---- radiofrequency denervation entry criteria ----------------------------------------------------
    sc(
        "rfd-criteria-met-positive-block",
        rfd(),
        {"radiofrequency-denervation": CONSIDER, "facet-joint-injection": NOT_REC, "nerve-block": NOT_REC},
    ),
    sc("rfd-block-not-done", rfd(block="not-done"), {"radiofrequency-denervation": says({CONSIDER, NEXT, NOT_YET}, "block")}),
    sc("rfd-block-negative", rfd(block="negative"), {"radiofrequency-denervation": NOT_REC}),
    sc("rfd-pain-4", rfd(pain="4"), {"radiofrequency-denervation": HELD_BACK}),
    sc("rfd-pain-5-boundary", rfd(pain="5"), {"radiofrequency-denervation": CONSIDER}),
    sc(
        "rfd-nothing-tried",
        ("--months", "8", "--no-leg-pain", "--pain", "6", "--medial-branch-block", "positive"),
        {"radiofrequency-denervation": NOT_YET},
    ),
    sc(
        "rfd-first-step-only",
        ("--months", "8", "--no-leg-pain", "--pain", "6", "--medial-branch-block", "positive", *tried("physical-therapy")),
        {"radiofrequency-denervation": NOT_CURRENT_LATER},
    ),
    sc(
        "rfd-not-chronic",
        ("--months", "2", "--no-leg-pain", "--pain", "6", "--medial-branch-block", "positive", *tried("physical-therapy", "cbt")),
        {"stage": "subacute", "radiofrequency-denervation": HELD_BACK},
    ),
    sc("rfd-imaging-not-a-prerequisite", rfd("--no-imaging-match"), {"radiofrequency-denervation": CONSIDER}),
    sc("rfd-pain-unknown", rfd(pain=None), {"radiofrequency-denervation": asks("pain")}),
    sc("rfd-block-unknown", rfd(block=None), {"radiofrequency-denervation": asks("medial_branch_block")}),
    sc("rfd-something-helped-pain-now-mild", rfd(*helped("massage"), pain="3"), {"radiofrequency-denervation": NOT_NEEDED}),
    sc("rfd-something-helped-pain-still-6", rfd(*helped("massage")), {"radiofrequency-denervation": CONSIDER, "massage": HELPED}),
    # The diagnostic medial branch block is the test before RFD, never shown as simply "not recommended" beside it.
    sc(
        "rfd-block-not-done-test-offered",
        rfd(block="not-done"),
        {"medial-branch-block": says(CONSIDER, "test"), "nerve-block": NOT_REC},
    ),
    sc("rfd-block-done-test-not-needed", rfd(), {"medial-branch-block": NOT_NEEDED}),
    # ---- decompression entry criteria ----------------------------------------------------------------
    sc(
        "decompression-back-pain-only",
        ("--months", "6", "--no-leg-pain", "--imaging-match", *tried("physical-therapy")),
        {"discectomy": NOT_REC, "laminectomy": NOT_REC, "minimally-invasive-surgery": NOT_REC},
    ),
    sc(
        "decompression-leg-pain-unknown",
        ("--months", "6", "--imaging-match", *tried("physical-therapy")),
        {"discectomy": asks("leg_pain"), "laminectomy": asks("leg_pain")},
    ),
    sc(
        "decompression-only-psychological-tried",
        ("--months", "6", "--leg-pain", "--imaging-match", *tried("cognitive-behavioral-therapy")),
        {"discectomy": NOT_YET, "laminectomy": NOT_YET, "minimally-invasive-surgery": NOT_YET},
    ),
    sc(
        "decompression-high-risk-does-not-block-referral",
        (*W3_ARGS, "--risk", "high"),
        {"discectomy": CONSIDER, "laminectomy": asks("claudication")},
    ),
    # Issue 10: "non-surgical care has not worked" is a fair trial of an exercise programme, not a painkiller or a leaflet.
    sc(
        "decompression-after-only-a-painkiller",
        ("--months", "6", "--leg-pain", "--imaging-match", "--no-claudication", *tried("ibuprofen")),
        {"discectomy": NOT_YET, "laminectomy": NOT_REC, "minimally-invasive-surgery": NOT_YET},
    ),
    sc(
        "decompression-after-only-advice",
        ("--months", "6", "--leg-pain", "--imaging-match", "--no-claudication", *tried("education", "nsaids")),
        {"discectomy": NOT_YET, "minimally-invasive-surgery": NOT_YET},
    ),
    sc(
        "decompression-programme-length-unknown",
        ("--months", "6", "--leg-pain", "--imaging-match", "--no-claudication", *tried("physio")),
        {"discectomy": asks("programme_weeks"), "minimally-invasive-surgery": asks("programme_weeks")},
    ),
    sc(
        "decompression-programme-too-short",
        ("--months", "6", "--leg-pain", "--imaging-match", "--no-claudication", "--programme-weeks", "3", *tried("physio")),
        {"discectomy": says(NOT_YET, "6 weeks")},
    ),
    sc(
        "decompression-disc-fits-discectomy",
        ("--months", "6", "--leg-pain", "--imaging-match", "--no-claudication", *FAIR_TRIAL, *tried("physio")),
        {"discectomy": CONSIDER, "laminectomy": says(NOT_REC, "discectomy")},
    ),
    sc(
        "decompression-narrow-canal-fits-laminectomy",
        ("--months", "6", "--leg-pain", "--imaging-match", "--claudication", *FAIR_TRIAL, *tried("physio")),
        {"laminectomy": CONSIDER, "discectomy": says(NOT_REC, "laminectomy"), "epidural-steroid-injection": NOT_REC},
    ),
    sc(
        "decompression-helped-a-little-counts-as-not-enough",
        ("--months", "6", "--leg-pain", "--imaging-match", "--no-claudication", *FAIR_TRIAL, "--helped-a-little", "physio"),
        {"discectomy": CONSIDER, "physical-therapy": TRIED},
    ),
    sc(
        "decompression-no-duration",
        ("--leg-pain", "--imaging-match", *tried("physical-therapy", "nsaids")),
        {"stage": None, "discectomy": asks("stage"), "laminectomy": asks("stage")},
    ),
    # ---- red flags: the most severe level wins ----------------------------------------------------------
    sc("rf-cancer-history", ("--months", "6", *flags("cancer-history")), ALL_ON_HOLD, "urgent"),
    sc("rf-cancer-plus-leg-weakness", ("--months", "6", *flags("cancer-history", "leg-weakness")), ALL_ON_HOLD, "emergency"),
    sc("rf-cancer-plus-bladder-bowel", ("--months", "6", *flags("cancer-history", "bladder-bowel")), ALL_ON_HOLD, "emergency"),
    sc("rf-cancer-plus-saddle-numbness", ("--weeks", "2", *flags("cancer-history", "saddle-numbness")), ALL_ON_HOLD, "emergency"),
    sc("rf-leg-weakness", ("--months", "6", *flags("leg-weakness")), ALL_ON_HOLD, "emergency"),
    sc("rf-weight-loss-night-pain", ("--months", "6", *flags("weight-loss", "night-pain")), ALL_ON_HOLD, "urgent"),
    sc("rf-fever-infection-risk", ("--weeks", "2", *flags("fever", "infection-risk")), ALL_ON_HOLD, "same-day"),
    sc("rf-fracture-risk", ("--weeks", "1", *flags("fracture-risk")), ALL_ON_HOLD, "urgent"),
    sc("rf-major-trauma", ("--weeks", "1", *flags("major-trauma")), ALL_ON_HOLD, "emergency"),
    sc("rf-major-trauma-plus-fracture-risk", ("--weeks", "1", *flags("fracture-risk", "major-trauma")), ALL_ON_HOLD, "emergency"),
    sc("rf-chest-pain", ("--months", "6", *flags("chest-pain")), ALL_ON_HOLD, "emergency"),
    sc("rf-inflammatory-pattern", ("--months", "6", *flags("inflammatory-pattern")), SOON, "soon"),
    sc("rf-inflammatory-plus-fever", ("--months", "6", *flags("inflammatory-pattern", "fever")), ALL_ON_HOLD, "same-day"),
    # Issue 10: a cancer history with a fever leads with the same-day action, not "within days".
    sc("rf-cancer-plus-fever", ("--months", "6", *flags("cancer-history", "fever")), ALL_ON_HOLD, "same-day"),
    sc("rf-inflammatory-plus-chest-pain", ("--months", "6", *flags("inflammatory-pattern", "chest-pain")), ALL_ON_HOLD, "emergency"),
    sc("rf-inflammatory-plus-cancer", ("--months", "6", *flags("cancer-history", "inflammatory-pattern")), ALL_ON_HOLD, "urgent"),
    sc(
        "rf-every-flag",
        (
            "--months",
            "6",
            *flags(
                "saddle-numbness",
                "bladder-bowel",
                "leg-weakness",
                "cancer-history",
                "weight-loss",
                "fever",
                "infection-risk",
                "major-trauma",
                "fracture-risk",
                "night-pain",
                "chest-pain",
                "inflammatory-pattern",
            ),
        ),
        ALL_ON_HOLD,
        "emergency",
    ),
    sc(
        "rf-urgent-overrides-eligible-surgery",
        (*W3_ARGS, *flags("night-pain")),
        {"discectomy": HOLD, "laminectomy": HOLD, "physical-therapy": HOLD},
        "urgent",
    ),
    sc(
        "rf-emergency-overrides-helped",
        ("--months", "5", "--leg-pain", "--imaging-match", *helped("nsaids"), *flags("leg-weakness")),
        {"discectomy": HOLD, "nsaids": HOLD},
        "emergency",
    ),
    # ---- risk groups (NICE 1.1.3, Keele matched care) -----------------------------------------------------
    sc(
        "risk-low-chronic",
        (*CHRONIC_BACK, "--risk", "low"),
        {
            "education-self-management": NOW,
            "regular-exercise": NOW,
            "physical-therapy": OPEN,
            "cognitive-behavioral-therapy": NOT_NOW,  # simpler support for low risk
            "multidisciplinary-rehabilitation": NOT_NOW,
        },
    ),
    sc("risk-medium-chronic", (*CHRONIC_BACK, "--risk", "medium"), {"physical-therapy": NOW, "education-self-management": NOW}),
    sc(
        "risk-high-chronic",
        (*CHRONIC_BACK, "--risk", "high"),
        {"cognitive-behavioral-therapy": CURRENT, "multidisciplinary-rehabilitation": CURRENT, "physical-therapy": CURRENT},
    ),
    sc(
        "risk-high-acute",
        ("--weeks", "2", "--risk", "high"),
        {"stage": "acute", "physical-therapy": CURRENT, "cognitive-behavioral-therapy": OPEN, "multidisciplinary-rehabilitation": OPEN},
    ),
    sc(
        "risk-low-acute",
        ("--weeks", "2", "--risk", "low"),
        {"stage": "acute", "physical-therapy": NOT_CURRENT_LATER, "cognitive-behavioral-therapy": NOT_YET},
    ),
    sc("risk-high-subacute", ("--weeks", "8", "--risk", "high"), {"stage": "subacute", "cognitive-behavioral-therapy": OPEN}),
    # ---- guidelines that disagree (§2) ------------------------------------------------------------------
    sc(
        "guideline-nice-chronic",
        (*CHRONIC_BACK, "--guideline", "nice"),
        {
            "acupuncture": NOT_REC,
            "duloxetine": NOT_REC,
            "massage": says({CONSIDER, NEXT}, "exercise"),  # only within an exercise package
            "spinal-manipulation": says({CONSIDER, NEXT}, "exercise"),
            "muscle-relaxants": HELD_BACK,
            "opioids": NOT_REC,
            "nsaids": says({CONSIDER, NEXT}, "lowest dose"),  # lowest effective dose, shortest time
            "cognitive-behavioral-therapy": says(OPEN, "exercise"),  # only within a package that includes exercise
            "yoga-tai-chi": OPEN,  # mind-body group exercise counts under NG59 1.2.2
        },
    ),
    sc(
        "guideline-acp-chronic",
        (*CHRONIC_BACK, "--guideline", "acp"),
        {
            "acupuncture": OPEN,
            "duloxetine": NOT_CURRENT_LATER,  # second line, after an NSAID
            "massage": NOT_NOW,  # not on ACP's chronic list
            "spinal-manipulation": OPEN,
            "muscle-relaxants": HELD_BACK,  # acute/subacute only
            "opioids": HELD_BACK,  # last resort after NSAIDs and duloxetine/tramadol
            "nsaids": NOT_CURRENT_LATER,  # non-drug care first (Rec 2/3)
            "cognitive-behavioral-therapy": CURRENT,
            "mindfulness-based-stress-reduction": CURRENT,
            "multidisciplinary-rehabilitation": CURRENT,
            "yoga-tai-chi": CURRENT,
            "relaxation-techniques": OPEN,  # on ACP's chronic list (low-quality evidence)
        },
    ),
    sc(
        "guideline-who-chronic",
        (*CHRONIC_BACK, "--guideline", "who"),
        {
            "acupuncture": OPEN,
            "duloxetine": NOT_REC,
            "massage": OPEN,
            "spinal-manipulation": OPEN,
            "muscle-relaxants": NOT_REC,
            "opioids": NOT_REC,
            "nsaids": OPEN,
            "cognitive-behavioral-therapy": CURRENT,
        },
    ),
    sc(
        "guideline-default-chronic",
        CHRONIC_BACK,
        {
            "acupuncture": says({CONSIDER, NEXT, NOT_REC}, "NICE"),  # open: ACP and WHO for, NICE against; say which
            "duloxetine": NOT_REC,  # NICE and WHO against
            "massage": {CONSIDER, NEXT},
            "spinal-manipulation": {CONSIDER, NEXT},
            "muscle-relaxants": NOT_REC,
            "opioids": NOT_REC,
        },
    ),
    sc(
        "guideline-acp-chronic-nsaid-failed",
        (*CHRONIC_BACK, "--guideline", "acp", *tried("physical-therapy", "nsaids")),
        {"duloxetine": {CONSIDER, NEXT}, "opioids": HELD_BACK, "nsaids": says(TRIED, "duloxetine")},
    ),
    sc(
        "guideline-acp-chronic-nsaid-duloxetine-failed",
        (*CHRONIC_BACK, "--guideline", "acp", *tried("physical-therapy", "nsaids", "duloxetine")),
        {"opioids": says({CONSIDER, NEXT}, "risk")},
    ),
    sc(
        # ACP Rec 3 (§7.3): NSAIDs first, tramadol *or* duloxetine second, opioids only after those fail.
        "guideline-acp-chronic-nsaid-tramadol-failed",
        (*CHRONIC_BACK, "--guideline", "acp", *tried("physical-therapy", "nsaids", "tramadol")),
        {"opioids": says(TRIED, "prescriber", "never stop suddenly")},  # tried means tried: a review, not a new start
    ),
    sc(
        "guideline-nice-chronic-nsaid-duloxetine-failed",
        (*CHRONIC_BACK, "--guideline", "nice", *tried("physical-therapy", "nsaids", "duloxetine")),
        {"opioids": NOT_REC},
    ),
    sc(
        "guideline-who-chronic-nsaid-duloxetine-failed",
        (*CHRONIC_BACK, "--guideline", "who", *tried("physical-therapy", "nsaids", "duloxetine")),
        {"opioids": NOT_REC},
    ),
    sc(
        "guideline-default-chronic-nsaid-duloxetine-failed",
        (*CHRONIC_BACK, *tried("physical-therapy", "nsaids", "duloxetine")),
        {"opioids": NOT_REC, "duloxetine": NOT_REC},
    ),
    # Already on opioids: NICE explains the risks before any shared decision to stop; CDC Rec 5 (§7.4): no sudden stop.
    sc("opioids-already-taken-default", (*CHRONIC_BACK, *tried("opioids")), {"opioids": says(NOT_REC, "stop suddenly")}),
    sc(
        "opioids-already-taken-nice-sciatica",
        ("--months", "6", "--leg-pain", "--guideline", "nice", *tried("codeine")),
        {"opioids": says(NOT_REC, "stop suddenly")},
    ),
    sc("opioids-helped-who", (*CHRONIC_BACK, "--guideline", "who", *helped("tramadol")), {"opioids": says(NOT_REC, "stop suddenly")}),
    sc(
        "guideline-acp-acute",
        ("--weeks", "2", "--guideline", "acp"),
        {
            "muscle-relaxants": OPEN,
            "nsaids": OPEN,
            "heat": CURRENT,
            "massage": OPEN,
            "spinal-manipulation": OPEN,
            "acupuncture": OPEN,
            "duloxetine": HELD_BACK,  # chronic only
            "opioids": HELD_BACK,
        },
    ),
    sc(
        "guideline-nice-acute",
        ("--weeks", "2", "--guideline", "nice"),
        {"acupuncture": NOT_REC, "duloxetine": NOT_REC, "opioids": HELD_BACK, "nsaids": {CONSIDER, NEXT}},
    ),
    sc(
        # NICE 2020: do not offer benzodiazepines for sciatica; no NICE recommendation on other relaxants.
        "guideline-nice-acute-sciatica-relaxants",
        ("--weeks", "2", "--leg-pain", "--guideline", "nice"),
        {"muscle-relaxants": says({CONSIDER, NEXT, NOT_YET, NOT_REC, NOT_COVERED}, "benzodiazepine"), "gabapentinoids": NOT_REC},
    ),
    sc(
        "guideline-acp-subacute-nsaid-failed",
        ("--weeks", "8", "--guideline", "acp", *tried("nsaids")),
        {"stage": "subacute", "duloxetine": HELD_BACK},
    ),
    sc(
        "guideline-who-chronic-exercise-tried",
        (*CHRONIC_BACK, "--guideline", "who", *tried("physical-therapy")),
        {"cognitive-behavioral-therapy": CURRENT, "massage": OPEN, "acupuncture": OPEN},
    ),
    # ---- issue 10: what a person says of an option never lifts it past its own safety rules --------------------
    sc(
        "helped-opioid-after-a-few-weeks",  # acute pain, no NSAID tried: an opioid that "helped" stays held back
        ("--weeks", "3", *helped("codeine")),
        {"opioids": says(NOT_YET, "prescriber", "never stop suddenly")},
    ),
    sc(
        "helped-opioid-acp-before-nsaid-and-duloxetine",
        (*CHRONIC_BACK, "--guideline", "acp", *helped("oxycodone")),
        {"opioids": says(NOT_YET, "prescriber", "lowest dose", "never stop suddenly")},
    ),
    sc(
        "helped-opioid-chronic-default",
        (*CHRONIC_BACK, *helped("tramadol")),
        {"opioids": says(NOT_REC, "prescriber", "plan to reduce")},
    ),
    sc(
        "helped-benzodiazepine-for-sciatica-nice",
        ("--weeks", "2", "--leg-pain", "--guideline", "nice", *helped("diazepam")),
        {"muscle-relaxants": says(NOT_COVERED, "benzodiazepines", "prescriber")},
    ),
    sc(
        "helped-muscle-relaxant-chronic",
        (*CHRONIC_BACK, *helped("diazepam")),
        {"muscle-relaxants": says(NOT_REC, "prescriber")},
    ),
    sc(
        "helped-nsaid-is-reviewed-not-kept-up",
        (*CHRONIC_BACK, *helped("ibuprofen")),
        {"nsaids": says(HELPED, "review", "prescriber")},
    ),
    sc(
        "tried-nsaid-says-what-comes-next",
        (*CHRONIC_BACK, *tried("ibuprofen")),
        {"nsaids": says(TRIED, "did not help enough", "prescriber"), "opioids": NOT_REC},
    ),
    sc(
        "side-effects-from-an-nsaid",
        (*CHRONIC_BACK, "--side-effects", "naproxen"),
        {"nsaids": says(TRIED, "side effects", "stomach")},
    ),
    sc(
        "tried-epidural-before",
        epi(*tried("epidural")),
        {"epidural-steroid-injection": says(TRIED, "specialist")},
    ),
    sc(
        "had-discectomy-and-it-helped",
        (*W3_ARGS, "--pain", "2", *helped("microdiscectomy")),
        {"discectomy": NOT_NEEDED, "minimally-invasive-surgery": NOT_NEEDED, "spinal-fusion": NOT_REC},
    ),
    sc(
        "education-tried-is-kept-up",
        (*CHRONIC_BACK, *tried("education", "walking")),
        {"education-self-management": says(TRIED, "keep it up"), "regular-exercise": says(TRIED, "keep it up")},
    ),
    # ---- issue 10: one guideline means that guideline's stance only --------------------------------------
    sc(
        "guideline-who-new-pain-is-out-of-scope",
        ("--weeks", "3", "--guideline", "who"),
        {
            "nsaids": says(NOT_COVERED, "more than 3 months"),
            "physical-therapy": NOT_COVERED,
            "heat": NOT_COVERED,
            "muscle-relaxants": says(NOT_COVERED, "more than 3 months"),  # WHO's "against" is for chronic pain only
        },
    ),
    sc(
        "guideline-who-mbsr-unconfirmed",
        (*CHRONIC_BACK, "--guideline", "who", *tried("physio")),
        {"mindfulness-based-stress-reduction": says(NOT_COVERED, "WHO"), "relaxation-techniques": NOT_COVERED},
    ),
    sc(
        "guideline-nice-heat-silent",
        ("--weeks", "2", "--guideline", "nice"),
        {"heat": says(NOT_COVERED, "NICE"), "muscle-relaxants": NOT_COVERED},
    ),
    sc(
        "guideline-acp-no-procedures",
        (*W3_ARGS, "--no-claudication", "--guideline", "acp"),
        {"discectomy": says(NOT_COVERED, "ACP"), "spinal-cord-stimulator": HELD_BACK, "imaging": NOT_NEEDED},
    ),
    sc(
        "guideline-acp-new-pain-no-opioid",
        ("--weeks", "2", "--guideline", "acp", *tried("nsaids")),
        {"opioids": says(NOT_COVERED, "ACP")},
    ),
    # ---- --avoid re-ranks, never changes a status ----------------------------------------------------------
    sc("avoid-medication-w1", (*W1_ARGS, "--avoid", "medication"), W1),
    sc("avoid-surgery-w3", (*W3_ARGS, "--avoid", "surgery"), W3),
    sc("avoid-injections-epidural", epi("--avoid", "injections"), {"epidural-steroid-injection": CONSIDER}),
    sc("avoid-all-rfd", rfd(*AVOID_ALL), {"radiofrequency-denervation": CONSIDER}),
    sc("avoid-all-scs", w5(*AVOID_ALL), {"spinal-cord-stimulator": SCS_OK}),
    sc("avoid-all-ces", (*AVOID_ALL, *flags("saddle-numbness", "bladder-bowel")), ALL_ON_HOLD, "emergency"),
    # ---- missing answers ---------------------------------------------------------------------------
    sc(
        "no-duration-given",
        (),
        {
            "stage": None,
            "education-self-management": NOW,
            "muscle-relaxants": asks("stage"),
            "cognitive-behavioral-therapy": asks("stage"),
            "yoga-tai-chi": asks("stage"),
            "paracetamol": NOT_REC,
        },
    ),
]


# --- running a scenario -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def kb() -> Knowledge:
    return knowledge.load(knowledge.default_path())


@pytest.fixture(scope="module")
def cli() -> Iterator[CliRunner]:
    """The real CLI. Parsing the YAML dominates each run, so the loader is memoised per path (the first
    invocation still reads and validates the shipped file through the real loader) to keep the suite fast."""
    real_load = knowledge.load
    loaded: dict[str, Knowledge] = {}

    def memoised(path: Path) -> Knowledge:
        key = str(Path(path).resolve())
        if key not in loaded:
            loaded[key] = real_load(path)
        return loaded[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(knowledge, "load", memoised)
        yield CliRunner(env={"BACKPAIN_KB": None, "NO_COLOR": "1", "COLUMNS": "80"})


@dataclass(frozen=True)
class Outcome:
    """What one run produced, in the same shape for the engine and the CLI."""

    stage: str | None
    urgent: str | None
    guideline: str
    steps: tuple[dict[str, Any], ...]  # id, tier, status, reason, sources, missing


_BOOL_FLAGS = {
    "leg-pain": "leg_pain",
    "imaging-match": "imaging_match",
    "neuropathic": "neuropathic",
    "claudication": "claudication",
}
_NUMBERS = {"--months": "months", "--weeks": "weeks", "--pain": "pain", "--programme-weeks": "programme_weeks"}
_RESULTS = {"--tried": "tried", "--helped": "helped", "--helped-a-little": "helped_a_little", "--side-effects": "side_effects"}
_SETS = {**_RESULTS, "--red-flag": "red_flags", "--avoid": "avoid"}
_WORDS = {"--medial-branch-block": "medial_branch_block", "--risk": "risk", "--guideline": "guideline"}


_NAME_INDEXES: dict[int, NameIndex] = {}


def _names(kb: Knowledge) -> NameIndex:
    if id(kb) not in _NAME_INDEXES:
        _NAME_INDEXES[id(kb)] = NameIndex.build(kb)
    return _NAME_INDEXES[id(kb)]


def profile_from(kb: Knowledge, args: tuple[str, ...]) -> engine.Profile:
    """CLI-style arguments -> an engine Profile, without going through Typer."""
    names = _names(kb)
    fields: dict[str, Any] = {}
    sets: dict[str, set[str]] = {v: set() for v in _SETS.values()}
    it = iter(args)
    for arg in it:
        bare = arg.removeprefix("--")
        if bare in _BOOL_FLAGS:
            fields[_BOOL_FLAGS[bare]] = True
        elif bare.startswith("no-") and bare[3:] in _BOOL_FLAGS:
            fields[_BOOL_FLAGS[bare[3:]]] = False
        elif arg in _NUMBERS:
            fields[_NUMBERS[arg]] = float(next(it))
        elif arg in _WORDS:
            fields[_WORDS[arg]] = next(it)
        elif arg in _SETS:
            value = next(it)
            sets[_SETS[arg]].add(names.resolve(value) if arg in _RESULTS else value)
        else:  # pragma: no cover - a typo in the table
            raise AssertionError(f"unknown scenario argument {arg!r}")
    return engine.Profile(**fields, **{k: frozenset(v) for k, v in sets.items()})


def run_engine(kb: Knowledge, profile: engine.Profile) -> Outcome:
    result = engine.build_pathway(kb, profile)
    steps = tuple(
        {
            "id": s.treatment.id,
            "tier": s.treatment.tier,
            "status": s.status,
            "reason": s.reason,
            "sources": list(s.sources),
            "missing": list(s.missing),
        }
        for s in result.steps
    )
    return Outcome(result.stage, None if result.urgent is None else result.urgent.level, result.guideline, steps)


def run_cli(cli: CliRunner, args: tuple[str, ...]) -> Outcome:
    result = cli.invoke(app, ["pathway", *args, "--json"])
    assert result.exit_code == 0, f"exit {result.exit_code}: {result.output}"
    data = json.loads(result.stdout)
    steps = tuple(
        {
            "id": s["id"],
            "tier": s["tier"],
            "status": s["status"],
            "reason": s["reason"],
            "sources": s["sources"],
            "missing": s["missing_answers"],
        }
        for s in data["steps"]
    )
    urgent = data["urgent"]
    return Outcome(data["stage"], None if urgent is None else urgent["level"], data["guideline"], steps)


def _expected_problem(kb: Knowledge, sid: str, step: dict[str, Any], want: Expected) -> str | None:
    status, reason = step["status"], step["reason"]
    got = f"{sid}: got {status!r} ({reason[:100]!r})"
    if isinstance(want, Asks):
        if status != "needs-answer":
            return f"{got}, expected needs-answer asking about {list(want.facts)}"
        for fact in want.facts:
            if fact not in step["missing"]:
                return f"{got}: '{fact}' is not among the missing answers {step['missing']}"
            if kb.questions[fact].ask not in reason:
                return f"{got}: the reason does not ask the question for '{fact}'"
        return None
    if isinstance(want, Says):
        if status not in want.statuses:
            return f"{got}, expected one of {sorted(want.statuses)}"
        missing = [w for w in want.words if w.lower() not in reason.lower()]
        return f"{got}: the reason does not mention {missing}" if missing else None
    allowed = {want} if isinstance(want, str) else set(want)
    return None if status in allowed else f"{got}, expected {' or '.join(sorted(allowed))}"


def evidence_stage(profile: engine.Profile) -> str | None:
    """§5: under 4 weeks acute; chronic is more than 3 months (WHO, CDC), which is more than 13 weeks.

    One definition for both units (issue 10: boundaries must agree between weeks and months); ACP's
    line at 12 weeks differs by a week, and the knowledge base says so.
    """
    weeks = profile.weeks if profile.weeks is not None else None if profile.months is None else profile.months * 52 / 12
    if weeks is None:
        return None
    return "acute" if weeks < 4 else "subacute" if weeks <= 13 else "chronic"


def months_of(profile: engine.Profile) -> float | None:
    if profile.months is not None:
        return profile.months
    return None if profile.weeks is None else profile.weeks * 12 / 52


def _structure_problems(kb: Knowledge, profile: engine.Profile, out: Outcome) -> list[str]:
    """The checks the brief asks for in every scenario."""
    problems: list[str] = []
    ids = [s["id"] for s in out.steps]
    expected_ids = sorted(t.id for t in kb.treatments)
    if sorted(ids) != expected_ids:
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        absent = sorted(set(expected_ids) - set(ids))
        problems.append(f"every treatment must appear exactly once; duplicated {dupes}, missing {absent}")
    for s in out.steps:
        sid, status = s["id"], s["status"]
        if not s["sources"]:
            problems.append(f"{sid}: no source")
        unknown = [src for src in s["sources"] if src not in kb.sources]
        if unknown:
            problems.append(f"{sid}: sources not in the registry: {unknown}")
        if out.urgent in ("emergency", "urgent") and status in OPEN:
            problems.append(f"{sid}: {status!r} despite an {out.urgent} red flag")
        if s["tier"] == "surgical" and not fair_trial(profile) and status in CURRENT:
            problems.append(f"{sid}: surgery is {status!r} without a fair trial (6 weeks or more) of an exercise programme")
        if sid in ALWAYS_AGAINST and status in OPEN:
            problems.append(f"{sid}: every guideline advises against it, yet it is {status!r}")
        if helped_enough(profile) and out.urgent is None and s["tier"] in ("interventional", "surgical") and status in OPEN:
            problems.append(f"{sid}: something helped enough and the pain is mild, yet it is {status!r}")
        test_done = sid == "medial-branch-block" and profile.medial_branch_block in ("positive", "negative")
        if (
            s["tier"] in ("interventional", "surgical")
            and status == NOT_NEEDED
            and sid not in profile.helped
            and not helped_enough(profile)
            and not test_done
        ):
            problems.append(
                f"{sid}: not-needed, but nothing helped enough with the pain now mild (a little help does not close the ladder)"
            )
        tried_it = sid in profile.tried | profile.helped_a_little | profile.side_effects
        if (tried_it or sid in profile.helped) and status in OPEN:
            problems.append(f"{sid}: the person has tried it, yet it is offered again as {status!r}")
        if status == "needs-answer":
            if not s["missing"]:
                problems.append(f"{sid}: needs-answer without naming a missing answer")
            elif not any(kb.questions[f].ask in s["reason"] for f in s["missing"] if f in kb.questions):
                problems.append(f"{sid}: needs-answer whose reason does not ask the question")
    return problems


# An exercise-based programme (issue 10: "non-surgical care has not worked" means a fair trial of one).
ACTIVE_CARE = frozenset({"physical-therapy", "regular-exercise", "yoga-tai-chi", "multidisciplinary-rehabilitation"})
SECOND_STEP = frozenset(
    {
        "cognitive-behavioral-therapy",
        "mindfulness-based-stress-reduction",
        "relaxation-techniques",
        "multidisciplinary-rehabilitation",
        "spinal-manipulation",
        "massage",
    }
)


def not_enough(profile: engine.Profile) -> frozenset[str]:
    """Tried without enough relief: did not help, helped a little, or side effects."""
    return profile.tried | profile.helped_a_little | profile.side_effects


def fair_trial(profile: engine.Profile) -> bool:
    """An exercise programme kept up for 6 weeks or more without enough relief (this tool's marker)."""
    return bool(not_enough(profile) & ACTIVE_CARE) and (profile.programme_weeks or 0) >= 6


def helped_enough(profile: engine.Profile) -> bool:
    return bool(profile.helped) and profile.pain is not None and profile.pain < 5


def _evidence_problems(profile: engine.Profile, out: Outcome) -> list[str]:
    """Must / must-not rules from the evidence (§1-§5) that hold for every profile."""
    status = {s["id"]: s["status"] for s in out.steps}
    stage, months, guide = evidence_stage(profile), months_of(profile), profile.guideline
    non_surgical_failed = fair_trial(profile) and bool(not_enough(profile) & SECOND_STEP)
    pain = profile.pain
    rules: list[tuple[str, bool, str]] = [
        # (step, the step may be open (now/consider/next), the evidence line)
        ("opioids", not (stage == "chronic" and guide in ("default", "nice", "who")), "NICE: no opioids for chronic LBP; WHO against"),
        ("duloxetine", guide == "acp" and stage == "chronic", "only ACP lists duloxetine, for chronic LBP; NICE and WHO against"),
        ("muscle-relaxants", stage != "chronic", "relaxants are for acute/subacute pain only (ACP); WHO against for chronic"),
        ("acupuncture", guide != "nice", "NICE: do not offer acupuncture"),
        (
            "epidural-steroid-injection",
            profile.leg_pain is True and profile.claudication is False and stage in ("acute", "subacute"),
            "epidurals only for acute and severe sciatica, never for neurogenic claudication or back pain alone",
        ),
        (
            "spinal-cord-stimulator",
            profile.neuropathic is True and months is not None and months >= 6 and pain is not None and pain >= 5 and non_surgical_failed,
            "TA159: neuropathic pain >= 50/100 for >= 6 months despite conventional management",
        ),
        (
            "radiofrequency-denervation",
            stage == "chronic" and pain is not None and pain >= 5 and profile.medial_branch_block != "negative" and non_surgical_failed,
            "RFD: chronic LBP, non-surgical care failed, pain >= 5, then a positive diagnostic block",
        ),
        ("imaging", profile.leg_pain is True, "no routine imaging; only for a surgical or injection work-up of radiculopathy"),
    ]
    rules += [
        (
            op,
            profile.leg_pain is True and profile.imaging_match is True and fair_trial(profile),
            "decompression only for sciatica with matching imaging after failed non-surgical care",
        )
        for op in SURGICAL
    ]
    if stage in ("acute", "subacute") and profile.risk != "high":
        ladder = ("cognitive-behavioral-therapy", "mindfulness-based-stress-reduction", "multidisciplinary-rehabilitation")
        rules += [(t, False, "the chronic escalation ladder does not start before 3 months") for t in (*ladder, "yoga-tai-chi")]
        rules.append(("relaxation-techniques", False, "the chronic escalation ladder does not start before 3 months"))
    # Something the person says has helped may be kept up ("keep it up"): these rules are about new options.
    rules = [r for r in rules if r[0] not in profile.helped]
    problems = [f"{sid}: {status[sid]!r} but {why}" for sid, may_open, why in rules if not may_open and status[sid] in OPEN]
    # ACP 2017 gives no confirmed view on education, and WHO 2023 covers chronic pain only: "not covered" there.
    if out.urgent is None and guide != "acp" and not (guide == "who" and stage != "chronic"):
        by_id = {s["id"]: s for s in out.steps}
        for sid in ("education-self-management", "regular-exercise"):
            kept_up = status[sid] in (TRIED, HELPED) and "keep it up" in by_id[sid]["reason"].lower()
            if status[sid] != NOW and not kept_up:
                problems.append(f"{sid}: {status[sid]!r}, but education and keeping active are present at every step")
    new = {sid for sid in status if sid not in profile.helped}
    if "opioids" in new and status["opioids"] in CURRENT and "nsaids" not in not_enough(profile):
        problems.append("opioids: proposed now although an NSAID was not tried first (never first line)")
    if "duloxetine" in new and status["duloxetine"] in CURRENT and "nsaids" not in not_enough(profile):
        problems.append("duloxetine: proposed now although an NSAID was not tried first (ACP second line)")
    for sid in ("weight-management", "ergonomic-adjustments"):
        if sid in new and status[sid] == NOW:
            problems.append(f"{sid}: 'now', but no guideline recommends it as a back pain treatment")
    if stage == "chronic" and "heat" in new and status["heat"] == NOW:
        problems.append("heat: 'now' for chronic pain, but heat is self-care for flares, not a chronic-pathway step")
    return problems


def check(kb: Knowledge, args: tuple[str, ...], expected: dict[str, Any], urgent: str | None, out: Outcome) -> None:
    profile = profile_from(kb, args)
    problems = _structure_problems(kb, profile, out) + _evidence_problems(profile, out)
    if out.urgent != urgent:
        problems.append(f"urgent level: got {out.urgent!r}, expected {urgent!r}")
    if out.guideline != profile.guideline:
        problems.append(f"guideline: got {out.guideline!r}, expected {profile.guideline!r}")
    by_id = {s["id"]: s for s in out.steps}
    for sid, want in expected.items():
        if sid == "stage":
            if out.stage != want:
                problems.append(f"stage: got {out.stage!r}, expected {want!r}")
            continue
        assert sid in by_id, f"scenario names an unknown step {sid!r}"
        problem = _expected_problem(kb, sid, by_id[sid], want)
        if problem:
            problems.append(problem)
    assert not problems, "\n".join(problems)


# --- the tests ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("args", "expected", "urgent"), SCENARIOS)
def test_scenario_engine(kb: Knowledge, args: tuple[str, ...], expected: dict[str, Any], urgent: str | None) -> None:
    profile = profile_from(kb, args)
    out = run_engine(kb, profile)
    check(kb, args, expected, urgent, out)
    # --avoid re-ranks and annotates; it never changes a status (either way round).
    statuses = {s["id"]: s["status"] for s in out.steps}
    for avoid in (frozenset(), frozenset({"medication", "injections", "surgery"})):
        other = run_engine(kb, profile._replace(avoid=avoid))
        assert {s["id"]: s["status"] for s in other.steps} == statuses, f"--avoid {sorted(avoid)} changed a status"


@pytest.mark.parametrize(("args", "expected", "urgent"), SCENARIOS)
def test_scenario_cli(kb: Knowledge, cli: CliRunner, args: tuple[str, ...], expected: dict[str, Any], urgent: str | None) -> None:
    out = run_cli(cli, args)
    check(kb, args, expected, urgent, out)
    if "--avoid" in args:  # the same answers without --avoid give the same statuses
        plain = [a for i, a in enumerate(args) if a != "--avoid" and (i == 0 or args[i - 1] != "--avoid")]
        without = run_cli(cli, tuple(plain))
        assert [(s["id"], s["status"]) for s in sorted(without.steps, key=lambda s: s["id"])] == [
            (s["id"], s["status"]) for s in sorted(out.steps, key=lambda s: s["id"])
        ], "--avoid changed a status"


def test_enough_scenarios() -> None:
    ids = [p.id for p in SCENARIOS]
    assert len(ids) >= 70
    assert len(set(ids)) == len(ids), "scenario ids must be unique"


def test_cancer_with_neurology_message_asks_for_a_scan_within_24_hours(kb: Knowledge) -> None:
    """Evidence §4: history of cancer plus new neurological symptoms -> emergency, MRI within 24 h."""
    for neuro in ("leg-weakness", "saddle-numbness", "bladder-bowel"):
        result = engine.build_pathway(kb, profile_from(kb, ("--months", "6", *flags("cancer-history", neuro))))
        assert result.urgent is not None
        assert result.urgent.level == "emergency"
        assert "24 hours" in result.urgent.message, neuro


def test_ces_message_sends_to_the_emergency_department(kb: Knowledge) -> None:
    """Evidence §6.2: suspected cauda equina -> same-day hospital emergency department."""
    result = engine.build_pathway(kb, profile_from(kb, flags("saddle-numbness", "bladder-bowel")))
    assert result.urgent is not None
    assert "emergency department" in result.urgent.message
    assert "same day" in result.urgent.message


# Evidence §4: what each warning sign's action must say.
RED_FLAG_ACTIONS = [
    pytest.param("saddle-numbness", "emergency", ("emergency department", "same day"), id="saddle-numbness"),
    pytest.param("bladder-bowel", "emergency", ("emergency department", "same day"), id="bladder-bowel"),
    pytest.param("leg-weakness", "emergency", ("emergency department", "same day"), id="leg-weakness"),
    pytest.param("cancer-history", "urgent", ("urgently", "week"), id="cancer-history"),
    pytest.param("weight-loss", "urgent", ("urgently", "week"), id="weight-loss"),
    pytest.param("night-pain", "urgent", ("urgently",), id="night-pain"),
    pytest.param("fever", "same-day", ("same day",), id="fever"),
    pytest.param("infection-risk", "same-day", ("same day",), id="infection-risk"),
    pytest.param("major-trauma", "emergency", ("emergency",), id="major-trauma"),
    pytest.param("fracture-risk", "urgent", ("urgently", "x-ray"), id="fracture-risk"),
    pytest.param("chest-pain", "emergency", ("999",), id="chest-pain"),
    pytest.param("inflammatory-pattern", "soon", ("rheumatology", "not an emergency"), id="inflammatory-pattern"),
]


@pytest.mark.parametrize(("code", "level", "words"), RED_FLAG_ACTIONS)
def test_red_flag_action(kb: Knowledge, code: str, level: str, words: tuple[str, ...]) -> None:
    result = engine.build_pathway(kb, profile_from(kb, ("--months", "6", *flags(code))))
    assert result.urgent is not None
    assert result.urgent.level == level
    for word in words:
        assert word.lower() in result.urgent.message.lower(), f"{code}: the action does not say {word!r}"
