"""The console script's entry point: tiny, so Ctrl-C is handled even while the program is loading."""

import contextlib
import sys


def main() -> None:
    """Run the CLI; an interrupt at any moment, even during imports, ends quietly with exit code 130."""
    try:
        from backpain_cli.cli import main as run

        run()
    except KeyboardInterrupt:
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.write("backpain: error: interrupted; nothing was saved\n")
        sys.exit(130)
