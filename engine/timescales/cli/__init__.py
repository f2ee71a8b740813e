"""The `timescales` command: a thin layer over the library, one module per subcommand.

Exit codes: 0 clean (no breach, lint/test clean); 1 breaches found (or lint/test failures);
2 bad input, with a message naming file, line and field.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from ..errors import TimescalesError
from .check import check
from .common import fail
from .diff import diff
from .faults import WRITE_ERRORS, Interrupted, cannot_write, interrupted, stop_on_signals
from .lint import lint
from .new_pack import new_pack
from .rules import rules
from .test import test_command
from .vocabulary import vocabulary


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="safeguarding-timescales")
def cli() -> None:
    """Check children's social care case timelines against statutory and local timescales."""


cli.add_command(check)
cli.add_command(rules)
cli.add_command(lint)
cli.add_command(test_command)
cli.add_command(vocabulary)
cli.add_command(new_pack)
cli.add_command(diff)


def main(argv: Sequence[str] | None = None) -> None:
    try:
        with stop_on_signals():
            try:
                cli.main(
                    args=list(argv) if argv is not None else None,
                    prog_name="timescales",
                    standalone_mode=True,
                )
                code: int | str | None = 0
            except SystemExit as done:
                code = done.code
            sys.stdout.flush()  # here, where a full disk can still be reported as one line
        sys.exit(code)
    except TimescalesError as error:  # the commands report their own; this is the safety net
        fail(error)
    except Interrupted as error:
        interrupted(error)
    except OSError as error:
        if error.errno not in WRITE_ERRORS:
            raise
        cannot_write("standard output", error)
