"""A printable personal plan (Markdown or HTML) from a pathway, and saving it safely. No Rich, no Typer.

``render_plan`` turns one pathway into a self-contained document through the Jinja2 templates in
``backpain_cli/views/templates``: everything from the knowledge base or the person is escaped (HTML
autoescaping; a Markdown escaping filter backed by a ``finalize`` hook, so a forgotten filter still
escapes). The ladder comes from ``backpain_cli.engine.ladder``. ``save_plan`` never overwrites without
``force``, never leaves a partial file, and makes the file private (0600).

Jinja2 is imported only when a plan is rendered, so the terminal ladder does not pay for it.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import stat
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from backpain_cli import __version__
from backpain_cli.engine.ladder import LADDER_BOTTOM, LADDER_TOP, STATUS_GLYPHS, STATUS_LABELS, LadderRung, ladder_legend, ladder_rows
from backpain_cli.engine.pathway import Pathway, Step
from backpain_cli.errors import UsageError
from backpain_cli.knowledge.facts import FACTS, RESULTS
from backpain_cli.knowledge.files import format_from_suffix, write_private_atomically
from backpain_cli.knowledge.model import PERMISSIVE, STATUS_TABLE, STATUSES, Knowledge, Status
from backpain_cli.views.plan_formats import FORMATS, SUFFIXES, USUAL_SUFFIXES, PlanFormat, either

if TYPE_CHECKING:
    from jinja2 import Environment


TEMPLATES = Path(__file__).parent / "templates"

# --- UI words (everything about treatments comes from the knowledge base) ----------------------------

TITLE = "My back pain plan"
_BOOL_WORDS = {True: "yes", False: "no"}


# --- the ladder as plain text --------------------------------------------------------------------------


def ladder_plain(rungs: list[LadderRung], width: int = 78) -> str:
    """The ladder as plain text (ASCII only), top rung (surgery) first, wrapped to ``width`` columns."""
    number = max(len(str(len(rungs))), 1)
    rail = " " * number + " |"
    lines = [" " * number + " ^ " + LADDER_TOP, rail]

    def add(body: str, first: str, later: str) -> None:
        wrapped = textwrap.wrap(body, width=max(width - len(later), 20), break_on_hyphens=False) or [""]
        lines.extend(f"{first if i == 0 else later}{text}" for i, text in enumerate(wrapped))

    for rung in reversed(rungs):
        add(rung.tier_name, f"{rung.position:>{number}} +-- ", rail + "    ")
        add(f"[{rung.bar}] {rung.summary()}", rail + "     ", rail + "     ")
        for status, names in rung.highlights:
            add(f"{STATUS_LABELS[status]}: " + "; ".join(names), rail + "     ", rail + "       ")
        lines.append(rail)
    lines.append(" " * number + " = " + LADDER_BOTTOM)
    legend = "   ".join(f"{glyph} {label.lower()}" for _, glyph, label in ladder_legend(rungs))
    if legend:
        lines += ["", *textwrap.wrap("Key: " + legend, width=width, break_on_hyphens=False)]
    return "\n".join(lines)


# --- the plan's content, independent of the format ----------------------------------------------------


@dataclass(frozen=True)
class Cite:
    label: str
    number: int  # position in the plan's source list, for links


@dataclass(frozen=True)
class SourceEntry:
    number: int
    label: str
    title: str
    publisher: str
    year: int | None
    section: str | None
    url: str | None
    url_is_link: bool  # only http(s) addresses become links

    @property
    def title_stop(self) -> str:
        """A full stop after the title, unless it already ends in punctuation."""
        return "" if self.title.rstrip().endswith((".", "?", "!")) else "."


@dataclass(frozen=True)
class Answer:
    label: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class PlanStep:
    order: int
    name: str
    status: Status
    status_label: str
    reason: str
    sources: tuple[Cite, ...]
    avoided: bool


@dataclass(frozen=True)
class PlanTier:
    position: int
    name: str
    description: str
    steps: tuple[PlanStep, ...]


class _Citations:
    """Numbers sources in the order the plan first cites them."""

    def __init__(self, kb: Knowledge) -> None:
        self.kb = kb
        self.order: dict[str, int] = {}

    def __call__(self, ids: Iterable[str]) -> tuple[Cite, ...]:
        cites: list[Cite] = []
        for source_id in dict.fromkeys(ids):
            if source_id not in self.kb.sources:
                continue
            number = self.order.setdefault(source_id, len(self.order) + 1)
            cites.append(Cite(self.kb.sources[source_id].label, number))
        return tuple(cites)

    def entries(self) -> list[SourceEntry]:
        out: list[SourceEntry] = []
        for source_id, number in self.order.items():
            s = self.kb.sources[source_id]
            is_link = bool(s.url) and re.match(r"https?://", s.url or "", re.IGNORECASE) is not None
            out.append(SourceEntry(number, s.label, s.title, s.publisher, s.year, s.section, s.url, is_link))
        return out


def _label(kb: Knowledge, fact: str) -> str:
    question = kb.questions.get(fact)
    return question.label if question is not None else fact.replace("_", " ")


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _names(kb: Knowledge, ids: frozenset[str]) -> tuple[str, ...]:
    known = tuple(t.name for t in kb.treatments if t.id in ids)
    return known + tuple(sorted(i for i in ids if i not in {t.id for t in kb.treatments}))


def _answers(kb: Knowledge, pathway: Pathway) -> tuple[list[Answer], list[str]]:
    """(label, values) for every answer given, in the knowledge base's question order, and the labels not given."""
    given = {name: shown for name, value in pathway.profile.items() if (shown := show_answer(kb, name, value))}
    facts = [f for f in kb.questions if f != "stage"]
    facts += [f for f in given if f not in facts]
    answers = [Answer(_capitalised(_label(kb, f)), given[f]) for f in facts if f in given]
    duration_given = "weeks" in given or "months" in given
    # "Tried" stands for every result: a plan need not list "helped: not given" and the rest as well.
    results = set(RESULTS.values()) - {"tried"}
    skipped = [f for f in facts if f not in given and f not in ("weeks", "months", *results) and not FACTS[f].derived]
    not_given = ([] if duration_given else [_label(kb, "stage")]) + [_label(kb, f) for f in skipped]
    return answers, not_given


