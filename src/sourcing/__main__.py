"""The `sourcing` command (and `python -m sourcing`)."""

from __future__ import annotations

import time

from sourcing import interrupts

STARTED = time.perf_counter()  # a time limit counts from here


def run() -> None:
    """Start the command line with Ctrl-C and SIGTERM handled from the first moment: one
    arriving while the libraries load ends the run with a message, not a traceback."""
    interrupts.install()
    try:
        from sourcing.cli import main
    except KeyboardInterrupt as interrupt:
        interrupts.end_now(interrupt)
    main(obj={"started": STARTED})


if __name__ == "__main__":
    run()
