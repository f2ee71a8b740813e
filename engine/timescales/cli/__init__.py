"""The `timescales` command: a thin layer over the library, one module per subcommand.

Exit codes: 0 clean (no breach, lint/test clean); 1 breaches found (or lint/test failures);
2 bad input, with a message naming file, line and field.
"""

from __future__ import annotations

from collections.abc import Sequence

import click

from ..errors import TimescalesError
from .check import check
from .common import fail
from .lint import lint
from .rules import rules
from .test import test_command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="safeguarding-timescales")
def cli() -> None:
    """Check children's social care case timelines against statutory and local timescales."""


cli.add_command(check)
cli.add_command(rules)
cli.add_command(lint)
cli.add_command(test_command)


def main(argv: Sequence[str] | None = None) -> None:
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="timescales", standalone_mode=True)
    except TimescalesError as error:  # the commands report their own; this is the safety net
        fail(error)
