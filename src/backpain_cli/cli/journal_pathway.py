"""The journal in the pathway and the walk: its answers under the others, what came from where, the
first line that says so, the plan's journal section, and the walk's offer to log its answers.

Reading costs nothing when there is no journal: the path is worked out from the environment, and
without a file neither SQLite nor the store's queries run (``journal_store.Journal.read``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from backpain_cli.errors import JournalError

if TYPE_CHECKING:
    from rich.console import Console

    from backpain_cli.engine.answers import Answers
    from backpain_cli.knowledge.journal import Entry
    from backpain_cli.knowledge.journal_store import Summary
    from backpain_cli.knowledge.model import Knowledge

NO_JOURNAL_HINT = "; or add --no-journal to leave the journal out"


class JournalUse(NamedTuple):
    """A journal with entries, as the pathway uses it."""

    path: Path
    summary: Summary
    answers: Answers


def read_for_pathway(kb: Knowledge, today: dt.date) -> JournalUse | None:
    """The journal's answers, or None when there is no journal or it has no entries. Never creates one."""
    from backpain_cli.knowledge.journal_path import has_content, journal_path

    path = journal_path()
    try:
        if not has_content(path):  # no file, or an empty one: nothing more is imported or opened
            return None
        from backpain_cli.knowledge.journal_store import Journal

        journal = Journal.read(path)
        if journal is None:
            return None
        with journal:
            summary = journal.summary()
    except JournalError as error:
        raise JournalError(f"{error}{NO_JOURNAL_HINT}") from None
    if summary.total == 0:
        return None
    from backpain_cli.engine.journal import journal_answers

    return JournalUse(path, summary, journal_answers(summary, today, known=kb.by_id.__contains__))


def with_journal(kb: Knowledge, use: JournalUse | None, given: Answers) -> Answers:
    """``given`` over the journal's answers (every answer given wins, treatment by treatment)."""
    if use is None:
        return given
    from backpain_cli.engine.journal import under

    return under(kb, use.answers, given)


def json_extras(kb: Knowledge, use: JournalUse | None, layers: Sequence[tuple[str, Answers]]) -> dict[str, Any]:
    """The pathway JSON's ``from`` (where each answer came from) and ``journal`` (null when not used)."""
    from backpain_cli.engine.journal import JOURNAL, answered_from

    everything = ([(JOURNAL, use.answers)] if use is not None else []) + list(layers)
    journal = None
    if use is not None and use.summary.first is not None:
        journal = {"entries": use.summary.total, "since": use.summary.first.isoformat()}
    return {"from": answered_from(kb, everything), "journal": journal}


def first_line(use: JournalUse | None, today: dt.date) -> str | None:
    if use is None or use.summary.first is None:
        return None
    from backpain_cli.views.journal_words import journal_line

    return journal_line(use.summary.total, use.summary.first, today)


def plan_entries(use: JournalUse | None) -> list[Entry]:
    """Every entry, for the saved plan's journal section (empty without a journal)."""
    if use is None:
        return []
    from backpain_cli.knowledge.journal_store import Journal

    journal = Journal.read(use.path)
    if journal is None:
        return []
    with journal:
        return journal.entries()


# --- the walk's offer --------------------------------------------------------------------------------


def walk_entries(kb: Knowledge, walked: Answers, use: JournalUse | None, today: dt.date) -> list[Entry]:
    """What the walk's answers add to the journal: today's pain, the start date worked out from how long
    (only when the journal has none), and each result the journal does not already hold as its latest."""
    from backpain_cli.errors import UsageError
    from backpain_cli.knowledge import journal
    from backpain_cli.knowledge.facts import RESULTS
    from backpain_cli.knowledge.lookup import NameIndex

    entries: list[Entry] = []
    if walked.pain is not None:
        entries.append(journal.pain_entry(walked.pain, today, None, today))
    weeks = walked.weeks if walked.weeks is not None else None if walked.months is None else walked.months * 52 / 12
    if weeks is not None and (use is None or use.summary.onset is None):
        with contextlib.suppress(UsageError):  # a duration over the journal's limits: the journal does without
            entries.append(journal.onset_entry(today - dt.timedelta(days=round(weeks * 7)), "worked out from the walk", today))
    held = dict(use.summary.results) if use is not None else {}
    index = NameIndex.build(kb)
    for word, fact in RESULTS.items():
        for name in getattr(walked, fact):
            treatment = index.resolve(name)  # the walk has checked every name
            if held.get(treatment) != word:
                held[treatment] = word
                entries.append(journal.tried_entry(treatment, word, None, None, None, today))
    return entries


def offer_to_log(
    console: Console, kb: Knowledge, walked: Answers, use: JournalUse | None, today: dt.date, read: Callable[[str], str] | None = None
) -> int:
    """After the walk: offer to add its answers to the journal (default no); how many entries were added.

    The input ending here (no more answers) is a no: the pathway is shown and any plan saved already.
    """
    from rich.text import Text

    entries = walk_entries(kb, walked, use, today)
    if not entries:
        return 0
    ask = read or (lambda prompt: console.input(Text(prompt, style="bold")))
    console.print(Text(""))
    try:
        reply = ask("Add today's answers to your journal, so the next pathway can use them? [yes/no] ")
    except EOFError:
        return 0
    from backpain_cli.cli.replies import YES, simple

    if simple(reply) not in YES:  # the walk's own reading of yes ("yeah", "Yes.")
        return 0
    from backpain_cli.knowledge.journal_path import journal_path
    from backpain_cli.knowledge.journal_store import Journal
    from backpain_cli.views.journal_words import entries as count

    path = journal_path()
    with Journal.write(path) as journal:
        journal.add(entries)
    console.print(Text(f"Added {count(len(entries))} to your journal ({path})."))
    return len(entries)
