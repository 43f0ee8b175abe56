"""The console script's entry point: tiny, so Ctrl-C is handled even while the program is loading."""

import contextlib
import gc
import sys


def main() -> None:
    """Run the CLI; an interrupt at any moment, even during imports, ends quietly with exit code 130."""
    # A run lasts a fraction of a second: the cyclic garbage collector would only walk the objects that
    # imports and the knowledge base create, again and again (4% of start-up, a third of the time on
    # large knowledge bases). Off before the imports, not after them.
    gc.disable()
    try:
        from backpain_cli.cli import main as run

        run()
    except KeyboardInterrupt:
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.write("backpain: error: interrupted; nothing was saved\n")
        sys.exit(130)
