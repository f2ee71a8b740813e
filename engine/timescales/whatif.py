"""What-if: the same cases under two rule sets, and every finding that changes.

What a council sees before it changes a local timescale (as OpenFisca's reforms compare tax law
before and after). A finding is matched across the two runs by case, child, trigger and occurrence,
and by rule, where a local rule that ``replaces`` a national one counts as the same rule: a
conference on time against 15 working days and late against 10 is one *changed* finding, not one
gone and one new.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .adapters import iter_timelines
from .errors import TimescalesError
from .evaluation import evaluate_case
from .findings import Finding
from .rules.model import RuleSet
from .timeline import SourceNote

WHATIF_SCHEMA = "timescales/diff/1"

NEW, GONE, CHANGED = "new", "gone", "changed"


@dataclass(frozen=True)
class FindingChange:
    """One finding that differs: ``before`` is None for a new one, ``after`` None for one gone."""

    kind: str
    case: str
    child: str | None
    before: Finding | None
    after: Finding | None

    @property
    def rule(self) -> str:
        """The rule as it stands after the change (or before, for a finding gone)."""
        return (self.after or self.before).rule  # type: ignore[union-attr]

    @property
    def what(self) -> str:
        """In words: what changed."""
        before, after = self.before, self.after
        if before is None:
            assert after is not None
            return f"new: {after.status.value}, due {after.due.isoformat()}"
        if after is None:
            return f"gone: was {before.status.value}, due {before.due.isoformat()}"
        parts = []
        if before.rule != after.rule:
            parts.append(f"rule {before.rule} → {after.rule}")
        if before.status != after.status:
            parts.append(f"{before.status.value} → {after.status.value}")
        if before.due != after.due:
            parts.append(f"due {before.due.isoformat()} → {after.due.isoformat()}")
        return ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "change": self.kind,
            "case": self.case,
            "child": self.child,
            "rule": self.rule,
            "what": self.what,
            "before": self.before.to_dict() if self.before else None,
            "after": self.after.to_dict() if self.after else None,
        }


@dataclass(frozen=True)
class RuleCounts:
    rule: str
    new: int
    gone: int
    changed: int


@dataclass(frozen=True)
class WhatIf:
    before: tuple[str, ...]
    after: tuple[str, ...]
    cases: int
    changes: tuple[FindingChange, ...]
    #: Inputs (or cases) that could not be read, as ``file:line: message``: left out of both runs.
    left_out: tuple[str, ...] = field(default=())

    @property
    def per_rule(self) -> tuple[RuleCounts, ...]:
        counts: dict[str, Counter[str]] = {}
        for change in self.changes:
            counts.setdefault(change.rule, Counter())[change.kind] += 1
        return tuple(RuleCounts(r, c[NEW], c[GONE], c[CHANGED]) for r, c in sorted(counts.items()))

    @property
    def exit_code(self) -> int:
        """0 nothing changes; 1 some findings change; 2 some input could not be read."""
        if self.left_out:
            return 2
        return 1 if self.changes else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": WHATIF_SCHEMA,
            "before": list(self.before),
            "after": list(self.after),
            "cases": self.cases,
            "summary": {
                NEW: sum(c.kind == NEW for c in self.changes),
                GONE: sum(c.kind == GONE for c in self.changes),
                CHANGED: sum(c.kind == CHANGED for c in self.changes),
            },
            "per_rule": [
                {"rule": r.rule, NEW: r.new, GONE: r.gone, CHANGED: r.changed} for r in self.per_rule
            ],
            "changes": [c.to_dict() for c in self.changes],
            "left_out": list(self.left_out),
        }


def _lineage(rules: RuleSet) -> dict[str, str]:
    """Each rule id mapped to the rule it stands for: a replacing rule to the one it replaces."""
    return {r.id: (r.replaces[0] if r.replaces else r.id) for r in rules.rules}


#: case, child (None for a finding about the whole case), rule lineage, trigger id, occurrence.
Key = tuple[str, str | None, str, str, int]


def _keyed(findings: Iterable[Finding], lineage: dict[str, str]) -> dict[Key, Finding]:
    return {(f.case, f.child, lineage.get(f.rule, f.rule), f.trigger.id, f.occurrence): f for f in findings}


def compare(
    paths: Iterable[Path],
    before: RuleSet,
    after: RuleSet,
    *,
    as_of: dt.date | None = None,
    authority: str | None = None,
    default_as_of: dt.date | None = None,
) -> WhatIf:
    """Evaluate every case in ``paths`` under both rule sets; list what changes."""
    changes: list[FindingChange] = []
    left_out: list[str] = []
    cases = 0
    lineage = {**_lineage(before), **_lineage(after)}
    for path in paths:
        for item in iter_timelines(path, after.vocabulary):
            if isinstance(item, TimescalesError):
                left_out.extend(str(p) for p in item.problems)
                continue
            if isinstance(item, SourceNote):
                continue  # about a file as a whole (its encoding, a file skipped): no finding changes
            try:
                old = evaluate_case(
                    item, before, as_of=as_of, authority=authority, default_as_of=default_as_of
                )
                new = evaluate_case(
                    item, after, as_of=as_of, authority=authority, default_as_of=default_as_of
                )
            except TimescalesError as error:
                left_out.extend(f"{p} (case {item.case})" for p in error.problems)
                continue
            cases += 1
            left_out.extend(item.left_out)
            was, now = _keyed(old.findings, lineage), _keyed(new.findings, lineage)
            for key in sorted(was.keys() | now.keys(), key=lambda k: (k[0], k[1] or "", k[2], k[3], k[4])):
                b, a = was.get(key), now.get(key)
                if b is None:
                    changes.append(FindingChange(NEW, key[0], key[1], None, a))
                elif a is None:
                    changes.append(FindingChange(GONE, key[0], key[1], b, None))
                elif b.status != a.status or b.due != a.due:  # a rule renamed alone is no change
                    changes.append(FindingChange(CHANGED, key[0], key[1], b, a))
    return WhatIf(before.roots, after.roots, cases, tuple(changes), tuple(left_out))
