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

from collections.abc import Iterator, Sequence

from ..calendar import WorkingCalendar
from ..rules.model import AT_LEAST_BEFORE, Rule
from ..timeline import Event
from .obligations import Obligation, due_date


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
            if rule.one_open_at_a_time:
                yield from _chained(rule, child, relevant, calendar)
            else:
                yield from _linked(rule, child, relevant, calendar)


def _linked(rule: Rule, child: str, events: list[Event], calendar: WorkingCalendar) -> Iterator[Obligation]:
    """Rules whose meeting event names its trigger (`for: trigger`): one obligation per trigger."""
    for trigger in events:
        if not rule.is_triggered_by(trigger):
            continue
        version = rule.version_on(trigger.date)
        if version is None:
            continue
        ob = Obligation(rule, version, child, trigger, version.period)
        if version.direction == AT_LEAST_BEFORE:
            # The report may come before or after the conference: any linked event counts.
            met = next((e for e in events if e is not trigger and rule.expects.matches(e, trigger)), None)
            yield _closed(ob, met, None, None, None)
        else:
            yield _close(ob, events, events.index(trigger), calendar)[0]


def _chained(rule: Rule, child: str, events: list[Event], calendar: WorkingCalendar) -> Iterator[Obligation]:
    """Rules without a link: one open obligation at a time, repeats chained from the last meeting."""
    index = 0
    consumed: set[int] = set()
    while index < len(events):
        trigger = events[index]
        if id(trigger) in consumed or not rule.is_triggered_by(trigger):
            index += 1
            continue
        version = rule.version_on(trigger.date)
        if version is None:
            index += 1
            continue
        ob = Obligation(rule, version, child, trigger, version.period)
        while True:
            closed, closing_index = _close(ob, events, index, calendar, consumed)
            yield closed
            if closed.met_by is None and closed.cancelled_by is None:
                return  # still open at the end: no later trigger starts a new clock
            # A same-day answer may sit before its trigger: never scan backwards.
            index = max(index, closing_index)
            if closed.met_by is None:
                break  # cancelled: a later trigger may start a new clock
            consumed.add(id(closed.met_by))
            repeat = version.repeat
            if repeat is None or repeat.stops(closed.met_by):
                break
            # The meeting event opens the next interval, under the version in force on its date.
            next_version = rule.version_on(closed.met_by.date)
            if next_version is None or next_version.repeat is None:
                break
            version = next_version
            ob = Obligation(
                rule,
                version,
                child,
                closed.met_by,
                next_version.repeat.every,
                occurrence=closed.occurrence + 1,
            )
            index = closing_index
        index += 1


def _close(
    ob: Obligation,
    events: list[Event],
    trigger_index: int,
    calendar: WorkingCalendar,
    consumed: set[int] | None = None,
) -> tuple[Obligation, int]:
    """Find what closes ``ob``: the first event from the trigger's day on that meets or cancels it.

    Returns the closed obligation and the index of the closing event (or of the last event).
    """
    rule, version, trigger = ob.rule, ob.version, ob.trigger
    extension = version.extension if ob.occurrence == 1 else None
    # Only an extension needs the first due date while matching (was it notified in time?).
    first_due = due_date(ob.period, version, trigger.date, calendar) if extension is not None else None
    start = trigger_index
    while start > 0 and events[start - 1].date == trigger.date:
        start -= 1  # a same-day event sorted before the trigger may still answer it

    taken = consumed if consumed is not None else set()

    extended_by = late_extension = None
    for position in range(start, len(events)):
        event = events[position]
        if event is trigger or id(event) in taken:
            continue
        if rule.expects.matches(event, trigger):
            closed_by: tuple[Event | None, Event | None] = (event, None)
        elif any(c.matches(event) for c in rule.cancelled_by):
            # On the day the need ends, a meeting event that same day still meets it.
            same_day = next(
                (
                    (later, position + offset + 1)
                    for offset, later in enumerate(events[position + 1 :])
                    if later.date == event.date
                    and later is not trigger
                    and id(later) not in taken
                    and rule.expects.matches(later, trigger)
                ),
                None,
            )
            if same_day is not None:
                closed_by = (same_day[0], None)
                position = same_day[1]
            else:
                closed_by = (None, event)
        else:
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
