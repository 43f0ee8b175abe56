"""Names people type (issue 12): a condition or a kind of care is never silently read as one option.

A topic (sciatica, slipped disc, tablets, surgery...) is a short page of its options in pathway order;
where one treatment is needed it is refused with its options listed; words found inside longer names
are candidates, never a silent match; search ranks a topic's first steps first.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from backpain_cli import cli
from backpain_cli.engine.search import SearchIndex
from backpain_cli.errors import KnowledgeBaseError, UsageError
from backpain_cli.knowledge import loader as knowledge
from backpain_cli.knowledge.lookup import NameIndex, normalise
from backpain_cli.knowledge.model import Knowledge
from backpain_cli.views import data

# Condition and body words people type, and the topic each is a name of.
CONDITION_WORDS = {
    "sciatica": "sciatica",
    "Sciatica": "sciatica",
    "pinched nerve": "sciatica",
    "trapped nerve": "sciatica",
    "radiculopathy": "sciatica",
    "slipped disc": "slipped-disc",
    "slipped disk": "slipped-disc",
    "herniated disc": "slipped-disc",
    "prolapsed disc": "slipped-disc",
    "disc bulge": "slipped-disc",
    "bulging disc": "slipped-disc",
    "hernia": "slipped-disc",
    "stenosis": "spinal-stenosis",
    "spinal stenosis": "spinal-stenosis",
    "neurogenic claudication": "spinal-stenosis",
    "lumbago": "low-back-pain",
    "low back pain": "low-back-pain",
    "back pain": "low-back-pain",
    "backache": "low-back-pain",
    "degenerative disc": "wear-and-tear",
    "degenerative disc disease": "wear-and-tear",
    "spinal arthritis": "wear-and-tear",
    "wear and tear": "wear-and-tear",
}
# Generic words for a kind of care: a page of candidates, never one drug or one operation.
GENERIC_WORDS = {
    "tablets": "medicines",
    "pills": "medicines",
    "medicine": "medicines",
    "medication": "medicines",
    "painkillers": "medicines",
    "injection": "injections",
    "injections": "injections",
    "steroid injection": "injections",
    "surgery": "surgery",
    "operation": "surgery",
    "back surgery": "surgery",
    "decompression": "decompression-surgery",
    "antidepressants": "antidepressants",
    "disc surgery": "surgery",
}
# Words that are part of several names, or close to one: candidates to choose from, never a silent match.
PARTIAL_WORDS = ["leg pain", "nerve pain", "arthritis", "disc", "nerve", "spine", "stimulator", "sciatic"]


def run(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(cli.app, list(args))
    return result.exit_code, result.stdout, result.stderr


# --- the knowledge base ----------------------------------------------------------------------------


def test_no_treatment_is_named_like_a_topic(kb: Knowledge) -> None:
    """Conditions live on topics, never as aliases of an operation ("sciatica" -> discectomy)."""
    topic_names = {normalise(n) for t in kb.topics for n in (t.id, t.name, *t.aliases)}
    for t in kb.treatments:
        for name in (t.id, t.name, *t.aliases):
            assert normalise(name) not in topic_names, (t.id, name)


def test_topic_options_exist_and_are_in_pathway_order(kb: Knowledge) -> None:
    order = [item["id"] for item in data.treatment_list(kb)]  # the order of `list` and of the pathway
    for topic in kb.topics:
        for ids in (topic.options, topic.advised_against.options if topic.advised_against else ()):
            assert all(i in kb.by_id for i in ids), topic.id
            assert list(ids) == sorted(ids, key=order.index), topic.id
        assert not set(topic.options) & set(topic.all_options()[len(topic.options) :]), topic.id
        assert set(topic.sources) <= set(kb.sources)
        assert topic.advised_against is None or set(topic.advised_against.sources) <= set(kb.sources)


def test_options_a_topic_puts_forward_are_not_ones_guidelines_only_advise_against(kb: Knowledge) -> None:
    for topic in kb.topics:
        for tid in topic.options:
            directions = {g.direction for g in kb.treatment(tid).guidelines}
            assert not ("against" in directions and not directions & {"for", "restricted"}), (topic.id, tid)


def test_a_kind_of_care_lists_every_option_of_that_care_type(kb: Knowledge) -> None:
    for topic_id, care_type in (("medicines", "medication"), ("injections", "injection"), ("surgery", "surgery")):
        topic = kb.topic(topic_id)
        assert set(topic.all_options()) == {t.id for t in kb.treatments if t.care_type == care_type}


def _sciatica(d: dict[str, Any]) -> dict[str, Any]:
    return next(t for t in d["topics"] if t["id"] == "sciatica")


TOPIC_EDITS: list[tuple[str, Callable[[dict[str, Any]], Any], str]] = [
    ("a condition as a treatment alias", lambda d: d["treatments"][-5]["aliases"].append("Sciatica"), "already used by 'sciatica'"),
    ("a topic alias a treatment has", lambda d: _sciatica(d)["aliases"].append("physio"), "alias 'physio' is already used by"),
    ("an unknown option", lambda d: _sciatica(d)["options"].append("physical-terapy"), "did you mean 'physical-therapy'?"),
    ("an option listed twice", lambda d: _sciatica(d)["options"].append("discectomy"), "'discectomy' is listed twice"),
    (
        "an option also advised against",
        lambda d: _sciatica(d)["options"].append("opioids"),
        "'opioids' is listed both as an option and as advised against",
    ),
    (
        "an option guidelines only advise against",
        lambda d: _sciatica(d)["options"].append("spinal-fusion"),
        "list it under advised_against",
    ),
    (
        "advised against, but not in its own entry",
        lambda d: _sciatica(d)["advised_against"]["options"].append("regular-exercise"),
        "'regular-exercise' is neither advised against nor limited in its own entry",
    ),
    ("an unknown source", lambda d: _sciatica(d)["sources"].append("nice-ng-59"), "did you mean 'nice-ng59'?"),
    ("an answer that is not a yes/no fact", lambda d: _sciatica(d)["answers"].append("pain"), "'pain' is not one of the allowed values"),
    ("no options at all", lambda d: _sciatica(d).update(options=[], advised_against=None), "names no options"),
    ("an unknown key", lambda d: _sciatica(d).update(option=["x"]), "did you mean 'options'?"),
]


@pytest.mark.parametrize(("edit", "expected"), [(e, x) for _, e, x in TOPIC_EDITS], ids=[name for name, _, _ in TOPIC_EDITS])
def test_a_bad_topic_is_refused_with_its_path(
    write_kb: Callable[[Callable[[dict[str, Any]], Any]], Path], edit: Callable[[dict[str, Any]], Any], expected: str
) -> None:
    if expected == "names no options":
        edit = _without_none(edit)
    with pytest.raises(KnowledgeBaseError) as caught:
        knowledge.load(write_kb(edit), use_cache=False)
    problems = [str(p) for p in caught.value.problems]
    assert any(expected in p for p in problems), problems
    assert any("topics[" in p or "treatments[" in p for p in problems), problems


def _without_none(edit: Callable[[dict[str, Any]], Any]) -> Callable[[dict[str, Any]], Any]:
    def wrapped(d: dict[str, Any]) -> None:
        edit(d)
        _sciatica(d).pop("advised_against")

    return wrapped


def test_a_new_option_of_a_kind_of_care_appears_on_its_page(write_kb: Callable[[Callable[[dict[str, Any]], Any]], Path]) -> None:
    """A medicine added later is on the medicines page: with those advised against when guidelines only advise against it."""

    def add(d: dict[str, Any]) -> None:
        for new_id, direction in (("new-drug-a", "against"), ("new-drug-b", "for")):
            entry = dict(next(t for t in d["treatments"] if t["id"] == "paracetamol"), id=new_id, name=new_id, aliases=[])
            entry["guidelines"] = [dict(entry["guidelines"][0], direction=direction)]
            d["treatments"].append(entry)

    kb = knowledge.load(write_kb(add), use_cache=False)
    medicines = kb.topic("medicines")
    assert "new-drug-b" in medicines.options
    assert medicines.advised_against is not None and "new-drug-a" in medicines.advised_against.options


def test_a_knowledge_base_without_topics_still_loads(write_kb: Callable[[Callable[[dict[str, Any]], Any]], Path]) -> None:
    kb = knowledge.load(write_kb(lambda d: d.pop("topics")), use_cache=False)
    assert kb.topics == ()
    assert NameIndex.build(kb).resolve("epidural") == "epidural-steroid-injection"


# --- names ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "topic"), sorted({**CONDITION_WORDS, **GENERIC_WORDS}.items()))
def test_a_topic_name_is_the_topic_not_a_treatment(kb: Knowledge, typed: str, topic: str) -> None:
    index = NameIndex.build(kb)
    assert index.find(typed) == topic
    with pytest.raises(UsageError) as caught:
        index.resolve(typed)
    message = str(caught.value)
    assert "several options" in message and f"backpain explain {topic}" in message
    assert all(option in message for option in kb.topic(topic).all_options()[:12])


@pytest.mark.parametrize("typed", PARTIAL_WORDS)
def test_part_of_a_name_is_never_read_silently(kb: Knowledge, typed: str) -> None:
    index = NameIndex.build(kb)
    for look in (index.find, index.resolve):
        with pytest.raises(UsageError) as caught:
            look(typed)
        assert "did you mean" in str(caught.value) or "matches several names" in str(caught.value)
    with pytest.raises(UsageError) as caught:
        index.find(typed)
    assert "backpain search" in str(caught.value)


def test_plain_names_still_resolve(kb: Knowledge) -> None:
    index = NameIndex.build(kb)
    assert index.resolve("ibuprofen") == "nsaids"
    assert index.resolve("Epidurals") == "epidural-steroid-injection"
    assert index.find("physio") == "physical-therapy"
    assert index.resolve("exercise") == "regular-exercise"


def test_an_unknown_name_suggests_searching(runner: CliRunner) -> None:
    code, out, err = run(runner, "explain", "lumbar spondylolisthesis")
    assert code == 2 and out == ""
    assert "backpain search 'lumbar spondylolisthesis'" in err and err.count("\n") == 1


# --- explain ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", sorted(CONDITION_WORDS))
def test_explain_a_condition_shows_its_options_in_pathway_order(runner: CliRunner, kb: Knowledge, typed: str) -> None:
    code, out, err = run(runner, "explain", typed)
    assert code == 0, err
    topic = kb.topic(CONDITION_WORDS[typed])
    lines = out.splitlines()
    assert lines[0].startswith(topic.name)
    assert "Warning signs:" in out and "backpain pathway --months N" in out
    places = [out.index(f"  • {kb.treatment(i).name}") for i in topic.options]
    assert places == sorted(places)
    assert "Tier:" not in out  # never one treatment's page
    first_surgery = min((p for p, i in zip(places, topic.options, strict=True) if kb.treatment(i).tier == "surgical"), default=len(out))
    assert places[0] < first_surgery


def test_explain_sciatica_at_80_columns(runner: CliRunner, kb: Knowledge) -> None:
    code, out, _ = run(runner, "explain", "sciatica")
    assert code == 0
    assert all(len(line) <= 80 for line in out.splitlines())
    assert out.index("Education and self-management") < out.index("Epidural steroid injection") < out.index("Discectomy")
    assert "Advised against" in out and "Gabapentinoids" in out and "gabapentinoids" not in out.replace("Gabapentinoids", "")
    assert "backpain pathway --months N --leg-pain" in out
    assert "Sources: NICE NG59" in out


def test_explain_a_topic_as_json(runner: CliRunner, kb: Knowledge) -> None:
    code, out, err = run(runner, "explain", "pinched nerve", "--json")
    assert code == 0, err
    page = json.loads(out)
    assert page["kind"] == "topic" and page["id"] == "sciatica"
    assert [o["id"] for o in page["options"]] == list(kb.topic("sciatica").options)
    assert {"id", "name", "tier", "tier_name", "aliases", "summary"} <= set(page["options"][0])
    assert page["advised_against"]["options"][0]["id"] in kb.by_id and page["advised_against"]["sources"] == ["nice-ng59"]
    assert page["sources"][0]["id"] == "nice-ng59" and page["answers"] == ["leg_pain"] and page["disclaimer"]
    code, out, _ = run(runner, "explain", "epidural", "--json")
    assert json.loads(out)["kind"] == "treatment"


def test_pathway_refuses_a_topic_with_its_candidates(runner: CliRunner) -> None:
    code, out, err = run(runner, "pathway", "--months", "4", "--tried", "tablets")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "nsaids" in err and "gabapentinoids" in err and "backpain explain medicines" in err


# --- search ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    return SearchIndex.build(knowledge.load(knowledge.default_path()))


@pytest.mark.parametrize(
    "query", ["sciatica", "slipped disc", "herniated disc", "stenosis", "pinched nerve", "leg pain", "lumbago", "arthritis"]
)
def test_a_condition_query_puts_first_steps_first(kb: Knowledge, index: SearchIndex, query: str) -> None:
    hits = index.search(query)
    conservative = {t.id for t in kb.tiers[:2]}
    assert hits[0].tier in conservative, [h.id for h in hits]
    assert all(h.tier in conservative for h in hits[:2]), [h.id for h in hits]
    assert hits[0].tier != "surgical"
    surgical = [i for i, h in enumerate(hits) if h.tier == "surgical"]
    first_steps = [i for i, h in enumerate(hits) if h.tier in conservative]
    assert not surgical or min(first_steps) < min(surgical)


def test_a_condition_query_finds_options_through_the_topic(index: SearchIndex) -> None:
    hits = index.search("pinched nerve", limit=40)
    found = {h.id: h for h in hits}
    assert "physical-therapy" in found
    assert any(m.field == "topic" and m.source == "sciatica" for m in found["physical-therapy"].matches)
    advised = [h.id for h in hits if h.id in {"gabapentinoids", "opioids"}]
    assert advised and all(hits.index(found[i]) > hits.index(found["discectomy"]) for i in advised)


def test_a_treatment_query_is_ranked_by_text_as_before(index: SearchIndex) -> None:
    assert index.topics_named("ibuprofen") == ()
    assert index.topics_named("nerve") == ()  # part of treatment names too: an ordinary search
    assert [t.id for t in index.topics_named("leg pain")] == ["sciatica", "spinal-stenosis"]
    assert index.search("ibuprofen")[0].id == "nsaids"


def test_search_names_the_topic_page(runner: CliRunner) -> None:
    code, out, _ = run(runner, "search", "slipped disc", "--limit", "3")
    assert code == 0
    assert out.splitlines()[0].startswith("Slipped disc (herniated or bulging disc) is a topic") or "backpain explain slipped-disc" in out
    assert "Listed for: Slipped disc" in out


# --- completion ----------------------------------------------------------------------------------------


def test_completion_offers_topics_for_explain(kb: Knowledge) -> None:
    names = knowledge.completion_names(kb)
    assert "sciatica" in names["topics"] and "lumbago" in names["topics"]
    assert "sciatica" not in names["treatments"]
