"""The worked cases in data/cases.yaml, each run through the engine and through the real CLI.

The cases are data (``backpain kb check --cases`` runs them too, so a clinic editing its own knowledge
base can check its cases); every expectation in them comes from the evidence brief or an issue, never
from what the program happens to print. Here every case is also checked against the invariants in
``_structure_problems`` (asked of every pathway) and ``_evidence_problems`` (the must and must-not rules
of evidence sections 1 to 5 that hold for any profile, computed from the answers, not from the cases).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from backpain_cli.cli import app
from backpain_cli.engine import pathway as engine
from backpain_cli.engine.answers import build_profile
from backpain_cli.engine.cases import Case, check_pathway, read_cases
from backpain_cli.knowledge import loader as knowledge
from backpain_cli.knowledge.facts import INPUTS
from backpain_cli.knowledge.model import Knowledge

CASES_FILE = Path(__file__).resolve().parents[1] / "data" / "cases.yaml"
CASES = read_cases(yaml.safe_load(CASES_FILE.read_text(encoding="utf-8")), str(CASES_FILE))
CASE_PARAMS = [pytest.param(case, id=case.id) for case in CASES]

# --- vocabulary ------------------------------------------------------------------------------------

NOW = "now"
CONSIDER = "consider"
NEXT = "next"
NOT_YET = "not-yet"
NOT_NEEDED = "not-needed"
NOT_REC = "not-recommended"
NOT_COVERED = "not-covered"
HELPED = "helped"
TRIED = "tried"

OPEN = frozenset({NOW, CONSIDER, NEXT})  # statuses that put a step on the table
CURRENT = frozenset({NOW, CONSIDER})  # what `pathway` proposes now

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


def args_of(answers: Any) -> list[str]:
    """The command-line options that give these answers, from the fact registry (each answer's own option)."""
    args: list[str] = []
    for fact in INPUTS:
        value = getattr(answers, fact.name)
        if value is None or value == ():
            continue
        if fact.kind == "bool":
            args.append(fact.option if value else "--no-" + fact.option.removeprefix("--"))
        elif fact.kind == "set":
            args += [a for item in value for a in (fact.option, item)]
        else:
            args += [fact.option, f"{value:g}" if isinstance(value, float) else str(value)]
    return args


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
            elif not any(kb.questions[f].prompt in s["reason"] for f in s["missing"] if f in kb.questions):
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


def check(kb: Knowledge, case: Case, profile: engine.Profile, out: Outcome, pathway: engine.Pathway | None) -> None:
    problems = _structure_problems(kb, profile, out) + _evidence_problems(profile, out)
    if out.guideline != profile.guideline:
        problems.append(f"guideline: got {out.guideline!r}, expected {profile.guideline!r}")
    if pathway is not None:
        problems += check_pathway(kb, case, pathway)
    else:  # through the CLI: the same expectations, read from its JSON
        problems += _json_problems(kb, case, out)
    assert not problems, "\n".join(problems)


def _json_problems(kb: Knowledge, case: Case, out: Outcome) -> list[str]:
    problems = []
    if case.stage != "not given" and out.stage != case.stage:
        problems.append(f"stage: got {out.stage!r}, expected {case.stage!r}")
    if case.urgent != "not given" and out.urgent != case.urgent:
        problems.append(f"urgent: got {out.urgent!r}, expected {case.urgent!r}")
    by_id = {s["id"]: s for s in out.steps}
    for sid, want in case.expect.items():
        step = by_id[sid]
        if step["status"] not in want.statuses:
            problems.append(f"{sid}: got {step['status']!r}, expected {sorted(want.statuses)}")
        problems += [f"{sid}: reason lacks {w!r}" for w in want.says if w.lower() not in step["reason"].lower()]
        problems += [
            f"{sid}: does not ask about {f!r}"
            for f in want.asks
            if f not in step["missing"] or kb.questions[f].prompt not in step["reason"]
        ]
    return problems


# --- the tests ------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASE_PARAMS)
def test_case_through_the_engine(kb: Knowledge, case: Case) -> None:
    profile = build_profile(kb, case.answers)
    pathway = engine.build_pathway(kb, profile)
    check(kb, case, profile, run_engine(kb, profile), pathway)
    # --avoid re-ranks and annotates; it never changes a status (either way round).
    statuses = {s.treatment.id: s.status for s in pathway.steps}
    for avoid in (frozenset(), frozenset({"medication", "injections", "surgery"})):
        other = engine.build_pathway(kb, profile._replace(avoid=avoid))
        assert {s.treatment.id: s.status for s in other.steps} == statuses, f"--avoid {sorted(avoid)} changed a status"


@pytest.mark.parametrize("case", CASE_PARAMS)
def test_case_through_the_cli(kb: Knowledge, cli: CliRunner, case: Case) -> None:
    check(kb, case, build_profile(kb, case.answers), run_cli(cli, tuple(args_of(case.answers))), None)


def test_enough_cases() -> None:
    ids = [case.id for case in CASES]
    assert len(ids) >= 140
    assert len(set(ids)) == len(ids), "case ids must be unique"


def _profile(kb: Knowledge, **answers: Any) -> engine.Profile:
    from backpain_cli.engine.answers import Answers

    return build_profile(kb, Answers(**answers))


def test_cancer_with_neurology_message_asks_for_a_scan_within_24_hours(kb: Knowledge) -> None:
    """Evidence §4: history of cancer plus new neurological symptoms -> emergency, MRI within 24 h."""
    for neuro in ("leg-weakness", "saddle-numbness", "bladder-bowel"):
        result = engine.build_pathway(kb, _profile(kb, months=6.0, red_flags=("cancer-history", neuro)))
        assert result.urgent is not None
        assert result.urgent.level == "emergency"
        assert "24 hours" in result.urgent.message, neuro


def test_ces_message_sends_to_the_emergency_department(kb: Knowledge) -> None:
    """Evidence §6.2: suspected cauda equina -> same-day hospital emergency department."""
    result = engine.build_pathway(kb, _profile(kb, red_flags=("saddle-numbness", "bladder-bowel")))
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
    result = engine.build_pathway(kb, _profile(kb, months=6.0, red_flags=(code,)))
    assert result.urgent is not None
    assert result.urgent.level == level
    for word in words:
        assert word.lower() in result.urgent.message.lower(), f"{code}: the action does not say {word!r}"
