"""Obligations and how they are judged: the rule semantics every backend shares.

A backend's only job is *matching*: for each child and rule, which trigger opened an obligation
and which event met it, cancelled it or extended it (an :class:`Obligation`). Everything after that,
the due date under each reading of the period, the status, the lateness, the uncertainty and the
explanation, is decided here, once, so two backends cannot disagree on what a rule means.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..calendar import WorkingCalendar, calendar_days_between, human_date
from ..findings import EventRef, Finding, Lateness, Status
from ..rules.model import AT_LEAST_BEFORE, Rule, RuleVersion
from ..rules.periods import Period, Unit
from ..timeline import Event
from ..vocabulary import Vocabulary


@dataclass(slots=True)
class Obligation:
    """One interval of one rule for one child, as matched by a backend.

    Not frozen: it is made and read once per deadline on the hot path, and never shared.
    """

    rule: Rule
    version: RuleVersion
    child: str
    trigger: Event
    period: Period
    occurrence: int = 1
    met_by: Event | None = None
    cancelled_by: Event | None = None
    #: An extension notified on or before the first due date: the limit becomes the longer one.
    extended_by: Event | None = None
    #: An extension notified after the first due date: it does not count, but the report says so.
    late_extension: Event | None = None


def due_date(
    obligation_period: Period, version: RuleVersion, trigger_day: dt.date, calendar: WorkingCalendar
) -> dt.date:
    """The due date a backend uses while matching (the later reading if the unit is unclear)."""
    sign = -1 if version.direction == AT_LEAST_BEFORE else 1
    readings = obligation_period.readings()
    if len(readings) == 1:
        return obligation_period.shift(trigger_day, calendar, readings[0], sign)
    return max(obligation_period.shift(trigger_day, calendar, unit, sign) for unit in readings)


def _status(met_by: Event | None, cancelled_by: Event | None, due: dt.date, as_of: dt.date) -> Status:
    if met_by is not None:
        return Status.MET if met_by.date <= due else Status.LATE
    if cancelled_by is not None and cancelled_by.date <= due:
        return Status.CANCELLED
    if as_of > due:
        return Status.MISSING
    return Status.PENDING


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


class Judge:
    """Turns obligations into findings for one case (its calendar, vocabulary and as-of date)."""

    def __init__(self, case: str, calendar: WorkingCalendar, vocabulary: Vocabulary, as_of: dt.date):
        self.case = case
        self.calendar = calendar
        self.vocabulary = vocabulary
        self.as_of = as_of

    def label(self, event_type: str) -> str:
        known = self.vocabulary.types.get(event_type)
        return known.label if known else event_type.replace("_", " ")

    def finding(self, ob: Obligation) -> Finding:
        rule, version = ob.rule, ob.version
        before = version.direction == AT_LEAST_BEFORE
        sign = -1 if before else 1
        period = ob.period
        if ob.extended_by is not None and version.extension is not None:
            period = version.extension.to
        units = period.readings()
        trigger_day = ob.trigger.date
        met_by = ob.met_by
        if len(units) == 1:  # the common case: one reading of the period
            unit = units[0]
            due = period.shift(trigger_day, self.calendar, unit, sign)
            if met_by is not None:
                status = Status.MET if met_by.date <= due else Status.LATE
            else:
                status = _status(None, ob.cancelled_by, due, self.as_of)
            statuses: tuple[tuple[Unit, dt.date, Status], ...] = ((unit, due, status),)
        else:
            statuses = tuple(
                (u, d, _status(ob.met_by, ob.cancelled_by, d, self.as_of))
                for u in units
                for d in (period.shift(trigger_day, self.calendar, u, sign),)
            )
            unit, due, status = max(statuses, key=lambda item: item[1])

        uncertain: list[str] = []
        involved = (ob.trigger, ob.met_by, ob.cancelled_by, ob.extended_by)
        if (
            ob.trigger.estimated
            or (ob.met_by is not None and ob.met_by.estimated)
            or (ob.cancelled_by is not None and ob.cancelled_by.estimated)
            or (ob.extended_by is not None and ob.extended_by.estimated)
        ):
            for role, event in zip(
                ("trigger", "met by", "cancelled by", "extended by"), involved, strict=True
            ):
                if event is not None and event.estimated:
                    uncertain.append(
                        f"the date of the {self.label(event.type)} ({event.id}, {role}) is estimated"
                    )
        if len(statuses) > 1 and len({s for _, _, s in statuses}) > 1:
            readings_text = "; ".join(
                f"read as {u.value} it is due {d.isoformat()} ({s.value})" for u, d, s in statuses
            )
            uncertain.append(
                f"the source says '{period.describe()}' without saying which kind of day: {readings_text}"
            )

        late_by = None
        if status is Status.LATE:
            assert ob.met_by is not None
            late_by = Lateness(
                self.calendar.working_days_between(due, ob.met_by.date),
                calendar_days_between(due, ob.met_by.date),
            )
        elif status is Status.MISSING:
            late_by = Lateness(
                self.calendar.working_days_between(due, self.as_of), calendar_days_between(due, self.as_of)
            )

        trigger = ob.trigger
        # Positional, in field order: this runs once per deadline of every case.
        return Finding(
            self.case,
            ob.child,
            rule.id,
            rule.title,
            status,
            EventRef(trigger.id, trigger.type, trigger.date),
            rule.expects.type,
            due,
            EventRef(met_by.id, met_by.type, met_by.date) if met_by is not None else None,
            late_by,
            bool(uncertain),
            version.source.ref,
            _Explanation(self, ob, period, unit, due, status, late_by, statuses),
            tuple(uncertain),
            ob.occurrence,
        )

    def explain(
        self,
        ob: Obligation,
        period: Period,
        unit: Unit,
        due: dt.date,
        status: Status,
        late_by: Lateness | None,
        statuses: list[tuple[Unit, dt.date, Status]],
    ) -> str:
        """A paragraph a QA officer can check by hand with a calendar."""
        trigger = ob.trigger
        before = ob.version.direction == AT_LEAST_BEFORE
        expected = self.label(ob.rule.expects.type)
        expected_cap = expected[0].upper() + expected[1:]
        parts: list[str] = []
        trigger_label = self.label(trigger.type)
        if before:
            parts.append(
                f"The {trigger_label} was held {human_date(trigger.date)}; "
                f"{period.describe(unit)} before it is {human_date(due)}"
            )
        else:
            opening = f"{trigger_label[0].upper()}{trigger_label[1:]} {human_date(trigger.date)} (day 0)"
            if ob.occurrence > 1:
                opening = f"Previous {trigger_label} {human_date(trigger.date)} (day 0)"
            parts.append(f"{opening}; {period.describe(unit)} later is {human_date(due)}")
        if unit is Unit.WORKING_DAYS:
            skipped = self.calendar.closed_weekdays_between(trigger.date, due)
            if skipped:
                names = ", ".join(f"{human_date(d)} ({name})" for d, name in skipped)
                parts[-1] += f", not counting {names}"
            if trigger.date.weekday() >= 5 or self.calendar.holiday_name(trigger.date):
                parts[-1] += "; the count starts on the next working day"
        else:
            if unit is Unit.CALENDAR_MONTHS and due.day != trigger.date.day:
                parts[-1] += f" (that month has no day {trigger.date.day}, so its last day)"
            note = self.calendar.roll_note(due)
            if note:
                parts[-1] += f"; {note}, and the deadline is not moved"
        text = parts[0] + "."
        if ob.extended_by is not None:
            first = ob.period.shift(
                trigger.date, self.calendar, ob.period.readings()[-1], -1 if before else 1
            )
            text += (
                f" An extension was notified {human_date(ob.extended_by.date)}, by the first "
                f"deadline ({ob.period.describe()}, {human_date(first)}), so the limit is "
                f"{period.describe()}."
            )
        if ob.late_extension is not None:
            text += (
                f" An extension was notified {human_date(ob.late_extension.date)}, after the "
                f"first deadline had passed, so it does not count."
            )
        if status is Status.MET:
            assert ob.met_by is not None
            text += f" {expected_cap}: {human_date(ob.met_by.date)}, on time."
        elif status is Status.LATE:
            assert ob.met_by is not None and late_by is not None
            text += (
                f" {expected_cap}: {human_date(ob.met_by.date)}, "
                f"{_plural(late_by.working_days, 'working day')} "
                f"({_plural(late_by.calendar_days, 'calendar day')}) late."
            )
        elif status is Status.MISSING:
            assert late_by is not None
            text += (
                f" There was no {expected} by {human_date(self.as_of)}, the date of this check: "
                f"{_plural(late_by.working_days, 'working day')} overdue."
            )
            if ob.cancelled_by is not None:
                text += (
                    f" The need ended with the {self.label(ob.cancelled_by.type)} "
                    f"{human_date(ob.cancelled_by.date)}, after the due date."
                )
        elif status is Status.PENDING:
            text += f" No {expected} yet at {human_date(self.as_of)}; it is not yet due."
        else:
            assert ob.cancelled_by is not None
            text += (
                f" The need ended with the {self.label(ob.cancelled_by.type)} "
                f"{human_date(ob.cancelled_by.date)}, before the due date."
            )
        if len(statuses) > 1:
            other = [f"as {u.value} the deadline is {human_date(d)} ({s.value})" for u, d, s in statuses]
            text += (
                f" The source says '{period.describe()}' without saying which kind of day: "
                f"{'; '.join(other)}."
            )
        return text


@dataclass(slots=True)
class _Explanation:
    """The inputs of an explanation, written out by :meth:`Judge.explain` when first read."""

    judge: Judge
    obligation: Obligation
    period: Period
    unit: Unit
    due: dt.date
    status: Status
    late_by: Lateness | None
    statuses: tuple[tuple[Unit, dt.date, Status], ...]

    def __call__(self) -> str:
        return self.judge.explain(
            self.obligation, self.period, self.unit, self.due, self.status, self.late_by, list(self.statuses)
        )
