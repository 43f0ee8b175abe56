"""The knowledge-base commands: check, audit and schema."""

from typing import Annotated

import typer

from backpain_cli.cli import output, seams
from backpain_cli.cli.app import kb_app, state_of
from backpain_cli.errors import ExitCode, KnowledgeBaseError, printable


@kb_app.command("check")
def kb_check_command(
    ctx: typer.Context,
    path: Annotated[str | None, typer.Argument(help="The file to check (default: --kb, $BACKPAIN_KB or the shipped one).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Validate a knowledge base and list every problem found; exit 0 only when it is valid."""
    from backpain_cli.knowledge import loader

    target = loader.resolve_path(path if path is not None else state_of(ctx).kb_path)
    shown = printable(str(target))  # a file name can hold escapes or bytes that are not text
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
    if as_json:
        output.print_json({"file": shown, "valid": True, "problems": [], "treatments": len(kb.treatments), "version": kb.version})
    else:
        output.write_out(f"{shown}: valid ({len(kb.treatments)} treatments, {len(kb.red_flags)} red flags, version {kb.version})\n")


@kb_app.command("audit")
def kb_audit_command(
    ctx: typer.Context,
    path: Annotated[str | None, typer.Argument(help="The file to audit (default: --kb, $BACKPAIN_KB or the shipped one).")] = None,
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
        raise typer.Exit(ExitCode.AUDIT)


@kb_app.command("schema")
def kb_schema_command() -> None:
    """Print a JSON Schema of the knowledge-base format, for editors that validate YAML as you type."""
    from backpain_cli.knowledge.schema import knowledge_base_schema

    output.print_json(knowledge_base_schema())
