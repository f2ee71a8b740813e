"""Options and helpers shared by the subcommands."""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import NoReturn

import click
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from ..adapters.dates import read_date
from ..errors import TimescalesError
from ..rules.loader import load_rules
from ..rules.model import RuleSet


def fail(error: TimescalesError) -> NoReturn:
    """Every problem on its own line, `error: file:line:column: field: message (hint)`; exit 2."""
    for item in error.problems:
        click.echo(f"error: {item}", err=True)
    sys.exit(2)


def load_rule_dirs(dirs: Sequence[Path]) -> RuleSet:
    try:
        return load_rules(*dirs)
    except TimescalesError as error:
        fail(error)


def parse_as_of(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        # The same dates as a spreadsheet: ISO or day-first, a time of day dropped.
        return read_date(value).date
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--as-of") from None


rules_option = click.option(
    "--rules",
    "rule_dirs",
    multiple=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="A folder of rule packs (repeatable). Default: the packs shipped with timescales.",
)
authority_option = click.option(
    "--authority",
    help="Local authority id (liverpool, cheshire-east, ...): adds its local pack.",
)


@contextlib.contextmanager
def progress_bar() -> Iterator[Callable[[int], None] | None]:
    """A count of cases checked, on a terminal only (never in CI logs or redirected output)."""
    if not sys.stderr.isatty():
        yield None
        return
    columns = (SpinnerColumn(), TextColumn("Checked {task.completed:,} cases"), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("check", total=None)
        yield lambda n: progress.advance(task, n)
