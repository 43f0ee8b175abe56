"""The shipped knowledge base loads and is complete; every kind of invalid file is refused clearly."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from backpain_cli.errors import KnowledgeBaseError
from backpain_cli.knowledge import loader as knowledge
from backpain_cli.knowledge.model import Knowledge
from backpain_cli.views.data import citations

ARTICLE_IDS = """nsaids muscle-relaxants opioids physical-therapy epidural-steroid-injection facet-joint-injection
nerve-block spinal-cord-stimulator discectomy laminectomy spinal-fusion minimally-invasive-surgery
mindfulness-based-stress-reduction cognitive-behavioral-therapy relaxation-techniques weight-management
regular-exercise ergonomic-adjustments""".split()
GUIDELINE_IDS = """education-self-management paracetamol gabapentinoids duloxetine other-antidepressants acupuncture
spinal-manipulation massage yoga-tai-chi heat tens braces-belts traction radiofrequency-denervation
multidisciplinary-rehabilitation imaging disc-replacement""".split()
TOPIC_IDS = ["specialist-assessment", "insurance-access", "telehealth"]
RED_FLAG_CODES = """saddle-numbness bladder-bowel leg-weakness cancer-history weight-loss fever infection-risk
major-trauma fracture-risk night-pain chest-pain inflammatory-pattern""".split()
SOURCE_IDS = ["nice-ng59", "nice-ta159", "acp-2017", "who-2023", "cdc-2022", "lancet-2018", "keele-startback"]


def test_every_required_id_exists(kb: Knowledge) -> None:
    ids = {t.id for t in kb.treatments}
    assert set(ARTICLE_IDS + GUIDELINE_IDS + TOPIC_IDS) <= ids
    assert len(ids) == len(kb.treatments)


def test_red_flag_codes_and_sources_registered(kb: Knowledge) -> None:
    assert set(RED_FLAG_CODES) <= {f.code for f in kb.red_flags}
    assert set(SOURCE_IDS) <= set(kb.sources)


def test_tiers_run_from_conservative_care_to_surgery(kb: Knowledge) -> None:
    order = [t.id for t in kb.tiers]
    assert order[-1] == "surgical"
    assert order.index("holistic") < order.index("interventional") < order.index("surgical")
    assert order.index("traditional") < order.index("interventional")


def test_every_treatment_is_complete_and_sourced(kb: Knowledge) -> None:
    for t in kb.treatments:
        assert t.aliases, t.id
        assert t.benefits and t.risks and t.questions and t.guidelines, t.id
        assert all(s.sources for s in (*t.benefits, *t.risks)), t.id
        assert t.sources, t.id
        assert all(rule.sources for rule in t.rules), t.id
        assert t.reviewed <= t.review_due


def test_every_stance_cites_a_registered_source_and_every_source_is_cited(kb: Knowledge) -> None:
    for t in kb.treatments:
        for stance in t.guidelines:
            assert stance.source in kb.sources, (t.id, stance.source)
    cited = citations(kb)
    assert set(kb.sources) == set(cited), set(kb.sources) - set(cited)


def test_aliases_cover_what_people_type(kb: Knowledge) -> None:
    from backpain_cli.knowledge.lookup import NameIndex

    index = NameIndex.build(kb)
    typed = {
        "Ibuprofen": "nsaids",
        "naproxen": "nsaids",
        "Tylenol": "paracetamol",
        "acetaminophen": "paracetamol",
        "tramadol": "opioids",
        "oxycodone": "opioids",
        "Lyrica": "gabapentinoids",
        "Cymbalta": "duloxetine",
        "amitriptyline": "other-antidepressants",
        "physio": "physical-therapy",
        "physiotherapy": "physical-therapy",
        "chiropractor": "spinal-manipulation",
        "cognitive behavioural therapy": "cognitive-behavioral-therapy",
        "CBT": "cognitive-behavioral-therapy",
        "mindfulness": "mindfulness-based-stress-reduction",
        "epidurals": "epidural-steroid-injection",
        "ESI": "epidural-steroid-injection",
        "MRI scan": "imaging",
        "x-ray": "imaging",
        "SCS": "spinal-cord-stimulator",
        "microdiscectomy": "discectomy",
        "rhizotomy": "radiofrequency-denervation",
        "back brace": "braces-belts",
        "TENS machine": "tens",
        "tai chi": "yoga-tai-chi",
        "pain management programme": "multidisciplinary-rehabilitation",
        "pain management program": "multidisciplinary-rehabilitation",
    }
    for words, expected in typed.items():
        assert index.resolve(words) == expected, words


def test_version_and_review_dates(kb: Knowledge) -> None:
    assert kb.version
    assert kb.reviewed <= kb.review_due
    assert kb.disclaimer and kb.warning_signs


# --- one test per validation error ------------------------------------------------------------------


def _problems(path: Path) -> list[str]:
    with pytest.raises(KnowledgeBaseError) as caught:
        knowledge.load(path)
    assert str(path) in str(caught.value)
    return [str(p) for p in caught.value.problems]


def _first_treatment(data: dict[str, Any]) -> dict[str, Any]:
    return next(t for t in data["treatments"] if t["id"] == "nsaids")


EDITS: list[tuple[str, Callable[[dict[str, Any]], Any], str]] = [
    ("unknown top key", lambda d: d.update(colour="red"), "unknown key 'colour'"),
    ("unknown treatment key", lambda d: _first_treatment(d).update(sumary="x"), "did you mean 'summary'?"),
    ("missing key", lambda d: _first_treatment(d).pop("benefits"), "missing key 'benefits'"),
    ("wrong type: number for text", lambda d: _first_treatment(d).update(summary=12), "must be text"),
    ("yaml 1.1 boolean for text", lambda d: _first_treatment(d).update(name=False), "put the value in quotes"),
    ("wrong type: text for list", lambda d: _first_treatment(d).update(aliases="ibuprofen"), "must be a list"),
    ("duplicate treatment id", lambda d: d["treatments"].append(dict(_first_treatment(d))), "duplicate id 'nsaids'"),
    ("duplicate alias across entries", lambda d: _first_treatment(d)["aliases"].append("physio"), "already used by 'physical-therapy'"),
    ("dangling tier", lambda d: _first_treatment(d).update(tier="medicine"), "unknown tier 'medicine'"),
    ("dangling source", lambda d: _first_treatment(d)["benefits"][0].update(sources=["nice-ng-59"]), "did you mean 'nice-ng59'?"),
    (
        "dangling treatment id in a rule",
        lambda d: d["conditions"]["exercise-tried"]["when"]["tried"].update(has_any=["physical-terapy"]),
        "did you mean 'physical-therapy'?",
    ),
    (
        "dangling red-flag code in a rule",
        lambda d: d["red_flag_rules"][0]["when"]["all"][0]["red_flags"].update(has="cancer"),
        "'cancer' is not a known red flags id",
    ),
    ("unknown fact", lambda d: _first_treatment(d)["rules"][0].update(when={"age": {"gt": 50}}), "unknown fact or keyword 'age'"),
    ("unknown operator", lambda d: _first_treatment(d)["rules"][0].update(when={"pain": {"over": 5}}), "unknown operator 'over'"),
    ("bad enum value", lambda d: _first_treatment(d)["rules"][0].update(when={"stage": {"is": "chronc"}}), "did you mean 'chronic'?"),
    ("unknown named condition", lambda d: _first_treatment(d)["rules"][0].update(when={"condition": "chronik"}), "did you mean 'chronic'?"),
    (
        "circular named conditions",
        lambda d: d["conditions"].update(
            loop_a={"description": "a", "when": {"condition": "loop_b"}}, loop_b={"description": "b", "when": {"condition": "loop_a"}}
        ),
        "circular condition",
    ),
    ("last rule conditional", lambda d: _first_treatment(d)["rules"].pop(), "the last rule must apply always"),
    ("engine-only status", lambda d: _first_treatment(d)["rules"][-1].update(status="on-hold"), "decided by the engine"),
    ("bad direction", lambda d: _first_treatment(d)["guidelines"][0].update(direction="maybe"), "'maybe' is not one of the allowed values"),
    ("bad date", lambda d: _first_treatment(d).update(reviewed="last year"), "must be a date"),
    (
        "review due before reviewed",
        lambda d: _first_treatment(d).update(review_due=dt.date(2000, 1, 1)),
        "is before the date it was reviewed",
    ),
    ("bad red-flag level", lambda d: d["red_flags"][0].update(level="asap"), "'asap' is not one of the allowed values"),
    ("missing question for a fact", lambda d: d["questions"].pop(), "missing question for fact"),
    ("alias that folds onto another entry", lambda d: _first_treatment(d)["aliases"].append("Physical_Therapy"), "already used by"),
    ("level listed twice", lambda d: d["levels"].append(dict(d["levels"][0])), "listed twice"),
    ("stages out of order", lambda d: d["stages"].reverse(), "must list acute, subacute and chronic"),
    ("a word naming two tiers", lambda d: d["tiers"][0].setdefault("aliases", []).append("Surgery"), "already names tier"),
]


@pytest.mark.parametrize(("edit", "expected"), [(e, x) for _, e, x in EDITS], ids=[name for name, _, _ in EDITS])
def test_invalid_knowledge_base_is_refused_with_path_and_hint(
    write_kb: Callable[[Callable[[dict[str, Any]], Any]], Path], edit: Callable[[dict[str, Any]], Any], expected: str
) -> None:
    problems = _problems(write_kb(edit))
    assert any(expected in p for p in problems), problems


def test_problem_names_the_yaml_path(write_kb: Callable[[Callable[[dict[str, Any]], Any]], Path]) -> None:
    path = write_kb(lambda d: _first_treatment(d)["rules"][0].update(when={"pain": {"over": 5}}))
    problems = _problems(path)
    assert any(p.startswith("at treatments[") and ".rules[0].when.pain.over" in p for p in problems), problems


def test_every_problem_is_reported_not_just_the_first(write_kb: Callable[[Callable[[dict[str, Any]], Any]], Path]) -> None:
    def two_errors(d: dict[str, Any]) -> None:
        _first_treatment(d).update(tier="nowhere", summary=3)

    assert len(_problems(write_kb(two_errors))) >= 2


RAW_FILES: list[tuple[str, bytes, str]] = [
    ("empty", b"", "is empty"),
    ("binary", b"\x00\x01\x02garbage", "binary"),
    ("not utf-8", "name: caf\xe9".encode("latin-1"), "not valid UTF-8"),
    ("syntax error", b"version: '1\ntiers: [\n", "YAML syntax error"),
    ("python tag", b"version: !!python/object/apply:os.system ['echo hi']\n", "YAML tags are not allowed"),
    ("custom tag", b"version: !include other.yaml\n", "YAML tags are not allowed"),
    ("standard tag", b"version: !!str 1\n", "YAML tags are not allowed"),
    ("recursive alias", b"a: &a [1, *a]\n", "refers to itself"),
    ("duplicate key", b"version: '1'\nversion: '2'\n", "duplicate key 'version'"),
    ("nested duplicate key", b"guidelines:\n  nice: a\n  nice: b\n", "duplicate key 'nice'"),
    ("top level list", b"- a\n- b\n", "must be a mapping"),
    (
        "alias bomb",
        b"a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
        b"d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
        b"f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n",
        "aliases expand the file past the size limit",
    ),
]


@pytest.mark.parametrize(("content", "expected"), [(c, x) for _, c, x in RAW_FILES], ids=[n for n, _, _ in RAW_FILES])
def test_hostile_files_are_refused(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "kb.yaml"
    path.write_bytes(content)
    problems = _problems(path)
    assert any(expected in p for p in problems), problems


def test_syntax_error_gives_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "kb.yaml"
    path.write_text("version: '1'\ntiers:\n  - id: a\n   name: b\n", encoding="utf-8")
    problems = _problems(path)
    assert any("line 4" in p and "column" in p for p in problems), problems


def test_missing_file_and_directory(tmp_path: Path) -> None:
    assert "no such file" in _problems(tmp_path / "absent.yaml")[0]
    assert "is a directory" in _problems(tmp_path)[0]


def test_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(knowledge, "MAX_BYTES", 100)
    path = tmp_path / "big.yaml"
    path.write_text("x: " + "y" * 200, encoding="utf-8")
    assert "over the" in _problems(path)[0]


def test_knowledge_base_must_list_every_risk_group_the_option_accepts(write_kb: Any) -> None:
    path = write_kb(lambda d: d.update(risk_groups=[g for g in d["risk_groups"] if g["id"] != "medium"]))
    with pytest.raises(KnowledgeBaseError, match="missing risk group 'medium'"):
        knowledge.load(path)


@pytest.mark.parametrize("fact", ["helped", "side_effects", "weeks"])
def test_walk_lists_only_questions_it_can_ask(write_kb: Any, fact: str) -> None:
    at: list[int] = []
    path = write_kb(lambda d: (at.append(len(d["walk"])), d["walk"].append(fact)))
    with pytest.raises(KnowledgeBaseError, match=f"at walk\\[{at[0]}\\]: '{fact}' is not one of the allowed values"):
        knowledge.load(path)


def test_shipped_knowledge_base_has_no_yaml_anchors_or_aliases() -> None:
    """People read the file: every value is written out where it is used, never by reference."""
    import yaml

    events = yaml.parse(knowledge.default_path().read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    assert not any(isinstance(e, yaml.AliasEvent) or getattr(e, "anchor", None) for e in events)


# --- issue 14: limits that keep a valid file safe to use ------------------------------------------------


def _nested(key: str, depth: int) -> str:
    """A condition nested ``depth`` deep, as flow-style YAML text (a YAML dumper would recurse as deep)."""
    inner = "{pain: {gte: 5}}"
    return "".join(f"{{{key}: " + ("" if key == "not" else "[") for _ in range(depth)) + inner + ("}" if key == "not" else "]}") * depth


def _with_rule_when(write_kb: Any, condition: str) -> Path:
    """The shipped file with a first rule whose condition is ``condition`` (YAML text)."""
    rule = {"when": {"condition": "deep-placeholder"}, "status": "now", "reason": "x", "short": "x", "sources": ["nice-ng59"]}
    path = write_kb(lambda d: d["treatments"][0]["rules"].insert(0, rule))
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("condition: deep-placeholder", f"all: [{condition}]", 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(("key", "depth"), [("not", 500), ("all", 350), ("any", 40)])
def test_deeply_nested_conditions_are_refused_when_read(write_kb: Any, key: str, depth: int) -> None:
    """A condition nested hundreds deep must fail kb check (exit 3, with its path), never crash a command later."""
    with pytest.raises(KnowledgeBaseError) as caught:
        knowledge.load(_with_rule_when(write_kb, _nested(key, depth)))
    assert any(
        "nest more than 32 levels deep" in p.message and p.path.startswith("treatments[0].rules[0].when") for p in caught.value.problems
    )


def test_a_long_chain_of_named_conditions_is_refused(write_kb: Any) -> None:
    def chain(d: dict[str, Any]) -> None:
        for i in range(500):
            d["conditions"][f"link-{i}"] = {"description": "a link", "when": {"condition": f"link-{i + 1}"}}
        d["conditions"]["link-500"] = {"description": "the end", "when": {"pain": {"gte": 5}}}
        d["treatments"][0]["rules"].insert(0, {"when": {"condition": "link-0"}, "status": "now", "reason": "x", "sources": ["nice-ng59"]})

    with pytest.raises(KnowledgeBaseError) as caught:
        knowledge.load(write_kb(chain))
    assert any("named conditions" in p.message or "levels deep" in p.message for p in caught.value.problems)


def test_conditions_within_the_limit_are_accepted(write_kb: Any) -> None:
    assert knowledge.load(_with_rule_when(write_kb, _nested("not", 30))).treatments[0].rules[0].condition is not None


@pytest.mark.parametrize("char", ["\u202e", "\u2066", "\u2069", "\u200b", "\u200d", "\ufeff", "\u2028", "\u00ad"])
def test_invisible_and_direction_changing_characters_are_refused(write_kb: Any, char: str) -> None:
    """Text that reads one way and prints another never reaches a terminal: refused with its path."""
    path = write_kb(lambda d: d["treatments"][0].update(summary=f"Safe{char} and sound."))
    with pytest.raises(KnowledgeBaseError) as caught:
        knowledge.load(path)
    assert any(p.path == "treatments[0].summary" and f"U+{ord(char):04X}" in p.message for p in caught.value.problems)


@pytest.mark.parametrize(
    ("short", "found"),
    [(None, "missing key 'short'"), ("x" * 61, "is 61 characters long")],
)
def test_a_step_to_take_now_needs_a_short_reason(write_kb: Any, short: str | None, found: str) -> None:
    """A now step is listed on the first screen by its short reason: without one, or with one too long
    for a line, the file is refused (so no future rule can push the next steps off the first screen)."""
    rule: dict[str, Any] = {"status": "now", "reason": "x", "sources": ["nice-ng59"]}
    if short is not None:
        rule["short"] = short
    path = write_kb(lambda d: d["treatments"][0]["rules"].insert(0, rule))
    with pytest.raises(KnowledgeBaseError) as caught:
        knowledge.load(path)
    assert any(p.path.startswith("treatments[0].rules[0]") and found in p.message for p in caught.value.problems)
