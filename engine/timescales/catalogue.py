"""The rule catalogue (``docs/rules.md``), generated from the rule files, never written by hand.

    python -m timescales.catalogue docs/rules.md

A test fails when the committed catalogue differs from what the rules say.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .rules.loader import load_rules
from .rules.model import Rule, RuleSet

EVIDENCE_WORDS = {
    "verified": "read in the source",
    "restated": "restated by a secondary source",
    "seed": "stated in an Ombudsman decision",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _period(rule: Rule) -> str:
    version = rule.versions[-1]
    words = {"within": "within", "at_least_before": "at least"}[version.direction]
    text = f"{words} {version.period.describe()}" + (
        " before" if version.direction == "at_least_before" else ""
    )
    if version.extension:
        text += f" (extendable to {version.extension.to.describe()})"
    if version.repeat:
        text += f", then every {version.repeat.every.describe()}"
    return text


def render(rules: RuleSet) -> str:
    lines = [
        "# Rule catalogue",
        "",
        "Generated from the rule files by `python -m timescales.catalogue docs/rules.md`; do not edit by",
        "hand (a test fails when it is stale). Each rule lists its versions: the one in force on the",
        "trigger's date applies. Evidence: "
        + "; ".join(f"**{k}**, {v}" for k, v in EVIDENCE_WORDS.items())
        + ".",
        "",
    ]
    for pack in rules.packs:
        scope = f"local pack for `{pack.authority}`" if pack.authority else f"national pack ({pack.nation})"
        lines += [f"## {pack.title}", "", f"Pack `{pack.id}`, {scope}.", ""]
        if pack.non_working_days:
            days = ", ".join(f"{d.isoformat()} ({n})" for d, n in sorted(pack.non_working_days.items()))
            lines += [f"Extra non-working days: {days}.", ""]
        for rule in pack.rules:
            lines += [f"### `{rule.id}`", "", rule.title + ".", ""]
            if rule.draft:
                lines += [f"**Draft, not evaluated:** {rule.draft}", ""]
            lines.append(f"- Starts: {' or '.join(t.describe() for t in rule.triggers)}")
            lines.append(f"- Met by: {rule.expects.describe()}, {_period(rule)}")
            if rule.cancelled_by:
                lines.append(f"- Ends the need: {' or '.join(c.describe() for c in rule.cancelled_by)}")
            if rule.replaces:
                lines.append(f"- Replaces: {', '.join(f'`{r}`' for r in rule.replaces)}")
            lines += ["", "| in force | period | source | evidence |", "|---|---|---|---|"]
            for version in sorted(rule.versions, key=lambda v: v.in_force_from):
                until = version.in_force_until.isoformat() if version.in_force_until else "now"
                source = version.source
                cite = (
                    source.document
                    + (f" ({source.edition})" if source.edition else "")
                    + f", {source.section}"
                )
                if source.url:
                    cite += f", <{source.url}>"
                period = f"{version.direction.replace('_', ' ')} {version.period.describe()}"
                lines.append(
                    f"| {version.in_force_from.isoformat()} to {until} | {_cell(period)} | "
                    f"{_cell(cite)} | {source.evidence} |"
                )
            notes = {v.source.note for v in rule.versions if v.source.note}
            lines.append("")
            for note in sorted(notes):
                lines += [f"Note: {note}", ""]
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str]) -> None:
    target = Path(argv[0] if argv else "docs/rules.md")
    target.write_text(render(load_rules()), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
