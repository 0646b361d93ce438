"""The `pivotwatch` console script: Ctrl-C and SIGTERM are answered from the first moment.

Importing the command line (Typer, then the command's own modules) takes a moment on a busy
machine; a signal in that time used to end the process with a traceback (SIGINT) or silently
(SIGTERM). Here a plain handler is in place before those imports; each command then installs
its own (`cli.common`), which rolls back an open load. Nothing is open before a command runs,
so stopping at once is safe.
"""

from __future__ import annotations

import os
import signal


def _stop(signum: int, frame) -> None:
    what, code = ("terminated", 143) if signum == signal.SIGTERM else ("interrupted", 130)
    os.write(2, f"error: {what}; what was committed stays, run again to go on\n".encode())
    os._exit(code)


def main() -> None:
    for number in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(number) is not signal.SIG_IGN:  # nohup and the like: still ignored
            signal.signal(number, _stop)
    from pivotwatch.cli import main as run

    run()
