"""One error hierarchy, caught at one boundary (the CLI), each kind with its exit code."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Documented exit codes; the README and ``--help`` list the same table."""

    OK = 0
    INTERNAL = 1  # a bug in backpain; the message asks for a report
    USAGE = 2  # the command line was wrong: unknown name, bad number, clashing options
    KNOWLEDGE_BASE = 3  # the knowledge base is missing, unreadable or invalid
    CHECKS_FAILED = 4  # the knowledge base is valid but fails a check asked for: kb audit, kb check --cases
    OUTPUT = 5  # could not write the output: standard output closed, a full disk (not a reader gone away: that is 0)
    JOURNAL = 6  # the journal file cannot be used: damaged, unreadable, busy, full, or from a newer backpain; it is left as it is
    INTERRUPTED = 130  # Ctrl-C


def printable(text: str) -> str:
    """Text safe to echo: control characters, escapes and undecodable bytes become '?'."""
    return "".join(ch if ch.isprintable() else "?" for ch in text)


class BackpainError(Exception):
    """Base class: a message for a person, already phrased as one line."""

    exit_code: ExitCode = ExitCode.INTERNAL


class UsageError(BackpainError):
    """The person asked for something the command cannot do; the message says what to do instead."""

    exit_code = ExitCode.USAGE


class OutputError(BackpainError):
    """The output could not be written (no standard output, a full disk); the message says what to do."""

    exit_code = ExitCode.OUTPUT


class JournalError(BackpainError):
    """The journal file cannot be read or written; the message names the file and says what to do. Nothing was changed."""

    exit_code = ExitCode.JOURNAL


class KnowledgeBaseError(BackpainError):
    """The knowledge base cannot be used. Carries every problem found, first one in the message."""

    exit_code = ExitCode.KNOWLEDGE_BASE

    def __init__(self, file: str, problems: list[Problem]) -> None:
        file = printable(file)
        self.file = file
        self.problems = problems
        first = problems[0]
        more = f" (and {len(problems) - 1} more; run 'backpain kb check' to see all)" if len(problems) > 1 else ""
        super().__init__(f"{file}: {first}{more}")


class Problem:
    """One thing wrong in a knowledge base: where (a YAML path), what, and what to do."""

    __slots__ = ("message", "path", "suggestion")

    def __init__(self, path: str, message: str, suggestion: str = "") -> None:
        self.path = path
        self.message = message
        self.suggestion = suggestion

    def __str__(self) -> str:
        where = f"at {self.path}: " if self.path else ""
        hint = f" ({self.suggestion})" if self.suggestion else ""
        return f"{where}{self.message}{hint}"

    def as_dict(self) -> dict[str, str]:
        return {"path": printable(self.path), "message": printable(self.message), "suggestion": printable(self.suggestion)}
