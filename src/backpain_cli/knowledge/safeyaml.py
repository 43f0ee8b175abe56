"""Safe YAML: the safe loader only, duplicate keys refused, no tags, no alias bombs.

Kept apart from ``knowledge`` so that a run served from the cache never imports PyYAML.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, cast

import yaml

from backpain_cli.errors import KnowledgeBaseError, Problem

# Aliases may expand a small file into a huge structure; refuse past this many nodes.
MAX_EXPANDED_NODES = 2_000_000

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_Loader):  # type: ignore[valid-type,misc]
    """Safe loader that refuses duplicate keys instead of letting the last one win silently."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, str | int | float | bool | dt.date) and key is not None:
                raise _DuplicateOrBadKey(key_node, "a mapping key must be plain text")
            if key in seen:
                raise _DuplicateOrBadKey(key_node, f"duplicate key '{key}'")
            seen[key] = key_node
        return cast(dict[Any, Any], super().construct_mapping(node, deep=deep))

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        """A date that does not exist (2026-02-30) stays text, so validation names its key."""
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError):
            return self.construct_scalar(node)

    def construct_yaml_int(self, node: yaml.ScalarNode) -> Any:
        """A number too long for Python to read (thousands of digits) becomes infinity: validation
        then reports its key as 'a number where text was meant', instead of the loader crashing."""
        try:
            return super().construct_yaml_int(node)
        except (ValueError, OverflowError):
            return float("inf")


_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _StrictLoader.construct_yaml_timestamp)
_StrictLoader.add_constructor("tag:yaml.org,2002:int", _StrictLoader.construct_yaml_int)


class _DuplicateOrBadKey(Exception):
    def __init__(self, node: yaml.Node, message: str) -> None:
        self.node = node
        self.message = message


# Cheap pre-checks: only a text that may hold an anchor or an explicit tag pays for an event scan.
_ANCHOR_OR_TAG = re.compile(r"(?:^|[\s\[{,:-])[&!][^\s\[\]{},]", re.MULTILINE)


def parse_yaml(text: str, name: str) -> Any:
    """Parse with the safe loader; every failure becomes one ``KnowledgeBaseError``."""
    if _ANCHOR_OR_TAG.search(text):
        _scan_events(text, name)
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a safe loader subclass
    except _DuplicateOrBadKey as error:
        mark = error.node.start_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}"
        raise KnowledgeBaseError(name, [Problem(where, error.message, "keep one of them")]) from None
    except yaml.constructor.ConstructorError as error:
        where = _mark(error.problem_mark)
        message = (error.problem or "cannot be read").strip()
        if "could not determine a constructor" in message:
            message = f"YAML tags are not allowed ({message.split('for the tag')[-1].strip()})"
        raise KnowledgeBaseError(name, [Problem(where, message, "remove the tag; plain YAML only")]) from None
    except yaml.MarkedYAMLError as error:
        where = _mark(error.problem_mark)
        message = f"YAML syntax error: {error.problem or error.context or 'cannot parse'}"
        raise KnowledgeBaseError(name, [Problem(where, message, "check indentation, quotes and colons")]) from None
    except yaml.YAMLError as error:
        raise KnowledgeBaseError(name, [Problem("", f"YAML error: {error}", "check the file")]) from None
    except (ValueError, OverflowError) as error:  # e.g. 2026-02-30 as a date, or a 5,000-digit number
        message = f"a value cannot be read ({_one_line(str(error))})"
        raise KnowledgeBaseError(name, [Problem("", message, "put the value in quotes if it is meant as text")]) from None
    except RecursionError:
        raise KnowledgeBaseError(name, [Problem("", "is nested too deeply", "simplify the file")]) from None


def _one_line(text: str) -> str:
    return " ".join(text.split())[:120]


def _mark(mark: Any) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""


def _scan_events(text: str, name: str) -> None:
    """Refuse explicit tags, and count the nodes aliases would expand to without building them."""
    sizes: dict[str, int] = {}
    open_anchors: list[tuple[str | None, int]] = []  # (anchor, node count when it opened)
    total = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            tag = getattr(event, "tag", None)
            implicit = getattr(event, "implicit", True)
            if tag is not None and not (implicit is True or (isinstance(implicit, tuple) and any(implicit))):
                where = _mark(event.start_mark)
                raise KnowledgeBaseError(name, [Problem(where, f"YAML tags are not allowed ({tag})", "remove the tag; plain YAML only")])
            if isinstance(event, yaml.AliasEvent):
                anchor = event.anchor
                if anchor not in sizes:
                    what = "refers to itself" if any(a == anchor for a, _ in open_anchors) else "is not defined"
                    raise KnowledgeBaseError(name, [Problem(_mark(event.start_mark), f"alias *{anchor} {what}", "remove the alias")])
                total += sizes[anchor]
            elif isinstance(event, yaml.ScalarEvent):
                total += 1
                if event.anchor:
                    sizes[event.anchor] = 1
            elif isinstance(event, yaml.CollectionStartEvent):
                total += 1
                open_anchors.append((event.anchor, total))
            elif isinstance(event, yaml.CollectionEndEvent):
                anchor, start = open_anchors.pop()
                if anchor:
                    sizes[anchor] = total - start + 1
            if total > MAX_EXPANDED_NODES:
                raise KnowledgeBaseError(
                    name,
                    [Problem(_mark(event.start_mark), "aliases expand the file past the size limit", "remove the aliases")],
                )
    except yaml.YAMLError:
        return  # the real parse reports syntax errors with their position
