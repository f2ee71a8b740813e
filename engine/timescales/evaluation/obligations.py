"""Obligations and how they are judged: the rule semantics every backend shares.

A backend's only job is *matching*: for each child and rule, which trigger opened an obligation
and which event met it, cancelled it or extended it (an :class:`Obligation`). Everything after that,
the due date under each reading of the period, the status, the lateness, the uncertainty and the
explanation, is decided here, once, so two backends cannot disagree on what a rule means.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..calendar import FIRST_YEAR, LAST_YEAR, WorkingCalendar, calendar_days_between, human_date, in_calendar
from ..errors import CalendarError, problem
from ..findings import Finding, Lateness, Status, event_ref, new_finding
from ..rules.model import AT_LEAST_BEFORE, Rule, RuleVersion
from ..rules.periods import Period, Reading, Unit
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
    #: For a rule whose later triggers may restart it: the triggers seen while this was open
    #: (backends fill it for the first interval only, in date order).
    later_triggers: list[Event] | None = None


def snapshot_obligation(rule: Rule, child: str, events: Sequence[Event]) -> Obligation | None:
    """The one obligation of a snapshot rule (``rule.snapshot``), for every backend alike.

    A list of latest dates (Annex A) holds, per kind, only the last one. The clock runs from the
    latest trigger; the obligation exists only while nothing meeting it is recorded on or after that
    day (the list cannot say whether an earlier one was on time), and a cancelling event on or
    after it (the end of the period of care) ends it. ``events`` are the child's, in date order.
    """
    trigger = next((e for e in reversed(events) if rule.is_triggered_by(e)), None)
    if trigger is None:
        return None
    version = rule.version_on(trigger.date)
    if version is None:
        return None
    later = [e for e in events if e.date >= trigger.date and e is not trigger]
    if any(rule.expects.matches(e) for e in later):
        return None
    cancelled = next((e for e in later if any(c.matches(e) for c in rule.cancelled_by)), None)
    return Obligation(rule, version, child, trigger, version.period, cancelled_by=cancelled)


def opened(rule: Rule, child: str, trigger: Event, consumed: set[int]) -> Obligation | None:
    """The obligation ``trigger`` opens, under the rule version in force on its date; None when it
    is not a trigger of ``rule``, the rule was not in force then, or the event already met an
    earlier interval (``consumed``, by ``id``). The first step of every backend's chained walk."""
    if id(trigger) in consumed or not rule.is_triggered_by(trigger):
        return None
    version = rule.version_on(trigger.date)
    if version is None:
        return None
    return Obligation(rule, version, child, trigger, version.period)


def next_interval(
    closed: Obligation, met_by: Event, origin: Event, calendar: WorkingCalendar
) -> Obligation | None:
    """The next interval of a repeating rule once ``closed`` is met by ``met_by``: opened by that
    event, under the version in force on its date, its length counted from ``origin`` (the first
    trigger); None when the rule does not repeat or ``met_by`` ends the cycle. The closing step of
    every backend's chained walk."""
    repeat = closed.version.repeat
    if repeat is None or repeat.stops(met_by):
        return None
    version = closed.rule.version_on(met_by.date)
    if version is None or version.repeat is None:
        return None
    occurrence = closed.occurrence + 1
    period = version.repeat.interval(occurrence, origin.date, met_by.date, calendar)
    return Obligation(closed.rule, version, closed.child, met_by, period, occurrence=occurrence)


def due_date(
    obligation_period: Period, version: RuleVersion, trigger_day: dt.date, calendar: WorkingCalendar
) -> dt.date:
    """The due date a backend uses while matching (the most lenient reading of the period)."""
    before = version.direction == AT_LEAST_BEFORE
    sign = -1 if before else 1
    readings = obligation_period.judged_readings(before)
    if len(readings) == 1:
        return obligation_period.due(trigger_day, calendar, readings[0], sign)
    return max(obligation_period.due(trigger_day, calendar, reading, sign) for reading in readings)


