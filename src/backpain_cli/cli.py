"""The command line: parse options, build a profile, call one engine function, render, exit.

Rich is imported only by commands that render for a person; ``--json`` output and shell completion
never import it (see docs/performance.md).

No ``from __future__ import annotations`` here on purpose: Typer reads every parameter's annotation
on every run, and real objects are several times cheaper for it than strings it must evaluate.
"""

import copy
import datetime as dt
import gc
import os
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup
from typer.models import CommandInfo

from backpain_cli import __version__
from backpain_cli.errors import BackpainError, ExitCode, KnowledgeBaseError, UsageError, printable

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

    from backpain_cli.answers import Answers
    from backpain_cli.model import Knowledge

try:  # Typer vendors Click from 0.2x on; older Typer depends on Click itself.
    from typer._click.core import Context as ClickContext
    from typer._click.exceptions import ClickException
except ImportError:  # pragma: no cover - depends on the installed Typer
    from click.core import Context as ClickContext  # type: ignore[import-not-found,no-redef,unused-ignore,assignment]
    from click.exceptions import ClickException  # type: ignore[import-not-found,no-redef,unused-ignore]

EXIT_CODES_HELP = (
    "Exit codes: 0 success; 1 internal error (please report it); 2 bad command line (unknown name, "
    "bad number, clashing options); 3 knowledge base missing or invalid; 4 kb audit found gaps; 130 interrupted."
)


class BackpainGroup(TyperGroup):
    """Runs the app so that every failure ends as one line on stderr and a documented exit code."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        stdout_before = _stdout_identity()
        try:
            # Not standalone: Typer hands back errors and exit codes instead of printing and exiting.
            code = super().main(
                args=args,
                prog_name=prog_name or "backpain",
                complete_var=complete_var,
                standalone_mode=False,
                windows_expand_args=windows_expand_args,
                **extra,
            )
        except ClickException as error:
            if not error.format_message().strip():  # "no arguments, so here is the help": already shown
                sys.exit(ExitCode.OK)
            hint = ""
            ctx = getattr(error, "ctx", None)
            if ctx is not None:
                hint = f" Run '{ctx.command_path} --help' for the options."
            message = _one_line(error.format_message()).rstrip(".")
            stop = "" if message.endswith(("?", "!")) else "."  # "Did you mean 'list'?" needs no full stop
            _error_line(f"{message}{stop}{hint}")
            sys.exit(ExitCode.USAGE)
        except BackpainError as error:  # raised before a command runs (the root callback, --version)
            _error_line(str(error))
            sys.exit(error.exit_code)
        except (typer.Abort, KeyboardInterrupt):
            _error_line("interrupted; nothing was saved")
            sys.exit(ExitCode.INTERRUPTED)
        except BrokenPipeError:
            _quiet_closed_pipe()
        except typer.Exit as done:
            sys.exit(done.exit_code)
        except SystemExit as stop:
            # Rich answers a closed pipe (help piped into `head`) by pointing stdout at /dev/null
            # and exiting 1; for backpain a reader that went away is not an error.
            if stop.code == 1 and _stdout_identity() != stdout_before:
                sys.exit(ExitCode.OK)
            raise
        except Exception as error:  # a bug: no traceback (it could hold a person's answers), one line to report
            _error_line(f"internal error ({type(error).__name__}); please report it with the command you ran")
            sys.exit(ExitCode.INTERNAL)
        sys.exit(code if isinstance(code, int) else ExitCode.OK)

    def invoke(self, ctx: ClickContext) -> Any:
        """The one boundary for every command: its errors become one line and a documented exit code.

        Here, inside Click's own handling, so that Click never answers first (it turns a closed pipe into
        exit 1 and Ctrl-C into "Aborted!"). A command needs nothing of its own to get this.
        """
        try:
            return super().invoke(ctx)
        except BackpainError as error:
            _error_line(str(error))
            raise typer.Exit(error.exit_code) from None
        except KeyboardInterrupt:
            _error_line("interrupted; nothing was saved")
            raise typer.Exit(ExitCode.INTERRUPTED) from None
        except EOFError:
            _error_line("the input ended before the last question; nothing was saved")
            raise typer.Exit(ExitCode.INTERRUPTED) from None
        except BrokenPipeError:
            _quiet_closed_pipe()


app = typer.Typer(
    cls=BackpainGroup,
    name="backpain",
    epilog="Examples: backpain list | backpain explain epidural | backpain pathway --months 4 --leg-pain. " + EXIT_CODES_HELP,
    no_args_is_help=False,
    pretty_exceptions_enable=False,  # a person's health answers must never land in a traceback
    context_settings={"help_option_names": ["-h", "--help"]},
    add_completion=True,
)
kb_app = typer.Typer(cls=TyperGroup, help="Check or audit a knowledge base file, or print its JSON Schema.", no_args_is_help=True)
app.add_typer(kb_app, name="kb")


def _one_line(message: str) -> str:
    return " ".join(message.split())


def _error_line(message: str) -> None:
    safe = printable(_one_line(message))
    try:
        sys.stderr.write(f"backpain: error: {safe}\n")
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):
        pass


def _stdout_identity() -> tuple[int, int] | None:
    try:
        info = os.fstat(sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real file descriptor (e.g. under CliRunner)
        return None
    return info.st_dev, info.st_ino


def _quiet_closed_pipe() -> NoReturn:
    """The reader went away (``| head``): stop quietly, without a 'broken pipe' complaint at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    sys.exit(ExitCode.OK)


