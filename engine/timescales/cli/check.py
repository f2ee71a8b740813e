"""`timescales check`: evaluate timelines and report every deadline."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from ..batch import run_check
from ..calendar import human_date
from ..outputs import make_writer
from .common import authority_option, load_rule_dirs, parse_as_of, progress_bar, rules_option


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@rules_option
@authority_option
@click.option(
    "--as-of",
    "as_of_text",
    metavar="YYYY-MM-DD",
    help="The date to judge deadlines at. Default: the timeline's own as_of, else today.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "csv", "html", "junit"]),
    default="text",
    show_default=True,
    help="Report format.",
)
@click.option("--output", type=click.Path(path_type=Path, dir_okay=False), help="Write the report here.")
@click.option(
    "--engine", type=click.Choice(["native"]), default="native", show_default=True, help="Evaluation backend."
)
@click.option("--all", "show_all", is_flag=True, help="Text format: list met and cancelled deadlines too.")
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes for a census file. Default: one per core for large files.",
)
def check(
    paths: tuple[Path, ...],
    rule_dirs: tuple[Path, ...],
    authority: str | None,
    as_of_text: str | None,
    fmt: str,
    output: Path | None,
    engine: str,
    show_all: bool,
    jobs: int | None,
) -> None:
    """Check case timelines (YAML, JSON, CSV event logs, CIN census XML, or folders of them).

    Exit code 0: no breach; 1: breaches found; 2: some input could not be read (each problem is
    printed with its file, line and field, and the rest is still checked).

    Example: timescales check timelines/ --as-of 2024-03-31
    """
    rules = load_rule_dirs(rule_dirs)
    as_of = parse_as_of(as_of_text)
    default_as_of = None
    if as_of is None:
        default_as_of = dt.date.today()  # the one place the clock is read
        click.echo(
            f"As-of date: {human_date(default_as_of)} (today), unless a timeline gives its own.", err=True
        )
    out = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
    try:
        writer = make_writer(fmt, out, show_all=show_all, colour=None if output is None else False)
        with progress_bar() as advance:
            result = run_check(
                paths,
                rules,
                writer,
                as_of=as_of,
                default_as_of=default_as_of,
                authority=authority,
                engine=engine,
                jobs=jobs,
                progress=advance,
            )
    finally:
        if output:
            out.close()
    for line in result.left_out:
        click.echo(f"error: {line}", err=True)
    if result.left_out:
        click.echo(
            f"{len(result.left_out)} problem(s): the inputs above were left out of the report.", err=True
        )
    sys.exit(result.exit_code)
