"""safeguarding-timescales: check children's social care case timelines against statutory and
local timescales, and explain every breach.

    import datetime as dt
    import timescales

    rules = timescales.load_rules()
    timeline = timescales.load_timeline("case.yaml")
    report = timescales.check(timeline, rules, as_of=dt.date(2024, 3, 31))
    for finding in report.breaches:
        print(finding.rule, finding.child, finding.due, finding.status)
"""

from __future__ import annotations

from .api import (
    CensusChild,
    InputFile,
    Payload,
    Return903Child,
    SsdPerson,
    check,
    check_many,
    check_records,
    load_rules,
    load_timeline,
    load_timelines,
    worker_rules,
    write_findings_parquet,
)
from .errors import CalendarError, Problem, RuleFileError, TimelineError, TimescalesError
from .findings import CaseReport, EventRef, Finding, Lateness, Report, SourceRef, Status, Summary
from .findings_table import FindingRow
from .rules.model import Rule, RuleSet
from .timeline import Event, Timeline

__all__ = [
    "CalendarError",
    "CaseReport",
    "CensusChild",
    "Event",
    "EventRef",
    "Finding",
    "FindingRow",
    "InputFile",
    "Lateness",
    "Payload",
    "Problem",
    "Report",
    "Return903Child",
    "Rule",
    "RuleFileError",
    "RuleSet",
    "SourceRef",
    "SsdPerson",
    "Status",
    "Summary",
    "Timeline",
    "TimelineError",
    "TimescalesError",
    "check",
    "check_many",
    "check_records",
    "load_rules",
    "load_timeline",
    "load_timelines",
    "worker_rules",
    "write_findings_parquet",
]
