"""Start-up: build only the command being run, and the process's entry into the app."""

import copy
import gc
import os
import sys
from collections.abc import Sequence

import typer
from typer.models import CommandInfo

from backpain_cli.cli.commands import COMMANDS, register
from backpain_cli.cli.root import app

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
    return word if word in COMMANDS else None  # an option, "--", or a misspelt command: None


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
        register(COMMANDS[name])  # only the module of the command being run
        lean = copy.copy(app)  # shares the callback, info and settings; only the registries differ
        lean.registered_commands = [info for info in app.registered_commands if info.name == name]
        lean.registered_groups = [info for info in app.registered_groups if info.name == name]
        return lean
    register()
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
