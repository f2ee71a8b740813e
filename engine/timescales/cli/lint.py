"""`timescales lint`: check rule files, reporting every problem at once."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..adapters.mapping import check_column_map
from ..errors import TimescalesError
from ..outputs.diagnostics import FORMATS, Check, render
from ..paths import shipped_rules_dir
from ..rules.lint import LintResult
from ..rules.lint import lint as lint_rules
from ..vocabulary import load_vocabulary


@click.command()
@click.argument("dirs", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--strict", is_flag=True, help="Warnings fail too (exit 1), such as a rule with no test.")
@click.option(
    "--columns",
    "column_maps",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="MAP.yaml",
    help="Also check these column mappings (for `check --columns`) against the vocabulary.",
)
def lint(dirs: tuple[Path, ...], fmt: str, strict: bool, column_maps: tuple[Path, ...]) -> None:
    """Check rule folders (default: the shipped rules) and list every problem as
    `file:line:column: error[CODE] key.path: message`.

    A pack that `extends: england` is checked against the national pack installed with
    timescales, unless a folder given holds its own.

    Exit code 0: clean (warnings allowed unless --strict); 1: problems found; 2: a folder could not
    be read.
    """
    roots = list(dirs) or [shipped_rules_dir()]
    result = lint_rules(*roots, strict=strict)
    _lint_column_maps(column_maps, roots, result)
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


def _lint_column_maps(column_maps: tuple[Path, ...], roots: list[Path], result: LintResult) -> None:
    """Column mappings are checked against the vocabulary of the rules being linted."""
    if not column_maps:
        return
    own = [root / "vocabulary.yaml" for root in roots if (root / "vocabulary.yaml").is_file()]
    try:
        vocabulary = load_vocabulary(own[0] if own else shipped_rules_dir() / "vocabulary.yaml")
    except TimescalesError:
        return  # the vocabulary's own problems are already reported by the rule lint
    for column_map in column_maps:
        result.files.append(str(column_map))
        result.problems.extend(check_column_map(column_map, vocabulary))
