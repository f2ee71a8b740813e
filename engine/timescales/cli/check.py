"""`timescales check`: evaluate timelines and report every deadline."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from ..adapters import ReadOptions
from ..adapters.mapping import load_column_map
from ..batch import run_check
from ..calendar import human_date
from ..errors import TimescalesError
from ..evaluation import ENGINES, close_evaluator, get_evaluator, prepare_evaluator
from ..findings import Status
from ..outputs import make_writer
from ..pseudonyms import KEY_VARIABLE, Pseudonymiser, PseudonymKeyError, read_key
from ..rules.periods import parse_period
from ..selection import ReportFilter, Worklist, parse_statuses
from .common import authority_option, fail, load_rule_dirs, parse_as_of, progress_bar, rules_option
from .faults import WRITE_ERRORS, cannot_write
from .output import BINARY_FORMATS, OutputError, choose_format, refuse_input_as_output, report_file, written


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
    type=click.Choice(["text", "json", "csv", "html", "junit", "xlsx", "parquet", "measures-csv"]),
    default=None,
    help="Report format. Default: from --output's extension (.json .csv .html .xml .xlsx .parquet), "
    "else text. parquet: the findings table (the [parquet] extra); measures-csv: the DfE-style "
    "measures per council and year in the layout of the DfE's tables C2 and C4 (docs/scale.md).",
)
@click.option(
    "--output",
    type=click.Path(path_type=Path),
    help="Write the report to this file (written whole or not at all). Default: standard output.",
)
@click.option(
    "--no-bom", is_flag=True, help="CSV: no UTF-8 byte order mark (Excel needs it; some tools object)."
)
@click.option("--breaches-only", is_flag=True, help="List only late and missing deadlines.")
@click.option(
    "--status",
    "statuses",
    multiple=True,
    type=click.Choice([s.value for s in Status]),
    help="List only deadlines with this status (repeatable).",
)
@click.option(
    "--rule",
    "rule_patterns",
    multiple=True,
    metavar="ID",
    help="List only this rule's deadlines (repeatable; wildcards: 'liverpool.*').",
)
@click.option("--child", "children", multiple=True, metavar="ID", help="List only this child (repeatable).")
@click.option(
    "--case",
    "cases",
    multiple=True,
    metavar="ID",
    help="List only this case (repeatable): a case file to print.",
)
@click.option(
    "--team",
    "teams",
    multiple=True,
    metavar="NAME",
    help="List only this team's deadlines (a carried column).",
)
@click.option(
    "--worker",
    "workers",
    multiple=True,
    metavar="NAME",
    help="List only this worker's deadlines (a carried column).",
)
@click.option(
    "--summary-only", is_flag=True, help="Only the summary, measures and files left out (a census)."
)
@click.option(
    "--due-within",
    metavar="PERIOD",
    help="Worklist: pending deadlines due within PERIOD of the as-of date, soonest first "
    "(e.g. '10 working days').",
)
@click.option(
    "--engine",
    type=click.Choice(list(ENGINES)),
    default="native",
    show_default=True,
    help="Matching backend: native (the reference), durable (durable_rules, the [durable] extra), "
    "or both (compared on every case; any difference is an error). See docs/engines.md.",
)
@click.option("--all", "show_all", is_flag=True, help="Text format: list met and cancelled deadlines too.")
@click.option(
    "--columns",
    "columns_file",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="MAP.yaml",
    help="A column mapping for CSV and .xlsx exports with their own column names and codes.",
)
@click.option("--sheet", metavar="NAME", help="The sheet of an .xlsx workbook to read. Default: the first.")
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes for a census file (and durable_rules workers). Default: one per core for "
    "large census files.",
)
@click.option(
    "--pseudonymise",
    is_flag=True,
    help=f"Replace case and child ids, carried columns (worker, team) and file names in the report with "
    f"keyed hashes, for sharing outside the council; the key comes from {KEY_VARIABLE} or "
    "--pseudonym-key-file. See docs/formats.md.",
)
@click.option(
    "--pseudonym-key-file",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE",
    help="The secret key for --pseudonymise (instead of the environment variable).",
)
def check(
    paths: tuple[Path, ...],
    rule_dirs: tuple[Path, ...],
    authority: str | None,
    as_of_text: str | None,
    fmt: str | None,
    output: Path | None,
    no_bom: bool,
    breaches_only: bool,
    statuses: tuple[str, ...],
    rule_patterns: tuple[str, ...],
    children: tuple[str, ...],
    cases: tuple[str, ...],
    teams: tuple[str, ...],
    workers: tuple[str, ...],
    summary_only: bool,
    due_within: str | None,
    engine: str,
    show_all: bool,
    columns_file: Path | None,
    sheet: str | None,
    jobs: int | None,
    pseudonymise: bool,
    pseudonym_key_file: Path | None,
) -> None:
    """Check case timelines (YAML, JSON, CSV event logs, .xlsx workbooks, CIN census XML, or folders
    of them; `-` reads standard input).

    Exit code 0: no breach; 1: breaches found; 2: some input could not be read (each problem is
    printed with its file, line and field, and the rest is still checked).

    Example: timescales check timelines/ --as-of 2024-03-31
    """
    try:
        chosen = choose_format(fmt, output)
        refuse_input_as_output(paths, output)
    except OutputError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    pseudonymiser = None
    if pseudonymise or pseudonym_key_file is not None:
        try:
            pseudonymiser = Pseudonymiser(read_key(pseudonym_key_file))
        except PseudonymKeyError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(2)
    # Filters name real ids and names; the cases they are matched against carry pseudonyms.
    named = pseudonymiser.pseudonym if pseudonymiser is not None else str
    listed = ReportFilter(
        statuses=parse_statuses(statuses),
        rules=rule_patterns,
        children=frozenset(map(named, children)),
        cases=frozenset(map(named, cases)),
        attributes={k: frozenset(map(named, v)) for k, v in (("team", teams), ("worker", workers)) if v},
        breaches_only=breaches_only,
        summary_only=summary_only,
        worklist=_worklist(due_within),
    )
    rules = load_rule_dirs(rule_dirs)
    try:
        evaluator = get_evaluator(engine, jobs=jobs or 1)
        prepare_evaluator(evaluator, rules)
    except TimescalesError as error:
        fail(error)
    as_of = parse_as_of(as_of_text)
    try:
        column_map = load_column_map(columns_file, rules.vocabulary) if columns_file else None
    except TimescalesError as error:
        fail(error)
    default_as_of = None
    generated_at = dt.datetime.now(dt.UTC).replace(microsecond=0)  # the one place the clock is read
    if as_of is None:
        default_as_of = generated_at.date()
        click.echo(
            f"As-of date: {human_date(default_as_of)} (today), unless a timeline gives its own.", err=True
        )
    try:
        with report_file(output, chosen in BINARY_FORMATS) as out:
            writer = make_writer(
                chosen,
                out,
                show_all=show_all,
                colour=None if output is None else False,
                bom=not no_bom,
                rules=rules,
            )
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
                    read=ReadOptions(column_map, sheet, as_of),
                    listed=listed,
                    generated_at=generated_at,
                    evaluator=evaluator,
                    pseudonymiser=pseudonymiser,
                )
    except OutputError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    except OSError as error:
        if error.errno not in WRITE_ERRORS:
            raise
        cannot_write(str(output) if output is not None else "standard output", error)
    finally:
        close_evaluator(evaluator)
    written(output)
    for line in result.left_out:
        click.echo(f"error: {line}", err=True)
    if result.left_out:
        click.echo(
            f"{len(result.left_out)} problem(s): the inputs above were left out of the report.", err=True
        )
    sys.exit(result.exit_code)


def _worklist(text: str | None) -> Worklist | None:
    if text is None:
        return None
    try:
        period = parse_period(text)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--due-within") from None
    return Worklist(period, text)
