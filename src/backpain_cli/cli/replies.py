"""What people type in the guided walk, read generously but never guessed: small pure functions.

Each one takes a reply as typed and gives back the value, or raises ``UsageError`` with one plain
line (what could not be read and an example that would be), which the walk shows before asking
again. Nothing here prints, and no message names a command-line option.

Read: "7", "7.5", "7/10", "7 out of 10", "seven"; "4 months", "about 4 months", "3 wks", "six weeks",
"a year", "1.5 years", "a year and a half", "2 years and 3 months". Refused, with an example: a
range ("3-4 months"), a bound ("more than 3 months"), a vague amount ("a few months"), a number
without a unit, a score on another scale ("3/5"), and "since June" (the answer says how many months
that is, to be typed back: the day it began is not known, and near 3 months that day matters).
"""

from __future__ import annotations

import datetime as dt
import re

from backpain_cli.errors import UsageError
from backpain_cli.knowledge.facts import MAX_MONTHS

WEEKS_PER_MONTH = 52 / 12
_WORDS = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen"
NUMBER_WORDS = {word: float(n) for n, word in enumerate(f"{_WORDS} nineteen twenty".split())} | {"a": 1.0, "an": 1.0}
# Words around an amount that do not change it.
_FILLERS = ("about", "around", "roughly", "approximately", "approx", "~", "for", "maybe", "probably", "it's been", "its been", "been")
_TRAILERS = ("ago", "or so", "now", "so far", "roughly", "approximately", "approx", "i think")
# Words that make an amount a bound or a guess we would have to make for the person.
_BOUNDS = ("more than", "over", "less than", "under", "nearly", "almost", "at least", "up to", "just over", "just under")
_VAGUE = ("a few", "few", "several", "many", "some", "a couple", "couple", "a lot", "lots", "ages", "forever", "years and years")
UNITS = {
    **dict.fromkeys(("day", "days"), "days"),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), "weeks"),
    **dict.fromkeys(("mo", "mos", "mth", "mths", "month", "months"), "months"),
    **dict.fromkeys(("y", "yr", "yrs", "year", "years"), "years"),
}
_IN_MONTHS = {"days": 12 / 365.25, "weeks": 1 / WEEKS_PER_MONTH, "months": 1.0, "years": 12.0}
MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"]
_DIGITS = r"[0-9]+(?:\.[0-9]+)?|\.[0-9]+"
_AMOUNT = f"(?:{_DIGITS}|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + ")"
_SCORE = f"(?:{_DIGITS}|" + "|".join(sorted(_WORDS.split()[:11], key=len, reverse=True)) + ")"  # zero to ten
_UNIT = "(?:" + "|".join(sorted(UNITS, key=len, reverse=True)) + ")"
# One part of a duration: "4 months", "1.5 years", "one and a half years", "half a year", "a year and a half".
_PART = re.compile(
    rf"(?:(?P<half>half an?)|(?P<amount>{_AMOUNT})(?P<and_half> and an? half)?)\s*(?P<unit>{_UNIT})(?P<unit_half> and an? half)?"
)
_RANGE = re.compile(rf"{_AMOUNT}\s*(?:-|–|to|or)\s*{_AMOUNT}")

DURATION_EXAMPLE = "for example 6 weeks, 4 months or 2 years"
PAIN_EXAMPLE = "for example 7 or 7/10"


MAX_REPLY = 200  # characters: a longer reply is asked again (and no pattern ever sees a huge one)


def simple(reply: str) -> str:
    """A reply as compared with known words: lower case, single spaces, no full stop or exclamation mark."""
    return " ".join(reply.casefold().replace("’", "'").split()).rstrip(".!").strip()


def _short(reply: str) -> str:
    if len(reply) > MAX_REPLY:
        raise UsageError("that is too long for this question; give a short answer")
    return simple(reply)


def _strip_fillers(text: str) -> str:
    changed = True
    while changed:
        changed = False
        for word in _FILLERS:
            if text.startswith(word + " ") or (word == "~" and text.startswith("~")):
                text, changed = text[len(word) :].strip(), True
        for word in _TRAILERS:
            if text.endswith(" " + word):
                text, changed = text[: -len(word)].strip(), True
    return text


def _amount(word: str) -> float:
    return NUMBER_WORDS[word] if word in NUMBER_WORDS else float(word)


