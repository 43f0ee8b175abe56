"""The command line: parse options, build a profile, call one engine function, render, exit.

The modules: ``root`` (the Typer app and the one error boundary), ``explore``, ``pathway``, ``kb`` and
``journal`` (the commands), ``walk`` (the guided walk), ``completion``, ``output``, ``seams`` and
``startup``. Start-up imports only the module of the command being run (``commands``); ``app`` here is
the whole app, every command registered.
"""

from typing import TYPE_CHECKING, Any

from backpain_cli.cli.commands import COMMANDS as COMMANDS
from backpain_cli.cli.commands import register

if TYPE_CHECKING:
    import typer


def __getattr__(name: str) -> Any:
    """``app`` (every command registered), and start-up's ``main``, ``app_for`` and ``invoked_command``."""
    if name == "app":
        from backpain_cli.cli.root import app

        register()
        return app
    if name in ("main", "app_for", "invoked_command"):
        from backpain_cli.cli import startup

        return getattr(startup, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if TYPE_CHECKING:
    app: typer.Typer
    from backpain_cli.cli.startup import app_for as app_for
    from backpain_cli.cli.startup import invoked_command as invoked_command
    from backpain_cli.cli.startup import main as main
