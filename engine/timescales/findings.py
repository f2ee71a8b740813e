"""Findings and reports: what an evaluation gives back (their JSON form is in docs/formats.md).

All frozen; ``to_dict`` gives the stable JSON shape. Dates are ISO strings in JSON.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Protocol

REPORT_SCHEMA = "timescales/report/1"


class Status(enum.StrEnum):
    MET = "met"
    LATE = "late"  # met after the due date
    MISSING = "missing"  # due date passed by as_of, never met
    PENDING = "pending"  # not yet due at as_of
    CANCELLED = "cancelled"  # the need ended before the due date

    @property
    def is_breach(self) -> bool:
        return self in (Status.LATE, Status.MISSING)


@dataclass(frozen=True)
class EventRef:
    id: str
    type: str
    date: dt.date
    #: The event's line in its input (None: no line, as for a timeline given as a dict). Not part
    #: of the JSON finding; the findings table carries it as ``input_line``.
    line: int | None = field(default=None, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "date": self.date.isoformat()}


@dataclass(frozen=True)
class Lateness:
    """How late: working days and calendar days after the due date (as of ``as_of`` if missing)."""

    working_days: int
    calendar_days: int

    def to_dict(self) -> dict[str, int]:
        return {"working_days": self.working_days, "calendar_days": self.calendar_days}


@dataclass(frozen=True)
class SourceRef:
    document: str
    edition: str | None
    section: str
    url: str | None
    evidence: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "document": self.document,
            "edition": self.edition,
            "section": self.section,
            "url": self.url,
            "evidence": self.evidence,
        }


class Explainer(Protocol):
    """Writes a finding's explanation when it is first read (see :class:`Finding`)."""

    def __call__(self) -> str: ...


@dataclass(frozen=True)
class Finding:
    """One deadline for one child: when it was due, whether and when it was met, and why.

    ``explanation`` is written on first access (a census run makes tens of thousands of findings
    and may show only the breaches); it is the same text whenever it is read, and pickling a
    finding writes it first.
    """

    case: str
    #: The child the deadline was owed to; None for a finding about the whole case (``children``).
    child: str | None
    rule: str
    title: str
    status: Status
    trigger: EventRef
    expects: str
    due: dt.date
    met_by: EventRef | None
    late_by: Lateness | None
    uncertain: bool
    source: SourceRef
    explainer: Explainer = field(compare=False, repr=False)
    #: Why the finding is uncertain (estimated dates, an unclear unit), in plain words.
    uncertain_because: tuple[str, ...] = ()
    #: Which occurrence of a repeating rule (1 = the first interval).
    occurrence: int = 1
    #: The columns carried from the source (team, worker, service...) of the event that started the
    #: clock (the trigger's row of a CSV or spreadsheet, the SSD row of the trigger), as written
    #: there. Empty when the source carries none (YAML timelines, the CIN census).
    attributes: Mapping[str, str] = field(default_factory=dict)
    #: ``child`` (one finding per child) or ``case`` (one per case: complaints, Ombudsman remedies).
    about: str = "child"
    #: The children a case-level finding covers (a child-level finding covers its ``child``).
    children: tuple[str, ...] = ()
    #: The requirement this finding counts towards: the national rule a local rule restates while
    #: both stand ("" or the rule's own id: its own requirement).
    requirement: str = ""

    @property
    def covers(self) -> tuple[str, ...]:
        """The children this finding is about."""
        return self.children if self.child is None else (self.child,)

    @property
    def requirement_id(self) -> str:
        return self.requirement or self.rule

    @property
    def explanation(self) -> str:
        cached: str | None = self.__dict__.get("_explanation")
        if cached is None:
            cached = self.explainer()
            object.__setattr__(self, "_explanation", cached)
        return cached

    def __reduce__(self) -> tuple[Any, ...]:
        values = [getattr(self, f.name) for f in fields(self)]
        values[[f.name for f in fields(self)].index("explainer")] = _Fixed(self.explanation)
        return (Finding, tuple(values))

    @property
    def is_breach(self) -> bool:
        return self.status.is_breach

    def sort_key(self) -> tuple[str, str, dt.date, str, dt.date, int]:
        # Case-level findings (child None) sort before each child's.
        return (self.case, self.child or "", self.due, self.rule, self.trigger.date, self.occurrence)

    def to_dict(self) -> dict[str, Any]:
        # Written out field by field (no nested to_dict calls): this runs for every deadline of a
        # census, and the JSON report is made from it.
        trigger, met_by, late_by = self.trigger, self.met_by, self.late_by
        return {
            "case": self.case,
            "child": self.child,
            "about": self.about,
            "children": list(self.children) if self.child is None else [self.child],
            "rule": self.rule,
            "requirement": self.requirement or self.rule,
            "title": self.title,
            "status": self.status.value,
            "trigger": {"id": trigger.id, "type": trigger.type, "date": trigger.date.isoformat()},
            "expects": self.expects,
            "due": self.due.isoformat(),
            "met_by": {"id": met_by.id, "date": met_by.date.isoformat()} if met_by else None,
            "late_by": (
                {"working_days": late_by.working_days, "calendar_days": late_by.calendar_days}
                if late_by
                else None
            ),
            "uncertain": self.uncertain,
            "uncertain_because": list(self.uncertain_because),
            "occurrence": self.occurrence,
            "attributes": dict(self.attributes),
            "source": self.source.to_dict(),
            "explanation": self.explanation,
        }