# --- shared plumbing -------------------------------------------------------------------------------


class State:
    """What the top-level options decided, handed to each command."""

    def __init__(self, kb_path: str | None) -> None:
        self.kb_path = kb_path
        self._knowledge: Knowledge | None = None

    def knowledge(self) -> "Knowledge":
        if self._knowledge is None:
            from backpain_cli import knowledge

            self._knowledge = knowledge.load(knowledge.resolve_path(self.kb_path))
        return self._knowledge


def _state(ctx: typer.Context) -> State:
    obj = ctx.find_root().obj
    return obj if isinstance(obj, State) else State(None)


# --- shell completion: fast, and never imports Rich or renders anything ---------------------------


def _completion_names(ctx: typer.Context, kind: str) -> list[str]:
    """Names to complete, from the cache's small signed list when it has one: a Tab press should not
    load the whole model. On a miss, the knowledge base is loaded (and the list filed) as usual."""
    from backpain_cli import cache, paths

    try:
        path = paths.resolve_path(ctx.find_root().params.get("kb"))
        data = path.read_bytes()
    except (BackpainError, OSError):
        return []
    key = cache.names_key(data)
    names = cache.fetch_names(key)
    if names is None:
        from backpain_cli import knowledge

        try:
            names = knowledge.completion_names(knowledge.load(path))
        except BackpainError:
            return []  # a broken knowledge base completes nothing rather than printing an error
        cache.store_names(key, names)
    return list(names.get(kind, []))


def _starting(candidates: Iterable[str], incomplete: str) -> list[str]:
    prefix = incomplete.casefold()
    return sorted({c for c in candidates if c.casefold().startswith(prefix)})


def complete_treatment(ctx: typer.Context, incomplete: str) -> list[str]:
    """Treatment ids and single-word aliases (multi-word aliases need quotes, so ids come first)."""
    return _starting(_completion_names(ctx, "treatments"), incomplete)


def complete_red_flag(ctx: typer.Context, incomplete: str) -> list[str]:
    return _starting(_completion_names(ctx, "red_flags"), incomplete)


def complete_tier(ctx: typer.Context, incomplete: str) -> list[str]:
    return _starting(_completion_names(ctx, "tiers"), incomplete)


def _fixed(*choices: str) -> Callable[[str], list[str]]:
    def complete(incomplete: str) -> list[str]:
        return _starting(choices, incomplete)

    return complete


