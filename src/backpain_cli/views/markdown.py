"""Markdown for the saved plan: every value from the knowledge base or the person is escaped, so it
cannot add headings, links, emphasis or HTML."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Protocol


class Cite(Protocol):
    label: str


class MarkdownText(str):
    """Text already safe to place in Markdown: the ``md`` filter's output, left alone by ``finalize``."""

    __slots__ = ()


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")
_MD_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
_MD_LEADING = re.compile(r"^(?:([#+=-])|(\d+)([.)])(?=\s|$))")


def md_escape(value: object) -> MarkdownText:
    """One line of literal text for Markdown: backslash-escape whatever would change its meaning.

    Escapes ``\\ ` * _ [ ] < > | ~``, an ``&`` that would start an entity, and a leading ``#``, ``-``,
    ``+``, ``=`` or list number (``1.``, ``1)``); line breaks become spaces, so data cannot start a heading, list or quote.
    """
    if isinstance(value, MarkdownText):
        return value
    text = " ".join(str(value).split())
    text = _MD_SPECIAL.sub(r"\\\1", text)
    text = _MD_ENTITY.sub(r"\\&", text)
    text = _MD_LEADING.sub(lambda m: f"\\{m[1]}" if m[1] else f"{m[2]}\\{m[3]}", text)
    return MarkdownText(text)


def md_url(url: str) -> MarkdownText:
    """An http(s) address as an autolink; anything else as escaped text."""
    if re.fullmatch(r"https?://[^\s<>`]+", url, re.IGNORECASE):
        return MarkdownText(f"<{url}>")
    return md_escape(url)


def md_code(text: str) -> MarkdownText:
    """A fenced code block that the text cannot close early."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return MarkdownText(f"{fence}text\n{text}\n{fence}")


def md_cite(cites: Iterable[Cite]) -> MarkdownText:
    """ "Sources: A; B" for a list of citations, or nothing."""
    labels = [c.label for c in cites]
    return MarkdownText(f"Sources: {md_escape('; '.join(labels))}" if labels else "")


def md_finalize(value: Any) -> Any:
    """Every ``{{ ... }}`` in a Markdown template: strings not already escaped are escaped here."""
    if isinstance(value, str) and not isinstance(value, MarkdownText):
        return md_escape(value)
    return value
