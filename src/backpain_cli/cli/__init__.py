"""The command line: parse options, build a profile, call one engine function, render, exit.

The modules: ``app`` (the Typer app and the one error boundary), ``explore``, ``pathway``, ``kb`` and
``journal`` (the commands), ``walk`` (the guided walk), ``completion``, ``output``, ``seams`` and ``startup``.
Importing this package registers every command on ``app``.
"""

from backpain_cli.cli import explore as explore
from backpain_cli.cli import kb as kb
from backpain_cli.cli import pathway as pathway

# isort: split
# After pathway: help and completion list history after pathway and walk, and log and journal last.
from backpain_cli.cli import journal as journal
from backpain_cli.cli.app import app as app
from backpain_cli.cli.startup import app_for as app_for
from backpain_cli.cli.startup import invoked_command as invoked_command
from backpain_cli.cli.startup import main as main
