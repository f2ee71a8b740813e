"""Stopping cleanly: signals, and outputs that cannot be written.

* Ctrl-C (SIGINT) and SIGTERM raise :class:`Interrupted` in the main process, so every ``finally``
  runs: census workers are stopped, spool folders and the half-written temporary report are
  removed, and no partial report is left where the report should be. The exit code is the
  shell's convention, 128 + the signal number (130 for SIGINT, 143 for SIGTERM).
* A report that cannot be written (standard output to a full disk or ``/dev/full``, a closed
  pipe) is one line and exit code 2, never a traceback.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import sys
from collections.abc import Iterator
from types import FrameType

import click

#: The errors of writing to a stream that a user can act on (disk full, pipe closed, read-only).
WRITE_ERRORS = frozenset({errno.ENOSPC, errno.EPIPE, errno.EIO, errno.EROFS, errno.EACCES, errno.EDQUOT})


class Interrupted(BaseException):
    """A signal asked the run to stop. A BaseException, like KeyboardInterrupt, so that no
    ``except Exception`` swallows it on the way out."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


def _raise(signum: int, frame: FrameType | None) -> None:
    raise Interrupted(signum)


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """SIGINT and SIGTERM raise :class:`Interrupted` while the block runs (main thread only)."""
    previous = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(ValueError):  # not the main thread: leave signals alone
            previous[signum] = signal.signal(signum, _raise)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def interrupted(error: Interrupted) -> None:
    name = signal.Signals(error.signum).name
    click.echo(f"error: stopped by {name}: no report was written", err=True)
    sys.exit(error.exit_code)


def silence_stdout() -> None:
    """Point standard output at /dev/null, so the interpreter's last flush of what could not be
    written does not fail a second time with a message of its own."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def cannot_write(target: str, error: OSError) -> None:
    """One line and exit code 2 for a report that cannot be written to ``target``."""
    if target == "standard output":
        silence_stdout()
    reason = error.strerror or str(error)
    click.echo(f"error: cannot write the report to {target}: {reason}", err=True)
    sys.exit(2)
