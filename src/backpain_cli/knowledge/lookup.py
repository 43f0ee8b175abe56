"""Resolve what a person typed ("Epidurals", "ibuprofen", "physio") to one treatment id."""

from __future__ import annotations

import re

from backpain_cli.errors import UsageError
from backpain_cli.knowledge.model import Knowledge

_SEPARATORS = re.compile(r"[\s\-_/.,'’()]+")


def normalise(text: str) -> str:
    """Case, hyphens, underscores, punctuation and spacing do not matter when matching names."""
    return _SEPARATORS.sub(" ", text.casefold()).strip()


class NameIndex:
    """Every id, name and alias, normalised, pointing at its treatment id."""

    __slots__ = ("exact",)

    def __init__(self, exact: dict[str, str]) -> None:
        self.exact = exact

    @classmethod
    def build(cls, kb: Knowledge) -> NameIndex:
        exact: dict[str, str] = {}
        for t in kb.treatments:
            for key in (t.id, t.name, *t.aliases):
                exact.setdefault(normalise(key), t.id)
        return cls(exact)

    def resolve(self, typed: str, what: str = "treatment") -> str:
        """The treatment id for ``typed``, or a ``UsageError`` with candidates or a suggestion."""
        key = normalise(typed)
        if not key:
            raise UsageError(f"an empty {what} name was given; run 'backpain list' to see the names")
        found = self._exact(key)
        if found:
            return found
        candidates = self._partial(key)
        if len(candidates) == 1:
            return candidates[0]
        shown = _quote(typed)
        if len(candidates) > 1:
            listed = ", ".join(candidates[:8])
            raise UsageError(f"'{shown}' matches several treatments: {listed}; give one of these ids")
        import difflib  # only when a name is wrong: keep it off the start-up path

        close = difflib.get_close_matches(key, list(self.exact), n=3, cutoff=0.75)
        ids = list(dict.fromkeys(self.exact[c] for c in close))
        if ids:
            raise UsageError(f"no {what} called '{shown}'; did you mean {' or '.join(repr(i) for i in ids)}?")
        raise UsageError(f"no {what} called '{shown}'; run 'backpain list' to see every option")

    def _exact(self, key: str) -> str | None:
        for variant in (key, key[:-1] if key.endswith("s") else key + "s", key[:-2] if key.endswith("es") else key):
            if variant in self.exact:
                return self.exact[variant]
        return None

    def _partial(self, key: str) -> list[str]:
        """Treatments with a name that contains what was typed as whole words ("injection")."""
        if len(key) < 3:
            return []
        pattern = re.compile(rf"(?:^| ){re.escape(key)}(?: |$)")
        return list(dict.fromkeys(tid for name, tid in self.exact.items() if pattern.search(name)))


def _quote(typed: str) -> str:
    """Echo what a person typed safely: printable, one line, bounded."""
    cleaned = "".join(ch if ch.isprintable() else "?" for ch in typed)
    return cleaned if len(cleaned) <= 60 else cleaned[:57] + "..."