def _print_json(data: Any) -> None:
    import json

    # Indented for a person at a terminal; compact for programs, which also lets json use its C encoder.
    indent = 2 if sys.stdout.isatty() else None
    encoding = (sys.stdout.encoding or "utf-8").lower().replace("-", "")
    # \u escapes where the stream cannot take Unicode: still the same JSON to any reader.
    sys.stdout.write(json.dumps(data, indent=indent, ensure_ascii=not encoding.startswith("utf")) + "\n")
    sys.stdout.flush()


MIN_WIDTH, MAX_WIDTH = 20, 1000


def _console() -> "Console":
    from rich.console import Console

    return Console(highlight=False, emoji=False, markup=False, width=_width())


def _width() -> int | None:
    """COLUMNS clamped to a sensible range; None (not set) lets Rich ask the terminal (80 for a pipe)."""
    raw = os.environ.get("COLUMNS")
    if raw is None:
        return None
    try:
        columns = int(raw)
    except ValueError:
        return 80  # Rich would otherwise read the same nonsense
    return 80 if columns <= 0 else min(max(columns, MIN_WIDTH), MAX_WIDTH)


_TRAILING_ESCAPES = re.compile(r"(?:\x1b\[[0-9;]*m)*\Z")
# What a stream that cannot take Unicode gets instead of the few symbols backpain itself draws.
_ASCII_FALLBACK = str.maketrans({"•": "*", "–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "...", "▲": "^", "▼": "v"})


def _render(renderable: "RenderableType") -> None:
    """Print for a person, without the trailing spaces Rich pads lines with, in any encoding."""
    console = _console()
    with console.capture() as captured:
        console.print(renderable)
    _write_out("\n".join(_strip_right(line) for line in captured.get().split("\n")))


def _strip_right(line: str) -> str:
    tail = _TRAILING_ESCAPES.search(line)  # linear: only escape codes can follow the last text
    cut = tail.start() if tail else len(line)
    return line[:cut].rstrip(" ") + line[cut:]


def _write_out(text: str) -> None:
    encoding = sys.stdout.encoding or "utf-8"
    if not encoding.lower().replace("-", "").startswith("utf"):
        text = text.translate(_ASCII_FALLBACK).encode(encoding, errors="replace").decode(encoding)
    sys.stdout.write(text)
    sys.stdout.flush()


def _today() -> dt.date:
    """Today's date; one seam so tests can pin review-overdue output."""
    return dt.date.today()


KbOption = Annotated[
    str | None,
    typer.Option("--kb", envvar="BACKPAIN_KB", help="Use this knowledge base file instead of the shipped one.", show_envvar=True),
]


@app.callback(invoke_without_command=True)
def root(
    ctx: typer.Context,
    kb: KbOption = None,
    version: Annotated[bool, typer.Option("--version", help="Show the program's and the knowledge base's versions.")] = False,
) -> None:
    """Explore chronic back pain treatment options and a personal, guideline-based pathway.

    Educational only: not a substitute for a clinician.
    """
    ctx.obj = State(kb)
    if version:
        _show_version(ctx.obj)
        raise typer.Exit(ExitCode.OK)
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())
        raise typer.Exit(ExitCode.OK)


def _show_version(state: State) -> None:
    kb = state.knowledge()
    typer.echo(f"backpain {__version__}")
    typer.echo(f"knowledge base {kb.version} (reviewed {kb.reviewed.isoformat()}, review due {kb.review_due.isoformat()})")


# --- list ------------------------------------------------------------------------------------------


@app.command("list")
def list_command(
    ctx: typer.Context,
    tier: Annotated[
        str | None, typer.Option("--tier", help="Only this tier (see the ids in brackets).", autocompletion=complete_tier)
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (an array of options).")] = False,
) -> None:
    """List every option, grouped by tier, in pathway order."""
    kb = _state(ctx).knowledge()
    if tier is not None:
        from backpain_cli.answers import choose

        tier = choose(tier, [t.id for t in kb.tiers], "tier")
    if as_json:
        from backpain_cli.views import data

        _print_json(data.treatment_list(kb, tier))
        return
    from backpain_cli.views import text

    _render(text.treatment_list(kb, tier))


# --- explain ---------------------------------------------------------------------------------------


@app.command("explain")
def explain_command(
    ctx: typer.Context,
    name: Annotated[
        str, typer.Argument(help="An id, a name or any alias, e.g. epidural, ibuprofen, physio.", autocompletion=complete_treatment)
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Explain one option: what it is, benefits, risks, what each guideline says, questions to ask."""
    from backpain_cli.lookup import NameIndex

    kb = _state(ctx).knowledge()
    treatment = kb.treatment(NameIndex.build(kb).resolve(name))
    today = _today()
    if as_json:
        from backpain_cli.views import data

        _print_json(data.treatment_detail(kb, treatment, today))
        return
    from backpain_cli.views import text

    _render(text.explain(kb, treatment, today))


# --- compare and search ----------------------------------------------------------------------------


@app.command("compare")
def compare_command(
    ctx: typer.Context,
    names: Annotated[
        list[str],
        typer.Argument(
            help="Two or more ids, names or aliases, e.g. epidural physio 'spinal cord stimulator'.", autocompletion=complete_treatment
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Compare options side by side: what each is, how well it works, risks, time, guidelines, cost, who it is for."""
    from backpain_cli.compare import compare
    from backpain_cli.lookup import NameIndex

    kb = _state(ctx).knowledge()
    index = NameIndex.build(kb)
    comparison = compare(kb, [kb.treatment(index.resolve(name)) for name in names])
    if as_json:
        from backpain_cli.compare import comparison_json

        _print_json(comparison_json(comparison))
        return
    from backpain_cli.views.compare_text import render_comparison

    _render(render_comparison(kb, comparison))


@app.command("search")
def search_command(
    ctx: typer.Context,
    text: Annotated[
        str, typer.Argument(help="Words to look for in names, summaries, benefits, risks and guideline notes; typos are forgiven.")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (an array of hits, best first).")] = False,
    limit: Annotated[int, typer.Option("--limit", help="Show at most this many options.")] = 10,
) -> None:
    """Search every option's text, best matches first, with the matching words highlighted."""
    from backpain_cli.search import search

    kb = _state(ctx).knowledge()
    hits = search(kb, text, limit)
    if as_json:
        from backpain_cli.search import search_json

        _print_json(search_json(hits))
        return
    from backpain_cli.views.search_text import render_hits

    _render(render_hits(kb, text, hits))


# --- red flags and sources -------------------------------------------------------------------------


@app.command("red-flags")
def red_flags_command(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List the warning signs that need a medical check first, with what to do about each."""
    kb = _state(ctx).knowledge()
    if as_json:
        from backpain_cli.views import data

        _print_json(data.red_flags(kb))
        return
    from backpain_cli.views import text

    _render(text.red_flags(kb))


@app.command("sources")
def sources_command(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List every source with title, year, section and URL, and which entries cite it."""
    from backpain_cli.views import data

    kb = _state(ctx).knowledge()
    if as_json:
        _print_json(data.sources(kb))
        return
    from backpain_cli.views import text

    _render(text.sources(kb, data.citations(kb)))


# --- pathway ---------------------------------------------------------------------------------------


@app.command("pathway")
def pathway_command(
    ctx: typer.Context,
    months: Annotated[float | None, typer.Option("--months", help="How many months you have had this pain.")] = None,
    weeks: Annotated[float | None, typer.Option("--weeks", help="How many weeks you have had this pain (instead of --months).")] = None,
    leg_pain: Annotated[bool | None, typer.Option("--leg-pain/--no-leg-pain", help="Pain spreads down a leg below the knee.")] = None,
    pain: Annotated[float | None, typer.Option("--pain", help="Pain on most days, 0 (none) to 10 (worst).")] = None,
    tried: Annotated[
        list[str] | None,
        typer.Option(
            "--tried", help="Tried and it did not help enough (repeatable; any name 'explain' accepts).", autocompletion=complete_treatment
        ),
    ] = None,
    helped: Annotated[
        list[str] | None, typer.Option("--helped", help="Tried and it helped enough (repeatable).", autocompletion=complete_treatment)
    ] = None,
    helped_a_little: Annotated[
        list[str] | None,
        typer.Option("--helped-a-little", help="Tried and it helped a little, not enough (repeatable).", autocompletion=complete_treatment),
    ] = None,
    side_effects: Annotated[
        list[str] | None,
        typer.Option(
            "--side-effects", help="Tried and it caused side effects or other problems (repeatable).", autocompletion=complete_treatment
        ),
    ] = None,
    programme_weeks: Annotated[
        float | None,
        typer.Option("--programme-weeks", help="Weeks in all you kept up an exercise programme (physiotherapy, a class, yoga)."),
    ] = None,
    red_flags: Annotated[
        list[str] | None,
        typer.Option("--red-flag", help="A warning sign code from 'backpain red-flags' (repeatable).", autocompletion=complete_red_flag),
    ] = None,
    imaging_match: Annotated[
        bool | None, typer.Option("--imaging-match/--no-imaging-match", help="A scan shows a trapped nerve matching the leg symptoms.")
    ] = None,
    neuropathic: Annotated[
        bool | None, typer.Option("--neuropathic/--no-neuropathic", help="A clinician has called it nerve-type (neuropathic) pain.")
    ] = None,
    claudication: Annotated[
        bool | None, typer.Option("--claudication/--no-claudication", help="Legs hurt on walking and ease on sitting or bending forward.")
    ] = None,
    medial_branch_block: Annotated[
        str | None,
        typer.Option(
            "--medial-branch-block",
            help="Result of a diagnostic medial branch block: positive, negative or not-done.",
            autocompletion=_fixed("positive", "negative", "not-done"),
        ),
    ] = None,
    risk: Annotated[
        str | None,
        typer.Option(
            "--risk",
            help="Risk group from a clinician (e.g. STarT Back): low, medium or high.",
            autocompletion=_fixed("low", "medium", "high"),
        ),
    ] = None,
    avoid: Annotated[
        list[str] | None,
        typer.Option(
            "--avoid",
            help="Rather avoid: medication, injections or surgery (repeatable).",
            autocompletion=_fixed("medication", "injections", "surgery"),
        ),
    ] = None,
    guideline: Annotated[
        str | None,
        typer.Option(
            "--guideline",
            help="Follow one guideline throughout: nice, acp or who (default: all, majority view).",
            autocompletion=_fixed("nice", "acp", "who", "default"),
        ),
    ] = None,
    answers_file: Annotated[
        str | None, typer.Option("--answers", help="Read answers from a YAML file (see docs/answers.md); options given too win.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    why: Annotated[bool, typer.Option("--why", help="Show the rule and the checks behind every step.")] = False,
    interactive: Annotated[bool, typer.Option("--interactive", "-i", help="Answer questions one at a time (needs a terminal).")] = False,
    no_input: Annotated[bool, typer.Option("--no-input", help="Never prompt, even on a terminal.")] = False,
    save: Annotated[
        str | None,
        typer.Option("--save", help="Also save a printable plan to this file; .md or .html (the suffix picks the format)."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="With --save: replace the file if it already exists.")] = False,
) -> None:
    """Build your personal, stepped pathway: red flags first, conservative care first, surgery last."""
    from backpain_cli.answers import from_options, load_answers, merge

    given = from_options(ctx.params)  # every parameter named after a fact is that answer
    if answers_file is not None:  # taken as text: Typer's Path type fails on a NUL character
        given = merge(load_answers(Path(answers_file)), given)
    _pathway_flow(
        ctx,
        given,
        interactive=interactive,
        no_input=no_input,
        as_json=as_json,
        why=why,
        save=None if save is None else Path(save),
        force=force,
    )


@app.command("walk")
def walk_command(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print the resulting pathway as JSON.")] = False,
    why: Annotated[bool, typer.Option("--why", help="Show the rule and the checks behind every step.")] = False,
) -> None:
    """A guided walk: answer plain questions one at a time and get your pathway (same as pathway -i)."""
    from backpain_cli.answers import Answers

    _pathway_flow(ctx, Answers(), interactive=True, no_input=False, as_json=as_json, why=why)


def _stdin_is_terminal() -> bool:
    """One seam for tests: prompts only ever appear when a person is at a terminal."""
    return sys.stdin.isatty()


def _pathway_flow(
    ctx: typer.Context,
    given: "Answers",
    *,
    interactive: bool,
    no_input: bool,
    as_json: bool,
    why: bool,
    save: Path | None = None,
    force: bool = False,
) -> None:
    from backpain_cli import engine
    from backpain_cli.answers import build_profile, merge

    if force and save is None:
        raise UsageError("--force only applies with --save FILE")
    if save is not None:
        from backpain_cli.plan import check_name, plan_format

        check_name(save)
        plan_format(save)  # a bad name, suffix or an existing file fails before any question is asked
        if not force and os.path.lexists(save):
            raise UsageError(f"'{save}' exists; use --force to replace it or choose another name")
    kb = _state(ctx).knowledge()
    prompts = None
    if interactive:
        if no_input or not _stdin_is_terminal():
            raise UsageError("the guided walk needs a terminal; give your answers as options or with --answers FILE instead")
        from rich.console import Console as PromptConsole

        from backpain_cli.walk import Walk

        prompts = PromptConsole(stderr=True, highlight=False, markup=False, emoji=False)
        given = merge(given, Walk(kb, prompts).run())
    result = engine.build_pathway(kb, build_profile(kb, given))
    if as_json:
        from backpain_cli.views import data

        _print_json(data.pathway(kb, result))
    else:
        from backpain_cli.views import text

        _render(text.pathway(kb, result, why=why))
    if save is None and prompts is not None:
        from backpain_cli.walk import offer_to_save

        save, force = offer_to_save(prompts)
    if save is not None:
        from backpain_cli.plan import plan_format, render_plan, save_plan

        save_plan(render_plan(kb, result, fmt=plan_format(save), today=_today()), save, force=force)
        sys.stderr.write(f"backpain: saved your plan to {printable(str(save))}\n")  # stderr: stdout stays the pathway (or JSON)


# --- kb --------------------------------------------------------------------------------------------


@kb_app.command("check")
def kb_check_command(
    ctx: typer.Context,
    path: Annotated[str | None, typer.Argument(help="The file to check (default: --kb, $BACKPAIN_KB or the shipped one).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Validate a knowledge base and list every problem found; exit 0 only when it is valid."""
    from backpain_cli import knowledge

    target = knowledge.resolve_path(path if path is not None else _state(ctx).kb_path)
    shown = printable(str(target))  # a file name can hold escapes or bytes that are not text
    try:
        kb = knowledge.load(target)
    except KnowledgeBaseError as error:
        if as_json:
            _print_json({"file": shown, "valid": False, "problems": [p.as_dict() for p in error.problems]})
        else:
            for problem in error.problems:
                _write_out(f"{shown}: {printable(str(problem))}\n")
            _write_out(f"{len(error.problems)} problem(s) found in {shown}\n")
        raise typer.Exit(ExitCode.KNOWLEDGE_BASE) from None
    if as_json:
        _print_json({"file": shown, "valid": True, "problems": [], "treatments": len(kb.treatments), "version": kb.version})
    else:
        _write_out(f"{shown}: valid ({len(kb.treatments)} treatments, {len(kb.red_flags)} red flags, version {kb.version})\n")


@kb_app.command("audit")
def kb_audit_command(
    ctx: typer.Context,
    path: Annotated[str | None, typer.Argument(help="The file to audit (default: --kb, $BACKPAIN_KB or the shipped one).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Check every entry for balance: harms, how large the benefit is, dated sources, review date."""
    from backpain_cli import knowledge
    from backpain_cli.audit import audit, audit_json, audit_text

    target = knowledge.resolve_path(path if path is not None else _state(ctx).kb_path)
    result = audit(knowledge.load(target), _today())
    shown = printable(str(target))
    if as_json:
        _print_json(audit_json(result, shown))
    else:
        _write_out(audit_text(result, shown, width=_width() or 80))
    if not result.passed:
        raise typer.Exit(ExitCode.AUDIT)


@kb_app.command("schema")
def kb_schema_command() -> None:
    """Print a JSON Schema of the knowledge-base format, for editors that validate YAML as you type."""
    from backpain_cli.schema import knowledge_base_schema

    _print_json(knowledge_base_schema())


# --- start-up: build only the command being run ---------------------------------------------------

# The root options that take a value; every other option before the command (--help, --version,
# --install-completion) is about the whole program.
_ROOT_OPTIONS_WITH_VALUE = ("--kb",)
_HELP_OPTIONS = ("-h", "--help")


def _first_word(args: Sequence[str]) -> str | None:
    """The first word of ``args`` that is neither a root option taking a value nor that value."""
    words = iter(args)
    for word in words:
        if word in _ROOT_OPTIONS_WITH_VALUE:
            next(words, None)
        elif not word.startswith(tuple(f"{option}=" for option in _ROOT_OPTIONS_WITH_VALUE)):
            return word
    return None


def invoked_command(args: Sequence[str]) -> str | None:
    """The command ``args`` runs (``explain``, ``kb``...), or None when it is not plain which one."""
    return _command_named(_first_word(args))


def _command_named(word: str | None) -> str | None:
    names = {info.name for info in app.registered_commands} | {info.name for info in app.registered_groups}
    return word if word in names else None  # an option, "--", or a misspelt command: None


def _completion_args() -> list[str]:
    """The words before the one being completed, when the shell asks for completions (Typer's protocol)."""
    from typer._click.shell_completion import split_arg_string

    if "_TYPER_COMPLETE_ARGS" in os.environ:  # zsh, fish, PowerShell
        line = os.environ["_TYPER_COMPLETE_ARGS"]
        words = split_arg_string(line)[1:]
        return words if line.endswith(" ") else words[:-1]  # when in doubt, one word fewer: the whole app
    if "COMP_WORDS" in os.environ:  # bash
        return split_arg_string(os.environ["COMP_WORDS"])[1 : int(os.environ.get("COMP_CWORD", "0") or 0)]
    return []


def app_for(args: Sequence[str]) -> typer.Typer:
    """``app``, built for what ``args`` asks: only the command being run, or only the commands' summaries.

    Typer turns every command's signature into Click parameters on every start (35 parameters, about
    6 ms, a quarter of what backpain may add to the import floor; docs/performance.md), though one
    command runs. Root help (and completing a command's name) lists the commands' names and
    summaries only, so their parameters are not needed. Anything else (--version, a misspelt name)
    gets the whole app, so errors and suggestions stay complete.
    """
    word = _first_word(args)
    name = _command_named(word)
    if name is not None:
        lean = copy.copy(app)  # shares the callback, info and settings; only the registries differ
        lean.registered_commands = [info for info in app.registered_commands if info.name == name]
        lean.registered_groups = [info for info in app.registered_groups if info.name == name]
        return lean
    if word in (None, *_HELP_OPTIONS):
        summaries = copy.copy(app)
        summaries.registered_commands = [_summary_only(info) for info in app.registered_commands]
        return summaries
    return app


def _summary_only(info: CommandInfo) -> CommandInfo:
    """A command as the root help shows it: the same name, help and settings, without parameters."""
    import inspect

    shown = copy.copy(info)
    shown.help = info.help if info.help is not None else inspect.getdoc(info.callback)
    shown.callback = _no_parameters
    return shown


def _no_parameters() -> None:  # pragma: no cover - never run: it stands in for a command in the root help
    raise RuntimeError("a command's summary was run instead of the command")


def main() -> None:
    """Run the app for this process's command line (``backpain_cli.entry`` calls it)."""
    gc.disable()  # see backpain_cli.entry: no cyclic garbage collection in a run that lasts a moment
    completing = "_BACKPAIN_COMPLETE" in os.environ
    try:
        args = _completion_args() if completing else sys.argv[1:]
    except ValueError:  # an unfinished quote on the command line being completed
        args = []
    app_for(args)()
