"""The Typer application, its root options, and the one error boundary every command runs inside.

No ``from __future__ import annotations`` in the command modules on purpose: Typer reads every
parameter's annotation on every run, and real objects are several times cheaper for it than strings.
"""

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from backpain_cli import __version__
from backpain_cli.cli import output
from backpain_cli.errors import BackpainError, ExitCode

if TYPE_CHECKING:
    from backpain_cli.knowledge.model import Knowledge

try:  # Typer vendors Click from 0.2x on; older Typer depends on Click itself.
    from typer._click.core import Context as ClickContext
    from typer._click.exceptions import ClickException
except ImportError:  # pragma: no cover - depends on the installed Typer
    from click.core import Context as ClickContext  # type: ignore[import-not-found,no-redef,unused-ignore,assignment]
    from click.exceptions import ClickException  # type: ignore[import-not-found,no-redef,unused-ignore,assignment]


EXIT_CODES_HELP = (
    "Exit codes: 0 success; 1 internal error (please report it); 2 bad command line (unknown name, "
    "bad number, clashing options); 3 knowledge base missing or invalid; 4 a check asked for failed (kb audit, kb check "
    "--cases); 5 could not write the output (standard output closed, disk full); 6 the journal file cannot be used "
    "(damaged, unreadable, busy or from a newer backpain; it is left as it is); 130 interrupted."
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
        if sys.stdout is None:  # started with no standard output (`>&-`): every command would fail to print
            output.error_line(output.STDOUT_CLOSED)
            sys.exit(ExitCode.OUTPUT)
        stdout_before = output.stdout_identity()
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
            message = output.one_line(error.format_message()).rstrip(".")
            stop = "" if message.endswith(("?", "!")) else "."  # "Did you mean 'list'?" needs no full stop
            output.error_line(f"{message}{stop}{hint}")
            sys.exit(ExitCode.USAGE)
        except BackpainError as error:  # raised before a command runs (the root callback, --version)
            output.error_line(str(error))
            sys.exit(error.exit_code)
        except (typer.Abort, KeyboardInterrupt):
            output.error_line("interrupted; nothing was saved")
            sys.exit(ExitCode.INTERRUPTED)
        except BrokenPipeError:
            output.quiet_closed_pipe()
        except typer.Exit as done:
            sys.exit(done.exit_code)
        except SystemExit as stop:
            from backpain_cli.knowledge.files import Stopped  # here: --help and completion never write files

            if isinstance(stop, Stopped):  # SIGTERM or SIGHUP while a file was written: it was removed
                output.error_line(stop.message)
                raise
            # Click (and Rich) answer a closed pipe (help piped into `head`) by wrapping or redirecting
            # stdout and exiting 1; for backpain a reader that went away is not an error.
            pacified = type(sys.stdout).__name__ == "PacifyFlushWrapper"
            if stop.code == 1 and (pacified or output.stdout_identity() != stdout_before):
                output.quiet_closed_pipe()
            raise
        except OSError as error:
            failed = output.stdout_failed(error)  # a write that bypassed output.write_stdout (Typer's help)
            if failed is None:
                output.error_line(f"internal error ({type(error).__name__}); please report it with the command you ran")
                sys.exit(ExitCode.INTERNAL)
            output.error_line(str(failed))
            sys.exit(failed.exit_code)
        except Exception as error:  # a bug: no traceback (it could hold a person's answers), one line to report
            output.error_line(f"internal error ({type(error).__name__}); please report it with the command you ran")
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
            output.error_line(str(error))
            raise typer.Exit(error.exit_code) from None
        except KeyboardInterrupt:
            output.error_line("interrupted; nothing was saved")
            raise typer.Exit(ExitCode.INTERRUPTED) from None
        except EOFError:
            output.error_line("the input ended before the last question; nothing was saved")
            raise typer.Exit(ExitCode.INTERRUPTED) from None
        except BrokenPipeError:
            output.quiet_closed_pipe()


app = typer.Typer(
    cls=BackpainGroup,
    name="backpain",
    epilog="\b\nExamples:\n  backpain list\n  backpain explain epidural\n  backpain pathway --months 4 --leg-pain\n"
    "  backpain walk\n  backpain log pain 6\n\n" + EXIT_CODES_HELP,
    no_args_is_help=False,
    # Click's own help: plain text in a pipe, no boxes or padding, long option names never cut off.
    rich_markup_mode=None,
    pretty_exceptions_enable=False,  # a person's health answers must never land in a traceback
    context_settings={"help_option_names": ["-h", "--help"]},
    add_completion=True,
)

kb_app = typer.Typer(
    cls=TyperGroup, help="Check or audit a knowledge base file, or print its JSON Schema.", no_args_is_help=True, rich_markup_mode=None
)

app.add_typer(kb_app, name="kb")


class State:
    """What the top-level options decided, handed to each command."""

    def __init__(self, kb_path: str | None) -> None:
        self.kb_path = kb_path
        self._knowledge: Knowledge | None = None

    def knowledge(self) -> "Knowledge":
        if self._knowledge is None:
            from backpain_cli.knowledge import loader

            self._knowledge = loader.load(loader.resolve_path(self.kb_path))
        return self._knowledge


def state_of(ctx: typer.Context) -> State:
    obj = ctx.find_root().obj
    return obj if isinstance(obj, State) else State(None)


KbOption = Annotated[
    str | None,
    typer.Option(
        "--kb", metavar="FILE", envvar="BACKPAIN_KB", help="Use this knowledge base file instead of the shipped one.", show_envvar=True
    ),
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
        show_version(ctx.obj)
        raise typer.Exit(ExitCode.OK)
    if ctx.invoked_subcommand is None:
        output.write_out(ctx.get_help() + "\n")
        raise typer.Exit(ExitCode.OK)


def show_version(state: State) -> None:
    """Both versions, through the one writer: a character the stream cannot hold becomes '?', never a crash."""
    kb = state.knowledge()
    reviewed = f"reviewed {kb.reviewed.isoformat()}, review due {kb.review_due.isoformat()}"
    output.write_out(f"backpain {__version__}\nknowledge base {kb.version} ({reviewed})\n")