def _refuse_guesses(text: str, example: str, point: str) -> None:
    """Bounds, ranges, vague amounts and decimal commas are refused: reading them would be a guess."""
    if any(text == bound or text.startswith(bound + " ") for bound in _BOUNDS):
        raise UsageError(f"give your best guess as one number, {example}")
    if any(text == vague or text.startswith(vague + " ") for vague in _VAGUE):
        raise UsageError(f"how many? Give your best guess as one number, {example}")
    if _RANGE.search(text):
        raise UsageError(f"give one number, your best guess, {example}")
    if re.search(r"[0-9],[0-9]", text):
        raise UsageError(f"write a part with a point, as in {point}")


def parse_pain(reply: str) -> float:
    """A pain score from 0 to 10: "7", "7.5", "7/10", "7 out of 10", "seven out of ten"."""
    text = _strip_fillers(_short(reply))
    _refuse_guesses(text, PAIN_EXAMPLE, "7.5")
    match = re.fullmatch(rf"(?P<score>-?{_SCORE})\s*(?:(?:/|out of|of)\s*(?P<scale>{_SCORE}))?", text)
    if match is None:
        raise UsageError(f"give a score from 0 (no pain) to 10 (worst pain), {PAIN_EXAMPLE}")
    score = -_amount(match["score"][1:]) if match["score"].startswith("-") else _amount(match["score"])
    if match["scale"] is not None and _amount(match["scale"]) != 10:
        raise UsageError("give the score out of 10, for example 7/10")
    if not 0 <= score <= 10:
        raise UsageError(f"the score goes from 0 (no pain) to 10 (worst pain), {PAIN_EXAMPLE}")
    return score + 0.0


def parse_duration(reply: str, today: dt.date | None = None, bare: str | None = None) -> tuple[float, str]:
    """How long: (amount, "weeks") for days and weeks, else (amount, "months"). ``bare``: the unit of a
    number typed alone ("8" for a question asked in weeks); without it a number alone is asked again."""
    text = _strip_fillers(_short(reply))
    _since(text, today)
    text = _strip_fillers(text.removeprefix("since "))  # "since 4 months"
    _refuse_guesses(text, DURATION_EXAMPLE, "1.5 years")
    if bare is not None and re.fullmatch(_AMOUNT, text):
        text = f"{text} {bare}"
    if re.fullmatch(_AMOUNT, text):
        raise UsageError(f"say whether that is weeks, months or years, {DURATION_EXAMPLE}")
    parts: list[tuple[float, str]] = []
    rest = text
    while rest:
        match = _PART.match(rest)
        if match is None:
            raise UsageError(f"give a number and weeks, months or years, {DURATION_EXAMPLE}")
        amount = 0.5 if match["half"] else _amount(match["amount"])
        amount += 0.5 if match["and_half"] or match["unit_half"] else 0.0
        parts.append((amount, UNITS[match["unit"]]))
        rest = re.sub(r"^(?:\s*(?:,|and|&)\s*|\s+)", "", rest[match.end() :])
    months = sum(amount * _IN_MONTHS[unit] for amount, unit in parts)
    if months > MAX_MONTHS:
        raise UsageError(f"that is more than 100 years; check the number, {DURATION_EXAMPLE}")
    if all(unit in ("days", "weeks") for _, unit in parts):
        return sum(amount / 7 if unit == "days" else amount for amount, unit in parts) + 0.0, "weeks"
    return months + 0.0, "months"


def parse_weeks(reply: str) -> float:
    """A number of weeks (a number alone is weeks); "2 months" is about 8.7 weeks; "none" is 0."""
    if simple(reply) in ("none", "never", "not at all", "no", "0"):
        return 0.0
    amount, unit = parse_duration(reply, bare="weeks")
    return amount if unit == "weeks" else round(amount * WEEKS_PER_MONTH, 1)


