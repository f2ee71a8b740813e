"""The native backend: matching in plain Python.

Per child, events sorted by date (then source order); per rule:

* a trigger opens an obligation under the rule version in force on the trigger's date;
* the obligation is closed by the first later event (same day counts) that meets the rule or
  cancels it; an extension event on or before the first due date lengthens the limit;
* without a ``for:`` link, a trigger arriving while the rule's obligation is still open is not a
  new start (the clock runs from the first: WT's "strategy discussion at which section 47
  enquiries were initiated"); with a link, every trigger is its own obligation;
* a repeating rule opens the next interval at each meeting event, unless that event stops it.

Judging (due dates, status, lateness, explanation) is shared: see ``obligations.py``.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Sequence

from ..calendar import WorkingCalendar
from ..rules.model import AT_LEAST_BEFORE, EventPattern, Rule
from ..timeline import Event
from .obligations import Obligation, due_date, next_interval, opened, snapshot_obligation


class NativeEvaluator:
    """The reference backend; every other backend is checked against it."""

    name = "native"

    def obligations(
        self, child: str, events: Sequence[Event], rules: Sequence[Rule], calendar: WorkingCalendar
    ) -> Iterator[Obligation]:
        """Every obligation of ``rules`` for ``child``, from the child's events in date order."""
        present = {e.type for e in events}
        for rule in rules:
            if present.isdisjoint(rule.trigger_types):
                continue
            types = rule.event_types
            relevant = [e for e in events if e.type in types]
            if rule.snapshot:
                found = snapshot_obligation(rule, child, relevant)
                if found is not None:
                    yield found
            elif rule.one_open_at_a_time:
                yield from _chained(rule, child, relevant, calendar)
            else:
                yield from _linked(rule, child, relevant, calendar)


def _linked(rule: Rule, child: str, events: list[Event], calendar: WorkingCalendar) -> Iterator[Obligation]:
    """Rules whose meeting event names its trigger (`for: trigger`): one obligation per trigger.

    Each trigger is closed through a :class:`_LinkIndex` (events found by link and by position),
    so a case with thousands of conferences costs time in proportion to its events, not their
    square.
    """
    index: _LinkIndex | None = None
    for position, trigger in enumerate(events):
        if not rule.is_triggered_by(trigger):
            continue
        version = rule.version_on(trigger.date)
        if version is None:
            continue
        if index is None:
            index = _LinkIndex(rule, events)
        ob = Obligation(rule, version, child, trigger, version.period)
        if version.direction == AT_LEAST_BEFORE:
            # The report may come before or after the conference: any linked event counts.
            met = index.first_meeting(trigger.id, 0, position)
            yield _closed(ob, None if met is None else events[met], None, None, None)
        else:
            yield index.close(ob, position, calendar)


