"""What the journal's tests share: a pinned today (an autouse fixture for the modules that import it) and a CLI runner call."""

from __future__ import annotations

import datetime as dt

import pytest
from typer.testing import CliRunner

from backpain_cli import cli
from backpain_cli.cli import seams

TODAY = dt.date(2026, 11, 27)


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(seams, "today", lambda: TODAY)


def run(runner: CliRunner, *args: str, input: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(cli.app, list(args), input=input)
    return result.exit_code, result.stdout, result.stderr
