"""The knowledge-base commands: check, audit and schema."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from backpain_cli.cli import output, seams
from backpain_cli.cli.root import kb_app, state_of
from backpain_cli.errors import ExitCode, KnowledgeBaseError, UsageError, printable

if TYPE_CHECKING:
    from backpain_cli.engine.cases import Case
    from backpain_cli.knowledge.model import Knowledge


@kb_app.command("check")
def kb_check_command(
    ctx: typer.Context,
    path: Annotated[
        str | None, typer.Argument(metavar="[FILE]", help="The file to check (default: --kb, $BACKPAIN_KB or the shipped one).")
    ] = None,
    cases: Annotated[
        str | None,
        typer.Option("--cases", metavar="FILE", help="Also run these worked cases against it (a YAML file like data/cases.yaml)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Validate a knowledge base afresh and list every problem; with --cases, run worked cases against it."""
    from backpain_cli.knowledge import loader

    target = loader.resolve_path(path if path is not None else state_of(ctx).kb_path)
    shown = printable(str(target))  # a file name can hold escapes or bytes that are not text
    worked = _read_cases(cases) if cases is not None else None  # a bad cases file fails before any checking
    try:
        kb = loader.load(target, use_cache=False)  # a check validates afresh, never trusts an earlier result
    except KnowledgeBaseError as error:
        if as_json:
            output.print_json({"file": shown, "valid": False, "problems": [p.as_dict() for p in error.problems]})
        else:
            for problem in error.problems:
                output.write_out(f"{shown}: {printable(str(problem))}\n")
            output.write_out(f"{len(error.problems)} problem(s) found in {shown}\n")
        raise typer.Exit(ExitCode.KNOWLEDGE_BASE) from None
    failures = _run_cases(kb, worked) if worked is not None else {}
    if as_json:
        data: dict[str, object] = {"file": shown, "valid": True, "problems": [], "treatments": len(kb.treatments), "version": kb.version}
        if worked is not None:
            data["cases"] = [{"id": c.id, "passed": not failures.get(c.id), "problems": failures.get(c.id, [])} for c in worked]
        output.print_json(data)
    else:
        output.write_out(f"{shown}: valid ({len(kb.treatments)} treatments, {len(kb.red_flags)} red flags, version {kb.version})\n")
        if worked is not None:
            for case_id, problems in failures.items():
                output.write_out("".join(f"case {case_id}: {printable(problem)}\n" for problem in problems))
            failed = sum(1 for p in failures.values() if p)
            output.write_out(f"{len(worked)} worked cases: {len(worked) - failed} passed, {failed} failed\n")
    if any(failures.values()):
        raise typer.Exit(ExitCode.CHECKS_FAILED)


def _read_cases(path: str) -> "list[Case]":
    from backpain_cli.engine.cases import read_cases
    from backpain_cli.knowledge import loader

    try:
        raw = loader.parse_yaml(loader.read_text(Path(path)), path)
    except KnowledgeBaseError as error:
        raise UsageError(f"cases file {error}") from None
    return read_cases(raw, printable(path))


def _run_cases(kb: "Knowledge", worked: "list[Case]") -> dict[str, list[str]]:
    from backpain_cli.engine.cases import run_case

    failures: dict[str, list[str]] = {}
    for case in worked:
        try:
            failures[case.id] = run_case(kb, case)
        except UsageError as error:  # answers this knowledge base cannot take (an unknown name, say)
            failures[case.id] = [f"its answers are not valid here: {error}"]
    return failures


@kb_app.command("audit")
def kb_audit_command(
    ctx: typer.Context,
    path: Annotated[
        str | None, typer.Argument(metavar="[FILE]", help="The file to audit (default: --kb, $BACKPAIN_KB or the shipped one).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Check every entry for balance: harms, how large the benefit is, dated sources, review date."""
    from backpain_cli.knowledge import loader
    from backpain_cli.knowledge.audit import audit, audit_json, audit_text

    target = loader.resolve_path(path if path is not None else state_of(ctx).kb_path)
    result = audit(loader.load(target), seams.today())
    shown = printable(str(target))
    if as_json:
        output.print_json(audit_json(result, shown))
    else:
        output.write_out(audit_text(result, shown, width=output.width() or 80))
    if not result.passed:
        raise typer.Exit(ExitCode.CHECKS_FAILED)


@kb_app.command("schema")
def kb_schema_command() -> None:
    """Print a JSON Schema of the knowledge-base format, for editors that validate YAML as you type."""
    from backpain_cli.knowledge.schema import knowledge_base_schema

    output.print_json(knowledge_base_schema())