_new = object.__new__
_set_all = object.__setattr__


def event_ref(event_id: str, event_type: str, day: dt.date, line: int | None = None) -> EventRef:
    """``EventRef(event_id, event_type, day, line)``, the same frozen object built in one step
    (see :func:`new_finding`)."""
    ref = _new(EventRef)
    _set_all(ref, "__dict__", {"id": event_id, "type": event_type, "date": day, "line": line})
    return ref


def new_finding(
    case: str,
    child: str | None,
    rule: str,
    title: str,
    status: Status,
    trigger: EventRef,
    expects: str,
    due: dt.date,
    met_by: EventRef | None,
    late_by: Lateness | None,
    uncertain: bool,
    source: SourceRef,
    explainer: Explainer,
    uncertain_because: tuple[str, ...],
    occurrence: int,
    attributes: Mapping[str, str],
    about: str,
    children: tuple[str, ...],
    requirement: str,
) -> Finding:
    """``Finding(...)`` with every field given, the same frozen object, built in one step.

    The generated frozen ``__init__`` sets its 19 fields one ``object.__setattr__`` call at a
    time, three times the cost of the rest of judging a deadline; a census judges tens of
    thousands. tests/test_findings_fast.py holds the two equal, field for field.
    """
    finding = _new(Finding)
    _set_all(
        finding,
        "__dict__",
        {
            "case": case,
            "child": child,
            "rule": rule,
            "title": title,
            "status": status,
            "trigger": trigger,
            "expects": expects,
            "due": due,
            "met_by": met_by,
            "late_by": late_by,
            "uncertain": uncertain,
            "source": source,
            "explainer": explainer,
            "uncertain_because": uncertain_because,
            "occurrence": occurrence,
            "attributes": attributes,
            "about": about,
            "children": children,
            "requirement": requirement,
        },
    )
    return finding


@dataclass(frozen=True)
class CaseReport:
    """The findings for one case, with what was left out of it and why."""

    case: str
    as_of: dt.date
    findings: tuple[Finding, ...]
    children: tuple[str, ...]
    authority: str | None = None
    nation: str = "england"
    source: str | None = None
    notes: tuple[str, ...] = ()
    #: The case's place in its source (see Timeline.order); not part of the JSON.
    order: int = 0

    @property
    def breaches(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.is_breach)

    def to_dict(self) -> dict[str, Any]:
        return {
            "case": self.case,
            "source": self.source,
            "authority": self.authority,
            "nation": self.nation,
            "as_of": self.as_of.isoformat(),
            "children": list(self.children),
            "findings": [f.to_dict() for f in self.findings],
            "notes": list(self.notes),
        }


