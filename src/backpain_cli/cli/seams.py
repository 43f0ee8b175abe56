"""The two facts about the outside world a run depends on, each one seam that tests can pin."""

import datetime as dt
import sys


def today() -> dt.date:
    """Today's date; one seam so tests can pin review-overdue output."""
    return dt.date.today()


def stdin_is_terminal() -> bool:
    """One seam for tests: prompts only ever appear when a person is at a terminal."""
    return sys.stdin.isatty()
