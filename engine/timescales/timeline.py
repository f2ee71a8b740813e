"""The internal timeline: one case, its children and its dated events.

Every source (YAML, JSON, CSV event log, CIN census XML) produces these same objects, so the
evaluator never knows where a case came from.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Event:
    """One dated thing that happened in a case.

    ``attributes`` hold the vocabulary's attributes, normalised to strings (booleans are
    ``"true"``/``"false"``). ``children`` is ``None`` when the event concerns every child of the
    case. ``position`` is the event's place in its source and ``line`` its line, for messages.
    ``carried`` holds the source's columns that the engine does not use (``team``, ``worker``),
    exactly as written, so that reports can group and filter on them; rules never read them.
    """

    id: str
    type: str
    date: dt.date
    attributes: Mapping[str, str] = field(default_factory=dict)
    children: tuple[str, ...] | None = None
    refers_to: str | None = None
    estimated: bool = False
    note: str | None = None
    position: int = 0
    line: int | None = None
    carried: Mapping[str, str] = field(default_factory=dict)
    #: An estimated date known to lie in a range (`estimated: {from: ..., to: ...}`; ``date`` is the
    #: best guess inside it): findings that rest on it are judged on every day of the range.
    estimated_between: tuple[dt.date, dt.date] | None = None

    def concerns(self, child: str) -> bool:
        return self.children is None or child in self.children

    def sort_key(self) -> tuple[dt.date, str]:
        """Events are ordered by date, then by id.

        Not by their place in the source: the same case must give the same findings whatever order
        its events were written in, and ids are unique within a case.
        """
        return (self.date, self.id)


#: Event.sort_key, done in C.
_DATE_THEN_ID = operator.attrgetter("date", "id")


@dataclass(frozen=True, slots=True)
class Timeline:
    """One case: who it concerns and what happened, in any order.

    ``children`` is never empty: a case that names no children has one child, named by the case.
    """

    case: str
    events: tuple[Event, ...]
    children: tuple[str, ...]
    authority: str | None = None
    nation: str = "england"
    as_of: dt.date | None = None
    source: str | None = None
    #: Problems found in the source that left part of it out (file, line and why), for the report.
    left_out: tuple[str, ...] = ()
    #: The case's place among the cases of its source (a census file's children), for ordering.
    order: int = 0
    #: Rules this chronology cannot support, each with the reason (a decision gives no visit dates):
    #: they are not evaluated, and the report says so.
    skip_rules: Mapping[str, str] = field(default_factory=dict)
    #: The event types the source records completely (a census has no minutes or complaints).
    #: Rules expecting another type cannot be judged from it and are not evaluated. None: all.
    recorded_types: frozenset[str] | None = None
    #: The event types the source holds only the *latest* date of (Ofsted Annex A lists 6-9: last
    #: visit, latest review). Only snapshot rules are judged on those; see Rule.snapshot.
    latest_only: frozenset[str] = frozenset()
    #: The council's own due date for the deadline an event meets, by event id (the SSD's ICPC
    #: target date, a review's due date), shown beside ours so a QA officer sees where they differ.
    council_dues: Mapping[str, dt.date] = field(default_factory=dict)

    def can_judge(self, expected_type: str) -> bool:
        return self.recorded_types is None or expected_type in self.recorded_types

    def events_for(self, child: str) -> list[Event]:
        """The child's events in date order (same-day events by id: see Event.sort_key)."""
        if len(self.children) == 1:  # every event concerns the only child
            return sorted(self.events, key=_DATE_THEN_ID)
        return sorted((e for e in self.events if e.concerns(child)), key=_DATE_THEN_ID)


@dataclass(frozen=True, slots=True)
class SourceNote:
    """Something the reader of a report should know about one input as a whole, not about a case.

    A file read as Windows-1252, the columns carried into findings, rows read and used, or a file
    in a folder that was skipped (``skipped`` is then true) and why. Adapters yield these among the
    timelines; they never stop a run, but a run that finds no case lists the skipped files.
    """

    source: str
    text: str
    skipped: bool = False

    def __str__(self) -> str:
        return f"{self.source}: {self.text}"
