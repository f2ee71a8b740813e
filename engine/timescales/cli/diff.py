"""`timescales diff`: what changes in the findings when the rules change (what-if)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from ..outputs.whatif import FORMATS, render
from ..paths import shipped_rules_dir
from ..whatif import compare
from .common import authority_option, load_rule_dirs, parse_as_of


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--rules",
    "rule_dirs",
    multiple=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="The rule folder before, then the one after (twice); or once, with --against-shipped.",
)
@click.option("--against-shipped", is_flag=True, help="Compare with the packs installed with timescales.")
@authority_option
@click.option("--as-of", "as_of_text", metavar="YYYY-MM-DD", help="The date to judge deadlines at.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--output", type=click.Path(path_type=Path, dir_okay=False), help="Write the report here.")
def diff(
    paths: tuple[Path, ...],
    rule_dirs: tuple[Path, ...],
    against_shipped: bool,
    authority: str | None,
    as_of_text: str | None,
    fmt: str,
    output: Path | None,
) -> None:
    """Check the same cases under two rule sets and list every finding that changes (new, gone,
    status or due date changed), with counts per rule.

    Example: timescales diff cases/ --against-shipped --rules rules

    Exit code 0: no finding changes; 1: some change; 2: some input could not be read.
    """
    if against_shipped:
        if len(rule_dirs) != 1:
            raise click.UsageError("--against-shipped compares with one --rules folder")
        before_dirs, after_dirs = (shipped_rules_dir(),), rule_dirs
    elif len(rule_dirs) == 2:
        before_dirs, after_dirs = rule_dirs[:1], rule_dirs[1:]
    else:
        raise click.UsageError("give --rules BEFORE --rules AFTER, or --against-shipped --rules AFTER")
    before, after = load_rule_dirs(before_dirs), load_rule_dirs(after_dirs)
    as_of = parse_as_of(as_of_text)
    result = compare(
        paths,
        before,
        after,
        as_of=as_of,
        authority=authority,
        default_as_of=None if as_of else dt.date.today(),
    )
    text = render(fmt, result)
    if output is not None:
        output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    for item in result.left_out:
        click.echo(f"error: {item}", err=True)
    sys.exit(result.exit_code)