class _LinkIndex:
    """The events of one child that can close or extend a linked rule's obligations, found by link
    key and position instead of by scanning (the same answers as :func:`_close`, in log time).

    ``events`` are the rule's relevant events in date order; positions index into them.
    """

    def __init__(self, rule: Rule, events: list[Event]) -> None:
        self.rule = rule
        self.events = events
        #: trigger id -> positions of the events that meet it (they name it with `for:`).
        self.meeting: dict[str, list[int]] = {}
        #: positions of the events that end the need (no link: they end every open obligation).
        self.cancelling: list[int] = []
        #: position -> the first position of that event's day (same-day events may answer).
        self.day_start: list[int] = []
        #: extension pattern -> (positions by link key, or under None when it needs no link).
        self._extending: dict[int, dict[str | None, list[int]]] = {}
        expects, cancels = rule.expects, rule.cancelled_by
        first_of_day = 0
        for position, event in enumerate(events):
            if position and event.date != events[position - 1].date:
                first_of_day = position
            self.day_start.append(first_of_day)
            if event.refers_to is not None and expects.matches_unlinked(event):
                self.meeting.setdefault(event.refers_to, []).append(position)
            if any(c.matches(event) for c in cancels):
                self.cancelling.append(position)

    @staticmethod
    def _first(positions: list[int], start: int, skip: int) -> int | None:
        """The first of ``positions`` at or after ``start`` that is not ``skip``."""
        at = bisect.bisect_left(positions, start)
        if at < len(positions) and positions[at] == skip:
            at += 1
        return positions[at] if at < len(positions) else None

    def first_meeting(self, trigger_id: str, start: int, trigger_position: int) -> int | None:
        return self._first(self.meeting.get(trigger_id, []), start, trigger_position)

    def _extension_positions(self, pattern: EventPattern, trigger_id: str) -> list[int]:
        by_key = self._extending.get(id(pattern))
        if by_key is None:
            by_key = {}
            for position, event in enumerate(self.events):
                if pattern.matches_unlinked(event):
                    key = event.refers_to if pattern.for_trigger else None
                    if key is not None or not pattern.for_trigger:
                        by_key.setdefault(key, []).append(position)
            self._extending[id(pattern)] = by_key
        return by_key.get(trigger_id if pattern.for_trigger else None, [])

    def close(self, ob: Obligation, trigger_position: int, calendar: WorkingCalendar) -> Obligation:
        """What closes ``ob``: the first meeting or cancelling event from the trigger's day on
        (a meeting event the same day as the cancelling one still meets it), and any extension."""
        trigger = ob.trigger
        events = self.events
        start = self.day_start[trigger_position]
        met = self.first_meeting(trigger.id, start, trigger_position)
        cancel = self._first(self.cancelling, start, trigger_position)
        met_by = cancelled_by = None
        closing = len(events)
        if met is not None and (cancel is None or met < cancel or events[met].date == events[cancel].date):
            met_by, closing = events[met], met
        elif cancel is not None:
            cancelled_by, closing = events[cancel], cancel
        extension = ob.version.extension if ob.occurrence == 1 else None
        extended_by = late_extension = None
        if extension is not None:
            positions = self._extension_positions(extension.by, trigger.id)
            low = bisect.bisect_left(positions, start)
            high = bisect.bisect_left(positions, closing)
            candidates = [
                p for p in (positions[low:high][:2] + positions[low:high][-2:]) if p != trigger_position
            ]
            if candidates:
                first_due = due_date(ob.period, ob.version, trigger.date, calendar)
                first = events[candidates[0]]
                if first.date <= first_due:
                    extended_by = first
                else:
                    # Dates only grow: every later candidate is late too; the report names the last.
                    late_extension = events[candidates[-1]]
        return _closed(ob, met_by, cancelled_by, extended_by, late_extension)


class _Used:
    """The events a chain of obligations has used up (its meeting events), by position.

    Each obligation is answered from the first event of its trigger's day, so a day with
    thousands of reviews would have every obligation walk back over the day and past the events
    already used. Here the first position of each day is kept, and the next unused position is
    found through a union-find over positions (path halving): near-constant time, so a chain is
    linear in the events of the case.
    """

    def __init__(self, events: list[Event]) -> None:
        self.next = list(range(len(events) + 1))
        self.day_start: list[int] = []
        first = 0
        for position, event in enumerate(events):
            if position and event.date != events[position - 1].date:
                first = position
            self.day_start.append(first)

    def free(self, position: int) -> int:
        """The first position at or after ``position`` not used (``len(events)``: none)."""
        following = self.next
        while following[position] != position:
            following[position] = following[following[position]]
            position = following[position]
        return position

    def use(self, position: int) -> None:
        self.next[position] = position + 1

    def is_used(self, position: int) -> bool:
        return self.next[position] != position


_NONE_USED: set[int] = set()


