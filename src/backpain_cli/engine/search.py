"""Full-text search over the knowledge base: typo tolerant, ranked, with highlightable snippets.

Pure: no Rich. Matching works on words (letters and digits), ignoring case and punctuation. A query
word matches a word in the text exactly, with or without a plural ending, as its start (query words of
3 or more characters), or, when the knowledge base never uses the query word itself, by spelling
similarity (a typo: ``difflib`` ratio of at least ``FUZZY_CUTOFF``, both words 4 or more characters).

Ranking: options that match more of the query's words come first; then by score, where a match in a
name, id or alias weighs most, then one in the summary, then one anywhere else; ties keep knowledge
base order, so results are deterministic. Each query word is compared once with each distinct word of
the knowledge base, so a search costs time linear in its size.

A query that names a topic (a condition such as sciatica, or a kind of care such as tablets) is ranked
fairly instead: the topic's options first, in pathway order (first steps first, surgery last), then
any other match, then the options guidelines advise against for it. An option is also found through
the names of the topics that list it, so "pinched nerve" finds the options for sciatica.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from backpain_cli.errors import UsageError
from backpain_cli.knowledge.lookup import NameIndex, normalise
from backpain_cli.knowledge.model import Knowledge, Topic, Treatment

FUZZY_CUTOFF = 0.8
MIN_PREFIX = 3
MIN_FUZZY = 4
MAX_QUERY_WORDS = 12  # later words are ignored: a search is a few words, not a paragraph
MAX_MATCHES = 3  # snippets per hit, besides the name and id (a view shows those in its heading)
_HEADING = ("name", "id")
SNIPPET_WIDTH = 110
SNIPPET_LEAD = 35  # characters of context kept before the first match when a text is trimmed
ELLIPSIS = "..."

# Field key -> weight. Names, ids and aliases say what an option *is*; the summary is about it; the
# rest mentions things in passing.
WEIGHTS: dict[str, float] = {
    "name": 10.0,
    "id": 10.0,
    "alias": 10.0,
    "summary": 5.0,
    "how_it_works": 2.0,
    "benefits": 2.0,
    "risks": 2.0,
    "guidelines": 2.0,
    "article": 2.0,
    "topic": 2.0,  # the name of a topic that lists it: "sciatica" for an epidural
    "topic_against": 2.0,  # the name of a topic it is advised against for
}
EXACT = 1.0
PLURAL = 0.9
PREFIX = 0.8
FUZZY = 0.7  # times the similarity ratio
EXACT_NAME_BONUS = 20.0  # the whole query is an id, name or alias of the option
MORE_FIELDS_BONUS = 0.5  # per further field a query word appears in, up to MORE_FIELDS_CAP of them
MORE_FIELDS_CAP = 4

_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Match:
    """Where an option matched: a field key, a short snippet, and the matched words' character spans in it.

    ``field`` is one of the keys of ``WEIGHTS``; ``source`` is the source id for a guideline note, and the
    topic id for the name of a topic that lists the option (``topic``, ``topic_against``).
    Every span satisfies ``0 <= start < end <= len(snippet)``.
    """

    field: str
    snippet: str
    spans: tuple[tuple[int, int], ...]
    source: str | None = None


@dataclass(frozen=True)
class Hit:
    id: str
    name: str
    tier: str
    score: float
    matched_words: tuple[str, ...]  # the query words this option matched, in query order
    matches: tuple[Match, ...]  # the name's and the id's matches (if any) first, then up to MAX_MATCHES more


@dataclass(frozen=True)
class _Field:
    treatment: int
    key: str
    text: str  # one line: each non-printable character (newlines too) replaced by a space, so offsets hold
    source: str | None

    @property
    def weight(self) -> float:
        return WEIGHTS[self.key]


def _fields(index: int, t: Treatment, topics: tuple[Topic, ...] = ()) -> Iterator[_Field]:
    def field(key: str, text: str, source: str | None = None) -> _Field:
        return _Field(index, key, "".join(ch if ch.isprintable() else " " for ch in text), source)

    yield field("name", t.name)
    yield field("id", t.id)
    yield from (field("alias", a) for a in t.aliases)
    yield field("summary", t.summary)
    yield field("how_it_works", t.how_it_works)
    yield from (field("benefits", s.text) for s in t.benefits)
    yield from (field("risks", s.text) for s in t.risks)
    yield from (field("guidelines", g.note, g.source) for g in t.guidelines)
    if t.article is not None:
        yield field("article", t.article.note)
    for topic in topics:
        key = "topic" if t.id in topic.options else "topic_against"
        yield field(key, topic.name + (f" (also called {', '.join(topic.aliases)})" if topic.aliases else ""), topic.id)


def query_words(query: str) -> tuple[str, ...]:
    """The distinct words of a query, folded, in order (at most ``MAX_QUERY_WORDS``)."""
    return tuple(dict.fromkeys(w.casefold() for w in _WORD.findall(query)))[:MAX_QUERY_WORDS]


def _variants(word: str) -> frozenset[str]:
    """The word with and without a plural ending: "needle" and "needles", "braces" and "brace"."""
    out = {word, word + "s", word + "es"}
    if word.endswith("s"):
        out.add(word[:-1])
    if word.endswith("es"):
        out.add(word[:-2])
    return frozenset(out)


def word_quality(query_word: str, word: str, *, fuzzy: bool = True, matcher: difflib.SequenceMatcher[str] | None = None) -> float:
    """How well a folded query word matches a folded text word: 0 for not at all, up to 1 for the same word.

    Exact 1; the same word with or without a plural ending 0.9; the query word starts the text word
    0.8; with ``fuzzy``, a close spelling (a typo) 0.7 times its similarity ratio.
    """
    if word == query_word:
        return EXACT
    if len(query_word) >= MIN_PREFIX and word in _variants(query_word):
        return PLURAL
    if len(query_word) >= MIN_PREFIX and word.startswith(query_word):
        return PREFIX
    if not fuzzy or len(query_word) < MIN_FUZZY or len(word) < MIN_FUZZY:
        return 0.0
    # ratio <= 2 * shorter / (sum of lengths): skip words whose lengths alone rule a close match out.
    if 2 * min(len(word), len(query_word)) < FUZZY_CUTOFF * (len(word) + len(query_word)):
        return 0.0
    if matcher is None:
        matcher = difflib.SequenceMatcher(None, b=query_word, autojunk=False)
    matcher.set_seq1(word)
    if matcher.quick_ratio() < FUZZY_CUTOFF:
        return 0.0
    ratio = matcher.ratio()
    return FUZZY * ratio if ratio >= FUZZY_CUTOFF else 0.0


@dataclass(frozen=True)
class SearchIndex:
    """Every searchable text of a knowledge base, split into words. Build once, search many times."""

    treatments: tuple[Treatment, ...]
    fields: tuple[_Field, ...]
    # folded word -> every (field number, start, end) where it occurs
    postings: dict[str, tuple[tuple[int, int, int], ...]]
    names: dict[str, str]  # normalised id, name or alias -> treatment id
    lookup: NameIndex  # every name of a treatment or a topic, to tell a query that names a topic
    order: dict[str, tuple[int, int]]  # treatment id -> its place in pathway order: (tier, place in the file)

    @classmethod
    def build(cls, kb: Knowledge) -> SearchIndex:
        listing: dict[str, list[Topic]] = {}  # treatment id -> the topics that name it
        for topic in kb.topics:
            for tid in topic.all_options():
                listing.setdefault(tid, []).append(topic)
        fields = tuple(f for i, t in enumerate(kb.treatments) for f in _fields(i, t, tuple(listing.get(t.id, ()))))
        postings: dict[str, list[tuple[int, int, int]]] = {}
        for number, f in enumerate(fields):
            for m in _WORD.finditer(f.text):
                postings.setdefault(m.group().casefold(), []).append((number, m.start(), m.end()))
        names: dict[str, str] = {}
        for t in kb.treatments:
            for key in (t.id, t.name, *t.aliases):
                names.setdefault(normalise(key), t.id)
        tier_rank = {tier.id: i for i, tier in enumerate(kb.tiers)}
        order = {t.id: (tier_rank[t.tier], i) for i, t in enumerate(kb.treatments)}
        return cls(kb.treatments, fields, {w: tuple(p) for w, p in postings.items()}, names, NameIndex.build(kb), order)

    def topics_named(self, query: str) -> tuple[Topic, ...]:
        """The topics a query names: the one it is a name of, or those whose names alone hold its words
        ("leg pain": sciatica and spinal stenosis). None when it names or is part of a treatment's name."""
        found = self.lookup.named(query)
        if found is not None:
            return (self.lookup.topics[found],) if self.lookup.is_topic(found) else ()
        inside = self.lookup.containing(query)
        if inside and all(self.lookup.is_topic(i) for i in inside):
            return tuple(self.lookup.topics[i] for i in inside)
        return ()

    def search(self, query: str, limit: int = 10) -> list[Hit]:
        """The best ``limit`` options for ``query``; ``UsageError`` for a blank query or a limit below 1."""
        if not query.strip():
            raise UsageError("the search text is empty; give a word or two, e.g. 'backpain search sciatica'")
        if limit < 1:
            raise UsageError(f"the number of results must be 1 or more, not {limit}")
        words = query_words(query)
        # field number -> query word number -> best quality; field number -> matched spans
        quality: dict[int, dict[int, float]] = {}
        spans: dict[int, set[tuple[int, int]]] = {}
        for qi, q in enumerate(words):
            # A word the knowledge base uses is taken as typed; only an unknown word may be a typo.
            fuzzy = q not in self.postings
            matcher = difflib.SequenceMatcher(None, b=q, autojunk=False)
            for word, places in self.postings.items():
                score = word_quality(q, word, fuzzy=fuzzy, matcher=matcher)
                if not score:
                    continue
                for number, start, end in places:
                    best = quality.setdefault(number, {})
                    best[qi] = max(best.get(qi, 0.0), score)
                    spans.setdefault(number, set()).add((start, end))
        by_treatment: dict[int, list[int]] = {}
        for number in sorted(quality):
            by_treatment.setdefault(self.fields[number].treatment, []).append(number)
        exact = self.names.get(normalise(query))
        ranked: list[tuple[int, float, int, tuple[str, ...]]] = []
        for ti, numbers in by_treatment.items():
            best_by_word: dict[int, float] = {}
            fields_by_word: dict[int, int] = {}
            for number in numbers:
                weight = self.fields[number].weight
                for qi, q_score in quality[number].items():
                    best_by_word[qi] = max(best_by_word.get(qi, 0.0), weight * q_score)
                    fields_by_word[qi] = fields_by_word.get(qi, 0) + 1
            score = sum(best_by_word.values())
            score += sum(MORE_FIELDS_BONUS * min(n - 1, MORE_FIELDS_CAP) for n in fields_by_word.values())
            if exact == self.treatments[ti].id:
                score += EXACT_NAME_BONUS
            matched = tuple(words[qi] for qi in sorted(best_by_word))
            ranked.append((len(matched), round(score, 2), ti, matched))
        topics = self.topics_named(query)
        if topics:
            ranked.sort(key=self._fair(topics))
        else:
            ranked.sort(key=lambda r: (-r[0], -r[1], r[2]))
        hits = []
        for _, score, ti, matched in ranked[:limit]:
            t = self.treatments[ti]
            hits.append(Hit(t.id, t.name, t.tier, score, matched, self._matches(by_treatment[ti], quality, spans)))
        return hits

    def _fair(self, topics: tuple[Topic, ...]) -> Any:
        """The order for a query that names topics: their options in pathway order, then any other match
        (best first), then the options advised against for them, in pathway order."""
        options = {tid for topic in topics for tid in topic.options}
        against = {tid for topic in topics for tid in topic.all_options()} - options

        def key(r: tuple[int, float, int, tuple[str, ...]]) -> tuple[float, ...]:
            count, score, index, _ = r
            tid = self.treatments[index].id
            if tid in options or tid in against:
                return (0 if tid in options else 2, *self.order[tid])
            return (1, -count, -score, index)

        return key

    def _matches(
        self, numbers: list[int], quality: dict[int, dict[int, float]], spans: dict[int, set[tuple[int, int]]]
    ) -> tuple[Match, ...]:
        """The name's and id's matches, then the best other fields: first until every query word is shown, then of kinds not shown yet."""

        def value(number: int) -> float:
            return self.fields[number].weight * max(quality[number].values())

        heading = [n for n in numbers if self.fields[n].key in _HEADING]
        covered = {qi for n in heading for qi in quality[n]}
        kinds = set(_HEADING)
        chosen: list[int] = []
        others = sorted((n for n in numbers if self.fields[n].key not in _HEADING), key=lambda n: (-value(n), n))
        for must_cover in (True, False):
            for n in others:
                if len(chosen) == MAX_MATCHES:
                    break
                key = self.fields[n].key
                if n in chosen or (set(quality[n]) <= covered if must_cover else key in kinds):
                    continue
                chosen.append(n)
                kinds.add(key)
                covered.update(quality[n])
        return tuple(self._match(n, spans[n]) for n in (*heading, *sorted(chosen)))

    def _match(self, number: int, found: set[tuple[int, int]]) -> Match:
        f = self.fields[number]
        snippet, shifted = snippet_around(f.text, sorted(found))
        return Match(f.key, snippet, shifted, f.source)