def _status(met_by: Event | None, cancelled_by: Event | None, due: dt.date, as_of: dt.date) -> Status:
    if met_by is not None:
        return Status.MET if met_by.date <= due else Status.LATE
    if cancelled_by is not None and cancelled_by.date <= due:
        return Status.CANCELLED
    if as_of > due:
        return Status.MISSING
    return Status.PENDING


def _status_on(met: dt.date | None, cancelled: dt.date | None, due: dt.date, as_of: dt.date) -> Status:
    """:func:`_status` for dates (a finding judged on a day its estimated range allows)."""
    if met is not None:
        return Status.MET if met <= due else Status.LATE
    if cancelled is not None and cancelled <= due:
        return Status.CANCELLED
    return Status.MISSING if as_of > due else Status.PENDING


#: How an explanation names a status on a given day.
_STATUS_WORDS = {
    Status.MET: "on time",
    Status.LATE: "late",
    Status.MISSING: "missing",
    Status.PENDING: "not yet due",
    Status.CANCELLED: "no longer needed",
}
_ROLES = ("trigger", "met by", "cancelled by", "extended by")
#: Beyond this many combinations of estimated days, only each range's ends and best guess are
#: judged (enough: a later trigger only moves the deadline later, a later meeting only later).
_MOST_RANGE_COMBINATIONS = 20_000


def _span(first: dt.date, last: dt.date) -> str:
    return (
        f"on {human_date(first)}" if first == last else f"between {human_date(first)} and {human_date(last)}"
    )


def _why_readings(period: Period, before: bool) -> str:
    """What the source leaves open, for a finding whose readings disagree."""
    clear = "may mean clear days, with that many whole days between the two (R v Turner; Re Hector Whaling)"
    unstated = period.unit is Unit.DAYS_UNSTATED
    if before and not period.clear_stated:
        return f"without saying which kind of day, and {clear}" if unstated else f"which {clear}"
    return "without saying which kind of day"


def _readings_disagree(
    period: Period, before: bool, statuses: tuple[tuple[Reading, dt.date, Status], ...]
) -> str:
    readings_text = "; ".join(
        f"read as {r.describe()} it is due {d.isoformat()} ({s.value})" for r, d, s in statuses
    )
    said = f"at least {period.describe()} before" if before else period.describe()
    return f"the source says '{said}' {_why_readings(period, before)}: {readings_text}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _lateness(late_by: Lateness) -> str:
    """``3 working days (5 calendar days)``."""
    calendar_days = _plural(late_by.calendar_days, "calendar day")
    return f"{_plural(late_by.working_days, 'working day')} ({calendar_days})"