def show_answer(kb: Knowledge, name: str, value: Any) -> tuple[str, ...]:
    """An answer in words for a plan, by the fact's kind; empty when it was not given."""
    fact = FACTS[name]
    if value is None or value == frozenset():
        return ()
    if fact.kind == "bool":
        return (_BOOL_WORDS[value],)
    if fact.kind == "number":
        return (f"{value:g} {fact.unit}".strip(),)
    if fact.kind == "enum":
        labels = {
            "risk": {g.id: g.label for g in kb.risk_groups.values()},
            "guideline": {g.id: g.name for g in kb.guideline_modes.values()},
        }
        return (labels.get(name, {}).get(value, str(value).replace("-", " ")),)
    if fact.vocabulary == "treatments":
        return _names(kb, value)
    if fact.vocabulary == "red_flags":
        signs = {f.code: f.sign for f in kb.red_flags}
        return tuple(signs[f.code] for f in kb.red_flags if f.code in value) + tuple(sorted(c for c in value if c not in signs))
    return tuple(sorted(value))


def _plan_step(kb: Knowledge, step: Step, cite: _Citations) -> PlanStep:
    return PlanStep(
        order=step.order,
        name=step.treatment.name,
        status=step.status,
        status_label=STATUS_LABELS[step.status],
        reason=step.reason,
        sources=cite(step.sources),
        avoided=step.avoided,
    )


def _questions(pathway: Pathway) -> list[tuple[str, tuple[str, ...]]]:
    """Questions to ask, from every now/consider/next step in pathway order, each question once."""
    seen: set[str] = set()
    grouped: list[tuple[str, tuple[str, ...]]] = []
    for step in sorted(pathway.steps, key=lambda s: s.order):
        if step.status not in PERMISSIVE:
            continue
        fresh: list[str] = []
        for question in step.treatment.questions:
            key = " ".join(question.casefold().split())
            if key and key not in seen:
                seen.add(key)
                fresh.append(question)
        if fresh:
            grouped.append((step.treatment.name, tuple(fresh)))
    return grouped


