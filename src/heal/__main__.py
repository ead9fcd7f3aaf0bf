"""`python -m heal` and the `heal` command.

heal's modules take a moment to load; a Ctrl-C in that moment is one line and exit 3, the same
as a Ctrl-C later in the run, and not a traceback from whichever import it interrupted.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    try:
        # start-up time: heal loads here, so that a Ctrl-C meanwhile is caught below
        from heal.commands import main as run_commands
        from heal.errors import EXIT_STOPPED
    except KeyboardInterrupt:
        sys.stderr.write("heal: stopped\n")
        return 3  # heal.errors.EXIT_STOPPED, maybe not loaded yet
    try:
        return run_commands(argv)
    except KeyboardInterrupt:  # after heal's own handling: while Python shuts down
        sys.stderr.write("heal: stopped\n")
        return EXIT_STOPPED


if __name__ == "__main__":
    raise SystemExit(main())
