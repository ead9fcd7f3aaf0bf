"""`python -m heal` and the `heal` command.

heal's modules take a moment to load; a Ctrl-C in that moment is one line and exit 3, the same
as a Ctrl-C later in the run, and not a traceback from whichever import it interrupted.
"""

from __future__ import annotations

import sys


def main() -> None:
    try:
        from heal.cli import main as run_cli
        from heal.errors import EXIT_STOPPED
    except KeyboardInterrupt:
        sys.stderr.write("heal: stopped\n")
        raise SystemExit(3) from None  # heal.errors.EXIT_STOPPED, maybe not loaded yet
    try:
        run_cli()
    except KeyboardInterrupt:  # after heal's own handling: while Python shuts down
        sys.stderr.write("heal: stopped\n")
        raise SystemExit(EXIT_STOPPED) from None


if __name__ == "__main__":
    main()