def plan_context(kb: Knowledge, pathway: Pathway, *, today: dt.date) -> dict[str, Any]:
    """Everything the templates show, as plain values, built in the order the plan cites its sources:
    page one (``summary``) first, then the full detail."""
    from backpain_cli.views.plan_summary import summary_context

    cite = _Citations(kb)
    summary = summary_context(kb, pathway, cite)
    answers, not_given = _answers(kb, pathway)
    urgent: dict[str, Any] | None = None
    if pathway.urgent is not None:
        level = kb.levels.get(pathway.urgent.level)
        codes = {f.code for f in kb.red_flags}
        urgent = {
            "level": pathway.urgent.level,
            "label": level.label if level is not None else pathway.urgent.level,
            "message": pathway.urgent.message,
            "signs": [kb.red_flag(c).question for c in pathway.urgent.red_flags if c in codes],
            "sources": cite(pathway.urgent.sources),
            # Every sign keeps its own action, most urgent first.
            "actions": [
                {
                    "level": action.level,
                    "label": kb.levels[action.level].label,
                    "message": action.message,
                    "signs": [kb.red_flag(c).sign for c in action.red_flags if c in codes],
                    "sources": cite(action.sources),
                }
                for action in pathway.urgent.actions
            ],
        }
    stage: dict[str, Any] | None = None
    if pathway.stage is not None:
        s = kb.stage(pathway.stage)
        stage = {"label": s.label, "meaning": s.meaning, "what_we_do": s.what_we_do, "sources": cite(s.sources)}
    stage_ask = kb.questions["stage"].prompt  # paper gets the walk's wording: no option names
    risk: dict[str, Any] | None = None
    if pathway.profile.risk is not None and pathway.profile.risk in kb.risk_groups:
        group = kb.risk_groups[pathway.profile.risk]
        risk = {"label": group.label, "meaning": group.meaning, "sources": cite(group.sources)}
    rungs = ladder_rows(kb, pathway)
    tiers = [
        PlanTier(
            position,
            tier.name,
            tier.description,
            tuple(_plan_step(kb, s, cite) for s in sorted(pathway.steps, key=lambda s: s.order) if s.treatment.tier == tier.id),
        )
        for position, tier in enumerate(kb.tiers, start=1)
    ]
    missing = list(dict.fromkeys(f for s in pathway.steps for f in s.missing))
    settle = [kb.questions[f].prompt for f in missing if f in kb.questions] if pathway.urgent is None else []
    red_flags = [
        {
            "level": f.level,
            "level_label": kb.levels[f.level].label if f.level in kb.levels else f.level,
            "question": f.question,
            "action": f.action,
            "sources": cite(f.sources),
        }
        for f in kb.red_flags
    ]
    present = {s.status for s in pathway.steps}
    return {
        "title": TITLE,
        "today": today.isoformat(),
        "app_version": __version__,
        "kb": {
            "version": kb.version,
            "reviewed": kb.reviewed.isoformat(),
            "review_due": kb.review_due.isoformat(),
            "overdue": today > kb.review_due,
        },
        "disclaimer": kb.disclaimer,
        "summary": summary,
        "answers": answers,
        "not_given": not_given,
        "urgent": urgent,
        "warning_signs": kb.warning_signs,
        "stage": stage,
        "stage_ask": stage_ask,
        "guideline_name": kb.guideline_modes[pathway.guideline].name,
        "risk": risk,
        "risk_tool_note": kb.risk_tool_note,
        "ladder": list(reversed(rungs)),  # top rung (surgery) first, as drawn
        "ladder_legend": ladder_legend(rungs),
        "ladder_text": ladder_plain(rungs),
        "ladder_top": LADDER_TOP,
        "ladder_bottom": LADDER_BOTTOM,
        "status_labels": STATUS_LABELS,
        "status_glyphs": STATUS_GLYPHS,
        "legend": [(STATUS_LABELS[s], STATUS_TABLE[s].meaning) for s in STATUSES if s in present],
        "tiers": tiers,
        "settle": settle,
        "red_flags": red_flags,
        "questions": _questions(pathway),
        "sources": cite.entries(),
    }


