"""Full-text search (backpain_cli.engine.search) and its rendering, on the shipped knowledge base."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

from backpain_cli.engine.search import Hit, Match, SearchIndex, search, search_json, snippet_around, word_quality
from backpain_cli.errors import UsageError
from backpain_cli.knowledge import loader as knowledge
from backpain_cli.knowledge.model import Knowledge
from backpain_cli.views.search_text import render_hits


@pytest.fixture(scope="module")
def shipped() -> Knowledge:
    return knowledge.load(knowledge.default_path())


@pytest.fixture(scope="module")
def index(shipped: Knowledge) -> SearchIndex:
    return SearchIndex.build(shipped)


def ids(hits: list[Hit]) -> list[str]:
    return [h.id for h in hits]


def render(kb: Knowledge, query: str, hits: list[Hit], width: int = 80) -> str:
    console = Console(width=width, file=io.StringIO(), color_system=None, highlight=False, markup=False, emoji=False)
    console.print(render_hits(kb, query, hits))
    out = console.file.getvalue()
    assert isinstance(out, str)
    return out


def spans_ok(hit: Hit) -> bool:
    return all(0 <= s < e <= len(m.snippet) for m in hit.matches for s, e in m.spans)


# --- ranking -------------------------------------------------------------------------------------


def test_needles_finds_acupuncture_first(shipped: Knowledge) -> None:
    assert "needles" in shipped.treatment("acupuncture").aliases  # the alias this ranking relies on
    hits = search(shipped, "needles")
    assert ids(hits)[0] == "acupuncture"
    assert hits[0].matches[0].field == "alias"


def test_ibuprofen_ranks_nsaids_first(index: SearchIndex) -> None:
    hits = index.search("ibuprofen")
    assert ids(hits)[0] == "nsaids"
    assert hits[0].score > max((h.score for h in hits[1:]), default=0)


@pytest.mark.parametrize("query", ["sciatca", "Sciatica", "SCIATICA!", "sciatic"])
def test_sciatica_with_a_typo_finds_epidural_and_discectomy(index: SearchIndex, query: str) -> None:
    found = ids(index.search(query))
    assert {"epidural-steroid-injection", "discectomy"} <= set(found)
    snippets = [m.snippet[s:e].casefold() for h in index.search(query) for m in h.matches for s, e in m.spans]
    assert any(s.startswith("sciatic") for s in snippets)


def test_acupuncture_with_a_typo(index: SearchIndex) -> None:
    hits = index.search("acupunture")
    assert ids(hits)[0] == "acupuncture"
    name = next(m for m in hits[0].matches if m.field == "name")
    assert [name.snippet[s:e] for s, e in name.spans] == ["Acupuncture"]


def test_a_word_the_knowledge_base_uses_is_not_treated_as_a_typo(index: SearchIndex) -> None:
    """'needles' is a real word here, so it must not also match 'needs' by spelling similarity."""
    for hit in index.search("needles", limit=40):
        for m in hit.matches:
            assert all(m.snippet[s:e].casefold().startswith("needle") for s, e in m.spans), (hit.id, m)


def test_case_and_punctuation_do_not_matter(index: SearchIndex) -> None:
    assert ids(index.search("Ibuprofen")) == ids(index.search("  IBUPROFEN?! "))
    assert ids(index.search("dry-needling")) == ids(index.search("Dry Needling"))


def test_names_weigh_more_than_summaries_and_summaries_more_than_the_rest(index: SearchIndex) -> None:
    # 'needles' is an alias of acupuncture and in the summary of TENS; 'needle' is further down elsewhere.
    found = ids(index.search("needles"))
    assert found.index("acupuncture") < found.index("tens")
    (hit,) = [h for h in index.search("needles") if h.id == "tens"]
    assert {m.field for m in hit.matches} == {"summary"}


def test_all_words_matched_ranks_above_some_matched(index: SearchIndex) -> None:
    hits = index.search("nerev damage", limit=20)
    counts = [len(h.matched_words) for h in hits]
    assert counts == sorted(counts, reverse=True)
    assert counts[0] == 2 and counts[-1] == 1
    assert hits[0].id == "spinal-cord-stimulator"


def test_whole_name_match_wins(index: SearchIndex) -> None:
    assert ids(index.search("steroid shot"))[0] == "epidural-steroid-injection"
    assert ids(index.search("physio"))[0] == "physical-therapy"
    assert ids(index.search("MRI"))[0] == "imaging"


def test_limit(index: SearchIndex) -> None:
    assert len(index.search("pain", limit=3)) == 3
    assert len(index.search("pain", limit=1)) == 1
    with pytest.raises(UsageError):
        index.search("pain", limit=0)


def test_results_are_deterministic(shipped: Knowledge, index: SearchIndex) -> None:
    for query in ("back pain", "sciatca", "the", "nerve injury risk"):
        first = search_json(index.search(query))
        assert search_json(SearchIndex.build(shipped).search(query)) == first
        assert search_json(search(shipped, query)) == first


def test_nothing_found(index: SearchIndex) -> None:
    assert index.search("zzzzqqq") == []
    assert index.search("[bold]") == []
    assert index.search("...") == []  # no words at all: nothing to match, not an error


# --- snippets and spans --------------------------------------------------------------------------


def test_snippets_are_short_with_highlightable_spans(index: SearchIndex) -> None:
    for query in ("sciatica", "back pain surgery", "risk", "exercise"):
        for hit in index.search(query, limit=40):
            assert hit.matches and spans_ok(hit)
            for m in hit.matches:
                assert len(m.snippet) <= 120
                assert m.spans, (hit.id, m)


def test_long_text_is_trimmed_around_the_first_match() -> None:
    text = "word " * 60 + "target " + "word " * 60
    start = text.index("target")
    snippet, spans = snippet_around(text, [(start, start + 6)], width=50)
    assert snippet.startswith("...") and snippet.endswith("...")
    assert [snippet[s:e] for s, e in spans] == ["target"]
    assert len(snippet) <= 56


def test_short_text_is_kept_whole() -> None:
    snippet, spans = snippet_around("Dry needling", [(4, 12)])
    assert snippet == "Dry needling" and spans == ((4, 12),)


def test_word_quality() -> None:
    assert word_quality("sciatica", "sciatica") == 1.0
    assert word_quality("needle", "needles") > word_quality("nee", "needles") > 0
    assert 0 < word_quality("sciatca", "sciatica") < word_quality("scia", "sciatica")
    assert word_quality("sciatca", "sciatica", fuzzy=False) == 0
    assert word_quality("ab", "abc") == 0  # too short for a prefix match
    assert word_quality("back", "neck") == 0


def test_guideline_matches_name_their_source(index: SearchIndex) -> None:
    found = [m for h in index.search("do not offer", limit=40) for m in h.matches if m.field == "guidelines"]
    assert found and all(m.source for m in found)


# --- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["", " ", "\t\n", "\u3000"])
def test_blank_query_is_a_usage_error(shipped: Knowledge, query: str) -> None:
    with pytest.raises(UsageError) as raised:
        search(shipped, query)
    message = str(raised.value)
    assert "\n" not in message and "empty" in message and "e.g." in message


# --- JSON ----------------------------------------------------------------------------------------


def test_json_shape(index: SearchIndex) -> None:
    data = search_json(index.search("sciatca"))
    assert json.loads(json.dumps(data)) == data
    for item in data:
        assert set(item) == {"id", "name", "tier", "score", "matched_words", "matches"}
        assert isinstance(item["score"], float) and item["matched_words"] == ["sciatca"]
        for m in item["matches"]:
            assert set(m) == {"field", "source", "snippet", "spans"}
            assert all(0 <= s < e <= len(m["snippet"]) for s, e in m["spans"])


# --- rendering -----------------------------------------------------------------------------------


def test_render_highlights_and_lists_hits(shipped: Knowledge, index: SearchIndex) -> None:
    hits = index.search("sciatca")
    out = render(shipped, "sciatca", hits)
    assert f"{len(hits)} results for 'sciatca'" in out
    for hit in hits:
        assert hit.name in out and f"  {hit.id}" not in out  # names, never ids
    console = Console(width=100, file=io.StringIO(), force_terminal=True, color_system="standard")
    console.print(render_hits(shipped, "sciatca", hits))
    styled = console.file.getvalue()
    assert isinstance(styled, str)
    assert "\x1b[1;7m" in styled  # bold reverse on the matched words


def test_markup_like_query_prints_literally(shipped: Knowledge, index: SearchIndex) -> None:
    for query in ("[bold]", "[red]x[/red] sciatica", "[/]"):
        out = render(shipped, query, index.search(query))
        assert query in out


def test_no_match_is_one_helpful_line(shipped: Knowledge) -> None:
    out = render(shipped, "[bold]zzzq", [], width=200)
    assert out.strip() == out.strip().splitlines()[0]
    assert "No match for '[bold]zzzq'" in out and "backpain list" in out


def test_markup_like_snippet_prints_literally_and_highlights_by_offset(shipped: Knowledge) -> None:
    snippet = "take [bold]two[/bold] and [red]rest[/]"
    start = snippet.index("[bold]")
    hit = Hit("nsaids", "NSAIDs [b]x[/b]", "traditional", 1.0, ("bold",), (Match("summary", snippet, ((start, start + 6),)),))
    out = render(shipped, "[bold]", [hit])
    assert snippet in out and "NSAIDs [b]x[/b]" in out


def test_render_fits_narrow_terminals(shipped: Knowledge, index: SearchIndex) -> None:
    out = render(shipped, "back pain surgery", index.search("back pain surgery"), width=40)
    assert all(len(line) <= 40 for line in out.splitlines())


# --- properties ----------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    query=st.text(max_size=40) | st.sampled_from(["sciatica", "back pain", "ibuprofen", "[bold]", "needl", "a b c d e f g h i j k l m n"])
)
def test_search_never_raises_and_spans_lie_in_snippets(index: SearchIndex, query: str) -> None:
    if not query.strip():
        with pytest.raises(UsageError):
            index.search(query)
        return
    hits = index.search(query, limit=15)
    assert len(hits) <= 15
    assert len({h.id for h in hits}) == len(hits)
    topics = index.topics_named(query)
    if topics:  # a topic's options first, in pathway order
        options = [h.id for h in hits if any(h.id in t.options for t in topics)]
        assert [h.id for h in hits[: len(options)]] == options == sorted(options, key=index.order.__getitem__)
    else:
        ranks = [(len(h.matched_words), h.score) for h in hits]
        assert ranks == sorted(ranks, reverse=True)
    for hit in hits:
        assert hit.matched_words and spans_ok(hit)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=300), cut=st.integers(min_value=1, max_value=200), data=st.data())
def test_snippet_spans_always_lie_in_the_snippet(text: str, cut: int, data: st.DataObject) -> None:
    points = sorted(data.draw(st.lists(st.integers(0, len(text)), min_size=2, max_size=8)))
    spans = [(a, b) for a, b in zip(points[::2], points[1::2], strict=False) if a < b]
    snippet, kept = snippet_around(text, spans, width=cut)
    assert all(0 <= s < e <= len(snippet) for s, e in kept)
    assert all(snippet[s:e] in text for s, e in kept)
