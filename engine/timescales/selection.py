"""Which findings a report lists: the `check` command's filters and the `--due-within` worklist.

Filters choose what is *listed*; the summary always counts everything that was checked, so a
filtered report never reads as an all-clear.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from types import MappingProxyType

from .calendar import WorkingCalendar
from .findings import CaseReport, Finding, Status
from .rules.periods import Period


@dataclass(frozen=True)
class Worklist:
    """Pending deadlines falling due within ``period`` of the as-of date (`--due-within`)."""

    period: Period
    text: str

    def last_day(self, as_of: dt.date, calendar: WorkingCalendar) -> dt.date:
        # An unclear "10 days" is read the longer way: a worklist should not hide a deadline.
        return max(self.period.shift(as_of, calendar, unit, +1) for unit in self.period.readings())

    def describe(self) -> str:
        return f"pending deadlines due within {self.text} of the as-of date"


@dataclass(frozen=True)
class ReportFilter:
    """What to list. Empty sets mean "any". Rule patterns may use shell wildcards (`liverpool.*`)."""

    statuses: frozenset[Status] = frozenset()
    rules: tuple[str, ...] = ()
    children: frozenset[str] = frozenset()
    cases: frozenset[str] = frozenset()
    #: Carried columns (team, worker) of the trigger's row: column name -> the values wanted.
    attributes: Mapping[str, frozenset[str]] = field(default_factory=lambda: MappingProxyType({}))
    breaches_only: bool = False
    summary_only: bool = False
    worklist: Worklist | None = None

    @property
    def active(self) -> bool:
        return bool(
            self.statuses
            or self.rules
            or self.children
            or self.cases
            or self.attributes
            or self.breaches_only
            or self.summary_only
            or self.worklist
        )

    def describe(self) -> list[str]:
        """The filters in words, for the head of a report."""
        words: list[str] = []
        if self.summary_only:
            words.append("summary only: no case is listed")
        if self.worklist:
            words.append(self.worklist.describe())
        if self.breaches_only:
            words.append("breaches only (late or missing)")
        if self.statuses:
            words.append("status " + " or ".join(s.value for s in Status if s in self.statuses))
        if self.rules:
            words.append("rule " + " or ".join(self.rules))
        if self.cases:
            words.append("case " + " or ".join(sorted(self.cases)))
        if self.children:
            words.append("child " + " or ".join(sorted(self.children)))
        for name, values in sorted(self.attributes.items()):
            words.append(f"{name} " + " or ".join(sorted(values)))
        return words

    def keeps(self, finding: Finding, due_by: dt.date | None = None) -> bool:
        if self.breaches_only and not finding.is_breach:
            return False
        if self.statuses and finding.status not in self.statuses:
            return False
        if self.rules and not any(
            fnmatchcase(finding.rule, p) or fnmatchcase(finding.requirement_id, p) for p in self.rules
        ):
            return False
        if self.children and not self.children.intersection(finding.covers):
            return False
        for name, wanted in self.attributes.items():
            if finding.attributes.get(name) not in wanted:
                return False
        return not (due_by is not None and (finding.status is not Status.PENDING or finding.due > due_by))

    def apply(self, report: CaseReport, calendar: WorkingCalendar | None = None) -> CaseReport | None:
        """The case with only the findings listed, or None when nothing of it is listed."""
        if not self.active:
            return report
        if self.summary_only or (self.cases and report.case not in self.cases):
            return None
        due_by = None
        if self.worklist is not None:
            due_by = self.worklist.last_day(report.as_of, calendar or WorkingCalendar(report.nation))
        kept = tuple(f for f in report.findings if self.keeps(f, due_by))
        if not kept:
            return None
        if len(kept) == len(report.findings):
            return report
        chosen = "; ".join(self.describe())
        listed = f"Listed: {len(kept)} of this case's {len(report.findings)} deadlines ({chosen})."
        return replace(report, findings=kept, notes=(*report.notes, listed))


def parse_statuses(values: tuple[str, ...]) -> frozenset[Status]:
    return frozenset(Status(v) for v in values)


def worklist_order(finding: Finding) -> tuple[str, str, dt.date, str, str]:
    """Team, then worker (where the data carries them), then soonest due."""
    attributes = finding.attributes
    return (
        attributes.get("team", ""),
        attributes.get("worker", ""),
        finding.due,
        finding.case,
        finding.child or "",
    )
