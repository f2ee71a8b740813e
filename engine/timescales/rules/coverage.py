"""Rule test coverage: which parts of each rule its own test cases exercised.

As ``opa test --coverage`` does for policies: for every rule (not a draft) of the folders tested,
and every version of it, the parts a test case can exercise are listed, and a part is *covered*
when a case naming that rule produced an obligation that used it:

* ``in force``: some trigger fell in this version's dates;
* ``trigger[i]``: trigger pattern i started a clock;
* ``cancelled_by[i]``: cancellation pattern i ended a need;
* ``extension`` and ``extension notified late``: an extension counted, or was refused as late;
* ``repeat`` (a second interval opened), ``repeat stops`` (a meeting event ended the chain), and
  where the rule has them the different second interval and the later intervals;
* ``met``, ``late``, ``missing``, ``pending``: the outcomes a finding of the version can have
  (a ``pending`` finding needs a due date after the check, which an ``at_least_before`` rule never
  has, so it is not listed for one).

Only the findings of the case's own rule count: those are the ones the case checks.

Each kind of part is one :class:`PartKind` in :data:`PART_KINDS`. A new rule feature adds its kind
there, and says in :data:`RULE_FIELDS` which kind covers each new field of the rule model (a test
fails while a field of the model is in neither, so coverage never silently ignores a feature).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ..calendar import WorkingCalendar
from ..evaluation.native import NativeEvaluator
from ..evaluation.obligations import Obligation
from ..findings import Finding, Status
from ..rules.model import AT_LEAST_BEFORE, Rule, RuleSet, RuleVersion
from ..timeline import Event
from .cases import CaseResult, RuleCase, run_case

COVERAGE_SCHEMA = "timescales/coverage/1"


@dataclass(frozen=True)
class PartKind:
    """One kind of part: which parts of this kind a rule version has, and which an obligation
    (with the finding judged from it) exercised. Parts are ``(key, label)``; keys are stable."""

    name: str
    parts: Callable[[Rule, RuleVersion], list[tuple[str, str]]]
    exercised: Callable[[Rule, Obligation, Finding], Iterable[str]]


def _in_force_parts(rule: Rule, version: RuleVersion) -> list[tuple[str, str]]:
    until = f" until {version.in_force_until.isoformat()}" if version.in_force_until else ""
    return [("in_force", f"in force from {version.in_force_from.isoformat()}{until}")]


def _trigger_parts(rule: Rule, version: RuleVersion) -> list[tuple[str, str]]:
    return [(f"trigger[{i}]", f"started by {t.describe()}") for i, t in enumerate(rule.triggers)]


def _trigger_hits(rule: Rule, ob: Obligation, finding: Finding) -> Iterator[str]:
    if ob.occurrence == 1:  # a repeat's later intervals start at a meeting event, not a trigger
        yield from (f"trigger[{i}]" for i, t in enumerate(rule.triggers) if t.matches(ob.trigger))


def _cancel_parts(rule: Rule, version: RuleVersion) -> list[tuple[str, str]]:
    return [(f"cancelled_by[{i}]", f"need ended by {c.describe()}") for i, c in enumerate(rule.cancelled_by)]


def _cancel_hits(rule: Rule, ob: Obligation, finding: Finding) -> Iterator[str]:
    if ob.cancelled_by is not None:
        cancelled = ob.cancelled_by
        yield from (f"cancelled_by[{i}]" for i, c in enumerate(rule.cancelled_by) if c.matches(cancelled))


def _extension_parts(rule: Rule, version: RuleVersion) -> list[tuple[str, str]]:
    if version.extension is None:
        return []
    by = version.extension.by.describe()
    return [
        ("extension", f"extended to {version.extension.to.describe()} by {by} in time"),
        ("extension_late", f"{by} notified after the first due date (does not count)"),
    ]


def _extension_hits(rule: Rule, ob: Obligation, finding: Finding) -> Iterator[str]:
    if ob.extended_by is not None:
        yield "extension"
    if ob.late_extension is not None:
        yield "extension_late"


def _repeat_parts(rule: Rule, version: RuleVersion) -> list[tuple[str, str]]:
    if version.repeat is None:
        return []
    repeat = version.repeat
    parts = [("repeat", f"a next interval of {repeat.every.describe()}")]
    if repeat.next is not None:
        parts.append(("repeat_next", f"the second interval, of {repeat.next.describe()}"))
    if repeat.later is not None:
        parts.append(
            (
                "repeat_later",
                f"an interval of {repeat.later.every.describe()} once {repeat.later.after.describe()} "
                "have passed",
            )
        )
    if version.repeat.stops_when:
        stops = ", ".join(f"{k} = {' or '.join(sorted(v))}" for k, v in version.repeat.stops_when.items())
        parts.append(("repeat_stops", f"the repeat stopped by a meeting event with {stops}"))
    return parts


def _repeat_hits(rule: Rule, ob: Obligation, finding: Finding) -> Iterator[str]:
    repeat = ob.version.repeat
    if ob.occurrence > 1:
        yield "repeat"
        # Repeat.interval hands back the very Period object of the interval it chose.
        if repeat is not None and repeat.next is not None and ob.period is repeat.next:
            yield "repeat_next"
        if repeat is not None and repeat.later is not None and ob.period is repeat.later.every:
            yield "repeat_later"
    if repeat is not None and ob.met_by is not None and repeat.stops(ob.met_by):
        yield "repeat_stops"


_OUTCOMES = (Status.MET, Status.LATE, Status.MISSING, Status.PENDING)


def _outcome_parts(rule: Rule, version: RuleVersion) -> list[tuple[str, str]]:
    # An `at_least_before` deadline falls before its trigger, which is never after the check.
    possible = [s for s in _OUTCOMES if not (s is Status.PENDING and version.direction == AT_LEAST_BEFORE)]
    return [(status.value, f"a {status.value} finding") for status in possible]


def _outcome_hits(rule: Rule, ob: Obligation, finding: Finding) -> Iterator[str]:
    if finding.status in _OUTCOMES:
        yield finding.status.value


PART_KINDS: tuple[PartKind, ...] = (
    PartKind("in force", _in_force_parts, lambda rule, ob, finding: ("in_force",)),
    PartKind("trigger", _trigger_parts, _trigger_hits),
    PartKind("cancellation", _cancel_parts, _cancel_hits),
    PartKind("extension", _extension_parts, _extension_hits),
    PartKind("repeat", _repeat_parts, _repeat_hits),
    PartKind("outcome", _outcome_parts, _outcome_hits),
)

#: Every field of the rule model, and the kind of part that covers it (None: nothing a test case
#: exercises on its own, with why). tests/test_coverage.py fails while a field is missing here.
RULE_FIELDS: dict[str, str | None] = {
    "Rule.id": None,  # a name
    "Rule.title": None,  # words
    "Rule.pack": None,  # where the rule lives
    "Rule.authority": None,  # which cases it applies to: the case's authority, not a branch
    "Rule.triggers": "trigger",
    "Rule.expects": "outcome",  # met or late is the expected event found
    "Rule.cancelled_by": "cancellation",
    "Rule.versions": "in force",
    "Rule.replaces": None,  # selection across packs, checked by lint (E343), not by one rule's case
    "Rule.draft": None,  # a draft is never evaluated and not measured
    # Which days count as working days for the rule: every due date, so every outcome, uses it.
    "Rule.working_day_defined_by": "outcome",
    # Adds a reason for uncertainty to a finding; it is not a branch with an outcome of its own.
    "Rule.later_trigger_may_restart": None,
    "Rule.snapshot": "outcome",  # a snapshot rule's findings are its outcomes
    "Rule.file": None,
    "Rule.line": None,
    "Rule.about": None,  # how findings are counted (per child or per case), not a branch of the rule
    "Rule.restates": None,  # report grouping across packs, checked by lint (E343)
    "RuleVersion.in_force_from": "in force",
    "RuleVersion.in_force_until": "in force",
    "RuleVersion.source": None,  # a citation
    # Triggers before the first version start no clock (a report note, not a finding to test).
    "RuleVersion.start_known": None,
    "RuleVersion.earlier": None,
    "RuleVersion.quote": None,  # the source's words, shown beside the encoding
    "RuleVersion.direction": "outcome",  # which outcomes are possible
    "RuleVersion.period": "outcome",  # the due date every outcome is judged against
    "RuleVersion.extension": "extension",
    "RuleVersion.repeat": "repeat",
    "RuleVersion.line": None,
    "Extension.by": "extension",
    "Extension.to": "extension",
    "Repeat.every": "repeat",
    "Repeat.stops_when": "repeat",
    "Repeat.next": "repeat",
    "Repeat.later": "repeat",
    "LaterIntervals.after": "repeat",
    "LaterIntervals.every": "repeat",
}


@dataclass(frozen=True)
class PartCoverage:
    key: str
    label: str
    kind: str
    #: How many obligations of the rule's own test cases exercised this part.
    hits: int

    @property
    def covered(self) -> bool:
        return self.hits > 0


@dataclass(frozen=True)
class VersionCoverage:
    in_force_from: dt.date
    in_force_until: dt.date | None
    line: int | None
    parts: tuple[PartCoverage, ...]


@dataclass(frozen=True)
class RuleCoverage:
    rule: str
    title: str
    file: str
    line: int | None
    #: The test cases that name this rule.
    cases: int
    versions: tuple[VersionCoverage, ...]

    @property
    def parts(self) -> tuple[PartCoverage, ...]:
        return tuple(p for v in self.versions for p in v.parts)

    @property
    def covered(self) -> int:
        return sum(p.covered for p in self.parts)

    @property
    def percent(self) -> float:
        return _percent(self.covered, len(self.parts))


@dataclass(frozen=True)
class CoverageReport:
    rules: tuple[RuleCoverage, ...]
    #: Draft rules of the folders: never evaluated, so not measured (listed so nobody misses them).
    drafts: tuple[str, ...]

    @property
    def rules_tested(self) -> int:
        return sum(1 for r in self.rules if r.cases)

    @property
    def parts(self) -> int:
        return sum(len(r.parts) for r in self.rules)

    @property
    def covered(self) -> int:
        return sum(r.covered for r in self.rules)

    @property
    def percent(self) -> float:
        """Parts exercised, as a percentage of every part (what ``--fail-under`` compares)."""
        return _percent(self.covered, self.parts)

    @property
    def rules_percent(self) -> float:
        return _percent(self.rules_tested, len(self.rules))

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": COVERAGE_SCHEMA,
            "summary": {
                "rules": len(self.rules),
                "rules_tested": self.rules_tested,
                "rules_percent": self.rules_percent,
                "parts": self.parts,
                "parts_covered": self.covered,
                "percent": self.percent,
                "drafts_not_measured": list(self.drafts),
            },
            "rules": [
                {
                    "rule": r.rule,
                    "title": r.title,
                    "file": r.file,
                    "line": r.line,
                    "cases": r.cases,
                    "parts": len(r.parts),
                    "parts_covered": r.covered,
                    "percent": r.percent,
                    "versions": [
                        {
                            "in_force": {
                                "from": v.in_force_from.isoformat(),
                                "until": v.in_force_until.isoformat() if v.in_force_until else None,
                            },
                            "line": v.line,
                            "parts": [
                                {
                                    "part": p.key,
                                    "kind": p.kind,
                                    "label": p.label,
                                    "covered": p.covered,
                                    "hits": p.hits,
                                }
                                for p in v.parts
                            ],
                        }
                        for v in r.versions
                    ],
                }
                for r in self.rules
            ],
        }

    def summary(self) -> str:
        return (
            f"Rules tested: {self.rules_tested}/{len(self.rules)} ({self.rules_percent:.1f}%); "
            f"parts exercised: {self.covered}/{self.parts} ({self.percent:.1f}%)"
        )

    def to_text(self) -> str:
        lines = ["Coverage: the parts of each rule its own test cases exercised"]
        for rule in self.rules:
            where = f"{rule.file}:{rule.line}" if rule.line else rule.file
            tested = f"{rule.cases} case{'s' if rule.cases != 1 else ''}"
            share = f"{rule.covered}/{len(rule.parts)} parts"
            lines.append(f"{rule.percent:5.1f}%  {rule.rule}  ({tested}, {share})  {where}")
            for version in rule.versions:
                until = version.in_force_until.isoformat() if version.in_force_until else "now"
                span = f"version {version.in_force_from.isoformat()} to {until}"
                missing = [p.label for p in version.parts if not p.covered]
                if len(missing) == len(version.parts):
                    lines.append(f"        {span}: no case's trigger falls in it")
                elif missing:
                    lines.append(f"        {span}, not exercised: " + "; ".join(missing))
        for draft in self.drafts:
            lines.append(f"  draft  {draft}  (never evaluated: not measured)")
        lines.append(self.summary())
        return "\n".join(lines) + "\n"


def _percent(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 100.0


class RecordingEvaluator:
    """The native backend, keeping every obligation it gives (for coverage)."""

    name = "native"

    def __init__(self) -> None:
        self.inner = NativeEvaluator()
        self.seen: list[Obligation] = []

    def obligations(
        self, child: str, events: Sequence[Event], rules: Sequence[Rule], calendar: WorkingCalendar
    ) -> Iterator[Obligation]:
        for ob in self.inner.obligations(child, events, rules, calendar):
            yield ob
            self.seen.append(ob)  # after the backend has closed it (it fills it in before yielding)


def measure(rules: RuleSet, cases: Sequence[RuleCase]) -> tuple[CoverageReport, list[CaseResult]]:
    """Run ``cases`` recording what they exercise; return the coverage and each case's result."""
    hits: dict[tuple[str, int, str], int] = {}
    results: list[CaseResult] = []
    case_counts: dict[str, int] = {}
    for case in cases:
        recorder = RecordingEvaluator()
        result = run_case(case, rules, evaluator=recorder)
        results.append(result)
        case_counts[case.rule] = case_counts.get(case.rule, 0) + 1
        findings = {(f.child, f.rule, f.trigger.id, f.occurrence): f for f in result.findings}
        for ob in recorder.seen:
            if ob.rule.id != case.rule:
                continue  # the case checks only its own rule's findings
            finding = findings.get((ob.child, ob.rule.id, ob.trigger.id, ob.occurrence))
            if finding is None:
                continue
            version_index = ob.rule.versions.index(ob.version)
            for kind in PART_KINDS:
                for key in kind.exercised(ob.rule, ob, finding):
                    slot = (ob.rule.id, version_index, key)
                    hits[slot] = hits.get(slot, 0) + 1
    measured: list[RuleCoverage] = []
    drafts: list[str] = []
    for rule in rules.own_rules:
        if rule.draft is not None:
            drafts.append(rule.id)
            continue
        versions = []
        for index, version in sorted(enumerate(rule.versions), key=lambda item: item[1].in_force_from):
            parts = tuple(
                PartCoverage(key, label, kind.name, hits.get((rule.id, index, key), 0))
                for kind in PART_KINDS
                for key, label in kind.parts(rule, version)
            )
            versions.append(
                VersionCoverage(version.in_force_from, version.in_force_until, version.line, parts)
            )
        measured.append(
            RuleCoverage(
                rule.id, rule.title, rule.file, rule.line, case_counts.get(rule.id, 0), tuple(versions)
            )
        )
    return CoverageReport(tuple(measured), tuple(drafts)), results
