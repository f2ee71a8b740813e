"""`timescales lint`: check rule files, reporting every problem at once."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..outputs.diagnostics import FORMATS, Check, render
from ..paths import shipped_rules_dir
from ..rules.lint import lint as lint_rules


@click.command()
@click.argument("dirs", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
def lint(dirs: tuple[Path, ...], fmt: str) -> None:
    """Check rule folders (default: the shipped rules) and list every problem as
    `file:line:column: error[CODE] key.path: message`.

    Exit code 0: clean (warnings allowed); 1: problems found; 2: a folder could not be read.
    """
    roots = list(dirs) or [shipped_rules_dir()]
    result = lint_rules(*roots)
    by_file: dict[str, list] = {f: [] for f in result.files}  # type: ignore[type-arg]
    for item in result.problems:
        by_file.setdefault(item.file, []).append(item)
    checks = [Check(name=Path(f).name, file=f, line=None, problems=tuple(ps)) for f, ps in by_file.items()]
    errors, warnings = len(result.errors), len(result.warnings)
    summary = (
        f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''} "
        f"in {len(result.files)} file{'s' if len(result.files) != 1 else ''}"
    )
    sys.stdout.write(render(fmt, "timescales lint", checks, summary))
    sys.exit(result.exit_code)