def snippet_around(text: str, spans: list[tuple[int, int]], width: int = SNIPPET_WIDTH) -> tuple[str, tuple[tuple[int, int], ...]]:
    """``text`` trimmed to about ``width`` characters around the first span, and the spans inside it, moved.

    Trimmed ends are cut at a space where one is near and marked with ``...``; spans that fall outside
    the window are dropped, and every returned span lies inside the returned snippet.
    """
    if len(text) <= width or not spans:
        start, end = 0, min(len(text), width)
    else:
        start = max(0, min(spans[0][0] - SNIPPET_LEAD, len(text) - width))
        end = min(len(text), start + width)
        if start > 0:
            space = text.find(" ", start, spans[0][0])
            if space != -1:
                start = space + 1
        if end < len(text):
            space = text.rfind(" ", max(start, spans[0][1]), end)
            if space != -1:
                end = space
    head = ELLIPSIS if start > 0 else ""
    tail = ELLIPSIS if end < len(text) else ""
    offset = len(head) - start
    kept = tuple((s + offset, e + offset) for s, e in spans if s >= start and e <= end and s < e)
    return head + text[start:end] + tail, kept


def search(kb: Knowledge, query: str, limit: int = 10) -> list[Hit]:
    """Search every option of ``kb``; see ``SearchIndex.search``. Build a ``SearchIndex`` to search often."""
    return SearchIndex.build(kb).search(query, limit)


def search_json(hits: list[Hit]) -> list[dict[str, Any]]:
    """Hits in rank order; spans are ``[start, end)`` character offsets into each snippet."""
    return [
        {
            "id": h.id,
            "name": h.name,
            "tier": h.tier,
            "score": h.score,
            "matched_words": list(h.matched_words),
            "matches": [
                {"field": m.field, "source": m.source, "snippet": m.snippet, "spans": [[s, e] for s, e in m.spans]} for m in h.matches
            ],
        }
        for h in hits
    ]
