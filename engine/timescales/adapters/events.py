"""Turning raw event records (from YAML, JSON or CSV) into checked :class:`Event` objects.

Every adapter hands this module records of strings plus a way to locate each field; it checks them
against the vocabulary and returns events or problems, never a half-built event.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field

from ..calendar import parse_iso_date
from ..errors import Problem, problem, quoted
from ..timeline import Event
from ..vocabulary import EVENT_FIELDS, Vocabulary, parse_boolean

Locator = Callable[[str], tuple[int | None, int | None]]
#: The longest estimated range: a decision's "mid-August" or "late 2023" spans weeks, not years.
MAX_ESTIMATED_RANGE_DAYS = 366


@dataclass
class RawEvent:
    """An event as read from a source, before checking. Values are strings (or lists of strings)."""

    values: Mapping[str, object]
    locate: Locator
    field_prefix: str
    position: int
    line: int | None
    file: str
    extra_children: tuple[str, ...] = field(default=())


def build_event(raw: RawEvent, vocabulary: Vocabulary) -> tuple[Event | None, list[Problem]]:
    """Check one raw event; return the event, or ``None`` and every problem with it."""
    problems: list[Problem] = []

    def report(name: str, message: str, code: str, hint: str | None = None) -> None:
        line, col = raw.locate(name)
        problems.append(
            problem(
                raw.file,
                message,
                line=line,
                column=col,
                field=f"{raw.field_prefix}{name}",
                code=code,
                hint=hint,
            )
        )

    values = raw.values
    event_id = values.get("id")
    event_type = values.get("type")
    date_text = values.get("date")
    for name, value in (("id", event_id), ("type", event_type), ("date", date_text)):
        if value is None or value == "":
            report(name, f"missing required field `{name}`", "E201")
        elif not isinstance(value, str):
            report(name, f"`{name}` must be a single value", "E202")
    date = None
    if isinstance(date_text, str) and date_text:
        try:
            date = parse_iso_date(date_text)
        except ValueError as exc:
            report("date", str(exc), "E203")
    type_ok = False
    if isinstance(event_type, str) and event_type:
        error, hint = vocabulary.check_type(event_type)
        if error:
            report("type", error, "E204", hint)
        else:
            type_ok = True

    attributes: dict[str, str] = {}
    estimated = False
    estimated_between: tuple[dt.date, dt.date] | None = None
    note = None
    refers_to = None
    children: tuple[str, ...] | None = None
    for name, value in values.items():
        if name in ("id", "type", "date"):
            continue
        if name == "estimated":
            if isinstance(value, Mapping):
                estimated = True
                estimated_between = _estimated_range(value, date, lambda m: report("estimated", m, "E205"))
                continue
            flag = parse_boolean(value) if isinstance(value, str) else None
            if flag is None and value is not None:
                report(name, f"expected true or false, got {quoted(str(value))}", "E205")
            estimated = bool(flag)
        elif name == "note":
            note = value if isinstance(value, str) else None
        elif name == "for":
            if value is not None and not isinstance(value, str):
                report(name, "`for` must be the id of one event", "E202")
            refers_to = value if isinstance(value, str) and value else None
        elif name == "children":
            if value is None:
                continue
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                report(name, "`children` must be a list of child names", "E202")
            else:
                children = tuple(value)
        elif not type_ok or value is None or value == "":
            continue
        elif not isinstance(value, str):
            report(name, "an attribute must be a single value", "E202")
        else:
            assert isinstance(event_type, str)
            normalised, error, hint = vocabulary.check_attribute(event_type, name, value)
            if error:
                report(name, error, "E206", hint)
            else:
                assert normalised is not None
                attributes[name] = normalised
    if raw.extra_children:
        children = tuple(sorted(set(children or ()) | set(raw.extra_children)))
    if problems or date is None:
        return None, problems
    assert isinstance(event_id, str) and isinstance(event_type, str)
    return (
        Event(
            id=event_id,
            type=event_type,
            date=date,
            attributes=attributes,
            children=children,
            refers_to=refers_to,
            estimated=estimated,
            note=note,
            position=raw.position,
            line=raw.line,
            estimated_between=estimated_between,
        ),
        problems,
    )


def _estimated_range(
    value: Mapping[object, object], date: dt.date | None, report: Callable[[str], None]
) -> tuple[dt.date, dt.date] | None:
    """`estimated: {from: 2023-08-10, to: 2023-08-20}`: the days the estimated date may fall on,
    which must include the event's `date` (the best guess)."""
    if set(value) != {"from", "to"}:
        report("an estimated range is written {from: date, to: date}")
        return None
    ends: list[dt.date] = []
    for key in ("from", "to"):
        text = value[key]
        try:
            ends.append(parse_iso_date(text) if isinstance(text, str) else parse_iso_date(str(text)))
        except ValueError as exc:
            report(f"the range's `{key}`: {exc}")
            return None
    first, last = ends
    if first > last:
        report(f"the range runs backwards: from {first.isoformat()} to {last.isoformat()}")
        return None
    if date is not None and not first <= date <= last:
        report(
            f"the date {date.isoformat()} is outside its estimated range "
            f"({first.isoformat()} to {last.isoformat()}): the date is the best guess within the range"
        )
        return None
    if (last - first).days > MAX_ESTIMATED_RANGE_DAYS:
        report(
            f"an estimated range of more than {MAX_ESTIMATED_RANGE_DAYS} days cannot support a finding "
            "(every day of it is judged): leave the date `estimated: true` instead"
        )
        return None
    return first, last


