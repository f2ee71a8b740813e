"""Evaluating timelines against rules: the backend interface and the shared driver.

A backend (:class:`Evaluator`) only matches events to obligations; :func:`evaluate_case` does the
rest (rule selection, the as-of cut, judging, ordering) the same way for every backend.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol

from ..calendar import WorkingCalendar, human_date
from ..errors import TimescalesError, problem
from ..findings import CaseReport, Finding, sorted_findings
from ..rules.model import Rule, RuleSet
from ..timeline import Event, Timeline
from .native import NativeEvaluator
from .obligations import Judge, Obligation


class Evaluator(Protocol):
    """A backend: given one child's sorted events and the rules in force, which obligations?"""

    name: str

    def obligations(
        self, child: str, events: Sequence[Event], rules: Sequence[Rule], calendar: WorkingCalendar
    ) -> Iterable[Obligation]: ...


BACKENDS: dict[str, type[NativeEvaluator]] = {"native": NativeEvaluator}


def get_evaluator(name: str = "native") -> Evaluator:
    try:
        return BACKENDS[name]()
    except KeyError:
        raise ValueError(f"unknown engine {name!r}; available: {', '.join(BACKENDS)}") from None


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
    judge = Judge(timeline.case, selection.calendar, rules.vocabulary, day)
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
    not_in_force: dict[str, list[Event]] = {}
    for child in timeline.children:
        events = timeline.events_for(child)
        if later:
            events = [e for e in events if e.date <= day]
        if events:
            _note_not_in_force(judged, events, not_in_force)
        for obligation in evaluator.obligations(child, events, judged, selection.calendar):
            findings.append(judge.finding(obligation))
    for rule_id, triggers in not_in_force.items():
        dates = ", ".join(f"{e.id} ({e.date.isoformat()})" for e in triggers)
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


def _note_not_in_force(rules: Sequence[Rule], events: list[Event], found: dict[str, list[Event]]) -> None:
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
                seen = found.setdefault(rule.id, [])
                if event not in seen:
                    seen.append(event)


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
