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

from .api import check, check_many, load_rules, load_timeline, load_timelines
from .errors import CalendarError, Problem, RuleFileError, TimelineError, TimescalesError
from .findings import CaseReport, EventRef, Finding, Lateness, Report, SourceRef, Status, Summary
from .rules.model import Rule, RuleSet
from .timeline import Event, Timeline

__all__ = [
    "CalendarError",
    "CaseReport",
    "Event",
    "EventRef",
    "Finding",
    "Lateness",
    "Problem",
    "Report",
    "Rule",
    "RuleFileError",
    "RuleSet",
    "SourceRef",
    "Status",
    "Summary",
    "Timeline",
    "TimelineError",
    "TimescalesError",
    "check",
    "check_many",
    "load_rules",
    "load_timeline",
    "load_timelines",
]
