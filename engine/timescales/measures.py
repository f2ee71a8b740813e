"""DfE-style timeliness measures over a batch, to compare a council with the national figures.

* **ICPC timeliness** (DfE Children in Need statistics, table C4): working days from the start of
  each section 47 enquiry to its initial conference, banded 0-10, 11-15, 16-20, 21+. The anchor is
  the ICPC rule's own: each of its findings pairs the strategy discussion that started the clock
  with the conference that met it, so the measure and the findings table never disagree; every
  other clock of the rule (ended without a conference, overdue, not yet due) is an enquiry
  "without a conference".
* **Assessment duration** (table C2): working days from the assessment's start to its
  authorisation, banded as the DfE bands them (same day, 1-10, ... 41-45, 46-50, 51-60, 61+).
* **Reviews on time**: review conferences due in the batch that were held by their due date.
* **Looked-after children** (SI 2010/959): reviews on time, as reg 33 times them (the first within
  20 working days of the period of care starting, the second within 3 months of the first, later
  ones within 6 months: each finding's occurrence says which), statutory visits on time (reg 28)
  and health assessments on time. A deadline counts once it is due (met, late or overdue), from
  the findings of the rules that own their requirement (a local rule restating a national one is
  not counted twice). They are given for the whole batch and per council (the case's authority,
  else the council its source names: a regional 903's ``LA``), team and worker (the columns
  carried from the trigger's row), where the input has them.

Lists of latest dates (Annex A) give no on-time measure (nor review conferences on time): they
show only what is overdue at the list date, never what was on time.

Durations count working days with the trigger's day as day 0 (a same-day conference is 0), in the
England calendar of each case. Totals only: memory does not grow with the number of cases.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .calendar import WorkingCalendar
from .findings import CaseReport, Finding, Status
from .timeline import Event, Timeline

ICPC_BANDS = ((0, 10, "0-10"), (11, 15, "11-15"), (16, 20, "16-20"), (21, None, "21+"))
ASSESSMENT_BANDS = (
    (0, 0, "same day"),
    (1, 10, "1-10"),
    (11, 20, "11-20"),
    (21, 30, "21-30"),
    (31, 40, "31-40"),
    (41, 45, "41-45"),
    (46, 50, "46-50"),
    (51, 60, "51-60"),
    (61, None, "61+"),
)


#: The looked-after measures: key, label (for the summary table), and what they count.
LOOKED_AFTER_ROWS = (
    ("cla_first_reviews_on_time", "First looked-after reviews within 20 working days"),
    ("cla_second_reviews_on_time", "Second looked-after reviews within 3 months of the first"),
    ("cla_later_reviews_on_time", "Later looked-after reviews within 6 months of the last"),
    ("cla_visits_on_time", "Statutory visits to looked-after children on time"),
    ("cla_health_assessments_on_time", "Health assessments of looked-after children on time"),
)
#: Where a council's, team's or worker's name is found among a finding's carried columns (first
#: found wins). The council is the case's authority where it has one (a rule pack's council).
_GROUPS = (
    ("council", ("council",)),
    ("team", ("team", "Team", "Allocated Team")),
    ("worker", ("worker", "Worker", "Allocated Worker")),
)
_JUDGED = (Status.MET, Status.LATE, Status.MISSING)


def looked_after_measure(finding: Finding) -> str | None:
    """Which looked-after measure a finding counts towards (None: none)."""
    if finding.requirement not in ("", finding.rule):
        return None  # a local rule restating a national one: the national finding counts
    if finding.expects == "cla_review":
        if finding.trigger.type == "looked_after_started":
            return "cla_first_reviews_on_time"
        if finding.trigger.type == "cla_review":
            return "cla_second_reviews_on_time" if finding.occurrence == 2 else "cla_later_reviews_on_time"
        return None
    if finding.expects == "cla_visit":
        return "cla_visits_on_time"
    if finding.expects == "health_assessment":
        return "cla_health_assessments_on_time"
    return None


@dataclass
class OnTime:
    """Deadlines due and how many were met by their due date."""

    due: int = 0
    on_time: int = 0

    def count(self, met: bool) -> None:
        self.due += 1
        self.on_time += met

    def merge(self, other: OnTime) -> None:
        self.due += other.due
        self.on_time += other.on_time

    def to_dict(self) -> dict[str, Any]:
        return {"due": self.due, "on_time": self.on_time, "percent": _percent(self.on_time, self.due)}


def _band(days: int, bands: tuple[tuple[int, int | None, str], ...]) -> str:
    for low, high, name in bands:
        if days >= low and (high is None or days <= high):
            return name
    raise ValueError(days)


def _pairs(events: list[Event], start_type: str, end_type: str, start_attr: tuple[str, str] | None = None):  # type: ignore[no-untyped-def]
    """(start, end or None) for each start event: the first end on or after it, before the next start."""
    starts = [
        e
        for e in events
        if e.type == start_type and (start_attr is None or e.attributes.get(start_attr[0]) == start_attr[1])
    ]
    ends = sorted((e for e in events if e.type == end_type), key=Event.sort_key)
    for index, start in enumerate(starts):
        next_start = starts[index + 1].date if index + 1 < len(starts) else None
        end = next(
            (e for e in ends if e.date >= start.date and (next_start is None or e.date < next_start)), None
        )
        yield start, end


@dataclass
class Measures:
    icpc_bands: Counter[str] = field(default_factory=Counter)
    icpc_none_yet: int = 0
    assessment_bands: Counter[str] = field(default_factory=Counter)
    assessment_open: int = 0
    #: The durations themselves (working days -> how many), for the percentiles.
    icpc_days: Counter[int] = field(default_factory=Counter)
    assessment_days: Counter[int] = field(default_factory=Counter)
    reviews_due: int = 0
    reviews_on_time: int = 0
    #: Looked-after measures for the batch, by measure key.
    looked_after: dict[str, OnTime] = field(default_factory=dict)
    #: The same per group: ("council" | "team" | "worker", name) -> measure key -> counts.
    looked_after_by: dict[tuple[str, str], dict[str, OnTime]] = field(default_factory=dict)

    def add(
        self, timeline: Timeline, report: CaseReport, calendar: WorkingCalendar, since: dt.date | None = None
    ) -> None:
        """Count one case. ``since``: count only assessments and conferences that ended on or after
        this day (the start of a reporting year: the DfE counts those completed in the year)."""
        for child in timeline.children:
            events = [e for e in timeline.events_for(child) if e.date <= report.as_of]
            for start, done in _pairs(events, "assessment_started", "assessment_completed"):
                if done is None:
                    self.assessment_open += 1
                elif since is None or done.date >= since:
                    days = calendar.working_days_between(start.date, done.date)
                    self.assessment_bands[_band(days, ASSESSMENT_BANDS)] += 1
                    self.assessment_days[days] += 1
        self._add_icpcs(report, calendar, since)
        if timeline.latest_only:
            return  # a list of latest dates shows what is overdue, never what was on time
        for finding in report.findings:
            if finding.expects == "rcpc" and finding.status in (Status.MET, Status.LATE, Status.MISSING):
                self.reviews_due += 1
                self.reviews_on_time += finding.status is Status.MET
        self._add_looked_after(timeline, report)

    def _add_looked_after(self, timeline: Timeline, report: CaseReport) -> None:
        for finding in report.findings:
            if finding.status not in _JUDGED:
                continue
            key = looked_after_measure(finding)
            if key is None:
                continue
            met = finding.status is Status.MET
            self.looked_after.setdefault(key, OnTime()).count(met)
            groups: list[tuple[str, str]] = [("council", timeline.authority)] if timeline.authority else []
            for kind, columns in _GROUPS if timeline.authority is None else _GROUPS[1:]:
                name = next((finding.attributes[c] for c in columns if finding.attributes.get(c)), None)
                if name:
                    groups.append((kind, name))
            for group in groups:
                self.looked_after_by.setdefault(group, {}).setdefault(key, OnTime()).count(met)

    def _add_icpcs(self, report: CaseReport, calendar: WorkingCalendar, since: dt.date | None) -> None:
        """One count per child and clock of the ICPC rule (the first such rule's findings only,
        so a local ICPC rule beside the national one does not count an enquiry twice)."""
        rule = next(
            (
                f.rule
                for f in report.findings
                if f.expects == "icpc"
                and f.trigger.type == "strategy_discussion"
                and f.rule.startswith("england.")
            ),
            None,
        ) or next(
            (
                f.rule
                for f in report.findings
                if f.expects == "icpc" and f.trigger.type == "strategy_discussion"
            ),
            None,
        )
        if rule is None:
            return
        for finding in report.findings:
            if finding.rule != rule:
                continue
            if finding.met_by is not None:
                if since is not None and finding.met_by.date < since:
                    continue
                days = calendar.working_days_between(finding.trigger.date, finding.met_by.date)
                self.icpc_bands[_band(days, ICPC_BANDS)] += 1
                self.icpc_days[days] += 1
            else:  # ended without one (cancelled), overdue or not yet due
                self.icpc_none_yet += 1

    def merge(self, other: Measures) -> None:
        self.icpc_bands.update(other.icpc_bands)
        self.icpc_none_yet += other.icpc_none_yet
        self.assessment_bands.update(other.assessment_bands)
        self.assessment_open += other.assessment_open
        self.icpc_days.update(other.icpc_days)
        self.assessment_days.update(other.assessment_days)
        self.reviews_due += other.reviews_due
        self.reviews_on_time += other.reviews_on_time
        for key, counts in other.looked_after.items():
            self.looked_after.setdefault(key, OnTime()).merge(counts)
        for group, measures in other.looked_after_by.items():
            mine = self.looked_after_by.setdefault(group, {})
            for key, counts in measures.items():
                mine.setdefault(key, OnTime()).merge(counts)

    def to_dict(self) -> dict[str, Any]:
        icpcs = sum(self.icpc_bands.values())
        within_15 = self.icpc_bands["0-10"] + self.icpc_bands["11-15"]
        assessments = sum(self.assessment_bands.values())
        within_45 = sum(
            self.assessment_bands[name]
            for _, high, name in ASSESSMENT_BANDS
            if high is not None and high <= 45
        )
        return {
            "icpc_within_15_working_days": {
                "conferences": icpcs,
                "within": within_15,
                "percent": _percent(within_15, icpcs),
                "bands": {name: self.icpc_bands[name] for _, _, name in ICPC_BANDS},
                "enquiries_without_conference": self.icpc_none_yet,
                "working_days": percentiles(self.icpc_days),
            },
            "assessments_within_45_working_days": {
                "completed": assessments,
                "within": within_45,
                "percent": _percent(within_45, assessments),
                "bands": {name: self.assessment_bands[name] for _, _, name in ASSESSMENT_BANDS},
                "open": self.assessment_open,
                "working_days": percentiles(self.assessment_days),
            },
            "reviews_on_time": {
                "due": self.reviews_due,
                "on_time": self.reviews_on_time,
                "percent": _percent(self.reviews_on_time, self.reviews_due),
            },
            **{key: self.looked_after.get(key, OnTime()).to_dict() for key, _ in LOOKED_AFTER_ROWS},
            "looked_after_by": {
                group: {
                    name: {key: measures[key].to_dict() for key, _ in LOOKED_AFTER_ROWS if key in measures}
                    for (kind, name), measures in sorted(self.looked_after_by.items())
                    if kind == group
                }
                for group in ("council", "team", "worker")
                if any(kind == group for kind, _ in self.looked_after_by)
            },
        }


#: The percentiles given with each duration measure, as the DfE's C2 and C4 tables give them.
PERCENTILES = (("25th_percentile", 0.25), ("median", 0.5), ("75th_percentile", 0.75))


def percentile(days: Counter[int], fraction: float) -> float | None:
    """The ``fraction`` quantile of the durations counted in ``days``, interpolated linearly
    between the two nearest ranks (the common definition: numpy's and pandas' default, Hyndman
    and Fan's type 7), to one decimal place; None when there are none."""
    count = sum(days.values())
    if not count:
        return None
    position = (count - 1) * fraction
    below = int(position)
    ordered = sorted(days.elements())
    low, high = ordered[below], ordered[min(below + 1, count - 1)]
    return round(low + (position - below) * (high - low), 1)


def percentiles(days: Counter[int]) -> dict[str, float | None]:
    """The 25th percentile, median and 75th percentile of the durations, in working days."""
    return {name: percentile(days, fraction) for name, fraction in PERCENTILES}


def reporting_year(day: dt.date) -> int:
    """The DfE's reporting year a day falls in, named by the 31 March it ends on (2024: the year
    from 1 April 2023 to 31 March 2024)."""
    return day.year + (1 if day > dt.date(day.year, 3, 31) else 0)


def reporting_year_start(day: dt.date) -> dt.date:
    """The 1 April that begins the reporting year ``day`` falls in."""
    return dt.date(reporting_year(day) - 1, 4, 1)


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


#: How many councils, teams or workers the text summary lists (the JSON report has them all).
GROUP_LINES = 25
_SHORT = {
    "cla_first_reviews_on_time": "first reviews",
    "cla_second_reviews_on_time": "second reviews",
    "cla_later_reviews_on_time": "later reviews",
    "cla_visits_on_time": "visits",
    "cla_health_assessments_on_time": "health assessments",
}


def percentiles_text(days: dict[str, float | None]) -> str:
    """``25th percentile 10, median 15, 75th percentile 19 working days``."""

    def shown(value: float | None) -> str:
        return "none" if value is None else f"{value:g}"

    return (
        f"25th percentile {shown(days['25th_percentile'])}, median {shown(days['median'])}, "
        f"75th percentile {shown(days['75th_percentile'])} working days"
    )


def measures_lines(measures: dict[str, Any]) -> list[str]:
    """The measures as a few lines of text for the terminal report."""
    icpc = measures["icpc_within_15_working_days"]
    assessments = measures["assessments_within_45_working_days"]
    reviews = measures["reviews_on_time"]
    lines = ["DfE-style measures:"]
    if icpc["conferences"]:
        bands = ", ".join(f"{k}: {v}" for k, v in icpc["bands"].items())
        lines.append(
            f"  ICPCs within 15 working days of the section 47 start: {icpc['within']} of "
            f"{icpc['conferences']} ({icpc['percent']}%); working days {bands}; "
            f"{percentiles_text(icpc['working_days'])}"
        )
    if icpc["enquiries_without_conference"]:
        lines.append(f"  Section 47 enquiries without a conference: {icpc['enquiries_without_conference']}")
    if assessments["completed"]:
        lines.append(
            f"  Assessments within 45 working days of their start: {assessments['within']} of "
            f"{assessments['completed']} ({assessments['percent']}%); "
            f"{percentiles_text(assessments['working_days'])}"
        )
    if reviews["due"]:
        lines.append(
            f"  Review conferences on time: {reviews['on_time']} of {reviews['due']} ({reviews['percent']}%)"
        )
    for key, label in LOOKED_AFTER_ROWS:
        measure = measures.get(key)
        if measure and measure["due"]:
            lines.append(f"  {label}: {measure['on_time']} of {measure['due']} ({measure['percent']}%)")
    for group, names in (measures.get("looked_after_by") or {}).items():
        lines.append(f"  Looked-after measures by {group}:")
        shown = list(names.items())
        for name, by_key in shown[:GROUP_LINES]:
            parts = [
                f"{short} {by_key[key]['on_time']}/{by_key[key]['due']}"
                for key, short in _SHORT.items()
                if key in by_key
            ]
            lines.append(f"    {name}: {', '.join(parts)}")
        if len(shown) > GROUP_LINES:
            more = len(shown) - GROUP_LINES
            lines.append(f"    and {more} more {group}s (every one is in the JSON report)")
    return lines if len(lines) > 1 else []
