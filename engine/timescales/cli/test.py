"""`timescales test`: run the rule files' own test cases."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import RuleFileError, problem
from ..outputs.diagnostics import FORMATS, Check, render
from ..paths import shipped_rules_dir
from ..rules.cases import collect_cases, run_case
from .common import fail, load_rule_dirs


@click.command(name="test")
@click.argument("dirs", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("-k", "keyword", help="Only cases whose name or rule contains this text.")
def test_command(dirs: tuple[Path, ...], fmt: str, keyword: str | None) -> None:
    """Run the test cases beside the rules (`*.tests.yaml`) and print `N passed, M failed`.

    Exit code 0: all passed; 1: some failed; 2: the rule or test files could not be read.
    """
    roots = list(dirs) or [shipped_rules_dir()]
    rules = load_rule_dirs(tuple(roots))
    try:
        cases = list(collect_cases(rules, roots))
    except RuleFileError as error:
        fail(error)
    if keyword:
        cases = [c for c in cases if keyword in c.name or keyword in c.rule]
    checks = []
    for case in cases:
        result = run_case(case, rules)
        failures = tuple(
            problem(case.file, f"{case.name}: {text}", line=case.line, field=case.rule, code="T001")
            for text in result.failures
        )
        checks.append(Check(case.name, case.file, case.line, failures))
    passed = sum(c.passed for c in checks)
    summary = f"{passed} passed, {len(checks) - passed} failed"
    if fmt == "text":
        for check in checks:
            if not check.passed:
                click.echo(f"FAILED {check.file}:{check.line}: {check.name}")
                for item in check.problems:
                    click.echo("    " + item.message.split(": ", 1)[-1])
        click.echo(summary)
    else:
        sys.stdout.write(render(fmt, "timescales test", checks, summary))
    sys.exit(0 if passed == len(checks) else 1)
