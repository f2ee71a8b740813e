"""`timescales test`: run the rule files' own test cases, and measure what they exercise."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..errors import RuleFileError, problem
from ..outputs.diagnostics import FORMATS, Check, render
from ..paths import shipped_rules_dir
from ..rules.cases import CaseResult, collect_cases, run_case
from ..rules.coverage import measure
from .common import fail, load_rule_dirs


@click.command(name="test")
@click.argument("dirs", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("-k", "keyword", help="Only cases whose name or rule contains this text.")
@click.option(
    "--coverage",
    is_flag=True,
    help="Also report, per rule and version, which parts its tests exercised (text or json format).",
)
@click.option(
    "--fail-under",
    type=click.FloatRange(0, 100),
    metavar="PERCENT",
    help="With --coverage: fail (exit 1) when fewer than this percentage of parts are exercised.",
)
def test_command(
    dirs: tuple[Path, ...], fmt: str, keyword: str | None, coverage: bool, fail_under: float | None
) -> None:
    """Run the test cases beside the rules (`*.tests.yaml`) and print `N passed, M failed`.

    A pack that `extends: england` is tested with the national pack installed with timescales,
    unless a folder given holds its own; only the folders' own cases run.

    Exit code 0: all passed (and coverage at least --fail-under); 1: some failed (or coverage
    below it); 2: the rule or test files could not be read.
    """
    if coverage and fmt not in ("text", "json"):
        raise click.UsageError("--coverage prints text or json: use --format text or --format json")
    if fail_under is not None and not coverage:
        raise click.UsageError("--fail-under needs --coverage")
    roots = list(dirs) or [shipped_rules_dir()]
    rules = load_rule_dirs(tuple(roots))
    try:
        cases = list(collect_cases(rules, roots))
    except RuleFileError as error:
        fail(error)
    if keyword:
        cases = [c for c in cases if keyword in c.name or keyword in c.rule]
    measured = None
    results: list[CaseResult]
    if coverage:
        measured, results = measure(rules, cases)
    else:
        results = [run_case(case, rules) for case in cases]
    checks = []
    for result in results:
        case = result.case
        failures = tuple(
            problem(case.file, f"{case.name}: {text}", line=case.line, field=case.rule, code="T001")
            for text in result.failures
        )
        checks.append(Check(case.name, case.file, case.line, failures))
    passed = sum(c.passed for c in checks)
    summary = f"{passed} passed, {len(checks) - passed} failed"
    untested = sorted({r.id for r in rules.own_rules if r.draft is None} - {c.rule for c in cases})
    if untested and not keyword:
        click.echo(f"warning: {len(untested)} rule(s) have no test case: {', '.join(untested)}", err=True)
    below = measured is not None and fail_under is not None and measured.percent < fail_under
    if fmt == "text":
        for check in checks:
            if not check.passed:
                click.echo(f"FAILED {check.file}:{check.line}: {check.name}")
                for item in check.problems:
                    click.echo("    " + item.message.split(": ", 1)[-1])
        click.echo(summary)
        if measured is not None:
            click.echo(measured.to_text(), nl=False)
    elif measured is not None:  # json with coverage: the test results and the coverage, one object
        record = json.loads(render(fmt, "timescales test", checks, summary))
        record["coverage"] = measured.to_dict()
        sys.stdout.write(json.dumps(record, indent=2) + "\n")
    else:
        sys.stdout.write(render(fmt, "timescales test", checks, summary))
    if below:
        assert measured is not None and fail_under is not None
        click.echo(f"Coverage {measured.percent:.1f}% is below --fail-under {fail_under:g}%.", err=True)
    if not checks:
        click.echo("no test cases ran: a rule folder with no tests proves nothing", err=True)
    sys.exit(0 if checks and passed == len(checks) and not below else 1)
