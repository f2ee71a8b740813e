"""Evaluating timelines against rules: the backend interface and the shared driver.

A backend (:class:`Evaluator`) only matches events to obligations; :func:`evaluate_case` does the
rest (rule selection, the as-of cut, judging, ordering) the same way for every backend.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Protocol

from ..calendar import WorkingCalendar, human_date
from ..errors import CalendarError, TimescalesError, problem
from ..findings import CaseReport, Finding, sorted_findings
from ..rules.model import ABOUT_CASE, Rule, RuleSet
from ..timeline import Event, Timeline
from .native import NativeEvaluator
from .obligations import Judge, Obligation


class Evaluator(Protocol):
    """A backend: given one child's sorted events and the rules in force, which obligations?"""

    name: str

    def obligations(
        self, child: str, events: Sequence[Event], rules: Sequence[Rule], calendar: WorkingCalendar
    ) -> Iterable[Obligation]: ...


#: The backends: native (the reference), durable (durable_rules, the `[durable]` extra) and both
#: (the two compared on every case; see docs/engines.md).
ENGINES = ("native", "durable", "both")


def get_evaluator(name: str = "native", *, jobs: int = 1) -> Evaluator:
    """A backend by name. ``jobs``: durable_rules worker processes. Raises
    :class:`~timescales.evaluation.durable.EngineUnavailable` (one line saying what to install)
    when durable_rules is missing."""
    if name == "native":
        return NativeEvaluator()
    if name in ("durable", "both"):
        from .durable import DurableEvaluator

        durable = DurableEvaluator(jobs)
        if name == "durable":
            return durable
        from .both import CrossCheckEvaluator

        return CrossCheckEvaluator(durable)
    raise ValueError(f"unknown engine {name!r}; available: {', '.join(ENGINES)}")


def prepare_evaluator(evaluator: Evaluator, rules: RuleSet) -> None:
    """Refuse, before any case is read, the rules a backend cannot evaluate (with the reasons)."""
    check = getattr(evaluator, "check_rules", None)
    if check is not None:
        check([r for r in rules.rules if r.draft is None])


def close_evaluator(evaluator: Evaluator) -> None:
    """Stop a backend's worker processes, if it has any."""
    close = getattr(evaluator, "close", None)
    if close is not None:
        close()


def resolve_as_of(as_of: dt.date | None, timeline: Timeline, default: dt.date | None = None) -> dt.date:
    """The explicit as-of date wins, then the timeline's own, then ``default`` (the command line's
    "today"); the engine itself never reads the clock."""
    chosen = as_of or timeline.as_of or default
    if chosen is None:
        raise TimescalesError(
            [
                problem(
                    timeline.source or timeline.case,
                    "no as-of date: give --as-of, or `as_of:` in the timeline",
                    field="as_of",
                    code="E240",
                )
            ]
        )
    return chosen


def evaluate_case(
    timeline: Timeline,
    rules: RuleSet,
    *,
    as_of: dt.date | None = None,
    authority: str | None = None,
    evaluator: Evaluator | None = None,
    default_as_of: dt.date | None = None,
) -> CaseReport:
    """Evaluate one case: every rule in force for its nation and authority, for every child."""
    evaluator = evaluator or NativeEvaluator()
    day = resolve_as_of(as_of, timeline, default_as_of)
    chosen_authority = authority or timeline.authority
    selection = rules.select(timeline.nation, chosen_authority)
    notes: list[str] = []
    if chosen_authority and not any(p.authority == chosen_authority for p in selection.packs):
        notes.append(f"No local rule pack for {chosen_authority!r}: national rules only.")
    later = [e for e in timeline.events if e.date > day]
    if later:
        ids = ", ".join(e.id for e in sorted(later, key=Event.sort_key))
        notes.append(
            f"{len(later)} event(s) dated after the as-of date ({human_date(day)}) were not "
            f"considered: {ids}."
        )
    judge = Judge(
        timeline.case,
        selection.calendar,
        rules.vocabulary,
        day,
        selection.calendar_for if selection.calendars else None,
        timeline.source,
    )
    findings: list[Finding] = []
    judged = selection.rules
    if timeline.skip_rules:
        unknown = sorted(set(timeline.skip_rules) - rules.rule_ids)
        if unknown:
            raise TimescalesError(
                [
                    problem(
                        timeline.source or timeline.case,
                        f"skip_rules names no rule {rule!r}",
                        field=f"skip_rules.{rule}",
                        code="E242",
                    )
                    for rule in unknown
                ]
            )
        notes.extend(
            f"Not checked: {rule_id} ({reason})." for rule_id, reason in sorted(timeline.skip_rules.items())
        )
        judged = tuple(r for r in judged if r.id not in timeline.skip_rules)
    if timeline.recorded_types is not None:
        recorded = selection.judgeable(timeline.recorded_types)
        judged = recorded if judged is selection.rules else tuple(r for r in judged if r in recorded)
    judged = selection.for_source(judged, timeline.latest_only)
    not_in_force: dict[str, dict[str, Event]] = {}
    for child in timeline.children:
        events = timeline.events_for(child)
        if later:
            events = [e for e in events if e.date <= day]
        if events:
            _note_not_in_force(judged, events, not_in_force)
        try:
            # Rules counting a pack's closure days are matched in their own calendar (see RuleSelection).
            for calendar, group in selection.by_calendar(judged):
                for obligation in evaluator.obligations(child, events, group, calendar):
                    findings.append(judge.finding(obligation))
        except CalendarError as error:
            # Counting working days past the calendar's last year: say which case, not "<calendar>".
            raise CalendarError(
                [
                    replace(p, file=timeline.source or timeline.case) if p.file == "<calendar>" else p
                    for p in error.problems
                ]
            ) from None
    if any(r.about == ABOUT_CASE for r in judged):
        findings = _one_per_case(findings, timeline.children)
    by_id = {r.id: r for r in judged} if not_in_force else {}
    if timeline.council_dues:
        findings = _beside_council_dues(findings, timeline.council_dues, notes)
    for rule_id, by_event in not_in_force.items():
        triggers = list(by_event.values())
        dates = ", ".join(f"{e.id} ({e.date.isoformat()})" for e in triggers)
        rule = by_id[rule_id]
        start = rule.in_force_span[0]
        if all(e.date < start for e in triggers) and rule.not_checked_before() != "not in force":
            notes.append(f"Not checked: {rule_id} on the date of {dates}: {rule.not_checked_before()}.")
        else:
            notes.append(f"Not checked: {rule_id} was not in force on the date of {dates}.")
    return CaseReport(
        case=timeline.case,
        as_of=day,
        findings=sorted_findings(findings),
        children=timeline.children,
        authority=chosen_authority,
        nation=timeline.nation,
        source=timeline.source,
        notes=(*timeline.left_out, *notes),
        order=timeline.order,
    )


