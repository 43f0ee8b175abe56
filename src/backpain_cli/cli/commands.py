"""Which module defines each command, so start-up imports only the one it runs."""

import importlib

# Every command and the module that defines it. Start-up imports only the module of the command being
# run: each module costs 1-2 ms of Typer decorators and annotations. The modules are imported in the
# order they first appear here, which is the order help lists the commands in (history after pathway
# and walk; log and journal last).
COMMANDS = {
    "list": "explore",
    "explain": "explore",
    "compare": "explore",
    "search": "explore",
    "red-flags": "explore",
    "sources": "explore",
    "kb": "kb",
    "pathway": "pathway",
    "walk": "pathway",
    "history": "journal",
    "log": "journal",
    "journal": "journal",
}


def register(*modules: str) -> None:
    """Import these command modules (every one when none is named), which registers their commands."""
    for module in modules or dict.fromkeys(COMMANDS.values()):
        importlib.import_module(f"backpain_cli.cli.{module}")
