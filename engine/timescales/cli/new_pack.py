"""`timescales new-pack NAME`: scaffold a council's own rules repository."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..scaffold import scaffold


@click.command(name="new-pack")
@click.argument("name")
@click.option(
    "--into",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("."),
    show_default=True,
    help="The repository folder to write into.",
)
@click.option("--title", help="The pack's title. Default: from NAME.")
@click.option(
    "--install",
    "requirement",
    metavar="REQUIREMENT",
    help="What the CI workflow pip-installs. Default: where this timescales came from "
    '(such as "safeguarding-timescales @ git+URL@TAG").',
)
def new_pack(name: str, into: Path, title: str | None, requirement: str | None) -> None:
    """Write a council's pack NAME (pack.yaml extending england, an example rule that replaces the
    national one, its tests), a pre-commit config and a CI workflow. Never overwrites a file.

    Exit code 0: written; 2: NAME is not a pack id, or some of the files already exist.
    """
    try:
        files = scaffold(name, into, title, requirement)
    except ValueError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    existing = [f.path for f in files if f.path.exists()]
    if existing:
        for path in existing:
            click.echo(f"error: {path}: already exists; nothing was written", err=True)
        sys.exit(2)
    for item in files:
        item.path.parent.mkdir(parents=True, exist_ok=True)
        item.path.write_text(item.text, encoding="utf-8")
        click.echo(f"wrote {item.path}")
    rules = into / "rules"
    click.echo(
        f"Next: edit {rules / name / 'conferences.yaml'} to your procedures, then run\n"
        f"  timescales lint {rules} --strict\n  timescales test {rules} --coverage"
    )