def _beside_council_dues(
    findings: list[Finding], council_dues: Mapping[str, dt.date], notes: list[str]
) -> list[Finding]:
    """Where the source records its own due date for a deadline (the SSD's ICPC target date), the
    finding shows it as ``council_due``, and a note says where it differs from ours."""
    shown: list[Finding] = []
    for finding in findings:
        theirs = council_dues.get(finding.met_by.id) if finding.met_by else None
        if theirs is None:
            shown.append(finding)
            continue
        attributes = {**finding.attributes, "council_due": theirs.isoformat()}
        if theirs != finding.due:
            attributes["council_due_differs"] = "yes"
            notes.append(
                f"{finding.child}: {finding.rule}: the council's system gives {human_date(theirs)} as the "
                f"due date met by {finding.met_by.id if finding.met_by else ''}; these rules give "
                f"{human_date(finding.due)}."
            )
        shown.append(dataclasses.replace(finding, attributes=attributes))
    return shown


def _one_per_case(findings: list[Finding], children: Sequence[str]) -> list[Finding]:
    """Fold the per-child findings of case-level rules into one finding per deadline.

    A complaint about two siblings is one complaint with one response owed (Children Act 1989
    Representations Procedure (England) Regulations 2006): it is one finding that lists the
    children. Findings that differ (a response recorded for one child only) stay apart.
    """
    kept: list[Finding] = []
    groups: dict[tuple[object, ...], list[Finding]] = {}
    for finding in findings:
        if finding.about != ABOUT_CASE:
            kept.append(finding)
            continue
        key = (
            finding.rule,
            finding.trigger,
            finding.occurrence,
            finding.status,
            finding.due,
            finding.met_by,
            finding.late_by,
            finding.uncertain_because,
        )
        groups.setdefault(key, []).append(finding)
    order = {child: index for index, child in enumerate(children)}
    for group in groups.values():
        covered = sorted({c for f in group for c in f.covers}, key=lambda c: (order.get(c, len(order)), c))
        kept.append(dataclasses.replace(group[0], child=None, children=tuple(covered)))
    return kept


def _note_not_in_force(
    rules: Sequence[Rule], events: list[Event], found: dict[str, dict[str, Event]]
) -> None:
    """Triggers that start no clock because their rule was not in force on their date."""
    first_day, last_day = events[0].date, events[-1].date
    for rule in rules:
        start, stop = rule.in_force_span
        if first_day >= start and (stop is None or last_day < stop):
            continue  # every event falls inside the rule's span: nothing to note
        for event in events:
            if (event.date < start or (stop is not None and event.date >= stop)) and rule.is_triggered_by(
                event
            ):
                # By id (unique in a case): siblings share events, and a list lookup is quadratic.
                found.setdefault(rule.id, {}).setdefault(event.id, event)


def evaluate_stream(
    timelines: Iterable[Timeline],
    rules: RuleSet,
    *,
    as_of: dt.date | None = None,
    authority: str | None = None,
    evaluator: Evaluator | None = None,
) -> Iterator[CaseReport]:
    """Evaluate cases one at a time, holding only the current one."""
    evaluator = evaluator or NativeEvaluator()
    for timeline in timelines:
        yield evaluate_case(timeline, rules, as_of=as_of, authority=authority, evaluator=evaluator)
