"""The guided walk: one question at a time, in plain words, each skippable, red flags first.

Questions and their "why we ask" come from the knowledge base; this module only parses answers.
Every answer is checked with the same code as the command-line options (``answers.build_profile``),
and a bad answer is asked again with the reason, never a traceback.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.text import Text

from backpain_cli.engine.answers import Answers, build_profile
from backpain_cli.errors import UsageError
from backpain_cli.knowledge.facts import FACTS
from backpain_cli.knowledge.model import Knowledge
from backpain_cli.views.plan import check_folder, check_name, plan_format

SKIP_WORDS = {"", "?", "skip", "don't know", "dont know", "not sure", "unknown", "dk"}
YES = {"y", "yes", "yeah", "yep", "true"}
NO = {"n", "no", "nope", "false"}
MAX_TRIES = 5  # then the question is skipped: a walk must always end
# How a person may say how something they tried went, and the answer each one means.
RESULT_WORDS = {
    **dict.fromkeys(("1", "helped", "helped enough", "a lot", "yes", "enough", "it helped"), "helped"),
    **dict.fromkeys(("2", "a little", "a bit", "some", "helped a little", "a little bit"), "helped_a_little"),
    **dict.fromkeys(("3", "no", "not at all", "did not help", "didn't help", "no help", "none"), "tried"),
    **dict.fromkeys(("4", "side effects", "side effect", "problems", "it caused problems"), "side_effects"),
}


class Walk:
    """Asks the questions in order and collects ``Answers``."""

    def __init__(self, kb: Knowledge, console: Console, read: Callable[[str], str] | None = None) -> None:
        self.kb = kb
        self.console = console
        self.read = read or (lambda prompt: console.input(Text(prompt, style="bold")))
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
            self._number(fact, fact)
        elif kind == "enum":
            self._choice(fact, list(FACTS[fact].values))
        else:  # pragma: no cover - validation keeps other facts out of the walk's list
            raise ValueError(f"the walk cannot ask about {fact}")

    def _red_flags(self) -> None:
        question = self.kb.questions["red_flags"]
        self._intro("red_flags")
        for number, flag in enumerate(self.kb.red_flags, start=1):
            self._say(Text.assemble((f"  {number:>2}. ", "bold"), flag.question))

        def parse(reply: str) -> Any:
            if reply.strip().lower() in ("none", "no", "n", "0"):
                return ()
            picked = []
            for part in re.split(r"[,\s]+", reply.strip()):
                if not part.isdigit() or not 1 <= int(part) <= len(self.kb.red_flags):
                    raise UsageError(f"type numbers from 1 to {len(self.kb.red_flags)}, separated by commas, or press Enter for none")
                picked.append(self.kb.red_flags[int(part) - 1].code)
            return tuple(dict.fromkeys(picked))

        self._ask(question.prompt, "red_flags", parse)

    def _duration(self) -> None:
        def parse(reply: str) -> Any:
            match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*", reply.lower())
            if not match:
                raise UsageError("give a number and a unit, for example 6 weeks or 4 months")
            amount, unit = float(match.group(1)), match.group(2)
            if unit.startswith("w"):
                return {"weeks": amount}
            if unit.startswith("y"):
                return {"months": amount * 12}
            if unit.startswith("m") or unit == "":
                return {"months": amount} if unit else _needs_unit()
            if unit.startswith("d"):
                return {"weeks": amount / 7}
            raise UsageError("the unit should be days, weeks, months or years")

        self._intro("stage")
        self._ask(self.kb.questions["stage"].prompt, None, parse)

    def _yes_no(self, fact: str) -> None:
        def parse(reply: str) -> Any:
            word = reply.strip().lower()
            if word in YES:
                return True
            if word in NO:
                return False
            raise UsageError("answer yes or no, or press Enter if you don't know")

        self._intro(fact)
        self._ask(self.kb.questions[fact].prompt + " [yes/no]", fact, parse)

    def _number(self, fact: str, field: str) -> None:
        def parse(reply: str) -> Any:
            try:
                return float(reply.strip())
            except ValueError:
                raise UsageError("answer with a number") from None

        self._intro(fact)
        self._ask(self.kb.questions[fact].prompt, field, parse)

    def _tried(self) -> None:
        """What was tried, then how each one went: helped enough, a little, not at all, or side effects."""
        from backpain_cli.knowledge.lookup import NameIndex

        self._intro("tried")
        self._say(Text("Type 'list' to see every option's name.", style="dim"))
        index = NameIndex.build(self.kb)

        def parse(reply: str) -> Any:
            if reply.strip().lower() == "list":
                self._say(Text(", ".join(t.id for t in self.kb.treatments), style="dim"))
                raise UsageError("now type the names, separated by commas")
            names = tuple(part.strip() for part in reply.split(",") if part.strip())
            for name in names:
                index.resolve(name)  # an unknown name is asked again, with a suggestion
            return {"tried": names}

        self._ask(self.kb.messages["walk-tried"], None, parse)
        names, self.answers = self.answers.tried, self.answers._replace(tried=())
        by_id = {index.resolve(name): name for name in reversed(names)}  # "physio, physiotherapy": asked once
        for treatment_id, name in reversed(by_id.items()):
            self._result(name, self.kb.treatment(treatment_id).name)

    def _result(self, typed: str, shown: str) -> None:
        def parse(reply: str) -> Any:
            field = RESULT_WORDS.get(" ".join(reply.lower().split()))
            if field is None:
                raise UsageError("type 1, 2, 3 or 4")
            return {field: (*getattr(self.answers, field), typed)}

        if not self._ask(self.kb.messages["walk-result"].format(name=shown), None, parse):
            self.answers = self.answers._replace(tried=(*self.answers.tried, typed))  # skipped: still tried

    def _choice(self, fact: str, choices: list[str], extra: str = "") -> None:
        self._intro(fact)
        if extra:
            self._say(Text(extra, style="dim"))
        self._ask(self.kb.questions[fact].prompt + f" [{'/'.join(choices)}]", fact, lambda reply: reply.strip())

    def _avoid(self) -> None:
        self._intro("avoid")

        def parse(reply: str) -> Any:
            return tuple(part.strip() for part in reply.split(",") if part.strip())

        self._ask(self.kb.questions["avoid"].prompt + f" [{', '.join(FACTS['avoid'].values)}]", "avoid", parse)

    # --- plumbing ---------------------------------------------------------------------------------

    def _ask(self, prompt: str, field: str | None, parse: Callable[[str], Any]) -> bool:
        """Ask until the answer parses and passes the same checks as the options; blank skips (False)."""
        for _ in range(MAX_TRIES):
            reply = self.read(prompt + " ")
            if reply.strip().lower() in SKIP_WORDS:
                return False
            try:
                value = parse(reply)
                changes: dict[str, Any] = value if isinstance(value, dict) else {str(field): value}
                candidate = self.answers._replace(**changes)
                build_profile(self.kb, candidate)  # the options' own checks, with their messages
            except UsageError as problem:
                self._say(Text(f"Sorry: {problem}. Try again, or press Enter to skip.", style="yellow"))
                continue
            self.answers = candidate
            return True
        self._say(Text("Skipping this question.", style="dim"))
        return False

    def _intro(self, fact: str) -> None:
        self._say(Text(""))
        self._say(Text("Why we ask: " + self.kb.questions[fact].why, style="dim"))

    def _say(self, text: Text) -> None:
        self.console.print(text)


def _needs_unit() -> dict[str, float]:
    raise UsageError("say whether that is days, weeks, months or years, for example 4 months")


def offer_to_save(console: Console, save: Callable[[Path, bool], None], read: Callable[[str], str] | None = None) -> Path | None:
    """After the walk: offer to save the plan with ``save(path, replace)``; the saved path, or None.

    A name that cannot be saved to (a bad suffix, a missing or unwritable folder, a full disk) is asked
    again with the reason: the answers are never thrown away. A file is never replaced without asking.
    """
    ask = read or (lambda prompt: console.input(Text(prompt, style="bold")))
    console.print(Text(""))
    if ask("Save this plan to a file you can print or take to your appointment? [yes/no] ").strip().lower() not in YES:
        return None
    for _ in range(MAX_TRIES):
        reply = ask("File name, ending .html or .md [backpain-plan.html]: ").strip() or "backpain-plan.html"
        path = Path(reply).expanduser()
        try:
            check_name(path)
            plan_format(path)
            check_folder(path)
            replace = os.path.lexists(path)
            if replace and ask(f"{path} already exists. Replace it? [yes/no] ").strip().lower() not in YES:
                continue
            save(path, replace)
        except UsageError as problem:
            console.print(Text(f"Sorry: {problem}. Try another name.", style="yellow"))
            continue
        return path
    console.print(Text("Not saved.", style="dim"))
    return None
