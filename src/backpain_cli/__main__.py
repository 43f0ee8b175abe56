"""Allow ``python -m backpain_cli``."""

from backpain_cli.entry import main

if __name__ == "__main__":  # pragma: no cover - exercised through a subprocess test
    main()
