"""`timescales rules`: the rules in force, with their sources."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..paths import shipped_rules_dir
from ..rules.model import Rule
from ..vocabulary import did_you_mean
from .common import authority_option, load_rule_dirs, rules_option


def rule_record(rule: Rule) -> dict[str, Any]:
    """The JSON shape of `timescales rules --format json` (docs/formats.md), every version with
    its own source."""
    versions = sorted(rule.versions, key=lambda v: v.in_force_from)
    latest = versions[-1]

    def source(v: Any) -> dict[str, Any]:
        s = v.source
        return {
            "document": s.document,
            "edition": s.edition,
            "section": s.section,
            "url": s.url,
            "evidence": s.evidence,
            "note": s.note,
        }

    return {
        "id": rule.id,
        "title": rule.title,
        "pack": rule.pack,
        "authority": rule.authority,
        "in_force": {
            "from": versions[0].in_force_from.isoformat(),
            "until": latest.in_force_until.isoformat() if latest.in_force_until else None,
        },
        "trigger": [t.describe() for t in rule.triggers],
        "expects": rule.expects.describe(),
        "cancelled_by": [c.describe() for c in rule.cancelled_by],
        "replaces": list(rule.replaces),
        "restates": list(rule.restates),
        "about": rule.about,
        "draft": rule.draft,
        "source": source(latest),
        "versions": [
            {
                "in_force": {
                    "from": v.in_force_from.isoformat(),
                    "until": v.in_force_until.isoformat() if v.in_force_until else None,
                },
                "direction": v.direction,
                "period": v.period.describe(),
                "extension": v.extension.to.describe() if v.extension else None,
                "repeat": v.repeat.describe() if v.repeat else None,
                "source": source(v),
                "quote": v.quote,
            }
            for v in versions
        ],
        "file": rule.file,
        "line": rule.line,
    }


def explain(rule: Rule) -> str:
    """A rule in words, each version with its source and the source's own words beside it."""
    lines = [f"{rule.id}: {rule.title}", f"  defined at {rule.file}:{rule.line}"]
    if rule.draft:
        lines.append(f"  draft, never evaluated: {rule.draft}")
    lines.append(f"  starts: {' or '.join(t.describe() for t in rule.triggers)}")
    lines.append(f"  met by: {rule.expects.describe()}")
    if rule.cancelled_by:
        lines.append(f"  need ended by: {' or '.join(c.describe() for c in rule.cancelled_by)}")
    if rule.replaces:
        lines.append(f"  replaces: {', '.join(rule.replaces)}")
    for version in sorted(rule.versions, key=lambda v: v.in_force_from):
        until = version.in_force_until.isoformat() if version.in_force_until else "now"
        period = f"{version.direction.replace('_', ' ')} {version.period.describe()}"
        if version.extension:
            period += f" (extendable to {version.extension.to.describe()})"
        if version.repeat:
            period += f", then every {version.repeat.every.describe()}"
        source = version.source
        edition = f" ({source.edition})" if source.edition else ""
        lines.append(f"  version {version.in_force_from.isoformat()} to {until}: {period}")
        lines.append(f"    source: {source.document}{edition}, {source.section} [{source.evidence}]")
        if source.url:
            lines.append(f"    {source.url}")
        if version.quote:
            lines += [f"    | {line}" for line in version.quote.splitlines()]
    return "\n".join(lines) + "\n"


@click.command()
@rules_option
@authority_option
@click.option("--nation", default="england", show_default=True, help="Which national rules.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option(
    "--explain",
    "explain_id",
    metavar="RULE_ID",
    help="Show one rule: what starts, meets and ends it, each version's period, source and quoted words.",
)
@click.option(
    "--path",
    "show_path",
    is_flag=True,
    help="Print the folder of the rule packs installed with timescales, and nothing else.",
)
def rules(
    rule_dirs: tuple[Path, ...],
    authority: str | None,
    nation: str,
    fmt: str,
    show_path: bool,
    explain_id: str | None,
) -> None:
    """List the rules in force (national, plus the authority's local pack), with their sources.

    Without --authority every pack is listed.
    """
    if show_path:
        click.echo(str(shipped_rules_dir()))
        return
    ruleset = load_rule_dirs(rule_dirs)
    if explain_id is not None:
        try:
            rule = ruleset.rule(explain_id)
        except KeyError:
            hint = did_you_mean(explain_id, list(ruleset.rule_ids))
            click.echo(f"error: no rule {explain_id!r}" + (f" ({hint})" if hint else ""), err=True)
            sys.exit(2)
        if fmt == "json":
            json.dump(rule_record(rule), sys.stdout, indent=2, ensure_ascii=False)
            sys.stdout.write("\n")
        else:
            click.echo(explain(rule), nl=False)
        return
    if authority:
        selection = ruleset.select(nation, authority)
        chosen = list(selection.rules) + list(selection.excluded)
    else:
        chosen = list(ruleset.rules)
    if fmt == "json":
        json.dump([rule_record(r) for r in chosen], sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
    table = Table(expand=False)
    for column in ("Rule", "Period", "In force", "Source"):
        table.add_column(column, overflow="fold")
    for rule in chosen:
        record = rule_record(rule)
        latest = record["versions"][-1]
        period = f"{latest['direction'].replace('_', ' ')} {latest['period']}"
        if latest["repeat"]:
            period += f", then {latest['repeat']}"
        if latest["extension"]:
            period += f" (extendable to {latest['extension']})"
        source = record["source"]
        status = " [yellow](draft: not checked)[/]" if rule.draft else ""
        table.add_row(
            f"{escape(rule.id)}{status}\n{escape(rule.title)}",
            escape(period),
            f"{record['in_force']['from']} to {record['in_force']['until'] or 'now'}",
            escape(
                f"{source['document']} {source['edition'] or ''}, {source['section']} [{source['evidence']}]"
            ),
        )
    console.print(table)
    # Every pack, even one with no local rule of its own, so its absence is not read as an omission.
    packs = selection.packs if authority else ruleset.packs
    for pack in packs:
        count = sum(1 for r in chosen if r.pack == pack.id)
        what = f"{count} rule{'' if count == 1 else 's'}" if count else "no local rules: national rules only"
        console.print(f"Pack {escape(pack.id)} ({escape(pack.title)}): {what}")
