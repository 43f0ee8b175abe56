"""``kb audit``: is every entry balanced and current? Pure: knowledge in, findings out.

For each treatment: does it list its harms, say how large its benefit is (or plainly that no source
gives a size), cite only sources with a year (or a written reason why a source has none), and is its
review date still ahead? A deliberate gap is accepted only when the entry writes it down, with its
reason, under ``audit_exceptions``.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from backpain_cli.knowledge.model import Knowledge, Treatment

CHECKS: tuple[str, ...] = ("harms", "benefit-size", "source-years", "review-date")
# Column headings for the text view, short enough for 80 columns.
CHECK_HEADINGS: dict[str, str] = {"harms": "harms", "benefit-size": "size", "source-years": "years", "review-date": "review"}


class Finding(NamedTuple):
    check: str
    result: str  # "pass" | "fail" | "excepted"
    detail: str  # what is missing, or the exception's reason


class EntryAudit(NamedTuple):
    id: str
    name: str
    findings: tuple[Finding, ...]

    @property
    def passed(self) -> bool:
        return all(f.result != "fail" for f in self.findings)


class Audit(NamedTuple):
    entries: tuple[EntryAudit, ...]
    kb_review_due: dt.date
    today: dt.date

    @property
    def kb_current(self) -> bool:
        return self.today <= self.kb_review_due

    @property
    def passed(self) -> bool:
        return self.kb_current and all(e.passed for e in self.entries)


def audit(kb: Knowledge, today: dt.date) -> Audit:
    return Audit(tuple(_entry(kb, t, today) for t in kb.treatments), kb.review_due, today)


def _entry(kb: Knowledge, t: Treatment, today: dt.date) -> EntryAudit:
    excepted = {e.check: e.reason for e in t.audit_exceptions}
    undated = [s for s in t.all_sources() if kb.sources[s].year is None and kb.sources[s].undated is None]
    problems = {
        "harms": "" if t.risks else "lists no harms",
        "benefit-size": "" if t.benefit_size else "says nothing about how large the benefit is",
        "source-years": "" if not undated else "cites sources without a year: " + ", ".join(undated),
        "review-date": "" if today <= t.review_due else f"review was due on {t.review_due.isoformat()}",
    }
    findings = []
    for check in CHECKS:
        if not problems[check] and check in excepted:  # a stale exception would hide the next real gap
            findings.append(Finding(check, "fail", "has an audit exception it no longer needs: remove it"))
        elif not problems[check]:
            findings.append(Finding(check, "pass", ""))
        elif check in excepted:
            findings.append(Finding(check, "excepted", excepted[check]))
        else:
            findings.append(Finding(check, "fail", problems[check]))
    return EntryAudit(t.id, t.name, tuple(findings))


def audit_json(result: Audit, file: str) -> dict[str, object]:
    return {
        "file": file,
        "passed": result.passed,
        "knowledge_base_review_due": result.kb_review_due.isoformat(),
        "knowledge_base_review_overdue": not result.kb_current,
        "entries": [
            {
                "id": e.id,
                "name": e.name,
                "passed": e.passed,
                "checks": [{"check": f.check, "result": f.result, "detail": f.detail} for f in e.findings],
            }
            for e in result.entries
        ],
    }


def audit_text(result: Audit, file: str, width: int = 80) -> str:
    """Plain lines: a row per entry, then the failures and the written exceptions, wrapped to ``width``."""
    import textwrap

    column = max(len(e.id) for e in result.entries)
    mark = {"pass": "ok", "fail": "FAIL", "excepted": "ok*"}
    lines = [f"Audit of {file}", "", "entry".ljust(column) + "  " + "  ".join(CHECK_HEADINGS[c].ljust(6) for c in CHECKS)]
    for e in result.entries:
        lines.append(e.id.ljust(column) + "  " + "  ".join(mark[f.result].ljust(6) for f in e.findings).rstrip())
    failures = [(e, f) for e in result.entries for f in e.findings if f.result == "fail"]
    exceptions = [(e, f) for e in result.entries for f in e.findings if f.result == "excepted"]

    def notes(found: list[tuple[EntryAudit, Finding]]) -> list[str]:
        return [
            line
            for e, f in found
            for line in textwrap.wrap(
                f"{e.id} ({CHECK_HEADINGS[f.check]}): {f.detail}", width, initial_indent="  ", subsequent_indent="    "
            )
        ]

    if failures:
        lines += ["", "Failures:", *notes(failures)]
    if exceptions:
        lines += ["", "* accepted: the entry gives its reason in audit_exceptions:", *notes(exceptions)]
    if not result.kb_current:
        lines += ["", f"The knowledge base itself was due for review on {result.kb_review_due.isoformat()}."]
    failed = sum(1 for e in result.entries if not e.passed)
    verdict = "passed" if result.passed else f"failed ({failed} of {len(result.entries)} entries)"
    lines += ["", f"{len(result.entries)} entries checked: {verdict}; {len(exceptions)} written exceptions."]
    return "\n".join(lines) + "\n"
