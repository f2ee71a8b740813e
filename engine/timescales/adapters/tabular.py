"""Event logs as tables (a CSV file, a spreadsheet sheet): one row per event, many cases a table.

The CSV and ``.xlsx`` adapters only turn their file into a header and rows of text; everything
else is decided here, once, so both read the same table the same way:

* **Headers** match ignoring case, spaces, underscores and hyphens (``Event Date`` = ``event_date``),
  or through a column mapping (:mod:`.mapping`). Columns the engine does not read are *carried*:
  each event keeps them (``Event.carried``) and each finding shows those of its trigger's row as
  ``attributes``, so ``team`` and ``worker`` reach every report. A column whose name is a near miss
  of an engine column (``secton47``) is refused rather than carried, because carrying it would
  silently drop the attribute a rule needs.
* **Dates** are ISO or UK day-first, with any time of day dropped (:mod:`.dates`).
* **A bad row costs only its case**: every problem is reported at its row and cell, the case is
  left out, the other cases are still checked. Rows with no readable case id are reported alone.

Rows of one case with the same event id and the same facts but different children are one event
for those children (exports often repeat a conference once per sibling).
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from ..errors import Problem, TimelineError, problem
from ..timeline import Event, SourceNote, Timeline
from ..vocabulary import Vocabulary
from .dates import read_date
from .events import RawEvent, build_event, check_case_links
from .mapping import REQUIRED, ColumnMap, engine_columns, header_key

#: How close a header must be to an engine column to be taken for a typo of it (difflib ratio).
NEAR_MISS = 0.8


@dataclass(frozen=True)
class Place:
    """Where a table is, for messages: ``file:line:column`` for a CSV file, ``file.xlsx[Sheet]!C12``
    for a sheet (the way Excel names a cell)."""

    file: str
    sheet: str | None = None

    @property
    def name(self) -> str:
        return f"{self.file}[{self.sheet}]" if self.sheet is not None else self.file

    @property
    def row_word(self) -> str:
        return "line" if self.sheet is None else "row"

    def problem(
        self,
        row: int | None,
        column: int | None,
        message: str,
        *,
        field: str | None = None,
        code: str = "E230",
        hint: str | None = None,
    ) -> Problem:
        """A problem at ``row`` and the 0-based cell index ``column`` (None: the whole row)."""
        return self.relocate(
            problem(
                self.file,
                message,
                line=row,
                column=None if column is None else column + 1,
                field=field,
                code=code,
                hint=hint,
            )
        )

    def relocate(self, found: Problem) -> Problem:
        """A problem located by line and column, in this table's own terms."""
        if self.sheet is None:
            return found
        where = self.name
        if found.line is not None:
            where += f"!{column_letter(found.column)}{found.line}" if found.column else f" row {found.line}"
        return dataclasses.replace(found, file=where, line=None, column=None)


