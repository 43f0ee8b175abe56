"""Resolve what a person typed ("Epidurals", "ibuprofen", "physio", "sciatica") to a treatment or a topic.

A name is read only as what the knowledge base says it is: an id, a name or an alias of exactly one
treatment or topic (case, punctuation and a plural ending aside). Anything else is never guessed
silently: words found inside longer names are offered as candidates, and a near spelling as a
suggestion. A topic (a condition such as sciatica, or a kind of care such as tablets) names several
options, so where one treatment is needed it is refused with its options listed.
"""

from __future__ import annotations

import re
from typing import NoReturn

from backpain_cli.errors import UsageError
from backpain_cli.knowledge.model import Knowledge, Topic

_SEPARATORS = re.compile(r"[\s\-_/.,'’()]+")
MAX_LISTED = 12  # candidates named in one error line


def normalise(text: str) -> str:
    """Case, hyphens, underscores, punctuation and spacing do not matter when matching names."""
    return _SEPARATORS.sub(" ", text.casefold()).strip()


class NameIndex:
    """Every id, name and alias, normalised, pointing at its treatment's or topic's id."""

    __slots__ = ("exact", "topics")

    def __init__(self, exact: dict[str, str], topics: dict[str, Topic] | None = None) -> None:
        self.exact = exact
        self.topics = topics or {}

    @classmethod
    def build(cls, kb: Knowledge) -> NameIndex:
        exact: dict[str, str] = {}
        entries = [(t.id, t.name, t.aliases) for t in kb.treatments] + [(t.id, t.name, t.aliases) for t in kb.topics]
        for ident, name, aliases in entries:
            for key in (ident, name, *aliases):
                exact.setdefault(normalise(key), ident)
        return cls(exact, {t.id: t for t in kb.topics})

    def resolve(self, typed: str, what: str = "treatment") -> str:
        """The treatment id for ``typed``, or a ``UsageError`` with candidates or a suggestion."""
        key = self._key(typed, what)
        shown = _quote(typed)
        found = self._exact(key)
        if found in self.topics:
            topic = self.topics[found]
            raise UsageError(
                f"'{shown}' is a topic with several options, not one {what}: give the one you mean "
                f"({_listed(topic.all_options())}), or see them all with: backpain explain {topic.id}"
            )
        if found:
            return found
        self._not_found(key, shown, what, topics=False)

    def find(self, typed: str) -> str:
        """The id of the treatment or topic called ``typed`` (for ``explain``), or a ``UsageError`` that
        lists candidates and suggests searching."""
        key = self._key(typed, "option")
        found = self._exact(key)
        if found:
            return found
        self._not_found(key, _quote(typed), "option or topic", topics=True)

    def is_topic(self, ident: str) -> bool:
        return ident in self.topics

    def named(self, typed: str) -> str | None:
        """The id of the treatment or topic that ``typed`` is exactly a name of, else ``None``."""
        return self._exact(normalise(typed))

    def containing(self, typed: str) -> list[str]:
        """The ids of treatments and topics with a name that holds ``typed`` as whole words."""
        return self._partial(normalise(typed))

    def _key(self, typed: str, what: str) -> str:
        key = normalise(typed)
        if not key:
            raise UsageError(f"an empty {what} name was given; run 'backpain list' to see the names")
        return key

    def _not_found(self, key: str, shown: str, what: str, *, topics: bool) -> NoReturn:
        """Never a guess: words inside longer names are candidates, a near spelling a suggestion. With
        ``topics`` (``explain``) the way to search is named too; without, a topic is marked as one."""
        search = f"search every option's text with: backpain search {_shell_word(shown)}"
        inside = self._partial(key)
        if len(inside) > 1:
            named = inside if topics else [f"{i} (a topic)" if i in self.topics else i for i in inside]
            more = f", or {search}" if topics else ""
            raise UsageError(f"'{shown}' matches several names: {_listed(named)}; give one of these ids{more}")
        close = inside
        if not close:
            import difflib  # only when a name is wrong: keep it off the start-up path

            close = list(dict.fromkeys(self.exact[c] for c in difflib.get_close_matches(key, list(self.exact), n=3, cutoff=0.75)))
        if close:
            note = f" (a topic: see backpain explain {close[0]})" if len(close) == 1 and close[0] in self.topics and not topics else ""
            more = f" Or {search}." if topics else ""
            raise UsageError(f"no {what} called '{shown}'; did you mean {' or '.join(repr(i) for i in close)}{note}?{more}")
        if topics:
            raise UsageError(f"no {what} called '{shown}'; {search}, or run 'backpain list' to see every option")
        raise UsageError(f"no {what} called '{shown}'; run 'backpain list' to see every option")

    def _exact(self, key: str) -> str | None:
        for variant in (key, key[:-1] if key.endswith("s") else key + "s", key[:-2] if key.endswith("es") else key):
            if variant in self.exact:
                return self.exact[variant]
        return None

    def _partial(self, key: str) -> list[str]:
        """Treatments and topics with a name that contains what was typed as whole words ("injection")."""
        if len(key) < 3:
            return []
        pattern = re.compile(rf"(?:^| ){re.escape(key)}(?: |$)")
        return list(dict.fromkeys(tid for name, tid in self.exact.items() if pattern.search(name)))


def _listed(ids: list[str] | tuple[str, ...]) -> str:
    shown = ", ".join(ids[:MAX_LISTED])
    return shown + (f" and {len(ids) - MAX_LISTED} more" if len(ids) > MAX_LISTED else "")


def _shell_word(text: str) -> str:
    """What was typed, as one word for a shell: quoted when it has spaces or other special characters."""
    return text if re.fullmatch(r"[\w.-]+", text) else "'" + text.replace("'", "") + "'"


def _quote(typed: str) -> str:
    """Echo what a person typed safely: printable, one line, bounded."""
    cleaned = "".join(ch if ch.isprintable() else "?" for ch in typed)
    return cleaned if len(cleaned) <= 60 else cleaned[:57] + "..."
