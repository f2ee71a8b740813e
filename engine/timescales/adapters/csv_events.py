"""CSV event logs, as a case system's report exports them: one row per event, many cases a file.

Columns: ``case, child, id, type, date`` (``child`` may be empty: the event concerns every child),
optionally ``for, estimated, note``, and any attribute column of the vocabulary. Row numbers in
messages are the file's line numbers (the header is line 1), as a spreadsheet shows them.

Rows of one case with the same event id and the same facts but different children are one event
for those children (exports often repeat a conference once per sibling).
"""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path

from ..errors import Problem, TimelineError, problem
from ..timeline import Event, Timeline
from ..vocabulary import Vocabulary, did_you_mean
from .events import RawEvent, build_event, check_case_links

REQUIRED = ("case", "id", "type", "date")
OPTIONAL = ("child", "for", "estimated", "note")


def iter_csv_timelines(path: Path, vocabulary: Vocabulary) -> Iterator[Timeline | TimelineError]:
    """Yield each case of the file, or the error that leaves it out; bad headers fail the file."""
    file = str(path)
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise TimelineError([problem(file, f"cannot read the file: {exc.strerror}", code="E001")]) from None
    with handle:
        reader = csv.reader(handle)
        try:
            header = next(reader)
        except StopIteration:
            raise TimelineError([problem(file, "the file is empty", line=1, code="E230")]) from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise TimelineError(
                [problem(file, f"not a readable CSV file: {exc}", line=1, code="E230")]
            ) from None
        columns = [c.strip() for c in header]
        _check_header(columns, vocabulary, file)
        cases: dict[str, list[tuple[int, dict[str, str]]]] = {}
        try:
            for row in reader:
                line = reader.line_num
                if not any(cell.strip() for cell in row):
                    continue
                if len(row) != len(columns):
                    cases.setdefault(row[0].strip() if row else "", []).append(
                        (line, {"__width__": str(len(row))})
                    )
                    continue
                values = {col: cell.strip() for col, cell in zip(columns, row, strict=True)}
                cases.setdefault(values["case"], []).append((line, values))
        except (csv.Error, UnicodeDecodeError) as exc:
            raise TimelineError(
                [problem(file, f"not a readable CSV file: {exc}", line=reader.line_num, code="E230")]
            ) from None
    for case, rows in cases.items():
        try:
            yield _case_timeline(case, rows, len(columns), vocabulary, file)
        except TimelineError as error:
            yield error


def _check_header(columns: list[str], vocabulary: Vocabulary, file: str) -> None:
    known_attributes = {a for t in vocabulary.types.values() for a in t.attributes}
    known = set(REQUIRED) | set(OPTIONAL) | known_attributes
    problems: list[Problem] = []
    for index, column in enumerate(columns, start=1):
        if column not in known:
            problems.append(
                problem(
                    file,
                    f"unknown column {column!r}",
                    line=1,
                    column=index,
                    field=column,
                    code="E231",
                    hint=did_you_mean(column, known),
                )
            )
    for column in REQUIRED:
        if column not in columns:
            problems.append(
                problem(file, f"missing required column {column!r}", line=1, field=column, code="E231")
            )
    if len(set(columns)) != len(columns):
        problems.append(problem(file, "a column is named twice", line=1, code="E231"))
    if problems:
        raise TimelineError(problems)


def _case_timeline(
    case: str, rows: list[tuple[int, dict[str, str]]], width: int, vocabulary: Vocabulary, file: str
) -> Timeline:
    problems: list[Problem] = []
    events: dict[str, Event] = {}
    children: list[str] = []
    for position, (line, values) in enumerate(rows):
        if "__width__" in values:
            problems.append(
                problem(
                    file,
                    f"row has {values['__width__']} cells, the header has {width}",
                    line=line,
                    code="E232",
                )
            )
            continue
        if not case:
            problems.append(
                problem(file, "missing required field `case`", line=line, field="case", code="E201")
            )
            continue
        child = values.get("child") or ""
        if child and child not in children:
            children.append(child)
        record = {k: (v if v != "" else None) for k, v in values.items() if k not in ("case", "child")}
        raw = RawEvent(
            record,
            _row_locator(line),
            "",
            position,
            line,
            file,
            extra_children=(child,) if child else (),
        )
        event, event_problems = build_event(raw, vocabulary)
        problems.extend(event_problems)
        if event is None:
            continue
        earlier = events.get(event.id)
        if earlier is not None and _same_facts(earlier, event) and earlier.children and event.children:
            merged = tuple(dict.fromkeys(earlier.children + event.children))
            events[event.id] = dataclasses.replace(earlier, children=merged)
        elif earlier is not None:
            problems.append(
                problem(
                    file,
                    f"duplicate event id {event.id!r} in case {case!r} (first on line {earlier.line})",
                    line=line,
                    field="id",
                    code="E210",
                )
            )
        else:
            events[event.id] = event
    case_children = tuple(children) or (case,)
    problems.extend(check_case_links(events.values(), case_children, vocabulary, file, lambda e: ""))
    if problems:
        raise TimelineError(problems)
    return Timeline(case=case, events=tuple(events.values()), children=case_children, source=file)


def _same_facts(a: Event, b: Event) -> bool:
    return (a.type, a.date, dict(a.attributes), a.refers_to, a.estimated) == (
        b.type,
        b.date,
        dict(b.attributes),
        b.refers_to,
        b.estimated,
    )


def _row_locator(line: int) -> Callable[[str], tuple[int | None, int | None]]:
    """In a CSV file every field of a row is located at the row's line."""

    def locate(_key: str) -> tuple[int | None, int | None]:
        return (line, None)

    return locate
