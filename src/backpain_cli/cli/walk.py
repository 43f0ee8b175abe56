"""The guided walk: one question at a time, in plain words, each skippable, red flags first.

Questions and their "why we ask" come from the knowledge base; what people type is read by the pure
functions in ``cli.replies`` ("7/10", "about 4 months", "six weeks"), and a reply that cannot be read
is asked again with a one-line reason and an example. Every answer then passes the same checks as the
command-line options (``answers.build_profile``); the walk never shows an option's name.

Words a person can type: Enter (or "skip", "not sure", "?") skips a question, except the warning
signs, where Enter asks "Do any of these warning signs apply to you?" so that none is never assumed.
At the question about what was tried, "list", "help" or "?" show every option's name and ask again
(there, "?" means "which names?", not "don't know"), and one name not recognised is asked about
again on its own while the others are kept.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.text import Text

from backpain_cli.cli import seams
from backpain_cli.cli.replies import (
    NO,
    NONE_WORDS,
    YES,
    parse_avoid,
    parse_choice,
    parse_duration,
    parse_numbers,
    parse_pain,
    parse_weeks,
    parse_yes_no,
    simple,
    split_and,
)
from backpain_cli.engine.answers import Answers, build_profile
from backpain_cli.errors import UsageError, printable
from backpain_cli.knowledge.facts import FACTS
from backpain_cli.knowledge.model import Knowledge
from backpain_cli.views.blocks import hang, indent
from backpain_cli.views.plan import check_folder, check_name, plan_format
from backpain_cli.views.plan_formats import USUAL_SUFFIXES, either

DEFAULT_PLAN = "backpain-plan.html"  # HTML: it prints well from any browser

SKIP_WORDS = {"", "?", "skip", "pass", "don't know", "dont know", "not sure", "unsure", "no idea", "unknown", "dk", "idk"}
LIST_WORDS = {"list", "help", "?", "names", "list names"}  # at the question about names only
MAX_TRIES = 5  # then the question is skipped: a walk must always end
NOT_SURE = "If you are not sure about any of these warning signs, ask a doctor or nurse before you start any treatment."
# How a person may say how something they tried went, and the answer each one means.
RESULT_WORDS = {
    **dict.fromkeys(("1", "helped", "helped enough", "a lot", "yes", "enough", "it helped"), "helped"),
    **dict.fromkeys(("2", "a little", "a bit", "some", "helped a little", "a little bit"), "helped_a_little"),
    **dict.fromkeys(("3", "no", "not at all", "did not help", "didn't help", "no help", "none"), "tried"),
    **dict.fromkeys(("4", "side effects", "side effect", "problems", "it caused problems"), "side_effects"),
}
NamesFound = list[tuple[str, str]]  # (the name as typed, the option's id)


class Walk:
    """Asks the questions in order and collects ``Answers``."""

    def __init__(self, kb: Knowledge, console: Console, read: Callable[[str], str] | None = None) -> None:
        self.kb = kb
        self.console = console
        self.read = ends_line(console, read or (lambda prompt: console.input(Text(prompt, style="bold"))))
        self.answers = Answers()

    def run(self) -> Answers:
        """The whole walk, in the knowledge base's order. Stops after the warning signs if one is reported."""
        self._say(Text("backpain: a guided walk to your pathway", style="bold"))
        self._say(Text(self.kb.disclaimer, style="dim italic"))
        self._say(Text("Press Enter to skip any question you cannot answer.", style="dim"))
        for fact in self.kb.walk:
            if not self._should_ask(fact):
                continue
            self._ask_about(fact)
            if self.answers.red_flags:  # warning signs come first, and then nothing else
                break
        self._say(Text(""))
        return self.answers

    def _should_ask(self, fact: str) -> bool:
        """Ask unless the question's own condition is known to be false from the answers so far."""
        condition = self.kb.questions[fact].ask_when
        if condition is None:
            return True
        from backpain_cli.engine.pathway import derive_facts
        from backpain_cli.knowledge.conditions import Facts

        facts = Facts(derive_facts(self.kb, build_profile(self.kb, self.answers)))
        return condition.evaluate(facts).result is not False

    def _ask_about(self, fact: str) -> None:
        kind = FACTS[fact].kind
        if fact == "red_flags":
            self._red_flags()
        elif fact == "stage":
            self._duration()
        elif fact == "tried":
            self._tried()
        elif fact == "risk":
            self._choice("risk", list(self.kb.risk_groups), extra=self.kb.risk_tool_note)
        elif fact == "avoid":
            self._avoid()
        elif kind == "bool":
            self._yes_no(fact)
        elif kind == "number":
            self._number(fact)
        elif kind == "enum":
            self._choice(fact, list(FACTS[fact].values))
        else:  # pragma: no cover - validation keeps other facts out of the walk's list
            raise ValueError(f"the walk cannot ask about {fact}")

    def _red_flags(self) -> None:
        """Each warning sign by number. Enter is never taken as "none": it asks whether any apply."""
        flags = self.kb.red_flags
        self._intro("red_flags")
        for number, flag in enumerate(flags, start=1):
            self._say(hang(Text(f"{number:>2}.", style="bold"), flag.question, indent=1))
        prompt = self.kb.questions["red_flags"].prompt
        for _ in range(MAX_TRIES):
            reply = self.read(prompt + " ")
            if simple(reply) in SKIP_WORDS:
                lead = "You pressed Enter." if not reply.strip() else "You did not type a number."
                reply = self.read(f"{lead} Do any of these warning signs apply to you? [yes/no] ")
                if simple(reply) in YES:
                    prompt = "Which ones? Type their numbers (for example: 2, or 1 and 3):"
                    continue
                if simple(reply) in NO or simple(reply) in NONE_WORDS:
                    return  # none, said twice
                if simple(reply) in SKIP_WORDS:
                    break
            try:
                numbers = parse_numbers(reply, len(flags))
            except UsageError as problem:
                self._sorry(str(problem), "Try again.")
                continue
            self.answers = self.answers.replace(red_flags=tuple(flags[number - 1].code for number in numbers))
            return
        self._say(Text(NOT_SURE, style="yellow"))

    def _duration(self) -> None:
        def parse(reply: str) -> Any:
            amount, unit = parse_duration(reply, today=seams.today())
            return {unit: amount}

        self._intro("stage")
        self._ask(self.kb.questions["stage"].prompt, None, parse)

    def _yes_no(self, fact: str) -> None:
        self._intro(fact)
        self._ask(self.kb.questions[fact].prompt + " [yes/no]", fact, parse_yes_no)

    def _number(self, fact: str) -> None:
        low, high = FACTS[fact].low, FACTS[fact].high

        def parse(reply: str) -> Any:
            if fact == "pain":
                return parse_pain(reply)
            if fact == "programme_weeks":
                return parse_weeks(reply)
            try:  # pragma: no cover - the shipped walk asks no other number
                value = float(simple(reply))
            except ValueError:  # pragma: no cover
                value = -1.0
            if not low <= value <= high:  # pragma: no cover
                raise UsageError(f"type a number from {low:g} to {high:g}")
            return value  # pragma: no cover

        self._intro(fact)
        self._ask(self.kb.questions[fact].prompt, fact, parse)

    def _tried(self) -> None:
        """What was tried, then how each one went: helped enough, a little, not at all, or side effects."""
        self._intro("tried")
        self._say(Text("Type list to see the names.", style="dim"))
        first: dict[str, str] = {}  # "physio, physiotherapy": asked about once
        for typed, treatment_id in self._names(self.kb.messages["walk-tried"]):
            first.setdefault(treatment_id, typed)
        if first:
            self._say(Text(""))
        for treatment_id, typed in first.items():
            self._result(typed, self.kb.treatment(treatment_id).name)

    def _names(self, prompt: str) -> NamesFound:
        """Names, as a list typed with commas. The ones recognised are kept; only the others are asked again."""
        from backpain_cli.knowledge.lookup import NameIndex

        index = NameIndex.build(self.kb)
        found: NamesFound = []
        tries = 0
        while tries < MAX_TRIES:
            reply = self.read(prompt + " ")
            if simple(reply) in LIST_WORDS:
                self._show_names()
                continue
            if simple(reply) in SKIP_WORDS:
                break
            known, unknown = read_names(index, reply)
            found += known
            if known:
                shown = dict.fromkeys(self.kb.treatment(treatment_id).name for _, treatment_id in known)
                self._say(hang(Text("Noted:", style="dim"), Text("; ".join(shown), style="dim"), indent=0))
            if not unknown:
                break
            for name, problem in unknown:
                self._sorry(plain(problem, f"'{name}' is not a name this tool knows"), "")
            named = " and ".join(f"'{printable(name)[:60]}'" for name, _ in unknown)
            it = "it" if len(unknown) == 1 else "them"
            prompt = f"Type {named} another way, type list to see the names, or press Enter to leave {it} out:"
            tries += 1
        return found

    def _show_names(self) -> None:
        """Every option's name, grouped by kind of care, each group's names wrapped under its heading."""
        self._say(Text(""))
        self._say(Text("Every option, by kind of care. Type any of these names, or an everyday word for one.", style="dim"))
        for tier in self.kb.tiers:
            names = [t.name for t in self.kb.treatments if t.tier == tier.id]
            if names:
                self._say(Text(tier.name, style="bold"))
                self._say(indent(Text("; ".join(names)), 2))

    def _result(self, typed: str, shown: str) -> None:
        def parse(reply: str) -> Any:
            field = RESULT_WORDS.get(simple(reply))
            if field is None:
                raise UsageError("type 1, 2, 3 or 4")
            return {field: (*getattr(self.answers, field), typed)}

        if not self._ask(self.kb.messages["walk-result"].format(name=shown), None, parse):
            self.answers = self.answers.replace(tried=(*self.answers.tried, typed))  # skipped: still tried

    def _choice(self, fact: str, choices: list[str], extra: str = "") -> None:
        self._intro(fact)
        if extra:
            self._say(Text(extra, style="dim"))
        prompt = self.kb.questions[fact].prompt + f" [{'/'.join(choices)}]"
        self._ask(prompt, fact, lambda reply: parse_choice(reply, choices, what=fact))

    def _avoid(self) -> None:
        self._intro("avoid")
        choices = FACTS["avoid"].values
        self._ask(self.kb.questions["avoid"].prompt + f" [{', '.join(choices)}]", "avoid", lambda reply: parse_avoid(reply, choices))

    # --- plumbing ---------------------------------------------------------------------------------

    def _ask(self, prompt: str, field: str | None, parse: Callable[[str], Any]) -> bool:
        """Ask until the answer parses and passes the same checks as the options; blank skips (False)."""
        for _ in range(MAX_TRIES):
            reply = self.read(prompt + " ")
            if simple(reply) in SKIP_WORDS:
                return False
            try:
                value = parse(reply)
                changes: dict[str, Any] = value if isinstance(value, dict) else {str(field): value}
                candidate = self.answers.replace(**changes)
                build_profile(self.kb, candidate)  # the options' own checks
            except UsageError as problem:
                self._sorry(plain(str(problem), "that answer cannot be used here"), "Try again, or press Enter to skip.")
                continue
            self.answers = candidate
            return True
        self._say(Text("Skipping this question.", style="dim"))
        return False

    def _sorry(self, problem: str, then: str) -> None:
        problem = problem[:1].upper() + problem[1:]
        stop = "" if problem.endswith((".", "?", "!")) else "."
        self._say(hang(Text("Sorry:", style="yellow"), Text(f"{problem}{stop} {then}".rstrip(), style="yellow"), indent=0))

    def _intro(self, fact: str) -> None:
        self._say(Text(""))
        self._say(hang(Text("Why we ask:", style="dim"), Text(self.kb.questions[fact].why, style="dim"), indent=0))

    def _say(self, text: Any) -> None:
        self.console.print(text)