@dataclass
class Summary:
    """Running totals over a stream of cases: memory does not grow with the number of cases."""

    cases: int = 0
    children: int = 0
    findings: int = 0
    breaches: int = 0
    uncertain: int = 0
    by_status: Counter[str] = field(default_factory=Counter)
    by_rule: dict[str, Counter[str]] = field(default_factory=dict)
    left_out: int = 0
    #: The headline (docs/conventions.md, "Counting"): distinct late events (one late conference
    #: for two siblings is one event), children with at least one breach, and for each requirement
    #: breached (a national rule with the local rules that restate it) the same two figures.
    late_events: int = 0
    children_affected: int = 0
    by_requirement: dict[str, Counter[str]] = field(default_factory=dict)
    requirement_rules: dict[str, set[str]] = field(default_factory=dict)

    def add(self, report: CaseReport) -> None:
        self.cases += 1
        self.children += len(report.children)
        events: dict[str, set[tuple[str, str | None]]] = {}
        children: dict[str, set[str]] = {}
        for finding in report.findings:
            self.findings += 1
            self.by_status[finding.status.value] += 1
            self.by_rule.setdefault(finding.rule, Counter())[finding.status.value] += 1
            if finding.is_breach:
                self.breaches += 1
                requirement = finding.requirement_id
                self.requirement_rules.setdefault(requirement, set()).add(finding.rule)
                met_by = finding.met_by.id if finding.met_by is not None else None
                events.setdefault(requirement, set()).add((finding.trigger.id, met_by))
                children.setdefault(requirement, set()).update(finding.covers)
            if finding.uncertain:
                self.uncertain += 1
        if events:
            for requirement, late in events.items():
                counts = self.by_requirement.setdefault(requirement, Counter())
                counts["late_events"] += len(late)
                counts["children_affected"] += len(children[requirement])
                self.late_events += len(late)
            self.children_affected += len(set().union(*children.values()))

    def merge(self, other: Summary) -> None:
        self.cases += other.cases
        self.children += other.children
        self.findings += other.findings
        self.breaches += other.breaches
        self.uncertain += other.uncertain
        self.by_status.update(other.by_status)
        for rule, counts in other.by_rule.items():
            self.by_rule.setdefault(rule, Counter()).update(counts)
        self.late_events += other.late_events
        self.children_affected += other.children_affected
        for requirement, counts in other.by_requirement.items():
            self.by_requirement.setdefault(requirement, Counter()).update(counts)
        for requirement, rules in other.requirement_rules.items():
            self.requirement_rules.setdefault(requirement, set()).update(rules)

    def to_dict(self) -> dict[str, Any]:
        return {
            "cases": self.cases,
            "children": self.children,
            "findings": self.findings,
            "requirements_breached": len(self.by_requirement),
            "late_events": self.late_events,
            "children_affected": self.children_affected,
            "breaches": self.breaches,
            "uncertain": self.uncertain,
            "left_out": self.left_out,
            "by_status": {s.value: self.by_status.get(s.value, 0) for s in Status},
            "by_rule": {
                rule: {s.value: c.get(s.value, 0) for s in Status} for rule, c in sorted(self.by_rule.items())
            },
            "by_requirement": {
                requirement: {
                    "rules": sorted(self.requirement_rules[requirement]),
                    "late_events": counts["late_events"],
                    "children_affected": counts["children_affected"],
                }
                for requirement, counts in sorted(self.by_requirement.items())
            },
        }


@dataclass(frozen=True)
class PackRef:
    id: str
    title: str
    authority: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "authority": self.authority}


@dataclass(frozen=True)
class Report:
    """A whole evaluation: every case, the packs used, what was left out, and a summary."""

    as_of: dt.date
    rule_packs: tuple[PackRef, ...]
    cases: tuple[CaseReport, ...]
    #: Inputs (or parts of inputs) that could not be read, each "file:line: field: message".
    left_out: tuple[str, ...] = ()
    #: Rules that are drafts and were not evaluated, so their silence is not read as "no breach".
    excluded_rules: tuple[str, ...] = ()

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for c in self.cases for f in c.findings)

    @property
    def breaches(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.is_breach)

    def summary(self) -> Summary:
        totals = Summary()
        for case in self.cases:
            totals.add(case)
        totals.left_out = len(self.left_out)
        return totals

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": REPORT_SCHEMA,
            "as_of": self.as_of.isoformat(),
            "rule_packs": [p.to_dict() for p in self.rule_packs],
            "excluded_rules": list(self.excluded_rules),
            "cases": [c.to_dict() for c in self.cases],
            "left_out": list(self.left_out),
            "summary": self.summary().to_dict(),
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)


@dataclass(frozen=True)
class _Fixed:
    """An explanation already written (after unpickling, or for findings made by hand)."""

    text: str

    def __call__(self) -> str:
        return self.text


def sorted_findings(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """The stable report order: case, child, due date, rule."""
    return tuple(sorted(findings, key=Finding.sort_key))
