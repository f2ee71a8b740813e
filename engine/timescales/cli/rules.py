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

from ..rules.model import Rule
from .common import authority_option, load_rule_dirs, rules_option


def rule_record(rule: Rule) -> dict[str, Any]:
    """The JSON shape of SPEC.md section 5 (plus every version with its own source)."""
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
                "repeat": v.repeat.every.describe() if v.repeat else None,
                "source": source(v),
            }
            for v in versions
        ],
        "file": rule.file,
        "line": rule.line,
    }


@click.command()
@rules_option
@authority_option
@click.option("--nation", default="england", show_default=True, help="Which national rules.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rules(rule_dirs: tuple[Path, ...], authority: str | None, nation: str, fmt: str) -> None:
    """List the rules in force (national, plus the authority's local pack), with their sources.

    Without --authority every pack is listed.
    """
    ruleset = load_rule_dirs(rule_dirs)
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
            period += f", then every {latest['repeat']}"
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