# --- rendering -----------------------------------------------------------------------------------------


@functools.cache
def _environment(fmt: PlanFormat) -> Environment:
    import jinja2

    options: dict[str, Any] = {
        "loader": jinja2.FileSystemLoader(TEMPLATES),
        "undefined": jinja2.StrictUndefined,
        "trim_blocks": True,
        "lstrip_blocks": True,
        "keep_trailing_newline": True,
    }
    if fmt == "html":
        env = jinja2.Environment(autoescape=True, **options)
    else:
        from backpain_cli.views.markdown import md_cite, md_code, md_escape, md_finalize, md_url

        env = jinja2.Environment(autoescape=False, finalize=md_finalize, **options)  # noqa: S701 - Markdown, escaped by finalize
        env.filters["md"] = md_escape
        env.filters["md_url"] = md_url
        env.filters["md_code"] = md_code
        env.filters["md_cite"] = md_cite
    return env


def render_plan(kb: Knowledge, pathway: Pathway, *, fmt: PlanFormat, today: dt.date, journal: dict[str, Any] | None = None) -> str:
    """The personal plan as one self-contained Markdown or HTML document; ``journal`` is its journal
    section (``views.journal_plan.plan_section``), the first part of the full detail, or None for none."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown plan format {fmt!r}: expected one of {FORMATS}")
    template = _environment(fmt).get_template(f"plan.{fmt}.j2")
    return template.render({**plan_context(kb, pathway, today=today), "journal": journal})


# --- saving --------------------------------------------------------------------------------------------


def plan_format(path: Path) -> PlanFormat:
    """The format a file name asks for, from its suffix in any case; another suffix is a ``UsageError``."""
    return format_from_suffix(path, SUFFIXES, "the plan's format")


def check_name(path: Path) -> None:
    """Refuse a name no file can have (a NUL character) before any work is done."""
    if "\x00" in str(path):
        raise UsageError("that file name holds a character no file name can have; choose another name")


def check_folder(path: Path) -> None:
    """Refuse a name whose folder does not exist, is not a folder or cannot be written, before any question is asked."""
    try:
        info = os.stat(path.parent)  # follows symlinks: a link to a folder is a folder
        if not stat.S_ISDIR(info.st_mode):
            raise NotADirectoryError
        if not os.access(path.parent, os.W_OK | os.X_OK):
            raise PermissionError
    except OSError as error:
        raise _os_error(path, error) from None
    except ValueError:  # a NUL character in the name
        raise UsageError("that file name holds a character no file name can have; choose another name") from None


def save_plan(text: str, path: Path, *, force: bool) -> None:
    """Write the plan to ``path`` in full or not at all, private to its owner (0600: it holds health answers);
    replace an existing file only with ``force``."""
    plan_format(path)
    data = text.encode("utf-8")
    try:
        if path.is_dir():
            raise UsageError(f"'{path}' is a folder: give a file name ending in {either(USUAL_SUFFIXES)}")
        write_private_atomically(path, data, replace=force)
    except UsageError:
        raise
    except FileExistsError:
        raise _exists(path) from None
    except OSError as error:
        raise _os_error(path, error) from None
    except ValueError:  # a NUL character in the name
        raise UsageError("that file name holds a character no file name can have; choose another name") from None


def _exists(path: Path) -> UsageError:
    return UsageError(f"'{path}' exists; use --force to replace it or choose another name")


def _os_error(path: Path, error: OSError) -> UsageError:
    parent = path.parent
    if isinstance(error, FileNotFoundError):
        return UsageError(f"cannot save the plan: the folder '{parent}' does not exist; create it first or choose another path")
    if isinstance(error, NotADirectoryError):
        return UsageError(f"cannot save the plan: '{parent}' is not a folder; choose another path")
    if isinstance(error, IsADirectoryError):
        return UsageError(f"'{path}' is a folder: give a file name ending in {either(USUAL_SUFFIXES)}")
    if isinstance(error, PermissionError):
        return UsageError(f"cannot save the plan to '{path}': permission denied; choose a folder you can write to")
    reason = error.strerror or type(error).__name__
    return UsageError(f"cannot save the plan to '{path}': {reason}")