def duplicate_ids(records: Iterable[tuple[object, str, int | None, int | None]], file: str) -> list[Problem]:
    """Event ids used twice in a case, checked on the raw records so a broken event still counts.

    ``records`` are ``(id, field prefix, line, column)``.
    """
    problems: list[Problem] = []
    first_line: dict[str, int | None] = {}
    for event_id, prefix, line, column in records:
        if not isinstance(event_id, str) or not event_id:
            continue
        if event_id in first_line:
            problems.append(
                problem(
                    file,
                    f"duplicate event id {event_id!r} (first used on line {first_line[event_id]})",
                    line=line,
                    column=column,
                    field=f"{prefix}id",
                    code="E210",
                )
            )
        else:
            first_line[event_id] = line
    return problems


def check_case_links(
    events: Iterable[Event],
    case_children: tuple[str, ...],
    vocabulary: Vocabulary,
    file: str,
    field_of: Callable[[Event], str],
    locate: Callable[[Event, str], tuple[int | None, int | None]] | None = None,
    unreadable: Collection[str] = (),
) -> list[Problem]:
    """Checks across a case's events: ``for:`` resolves to an allowed type, children are known.

    ``unreadable``: ids of events already reported as unreadable; a ``for:`` naming one of them is
    not reported again as pointing nowhere.
    """
    problems: list[Problem] = []
    events = list(events)
    by_id = {e.id: e for e in events}

    def report(event: Event, key: str, message: str, code: str) -> None:
        line, column = locate(event, key) if locate else (event.line, None)
        problems.append(
            problem(file, message, line=line, column=column, field=f"{field_of(event)}{key}", code=code)
        )

    for event in events:
        if event.refers_to is not None:
            target = by_id.get(event.refers_to)
            allowed = vocabulary.types[event.type].may_refer_to
            if target is None:
                if event.refers_to not in unreadable:
                    report(event, "for", f"`for: {event.refers_to}` points to no event of this case", "E211")
            elif not allowed:
                report(event, "for", f"{event.type} events cannot refer to another event with `for`", "E212")
            elif target.type not in allowed:
                report(
                    event,
                    "for",
                    f"a {event.type} can refer to {' or '.join(allowed)}, "
                    f"not to {target.id!r} ({target.type})",
                    "E212",
                )
        for child in event.children or ():
            if child not in case_children:
                report(
                    event,
                    "children",
                    f"child {child!r} is not one of the case's children ({', '.join(case_children)})",
                    "E213",
                )
    return problems


__all__ = ["EVENT_FIELDS", "RawEvent", "build_event", "check_case_links", "duplicate_ids"]