def _chained(rule: Rule, child: str, events: list[Event], calendar: WorkingCalendar) -> Iterator[Obligation]:
    """Rules without a link: one open obligation at a time, repeats chained from the last meeting."""
    index = 0
    used = _Used(events)
    while index < len(events):
        origin = events[index]
        # Used events are tracked by position here (see _Used), so `opened` is given no others.
        ob = None if used.is_used(index) else opened(rule, child, origin, _NONE_USED)
        if ob is None:
            index += 1
            continue
        while True:
            closed, closing_index = _close(ob, events, index, calendar, used)
            yield closed
            if closed.met_by is None and closed.cancelled_by is None:
                return  # still open at the end: no later trigger starts a new clock
            if closed.met_by is None:
                # Cancelled: a later trigger may start a new clock, the cancelling event itself
                # included (a new placement ends the last one's visits and starts its own).
                if closing_index > index:
                    index = closing_index - 1  # the `index += 1` below lands on it
                break
            # A same-day answer may sit before its trigger: never scan backwards.
            index = max(index, closing_index)
            used.use(closing_index)
            # The meeting event opens the next interval, under the version in force on its date.
            following = next_interval(closed, closed.met_by, origin, calendar)
            if following is None:
                break
            ob = following
            index = closing_index
        index += 1


def _close(
    ob: Obligation,
    events: list[Event],
    trigger_index: int,
    calendar: WorkingCalendar,
    used: _Used | None = None,
) -> tuple[Obligation, int]:
    """Find what closes ``ob``: the first event from the trigger's day on that meets or cancels it.

    Returns the closed obligation and the index of the closing event (or of the last event).
    """
    rule, version, trigger = ob.rule, ob.version, ob.trigger
    extension = version.extension if ob.occurrence == 1 else None
    # Only an extension needs the first due date while matching (was it notified in time?).
    first_due = due_date(ob.period, version, trigger.date, calendar) if extension is not None else None
    if used is None:
        used = _Used(events)
    # A same-day event sorted before the trigger may still answer it.
    start = used.day_start[trigger_index]
    extended_by = late_extension = None
    # Later triggers while open, for a rule where one may begin a separate process (judged there).
    later: list[Event] | None = [] if rule.later_trigger_may_restart and ob.occurrence == 1 else None
    ob.later_triggers = later
    end = len(events)
    position = start - 1
    while (position := used.free(position + 1)) < end:
        event = events[position]
        if event is trigger:
            continue
        if rule.expects.matches(event, trigger):
            closed_by: tuple[Event | None, Event | None] = (event, None)
        elif any(c.matches(event) for c in rule.cancelled_by):
            # On the day the need ends, a meeting event that same day still meets it.
            same_day = position + 1
            while same_day < end and events[same_day].date == event.date:
                answer = events[same_day]
                if (
                    answer is not trigger
                    and not used.is_used(same_day)
                    and rule.expects.matches(answer, trigger)
                ):
                    break
                same_day += 1
            if same_day < end and events[same_day].date == event.date:
                closed_by = (events[same_day], None)
                position = same_day
            else:
                closed_by = (None, event)
        else:
            if later is not None and event.date > trigger.date and rule.is_triggered_by(event):
                later.append(event)
            if extension is not None and extended_by is None and extension.by.matches(event, trigger):
                assert first_due is not None
                if event.date <= first_due:
                    extended_by = event
                else:
                    late_extension = event
            continue
        return _closed(ob, *closed_by, extended_by, late_extension), position
    return _closed(ob, None, None, extended_by, late_extension), len(events) - 1


def _closed(
    ob: Obligation,
    met_by: Event | None,
    cancelled_by: Event | None,
    extended_by: Event | None,
    late_extension: Event | None,
) -> Obligation:
    """``ob`` with what closed it, filled in place (it is this backend's own, not yet shared)."""
    ob.met_by, ob.cancelled_by, ob.extended_by, ob.late_extension = (
        met_by,
        cancelled_by,
        extended_by,
        late_extension,
    )
    return ob
