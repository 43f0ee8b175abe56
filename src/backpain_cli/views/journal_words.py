"""Every word the journal says to a person, in one place, and the dates as people write them. No Rich.

The first line of a pathway that used the journal is ``JOURNAL_LINE``; the terminal history, the saved
plan and the command messages use the rest. Treatment names come from the knowledge base.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # log pain needs none of these: only the words
    from backpain_cli.engine.journal_changes import Changes
    from backpain_cli.knowledge.model import Knowledge

# The pathway's first line after its title when answers came from the journal.
JOURNAL_LINE = "Using your journal: {entries} since {since}; --no-journal to ignore it"

# What each result means, for a person ("physiotherapy: did not help").
RESULT_WORDS = {"helped": "helped", "some": "helped a little", "no-help": "did not help", "side-effects": "caused side effects"}

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")

CHART_TITLE = "Pain over time (0 = no pain, 10 = the worst)"
NO_SCORES = "No pain scores yet: add one with 'backpain log pain SCORE'."
EMPTY = "Your journal is empty. Start it with 'backpain log pain SCORE' (0 to 10), 'backpain log onset DATE' or 'backpain log tried NAME'."
NOT_CAUSE = "Pain can change for many reasons: a change after you started something does not prove it was the cause."


def entries(count: int) -> str:
    return "1 entry" if count == 1 else f"{count:,} entries"


def journal_line(count: int, first: dt.date, today: dt.date) -> str:
    """``Using your journal: 12 entries since 3 July; --no-journal to ignore it`` (the year too when not this year)."""
    return JOURNAL_LINE.format(entries=entries(count), since=long_day(first, today))


def long_day(day: dt.date, today: dt.date) -> str:
    """``3 July``, or ``3 July 2025`` when not this year: the same in any locale."""
    return f"{day.day} {MONTH_NAMES[day.month - 1]}" + ("" if day.year == today.year else f" {day.year}")


def short_day(day: dt.date, today: dt.date) -> str:
    """``3 Jul``, or ``3 Jul 2025`` when not this year."""
    return f"{day.day} {MONTHS[day.month - 1]}" + ("" if day.year == today.year else f" {day.year}")


def span(days: int) -> str:
    """A length of time in plain words: ``5 days``, ``6 weeks``, ``8 months``, ``2 years``."""
    if days < 14:
        return "1 day" if days == 1 else f"{days} days"
    if days < 7 * 13:
        return f"{round(days / 7)} weeks"
    if days < 730:
        return f"{round(days / (365.25 / 12))} months"
    return f"{days / 365.25:.1f}".removesuffix(".0") + " years"


def score(value: float) -> str:
    return f"{value:g}"


def treatment_name(kb: Knowledge, treatment: str) -> str:
    """The treatment's name; an id this knowledge base does not know (another --kb) is shown as it was stored."""
    found = kb.by_id.get(treatment)
    return found.name if found is not None else treatment


def tried_dates(start: dt.date | None, end: dt.date | None, day: dt.date, today: dt.date) -> str:
    """``1 Sep to 15 Oct``, ``from 1 Sep``, or the day the result was logged."""
    if start is not None and end is not None:
        return f"{short_day(start, today)} to {short_day(end, today)}"
    if start is not None:
        return f"from {short_day(start, today)}"
    return short_day(end or day, today)


def logged(kind: str, text: str) -> str:
    """The confirmation after ``log``: ``Logged pain 6 on 7 Dec 2026.``"""
    return f"Logged {kind} {text}."


def changed(kb: Knowledge, changes: Changes, today: dt.date) -> list[str]:
    """What changed, in sentences: the pain overall, then since each treatment started (never "because of")."""
    lines: list[str] = []
    o = changes.overall
    if o is not None:
        between = f"between {short_day(o.since, today)} and {short_day(o.until, today)}"
        length = span((o.until - o.since).days)
        if o.after != o.before:
            way = "down" if o.after < o.before else "up"
            lines.append(f"Your pain went {way} from {score(o.before)} to {score(o.after)} {between} ({length}).")
        else:
            lines.append(f"Your pain was {score(o.after)} both on {short_day(o.since, today)} and on {short_day(o.until, today)}.")
    for t in changes.tried:
        if t.pain is None or t.start is None:
            continue
        name, length = treatment_name(kb, t.treatment), span((t.pain.until - t.start).days)
        pain = f"Pain {score(t.pain.before)} to {score(t.pain.after)} over {length}"
        if t.end is None:
            lines.append(f"{pain} since you started {name} on {short_day(t.start, today)}.")
        else:
            lines.append(f"{pain} while you had {name}, {short_day(t.start, today)} to {short_day(t.end, today)}.")
    return lines