def column_letter(number: int) -> str:
    """Excel's name for the 1-based column ``number``: 1 -> A, 27 -> AA."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


@dataclass(frozen=True)
class Row:
    """One row of a table as text. ``number`` is its line (CSV) or row (sheet), as the user sees it.

    ``error`` is set when the row itself could not be read (``(column index or None, message)``).
    """

    number: int
    cells: Sequence[str]
    error: tuple[int | None, str] | None = None


@dataclass(frozen=True)
class Header:
    """What each column of a table is: an engine column, or a column carried as it is."""

    engine: dict[int, str]
    carried: dict[int, str]
    width: int

    def index_of(self, column: str) -> int | None:
        return next((i for i, c in self.engine.items() if c == column), None)


@dataclass
class _Entry:
    number: int
    values: dict[str, str]
    carried: dict[str, str]
    problems: list[Problem] = field(default_factory=list)


def read_header(
    cells: Sequence[str],
    place: Place,
    vocabulary: Vocabulary,
    column_map: ColumnMap | None,
    header_row: int = 1,
) -> Header:
    """Resolve a header row; raise :class:`TimelineError` with every problem in it."""
    known = engine_columns(vocabulary)
    by_key = {header_key(c): c for c in known}
    mapped = column_map.columns if column_map else {}
    engine: dict[int, str] = {}
    carried: dict[int, str] = {}
    problems: list[Problem] = []
    for index, raw in enumerate(cells):
        name = raw.strip()
        key = header_key(name)
        target = mapped.get(key) or by_key.get(key)
        if target is not None:
            if target in engine.values():
                first = cells[next(i for i, c in engine.items() if c == target)].strip()
                problems.append(
                    place.problem(
                        header_row,
                        index,
                        f"column {name!r} gives `{target}`, which column {first!r} already gives",
                        field=name,
                        code="E231",
                    )
                )
            engine[index] = target
            continue
        if not name:
            carried[index] = f"column {index + 1}"
            continue
        hint = did_you_mean_column(key, by_key)
        if hint:
            problems.append(
                place.problem(
                    header_row,
                    index,
                    f"unknown column {name!r}: rename it, or map it with --columns",
                    field=name,
                    code="E231",
                    hint=hint,
                )
            )
        elif name in carried.values():
            problems.append(
                place.problem(header_row, index, f"column {name!r} is named twice", field=name, code="E231")
            )
        else:
            carried[index] = name
    for column in REQUIRED:
        if column not in engine.values():
            problems.append(
                place.problem(
                    header_row, None, f"missing required column {column!r}", field=column, code="E231"
                )
            )
    if problems:
        raise TimelineError(problems)
    return Header(engine, carried, len(cells))


def did_you_mean_column(key: str, by_key: dict[str, str]) -> str | None:
    """A hint when a header is a near miss of an engine column (closer than :data:`NEAR_MISS`)."""
    close = difflib.get_close_matches(key, list(by_key), n=1, cutoff=NEAR_MISS)
    return f"did you mean {by_key[close[0]]!r}?" if close else None


def table_timelines(
    place: Place,
    header_cells: Sequence[str],
    rows: Iterable[Row],
    vocabulary: Vocabulary,
    column_map: ColumnMap | None = None,
    header_row: int = 1,
) -> Iterator[Timeline | TimelineError | SourceNote]:
    """Every case of a table, or the error that leaves it out, then notes on the table as a whole."""
    header = read_header(header_cells, place, vocabulary, column_map, header_row)
    case_index = header.index_of("case")
    date_index = header.index_of("date")
    cases: dict[str, list[_Entry]] = {}
    read = 0
    times_dropped = 0
    for row in rows:
        if row.error is None and not any(cell.strip() for cell in row.cells):
            continue
        read += 1
        cells = row.cells
        case = _case_of(cells, case_index)
        entry = _Entry(row.number, {}, {})
        cases.setdefault(case, []).append(entry)
        if row.error is not None:
            bad_cell, message = row.error
            entry.problems.append(place.problem(row.number, bad_cell, message, code="E230"))
            continue
        # Trailing empty cells past the header are harmless (spreadsheets pad rows); any other
        # difference in width means the row does not line up with the header.
        if len(cells) < header.width or any(c.strip() for c in cells[header.width :]):
            entry.problems.append(
                place.problem(
                    row.number,
                    None,
                    f"row has {len(cells)} cells, the header has {header.width}",
                    code="E232",
                )
            )
            continue
        for index, cell in enumerate(cells[: header.width]):
            text = cell.strip()
            if _has_unreadable_byte(text):
                entry.problems.append(place.problem(row.number, index, _unreadable(text), code="E233"))
                continue
            if index in header.carried:
                if text:
                    entry.carried[header.carried[index]] = text
                continue
            column = header.engine[index]
            if column_map is not None:
                text = column_map.translate(column, text)
            if index == date_index and text:
                try:
                    reading = read_date(text)
                except ValueError as exc:
                    entry.problems.append(
                        place.problem(row.number, index, str(exc), field="date", code="E203")
                    )
                    continue
                times_dropped += reading.time_dropped
                text = reading.date.isoformat()
            entry.values[column] = text
    used = 0
    for case, entries in cases.items():
        try:
            timeline = _case_timeline(case, entries, header, place, vocabulary)
        except TimelineError as error:
            yield error
        else:
            used += len(entries)
            yield timeline
    yield from _notes(place.name, header, read, used, times_dropped)


def _notes(source: str, header: Header, read: int, used: int, times_dropped: int) -> Iterator[SourceNote]:
    if header.carried:
        names = ", ".join(header.carried.values())
        yield SourceNote(source, f"columns carried into each finding's attributes: {names}.")
    if times_dropped:
        yield SourceNote(
            source, f"times of day were dropped from {times_dropped} date(s): deadlines count whole days."
        )
    left = read - used
    yield SourceNote(
        source,
        f"{read} row(s) read, {used} used" + (f", {left} left out (see the errors)." if left else "."),
    )


def _case_of(cells: Sequence[str], case_index: int | None) -> str:
    if case_index is None or case_index >= len(cells):
        return ""
    return cells[case_index].strip()


def _has_unreadable_byte(text: str) -> bool:
    # Bytes that no accepted encoding could read were kept as lone surrogates (surrogateescape).
    return any("\udc80" <= ch <= "\udcff" for ch in text)


def _unreadable(text: str) -> str:
    byte = next(ord(ch) - 0xDC00 for ch in text if "\udc80" <= ch <= "\udcff")
    return (
        f"this file is not text saved as CSV: byte 0x{byte:02X} here is not a character "
        "in UTF-8 or Windows-1252 (save the file again as 'CSV UTF-8')"
    )


def _case_timeline(
    case: str, entries: list[_Entry], header: Header, place: Place, vocabulary: Vocabulary
) -> Timeline:
    problems: list[Problem] = []
    events: dict[str, Event] = {}
    children: list[str] = []
    case_index = header.index_of("case")
    unreadable: set[str] = set()
    for position, entry in enumerate(entries):
        if entry.problems:
            problems.extend(entry.problems)
            unreadable.add(entry.values.get("id", ""))
            continue
        if not case:
            problems.append(
                place.problem(
                    entry.number, case_index, "missing required field `case`", field="case", code="E201"
                )
            )
            continue
        values = entry.values
        child = values.get("child") or ""
        if child and child not in children:
            children.append(child)
        record = {k: (v if v != "" else None) for k, v in values.items() if k not in ("case", "child")}
        raw = RawEvent(
            record,
            _cell_locator(entry.number, header),
            "",
            position,
            entry.number,
            place.file,
            extra_children=(child,) if child else (),
        )
        event, event_problems = build_event(raw, vocabulary)
        problems.extend(place.relocate(p) for p in event_problems)
        if event is None:
            unreadable.add(values.get("id", ""))
            continue
        event = dataclasses.replace(event, carried=entry.carried)
        earlier = events.get(event.id)
        if earlier is not None and _same_facts(earlier, event) and earlier.children and event.children:
            merged = tuple(dict.fromkeys(earlier.children + event.children))
            events[event.id] = dataclasses.replace(
                earlier, children=merged, carried=_merge_carried(earlier.carried, event.carried)
            )
        elif earlier is not None:
            problems.append(
                place.problem(
                    entry.number,
                    header.index_of("id"),
                    f"duplicate event id {event.id!r} in case {case!r} "
                    f"(first on {place.row_word} {earlier.line})",
                    field="id",
                    code="E210",
                )
            )
        else:
            events[event.id] = event
    case_children = tuple(children) or (case,)
    links = check_case_links(
        events.values(), case_children, vocabulary, place.file, lambda e: "", _locator(header), unreadable
    )
    problems.extend(place.relocate(p) for p in links)
    if problems:
        raise TimelineError(problems)
    return Timeline(case=case, events=tuple(events.values()), children=case_children, source=place.name)


def _same_facts(a: Event, b: Event) -> bool:
    return (a.type, a.date, dict(a.attributes), a.refers_to, a.estimated) == (
        b.type,
        b.date,
        dict(b.attributes),
        b.refers_to,
        b.estimated,
    )


def _merge_carried(first: Mapping[str, str], second: Mapping[str, str]) -> dict[str, str]:
    """One event for several children: a carried value that differs between their rows keeps both
    (``Team A / Team B``), so no child's team is lost from the findings."""
    merged = dict(first)
    for name, value in second.items():
        if name not in merged:
            merged[name] = value
        elif value not in merged[name].split(" / "):
            merged[name] = f"{merged[name]} / {value}"
    return merged


def _cell_locator(number: int, header: Header) -> Callable[[str], tuple[int | None, int | None]]:
    """Fields of a row are located at the row and, where known, the column's cell."""

    def locate(key: str) -> tuple[int | None, int | None]:
        index = header.index_of(key)
        return (number, None if index is None else index + 1)

    return locate


def _locator(header: Header) -> Callable[[Event, str], tuple[int | None, int | None]]:
    def locate(event: Event, key: str) -> tuple[int | None, int | None]:
        index = header.index_of(key)
        return (event.line, None if index is None else index + 1)

    return locate