def read_names(index: Any, reply: str) -> tuple[NamesFound, list[tuple[str, str]]]:
    """(the names recognised, (each other name, why not)). The reply is read whole first (some names hold
    a comma), then as a list split at commas; a part not known whole is tried split at "and"."""
    from backpain_cli.engine.answers import _comma_split, _resolve_names

    try:
        return _resolve_names(index, (reply,)), []
    except UsageError:
        pass
    known: NamesFound = []
    unknown: list[tuple[str, str]] = []
    for part in _comma_split((reply,)):
        try:
            known += _resolve_names(index, (part,))
            continue
        except UsageError as problem:
            whole = (part, str(problem))
        pieces = split_and(part)
        if len(pieces) < 2:
            unknown.append(whole)
            continue
        for piece in pieces:
            try:
                known += _resolve_names(index, (piece,))
            except UsageError as problem:
                unknown.append((piece, str(problem)))
    return known, unknown


def plain(message: str, fallback: str) -> str:
    """A shared message as the walk shows it: a pointer to the list command goes (the walk says to type
    list), and a message naming an option or a command is replaced by ``fallback``."""
    message = re.sub(r";?\s*run 'backpain list'[^;]*", "", message).strip()
    if re.search(r"--[a-z]|\bbackpain [a-z]", message) or not message:
        return fallback
    return message