class Judge:
    """Turns obligations into findings for one case (its calendar, vocabulary and as-of date)."""

    def __init__(
        self,
        case: str,
        calendar: WorkingCalendar,
        vocabulary: Vocabulary,
        as_of: dt.date,
        calendar_for: Callable[[Rule], WorkingCalendar] | None = None,
        source: str | None = None,
    ):
        self.case = case
        self.source = source
        #: The nation's calendar; ``calendar_for`` gives a rule counting a pack's closures its own.
        self.calendar = calendar
        self.calendar_for = calendar_for
        self.vocabulary = vocabulary
        self.as_of = as_of

    def label(self, event_type: str) -> str:
        known = self.vocabulary.types.get(event_type)
        return known.label if known else event_type.replace("_", " ")

    def dated(self, event: Event) -> str:
        """``the child protection plan ended Fri 1 Mar 2024``: an event by its kind and date."""
        return f"the {self.label(event.type)} {human_date(event.date)}"

    def finding(self, ob: Obligation) -> Finding:
        rule, version = ob.rule, ob.version
        calendar = self.calendar if self.calendar_for is None else self.calendar_for(rule)
        before = version.direction == AT_LEAST_BEFORE
        sign = -1 if before else 1
        period = ob.period
        if ob.extended_by is not None and version.extension is not None:
            period = version.extension.to
        readings = period.judged_readings(before)
        trigger_day = ob.trigger.date
        met_by = ob.met_by
        if len(readings) == 1:  # the common case: one reading of the period
            reading = readings[0]
            due = period.due(trigger_day, calendar, reading, sign)
            if met_by is not None:
                status = Status.MET if met_by.date <= due else Status.LATE
            else:
                status = _status(None, ob.cancelled_by, due, self.as_of)
            statuses: tuple[tuple[Reading, dt.date, Status], ...] = ((reading, due, status),)
            if not FIRST_YEAR <= due.year < LAST_YEAR:
                self._outside_calendar(ob, due)
        else:
            statuses = tuple(
                (r, d, _status(ob.met_by, ob.cancelled_by, d, self.as_of))
                for r in readings
                for d in (period.due(trigger_day, calendar, r, sign),)
            )
            # The most lenient reading is reported; the finding is uncertain if another disagrees.
            reading, due, status = max(statuses, key=lambda item: item[1])
            for _, each_due, _ in statuses:
                if not in_calendar(each_due):
                    self._outside_calendar(ob, each_due)

        uncertain: list[str] = []
        across_range = ""
        involved = (ob.trigger, ob.met_by, ob.cancelled_by, ob.extended_by or ob.late_extension)
        if (
            ob.trigger.estimated
            or (ob.met_by is not None and ob.met_by.estimated)
            or (ob.cancelled_by is not None and ob.cancelled_by.estimated)
            or (ob.extended_by is not None and ob.extended_by.estimated)
            or (ob.late_extension is not None and ob.late_extension.estimated)
        ):
            ranged = [e for e in involved if e is not None and e.estimated_between is not None]
            if ranged:
                across_range, depends = self._across_ranges(ob, calendar, ranged)
                if depends:
                    uncertain.append(depends)
            for role, event in zip(_ROLES, involved, strict=True):
                if event is None or not event.estimated:
                    continue
                if event.estimated_between is not None:
                    continue  # judged on every day of its range, above
                if role == "extended by" and event is ob.late_extension:
                    continue  # a late extension does not count, whatever its exact day
                uncertain.append(
                    f"the date of the {self.label(event.type)} ({event.id}, {role}) is estimated"
                )
        for attribute in rule.unrecorded_on(ob.trigger):
            # SI 2006/1738 reg 3: child protection matters fall outside the statutory complaints
            # procedure, so a complaint's procedure decides which timescales apply. Unrecorded, the
            # complaint is judged under each procedure that could apply, and each finding says so.
            uncertain.append(
                f"the {self.label(ob.trigger.type)} ({ob.trigger.id}, trigger) does not record its "
                f"{attribute.replace('_', ' ')}: this timescale applies only if it was "
                f"{self._allowed_text(rule, attribute)}; record it to settle which timescale applies"
            )
        if len(statuses) > 1 and len({s for _, _, s in statuses}) > 1:
            uncertain.append(_readings_disagree(period, before, statuses))
        if ob.later_triggers:
            uncertain.extend(self._restarts(ob, period, reading, status, calendar))

        late_by = None
        if status is Status.LATE:
            assert ob.met_by is not None
            late_by = Lateness(
                calendar.working_days_between(due, ob.met_by.date),
                calendar_days_between(due, ob.met_by.date),
            )
        elif status is Status.MISSING:
            late_by = Lateness(
                calendar.working_days_between(due, self.as_of), calendar_days_between(due, self.as_of)
            )

        trigger = ob.trigger
        # In one step (new_finding): this runs once per deadline of every case.
        return new_finding(
            self.case,
            ob.child,
            rule.id,
            rule.title,
            status,
            event_ref(trigger.id, trigger.type, trigger.date, trigger.line),
            rule.expects.type,
            due,
            event_ref(met_by.id, met_by.type, met_by.date) if met_by is not None else None,
            late_by,
            bool(uncertain),
            version.source.ref,
            _Explanation(self, calendar, ob, period, reading, due, status, late_by, statuses, across_range),
            tuple(uncertain),
            ob.occurrence,
            trigger.carried,
            rule.about,
            (),
            rule.requirement,
        )

    def _across_ranges(
        self, ob: Obligation, calendar: WorkingCalendar, ranged: list[Event]
    ) -> tuple[str, str]:
        """Judge the finding on every day an estimated range allows (every combination of days when
        more than one of its dates is a range). Returns a sentence for the explanation and, when
        the answer depends on the exact day, the reason the finding is uncertain (else "")."""
        version = ob.version
        extension = ob.extended_by or ob.late_extension
        combinations = 1
        for event in ranged:
            first, last = event.estimated_between or (event.date, event.date)
            combinations *= (last - first).days + 1
        exhaustive = combinations <= _MOST_RANGE_COMBINATIONS

        def days(event: Event | None) -> tuple[dt.date | None, ...]:
            if event is None:
                return (None,)
            if event.estimated_between is None:
                return (event.date,)
            first, last = event.estimated_between
            if not exhaustive:  # the answer moves one way as a date moves: the ends and the guess
                return tuple(sorted({first, event.date, last}))
            return tuple(first + dt.timedelta(days=n) for n in range((last - first).days + 1))

        judged: list[tuple[tuple[dt.date | None, ...], Status]] = []
        for trigger_day, met_day, cancel_day, extension_day in itertools.product(
            days(ob.trigger), days(ob.met_by), days(ob.cancelled_by), days(extension)
        ):
            assert trigger_day is not None
            period = ob.period
            if (
                extension_day is not None
                and version.extension is not None
                and extension_day <= due_date(ob.period, version, trigger_day, calendar)
            ):
                period = version.extension.to
            due = due_date(period, version, trigger_day, calendar)
            judged.append(
                (
                    (trigger_day, met_day, cancel_day, extension_day),
                    _status_on(met_day, cancel_day, due, self.as_of),
                )
            )
        found = {status for _, status in judged}
        names = ", ".join(
            f"the {self.label(e.type)} ({e.id}) {_span(*(e.estimated_between or (e.date, e.date)))}"
            for e in ranged
        )
        if len(found) == 1:
            (only,) = found
            return (
                f" Judged on every day the estimate allows ({names}): {_STATUS_WORDS[only]} on every one.",
                "",
            )
        if len(ranged) == 1:
            (event,) = ranged
            place = (ob.trigger, ob.met_by, ob.cancelled_by, extension).index(event)
            spans: list[tuple[Status, dt.date, dt.date]] = []
            for combination, status in judged:
                day = combination[place]
                assert day is not None
                if spans and spans[-1][0] is status:
                    spans[-1] = (status, spans[-1][1], day)
                else:
                    spans.append((status, day, day))
            parts = "; ".join(f"{_STATUS_WORDS[st]} if it was {_span(a, b)}" for st, a, b in spans)
            first, last = event.estimated_between or (event.date, event.date)
            said = f"the {self.label(event.type)} ({event.id}) is estimated {_span(first, last)}: {parts}"
        else:
            counts = ", ".join(
                f"{_STATUS_WORDS[st]} in {sum(1 for _, s in judged if s is st)}"
                for st in sorted(found, key=lambda s: s.value)
            )
            said = f"judged on {len(judged)} combinations of the estimated days ({names}): {counts}"
        words = " or ".join(_STATUS_WORDS[st] for st in _STATUS_WORDS if st in found)
        depends = f"{words} depending on the exact day"
        return f" {depends[0].upper()}{depends[1:]}: {said}.", f"{said}: {depends}"

    @staticmethod
    def _allowed_text(rule: Rule, attribute: str) -> str:
        """What the rule's recorded-value trigger allows for ``attribute`` ("statutory")."""
        allowed = sorted({v for p in rule.triggers for v in p.where.get(attribute, ())})
        refused = sorted({v for p in rule.triggers for v in p.where_not.get(attribute, ())})
        if allowed:
            return " or ".join(allowed)
        return "not " + " or ".join(refused) if refused else "recorded"

    def _restarts(
        self, ob: Obligation, period: Period, reading: Reading, status: Status, calendar: WorkingCalendar
    ) -> list[str]:
        """A later trigger may have begun a separate process (a new section 47 enquiry after one
        that ended unrecorded): say so where timing from it gives another answer."""
        found = []
        for later in ob.later_triggers or ():
            due = period.due(later.date, calendar, reading, 1)
            other = _status(ob.met_by, ob.cancelled_by, due, self.as_of)
            if other is not status:
                found.append(
                    f"the {self.label(later.type)} {later.id} ({later.date.isoformat()}) may have begun a "
                    f"separate enquiry, and the data does not record whether the first ended: timed from it, "
                    f"the deadline is {due.isoformat()} ({other.value})"
                )
        return found

    def _outside_calendar(self, ob: Obligation, due: dt.date) -> None:
        """A deadline the calendar cannot count to (a 30-month period from a trigger in 2099) is
        refused for the case, at the trigger's line, rather than reported as if it were real."""
        trigger = ob.trigger
        raise CalendarError(
            [
                problem(
                    self.source or self.case,
                    f"{ob.rule.id}: the deadline from {trigger.id} ({trigger.date.isoformat()}) would fall "
                    f"in {due.year}, outside the years the bank-holiday calendars cover "
                    f"({FIRST_YEAR} to {LAST_YEAR - 1})",
                    line=trigger.line,
                    field="date",
                    code="E102",
                )
            ]
        )

    def explain(
        self,
        calendar: WorkingCalendar,
        ob: Obligation,
        period: Period,
        reading: Reading,
        due: dt.date,
        status: Status,
        late_by: Lateness | None,
        statuses: list[tuple[Reading, dt.date, Status]],
    ) -> str:
        """A paragraph a QA officer can check by hand with a calendar."""
        unit = reading.unit
        trigger = ob.trigger
        before = ob.version.direction == AT_LEAST_BEFORE
        expected = self.label(ob.rule.expects.type)
        expected_cap = expected[0].upper() + expected[1:]
        parts: list[str] = []
        trigger_label = self.label(trigger.type)
        if ob.rule.snapshot:
            return _snapshot_text(self, calendar, ob, period, unit, due, status, late_by)
        if before:
            counted = (
                f"with {period.describe(unit, clear=True)} clear between, the last day is"
                if reading.clear
                else f"{period.describe(unit)} before it is"
            )
            parts.append(
                f"The {trigger_label} was held {human_date(trigger.date)}; {counted} {human_date(due)}"
            )
        elif period.inclusive:
            # "Beginning with" the day (LGA 1974 ss.26B, 31(2)): the trigger's day is day 1.
            opening = f"{trigger_label[0].upper()}{trigger_label[1:]} {human_date(trigger.date)} (day 1)"
            parts.append(
                f"{opening}; the period of {Period(period.amount, unit).describe()} beginning with "
                f"that day ends {human_date(due)}"
            )
        else:
            opening = f"{trigger_label[0].upper()}{trigger_label[1:]} {human_date(trigger.date)} (day 0)"
            if ob.occurrence > 1:
                opening = f"Previous {trigger_label} {human_date(trigger.date)} (day 0)"
            parts.append(f"{opening}; {period.describe(unit)} later is {human_date(due)}")
        if unit is Unit.WORKING_DAYS:
            skipped = calendar.closed_weekdays_between(trigger.date, due)
            if skipped:
                names = ", ".join(f"{human_date(d)} ({name})" for d, name in skipped)
                parts[-1] += f", not counting {names}"
            if trigger.date.weekday() >= 5 or calendar.holiday_name(trigger.date):
                parts[-1] += "; the count starts on the next working day"
        else:
            if unit is Unit.CALENDAR_MONTHS and not period.inclusive and due.day != trigger.date.day:
                parts[-1] += f" (that month has no day {trigger.date.day}, so its last day)"
            note = calendar.roll_note(due)
            if note:
                parts[-1] += f"; {note}, and the deadline is not moved"
        text = parts[0] + "."
        if ob.extended_by is not None:
            first = ob.period.shift(trigger.date, calendar, ob.period.readings()[-1], -1 if before else 1)
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
            text += f" {expected_cap}: {human_date(ob.met_by.date)}, {_lateness(late_by)} late."
        elif status is Status.MISSING:
            assert late_by is not None
            text += (
                f" There was no {expected} by {human_date(self.as_of)}, the date of this check: "
                f"{_plural(late_by.working_days, 'working day')} overdue."
            )
            if ob.cancelled_by is not None:
                text += f" The need ended with {self.dated(ob.cancelled_by)}, after the due date."
        elif status is Status.PENDING:
            text += f" No {expected} yet at {human_date(self.as_of)}; it is not yet due."
        else:
            assert ob.cancelled_by is not None
            text += f" The need ended with {self.dated(ob.cancelled_by)}, before the due date."
        if len(statuses) > 1:
            other = [f"as {r.describe()} the deadline is {human_date(d)} ({s.value})" for r, d, s in statuses]
            said = f"at least {period.describe()} before" if before else period.describe()
            text += f" The source says '{said}' {_why_readings(period, before)}: {'; '.join(other)}."
        return text