def _since(text: str, today: dt.date | None) -> None:
    """ "since June", "since March 2024", "since 2019": not read, but the reply says how long that is."""
    match = re.fullmatch(r"(?:since|from|in|started in|began in) (?:(?P<month>[a-z]+)\.?)?\s*(?P<year>[0-9]{4})?", text)
    if match is None or not (match["month"] or match["year"]):
        return
    month = next((n for n, name in enumerate(MONTHS, 1) if match["month"] and name.startswith(match["month"])), None)
    if match["month"] and (month is None or len(match["month"]) < 3):
        return
    example = f"count the weeks, months or years since then, {DURATION_EXAMPLE}"
    if today is None:
        raise UsageError(example)
    year = int(match["year"]) if match["year"] else None
    if month is None and year is not None:
        years = today.year - year
        if years >= 2:
            raise UsageError(f"since {year} is about {years} years; type {years} years if that is right")
        raise UsageError(example)
    assert month is not None
    if year is None:
        if month == today.month:  # this month's, or a year ago: ask
            raise UsageError(example)
        year = today.year if month < today.month else today.year - 1
    months = (today.year - year) * 12 + today.month - month
    if months < 1:
        raise UsageError(example)
    raise UsageError(f"since {MONTHS[month - 1].title()} {year} is about {months} months; type {months} months if that is right")


YES = {"y", "yes", "yeah", "yep", "yup", "ya", "yes i do", "yes it does", "yes i have", "i do", "it does", "true"}
NO = {"n", "no", "nope", "nah", "no i don't", "no it doesn't", "no i haven't", "i don't", "it doesn't", "false"}
NONE_WORDS = {"none", "no", "n", "0", "nope", "nothing", "none of them", "none of these", "no none", "no, none"}


def parse_yes_no(reply: str) -> bool:
    word = simple(reply)
    if word in YES:
        return True
    if word in NO:
        return False
    raise UsageError("answer yes or no, or press Enter if you don't know")


def parse_numbers(reply: str, count: int) -> tuple[int, ...]:
    """Numbers from 1 to ``count`` ("2", "1, 3", "1 and 3"), in the order typed, once each; "none" is ()."""
    text = _short(reply)
    if text in NONE_WORDS:
        return ()
    example = f"type the numbers that apply, from 1 to {count} (for example: 2, or 1 and 3)"
    if text in YES:
        raise UsageError("which ones? Type their numbers (for example: 2, or 1 and 3)")
    parts = [part.rstrip(".)") for part in re.split(r"(?:\s*[,;&/]\s*|\s+and\s+|\s+)", text) if part]
    if not parts or not all(re.fullmatch("[0-9]{1,3}", part) and 1 <= int(part) <= count for part in parts):
        raise UsageError(f"{example}, or type none")
    return tuple(dict.fromkeys(int(part) for part in parts))


def parse_choice(reply: str, choices: list[str], what: str = "") -> str:
    """One of ``choices``: any case, or the first letters if only one choice starts so ("med")."""
    text = simple(reply)
    if what and text.endswith(" " + what):  # "medium risk"
        text = text[: -len(what) - 1]
    for choice in choices:
        if text == choice or text == choice.replace("-", " "):
            return choice
    starting = [choice for choice in choices if len(text) >= 3 and choice.startswith(text)]
    if len(starting) == 1:
        return starting[0]
    raise UsageError(f"type {_or(choices)}")


AVOID_WORDS = {
    **dict.fromkeys(("medication", "medications", "medicine", "medicines", "meds", "tablets", "pills", "drugs"), "medication"),
    **dict.fromkeys(("injections", "injection", "jabs", "shots"), "injections"),
    **dict.fromkeys(("surgery", "surgeries", "operation", "operations", "an operation"), "surgery"),
}


def parse_avoid(reply: str, choices: tuple[str, ...]) -> tuple[str, ...]:
    """Kinds of care to avoid: "injections, surgery", "medicines and surgery"; "none" is ()."""
    text = _short(reply)
    if text in NONE_WORDS or text in ("nothing", "no preference"):
        return ()
    picked = []
    for part in re.split(r"\s*(?:,|;|&|\band\b|\bor\b)\s*", text):
        if not part:
            continue
        value = AVOID_WORDS.get(part)
        if value is None or value not in choices:
            raise UsageError(f"type {_or(list(choices))}, separated by commas, or press Enter for none")
        picked.append(value)
    return tuple(dict.fromkeys(picked))


def split_and(name: str) -> list[str]:
    """ "physio and yoga" as two names; only tried when the whole name is not known."""
    return [part.strip() for part in re.split(r"\s+(?:and|&)\s+|\s*;\s*", name) if part.strip()]


def _or(choices: list[str]) -> str:
    return ", ".join(choices[:-1]) + " or " + choices[-1] if len(choices) > 1 else "".join(choices)
