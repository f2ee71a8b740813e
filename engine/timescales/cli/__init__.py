"""The `timescales` command: a thin layer over the library, one module per subcommand.

Exit codes: 0 clean (no breach, lint/test clean); 1 breaches found (or lint/test failures);
2 bad input, with a message naming file, line and field.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

import click

from ..errors import TimescalesError
from .common import fail
from .faults import WRITE_ERRORS, Interrupted, cannot_write, interrupted, stop_on_signals

#: Each subcommand: its module and the command in it. A module is imported only when its command
#: runs (or when --help lists them), so `timescales check` does not load the linter, the rule-test
#: runner or the diff report: a small case spends more time importing than checking.
SUBCOMMANDS = {
    "check": ("check", "check"),
    "diff": ("diff", "diff"),
    "lint": ("lint", "lint"),
    "new-pack": ("new_pack", "new_pack"),
    "rules": ("rules", "rules"),
    "test": ("test", "test_command"),
    "vocabulary": ("vocabulary", "vocabulary"),
}


class _Subcommands(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        where = SUBCOMMANDS.get(cmd_name)
        if where is None:
            return None
        command: click.Command = getattr(importlib.import_module(f".{where[0]}", __name__), where[1])
        return command


@click.group(cls=_Subcommands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="safeguarding-timescales")
def cli() -> None:
    """Check children's social care case timelines against statutory and local timescales."""


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