def _snapshot_text(
    judge: Judge,
    calendar: WorkingCalendar,
    ob: Obligation,
    period: Period,
    unit: Unit,
    due: dt.date,
    status: Status,
    late_by: Lateness | None,
) -> str:
    """A snapshot finding in the words of a list of latest dates: never as a full history."""
    trigger = ob.trigger
    label = judge.label(trigger.type)
    expected = judge.label(ob.rule.expects.type)
    text = (
        f"The latest {label} on the list is {human_date(trigger.date)} (day 0); "
        f"{period.describe(unit)} later is {human_date(due)}"
    )
    if unit is Unit.WORKING_DAYS:
        skipped = calendar.closed_weekdays_between(trigger.date, due)
        if skipped:
            text += ", not counting " + ", ".join(f"{human_date(d)} ({n})" for d, n in skipped)
    elif unit is Unit.CALENDAR_MONTHS and due.day != trigger.date.day:
        text += f" (that month has no day {trigger.date.day}, so its last day)"
    text += "."
    if status is Status.MISSING:
        assert late_by is not None
        text += (
            f" At the list date, {human_date(judge.as_of)}, no later {expected} is recorded: "
            f"overdue by {_lateness(late_by)}."
        )
    elif status is Status.PENDING:
        text += f" At the list date, {human_date(judge.as_of)}, the next {expected} is not yet due."
    else:
        assert ob.cancelled_by is not None
        text += f" The list records {judge.dated(ob.cancelled_by)}, before the next was due."
    return text + " (The list holds only the latest date, so earlier ones are not judged.)"


@dataclass(slots=True)
class _Explanation:
    """The inputs of an explanation, written out by :meth:`Judge.explain` when first read."""

    judge: Judge
    calendar: WorkingCalendar
    obligation: Obligation
    period: Period
    reading: Reading
    due: dt.date
    status: Status
    late_by: Lateness | None
    statuses: tuple[tuple[Reading, dt.date, Status], ...]
    #: What judging every day of an estimated range found (empty when no date is a range).
    across_range: str = ""

    def __call__(self) -> str:
        text = self.judge.explain(
            self.calendar,
            self.obligation,
            self.period,
            self.reading,
            self.due,
            self.status,
            self.late_by,
            list(self.statuses),
        )
        return text + self.across_range