def ends_line(console: Console, read: Callable[[str], str]) -> Callable[[str], str]:
    """``read``, ending the prompt's line on Ctrl-C or Ctrl-D, so what is said next starts on a line of its own."""

    def reading(prompt: str) -> str:
        try:
            return read(prompt)
        except (EOFError, KeyboardInterrupt):
            console.print()
            raise

    return reading


def offer_to_save(console: Console, save: Callable[[Path, bool], None], read: Callable[[str], str] | None = None) -> Path | None:
    """After the walk: offer to save the plan with ``save(path, replace)``; the saved path, or None.

    A name that cannot be saved to (a bad suffix, a missing or unwritable folder, a full disk) is asked
    again with the reason: the answers are never thrown away. A file is never replaced without asking.
    """
    ask = ends_line(console, read or (lambda prompt: console.input(Text(prompt, style="bold"))))
    console.print(Text(""))
    if simple(ask("Save this plan to a file you can print or take to your appointment? [yes/no] ")) not in YES:
        return None
    for _ in range(MAX_TRIES):
        reply = ask(f"File name, ending {either(USUAL_SUFFIXES)} [{DEFAULT_PLAN}]: ").strip() or DEFAULT_PLAN
        path = Path(reply).expanduser()
        try:
            check_name(path)
            plan_format(path)
            check_folder(path)
            replace = os.path.lexists(path)
            if replace and simple(ask(f"{path} already exists. Replace it? [yes/no] ")) not in YES:
                continue
            save(path, replace)
        except UsageError as problem:
            console.print(Text(f"Sorry: {problem}. Try another name.", style="yellow"))
            continue
        return path
    console.print(Text("Not saved.", style="dim"))
    return None
