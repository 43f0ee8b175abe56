"""The formats a saved plan can take, and the file suffixes that ask for each: the one list of them.

Its own small module so the command line can name the suffixes in its help without importing the
plan's renderer at start-up.
"""

from typing import Literal, get_args

from backpain_cli.knowledge.files import either as either

PlanFormat = Literal["md", "html"]

FORMATS: tuple[PlanFormat, ...] = get_args(PlanFormat)

# File suffixes (lower case) and the format each one means; the first for a format is its usual one.
SUFFIXES: dict[str, PlanFormat] = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html"}

USUAL_SUFFIXES = tuple(next(suffix for suffix, fmt in SUFFIXES.items() if fmt == each) for each in FORMATS)
