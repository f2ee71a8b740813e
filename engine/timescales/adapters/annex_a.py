"""Ofsted's Annex A (the child-level lists a council gives inspectors under ILACS) as timelines.

Annex A is one ``.xlsx`` workbook with a sheet per list (or one CSV file per list). Lists 7 and 8
are read: they hold, per child, the *latest* date of each kind (latest review, last visit, last
health assessment), which only the snapshot rules judge ("the last X was more than N before the
list date": overdue at the list date, never a full history; see docs/conventions.md):

=====================================  ======================================================
Annex A column                         event (every one is a latest date: ``latest_only``)
=====================================  ======================================================
List 7 Child Protection Plan Start     cp_plan_started
List 7 Date of the Last Statutory      visit
Visit
List 7 Date of latest review           rcpc
conference
List 7 Child Protection Plan End Date  cp_plan_ended
List 8 Date Started to be Looked       looked_after_started
After
List 8 Date of Latest Statutory        cla_review
Review
List 8 Date of Last Social Work Visit  cla_visit
List 8 Date of Last Health Assessment  health_assessment (``under_five`` from the date of birth)
List 8 Start Date of Most Recent       placement_started
Placement
List 8 Date Ceased to be Looked After  looked_after_ended (``reason``: Reason Ceased)
=====================================  ======================================================

**Headers vary between councils**, so each column is found by a pattern (the variants are those
of Social Finance's Annex A schema and councils' own workbooks: ``Child Unique ID``, ``Child ID``,
``LA Child ID``...), and the report says which column was taken for which field. A pattern that
matches two columns is an error unless one of them is Ofsted's own heading. **A sheet is a list**
by its name (``List 8``) or, failing that, by its columns. The other lists are not read, and the
report says so. ``Allocated Team`` and ``Allocated Worker`` are carried into every finding.

**The list date** (the as-of date every snapshot is judged at) is read from the workbook where it
carries one (a cell labelled ``Extract date``, ``List date``, ``Date of extract``, ``As at`` ... on a
cover sheet or above a list's header); otherwise ``--as-of`` must give it. Judging a list at today's
date instead would report every child as overdue, so a list with neither is refused.

Dates are ISO, ``dd/mm/yyyy`` as Ofsted's template has them, or Excel date cells. A bad cell leaves
its child out, reported at the cell the way Excel names it (``annex-a.xlsx[List 8]!M12``).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..calendar import add_months
from ..errors import Problem, TimelineError, problem
from ..timeline import Event, SourceNote, Timeline
from .csv_events import decode, sniff_delimiter
from .dates import read_date
from .tabular import Place, column_letter


@dataclass(frozen=True)
class Column:
    """One field of a list and the headers it is found under."""

    name: str
    heading: str  # Ofsted's own heading, preferred when a pattern matches two columns
    pattern: re.Pattern[str]
    exclude: re.Pattern[str] | None = None
    event: str | None = None  # the event type a date in this column gives

    def matches(self, header: str) -> bool:
        key = header_words(header)
        return bool(self.pattern.search(key)) and not (self.exclude and self.exclude.search(key))


def _p(text: str) -> re.Pattern[str]:
    return re.compile(text)


CHILD = Column(
    "child",
    "Child Unique ID",
    _p(r"\bchild\b.*\b(id|identifier)\b|\b(id|identifier)\b.*\bchild\b|^(la ?)?child ?id$"),
)
BIRTH = Column("date_of_birth", "Date of Birth", _p(r"\bdate\b.*\bbirth\b|^dob$|\bbirth ?date\b"))
TEAM = Column("team", "Allocated Team", _p(r"\bteam\b"))
WORKER = Column("worker", "Allocated Worker", _p(r"\bworker\b"), _p(r"\bpersonal advis|\biro\b"))
_PLAN = r"(child protection|\bcp\b|\bcpp\b)"


@dataclass(frozen=True)
class ListSpec:
    number: int
    title: str
    columns: tuple[Column, ...]
    #: The column (besides the child's id) whose heading shows a sheet is this list.
    key: str

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


LISTS = {
    7: ListSpec(
        7,
        "children subject to a child protection plan",
        (
            CHILD,
            BIRTH,
            Column(
                "cp_plan_start",
                "Child Protection Plan Start Date",
                _p(rf"{_PLAN}.*\bplan\b.*\bstart|\bstart.*{_PLAN}.*\bplan\b"),
                event="cp_plan_started",
            ),
            Column(
                "last_visit",
                "Date of the Last Statutory Visit",
                _p(r"\bvisit"),
                _p(r"\bseen alone\b"),
                event="visit",
            ),
            Column(
                "latest_review",
                "Date of latest review conference",
                _p(r"\breview\b|\brcpc\b"),
                event="rcpc",
            ),
            Column(
                "cp_plan_end",
                "Child Protection Plan End Date",
                _p(rf"{_PLAN}.*\bplan\b.*\b(end|ceased|closed)|\b(end|ceased|closure)\b.*{_PLAN}.*\bplan\b"),
                event="cp_plan_ended",
            ),
            TEAM,
            WORKER,
        ),
        key="cp_plan_start",
    ),
    8: ListSpec(
        8,
        "children in care",
        (
            CHILD,
            BIRTH,
            Column(
                "started",
                "Date Started to be Looked After",
                _p(
                    r"\bstart(ed)? to be looked after\b|\b(became|become|entered|came into) "
                    r"(looked after|care)\b|\b(looked after|cla|lac|care) start\b|\bperiod of care start"
                ),
                _p(r"\bsecond or subsequent\b"),
                event="looked_after_started",
            ),
            Column(
                "latest_review",
                "Date of Latest Statutory Review",
                _p(r"\breview\b"),
                _p(r"\bhealth\b|\bdental\b|\bpathway\b"),
                event="cla_review",
            ),
            Column(
                "last_visit",
                "Date of Last Social Work Visit",
                _p(r"\bvisit"),
                _p(r"\biro\b|\bindependent reviewing\b"),
                event="cla_visit",
            ),
            Column(
                "last_health_assessment",
                "Date of Last Health Assessment",
                _p(r"\bhealth (assessment|check)\b"),
                _p(r"\bdental\b"),
                event="health_assessment",
            ),
            Column(
                "placement_start",
                "Start Date of Most Recent Placement",
                _p(r"\bplacement\b.*\bstart|\bstart\b.*\bplacement\b"),
                event="placement_started",
            ),
            Column(
                "ceased",
                "Date Ceased to be Looked After",
                _p(r"\bceased\b|\b(left|leaving) care\b|\b(looked after|cla|lac) end\b"),
                _p(r"\breason\b"),
                event="looked_after_ended",
            ),
            Column("reason_ceased", "Reason Ceased to be Looked After", _p(r"\breason\b.*\bceased\b")),
            TEAM,
            WORKER,
        ),
        key="started",
    ),
}
#: Every event type the lists give: each is a latest date (the lists hold no history).
LATEST_ONLY = frozenset(c.event for spec in LISTS.values() for c in spec.columns if c.event)
_LIST_NAME = re.compile(r"^\s*list\s*[-_ ]?\s*(\d{1,2})\b", re.IGNORECASE)
_LIST_IN_FILE_NAME = re.compile(r"\blist\s*[-_ ]?\s*(\d{1,2})(?!\d)", re.IGNORECASE)
#: A label for the date the lists were extracted (on a cover sheet, or above a list's header).
_LIST_DATE_LABEL = re.compile(
    r"\b(list|lists|extract|extraction|report|run|snapshot|data)\s+date\b"
    r"|\bdate\s+of\s+(the\s+)?(extract|extraction|lists?|report|run)\b"
    r"|\bdate\s+(extracted|run|produced)\b|\bas\s+(at|of)\b"
)
_A_DATE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{4}")
#: How far down a sheet the header row (the one naming the child's id) may be.
HEADER_SEARCH = 10
#: The rules' ``under_five`` is about the child's age on the day of the assessment.
_FIVE_YEARS = 60


def header_words(header: str) -> str:
    """A header as lower-case words (``Date of Last IRO Visit / Contact`` -> ``date of last iro
    visit contact``), so patterns need not spell punctuation and spacing."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", header.lower().replace("’", "'")).split())


@dataclass(frozen=True)
class Table:
    """One list as read: where it is, its header row and its rows (text, as a CSV export has them)."""

    place: Place
    rows: Sequence[Sequence[str]]  # every row of the sheet or file, from row 1


@dataclass
class _Child:
    key: str
    events: list[Event] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass
class _Reading:
    """Everything read from one Annex A (a workbook, or CSV lists given together)."""

    children: dict[str, _Child] = field(default_factory=dict)
    #: Notes on the file or one of its sheets: (where, text).
    notes: list[tuple[str, str]] = field(default_factory=list)
    list_dates: dict[dt.date, str] = field(default_factory=dict)
    unlinked: list[Problem] = field(default_factory=list)
    no_birth_date: int = 0

    def child(self, key: str) -> _Child:
        found = self.children.get(key)
        if found is None:
            found = self.children[key] = _Child(key)
        return found


# -- recognising Annex A -----------------------------------------------------------------------------


def list_number(name: str, header: Sequence[str]) -> int | None:
    """Which Annex A list a sheet (or CSV file) is: by its name, else by its columns."""
    named = _LIST_NAME.match(name) or _LIST_IN_FILE_NAME.search(name)
    if named:
        return int(named.group(1))
    for number, spec in LISTS.items():
        if _has(header, CHILD) and _has(header, spec.column(spec.key)):
            return number
    return None


def _has(header: Sequence[str], column: Column) -> bool:
    return any(column.matches(cell) for cell in header if cell.strip())


def header_index(rows: Sequence[Sequence[str]]) -> int | None:
    """The index of a list's header row: the first of the top rows naming the child's id."""
    for index, row in enumerate(rows[:HEADER_SEARCH]):
        if _has(row, CHILD):
            return index
    return None


def is_annex_a_workbook(sheets: Iterable[tuple[str, Sequence[Sequence[str]]]]) -> bool:
    """A workbook with a sheet that is Annex A list 7 or 8 (by its name and child id column, or its
    columns)."""
    for name, rows in sheets:
        index = header_index(rows)
        if index is not None and list_number(name, rows[index]) in LISTS:
            return True
    return False


def is_annex_a_csv(path: Path) -> bool:
    """A CSV file that is Annex A list 7 or 8: its header names the child's id and the list's own
    column (a file name such as ``list8.csv`` is not enough alone: event logs are named freely)."""
    rows = _csv_rows(path, head_only=True)
    if rows is None:
        return False
    index = header_index(rows)
    if index is None:
        return False
    number = list_number(path.stem, rows[index])
    return number in LISTS and _has(rows[index], LISTS[number].column(LISTS[number].key))


# -- reading -----------------------------------------------------------------------------------------


def iter_annex_a_workbook(
    book: Any, file: str, list_date: dt.date | None, only_sheet: str | None = None
) -> Iterator[Timeline | TimelineError | SourceNote]:
    """Every child of an Annex A workbook (one timeline per child across its lists)."""
    from .xlsx_events import sheet_rows

    tables = [
        Table(Place(file, sheet), [list(row.cells) for row in sheet_rows(book, sheet)])
        for sheet in book.sheet_names
        if only_sheet is None or sheet == only_sheet
    ]
    yield from _timelines(file, tables, list_date)


def iter_annex_a_csv(
    paths: Sequence[Path], list_date: dt.date | None, name: str | None = None
) -> Iterator[Timeline | TimelineError | SourceNote]:
    """Every child of Annex A lists given as CSV files (read together: a child may be on both)."""
    tables = []
    for path in paths:
        rows = _csv_rows(path)
        if rows is None:
            yield TimelineError([problem(str(path), "cannot read the file", code="E001")])
            continue
        tables.append(Table(Place(str(path)), rows))
    if name is None:
        name = str(paths[0]) if len(paths) == 1 else f"{paths[0]} (+{len(paths) - 1} more Annex A lists)"
    yield from _timelines(name, tables, list_date)


def _csv_rows(path: Path, head_only: bool = False) -> list[list[str]] | None:
    try:
        with path.open("rb") as handle:
            raw = handle.read(1 << 14) if head_only else handle.read()
    except OSError:
        return None
    text, _ = decode(raw)
    lines = text.splitlines()
    if head_only:
        lines = lines[:HEADER_SEARCH]
    first = next((line for line in lines if line.strip()), None)
    if first is None:
        return []
    return list(csv.reader(io.StringIO("\n".join(lines)), delimiter=sniff_delimiter(first)))


def _timelines(
    source: str, tables: Sequence[Table], list_date: dt.date | None
) -> Iterator[Timeline | TimelineError | SourceNote]:
    reading = _Reading()
    read_lists: list[str] = []
    for table in tables:
        index = header_index(table.rows)
        # A sheet named as a list is that list even without a child id column (list 11: adopters).
        name = table.place.sheet or Path(table.place.file).stem
        number = list_number(name, table.rows[index] if index is not None else [])
        above = table.rows[:index] if index is not None else table.rows[: HEADER_SEARCH * 2]
        _find_list_dates(table, above, reading)
        if number is None:
            if table.place.sheet is not None and any(any(c.strip() for c in r) for r in table.rows):
                reading.notes.append(
                    (table.place.name, "not an Annex A list (no child id column); not read.")
                )
            continue
        if number not in LISTS:
            reading.notes.append(
                (
                    table.place.name,
                    f"Annex A list {number} not read (only lists 7 and 8, which hold the latest dates "
                    "the snapshot rules judge, are read).",
                )
            )
            continue
        if index is None:
            yield TimelineError(
                [
                    table.place.problem(
                        None, None, "no header row naming the child's id (Child Unique ID)", code="E231"
                    )
                ]
            )
            continue
        try:
            _read_list(table, index, LISTS[number], reading)
        except TimelineError as error:
            yield error
            continue
        read_lists.append(f"list {number} ({table.place.name})")
    if reading.unlinked:
        yield TimelineError(reading.unlinked)
    if not read_lists:
        yield TimelineError([problem(source, "no Annex A list 7 or 8 found to read", code="E230")])
        return
    try:
        as_of = _as_of(source, reading, list_date)
    except TimelineError as error:
        yield error
        return
    yield SourceNote(source, "Annex A read: " + "; ".join(read_lists) + ".")
    for where, note in reading.notes:
        yield SourceNote(where, note)
    for order, child in enumerate(reading.children.values()):
        if child.problems:
            yield TimelineError(
                dataclasses.replace(p, message=f"child {child.key}: {p.message}") for p in child.problems
            )
            continue
        yield Timeline(
            case=child.key,
            events=tuple(child.events),
            children=(child.key,),
            as_of=as_of,
            source=source,
            order=order,
            recorded_types=LATEST_ONLY,
            latest_only=LATEST_ONLY,
        )
    if reading.no_birth_date:
        yield SourceNote(
            source,
            f"{reading.no_birth_date} health assessment(s) of children with no date of birth: the "
            "interval (6 months under 5, 12 from 5) cannot be chosen, so they are not checked.",
        )


def _as_of(source: str, reading: _Reading, given: dt.date | None) -> dt.date:
    """The list date: ``--as-of`` if given, else the one the workbook carries (raises if none)."""
    found = sorted(reading.list_dates)
    if given is not None:
        if found and found != [given]:
            where = reading.list_dates[found[-1]]
            reading.notes.append(
                (
                    source,
                    f"the workbook's list date is {found[-1].isoformat()} ({where}); the as-of date "
                    f"given, {given.isoformat()}, is used.",
                )
            )
        return given
    if not found:
        raise TimelineError(
            [
                problem(
                    source,
                    "Annex A holds only the latest dates, which are judged at the date the lists "
                    "were extracted, and this one does not say it: give it with --as-of YYYY-MM-DD",
                    field="list date",
                    code="E235",
                )
            ]
        )
    if len(found) > 1:
        places = "; ".join(f"{d.isoformat()} at {reading.list_dates[d]}" for d in found)
        raise TimelineError(
            [
                problem(
                    source,
                    f"the workbook gives different list dates ({places}): give the right one with "
                    "--as-of YYYY-MM-DD",
                    field="list date",
                    code="E235",
                )
            ]
        )
    reading.notes.append(
        (source, f"list date {found[0].isoformat()} read at {reading.list_dates[found[0]]}: the as-of date.")
    )
    return found[0]


def _find_list_dates(table: Table, rows: Sequence[Sequence[str]], reading: _Reading) -> None:
    """A labelled list date in these rows: in the label's own cell (``Data as at 31/03/2024``) or
    the next filled cell to its right."""
    for row_index, row in enumerate(rows):
        for column, cell in enumerate(row):
            label = _LIST_DATE_LABEL.search(cell.lower())
            if not label:
                continue
            # The label's own cell (``Data as at 31/03/2024``), else the next filled cell right of it.
            right = next((i for i in range(column + 1, len(row)) if row[i].strip()), None)
            candidates = [(column, cell[label.end() :])] + (
                [(right, row[right])] if right is not None else []
            )
            for at, text in candidates:
                found = _A_DATE.search(text)
                if not found:
                    continue
                try:
                    day = read_date(found.group(0)).date
                except ValueError:
                    continue
                where = table.place.relocate(problem(table.place.file, "", line=row_index + 1, column=at + 1))
                reading.list_dates.setdefault(day, _where(where))
                break


def _where(found: Problem) -> str:
    if found.line is None:
        return found.file
    return f"{found.file} line {found.line}" + (
        f", column {column_letter(found.column)}" if found.column else ""
    )


def _read_list(table: Table, header_at: int, spec: ListSpec, reading: _Reading) -> None:
    header = table.rows[header_at]
    header_row = header_at + 1
    taken, problems = _match_columns(header, spec, table.place, header_row)
    if problems:
        raise TimelineError(problems)
    renamed = [
        f"{header[i].strip()!r} taken as {spec.column(name).heading!r}"
        for name, i in taken.items()
        if header_words(header[i]) != header_words(spec.column(name).heading)
    ]
    reading.notes.append(
        (
            table.place.name,
            f"Annex A list {spec.number} ({spec.title}): {len(taken)} columns read"
            + (f"; {'; '.join(renamed)}." if renamed else ", each under Ofsted's own heading."),
        )
    )
    carried: dict[str, int] = {name: taken[name] for name in ("team", "worker") if name in taken}
    for offset, cells in enumerate(table.rows[header_at + 1 :], start=header_at + 2):
        if not any(c.strip() for c in cells):
            continue
        _read_row(table.place, offset, cells, spec, taken, carried, reading)


def _match_columns(
    header: Sequence[str], spec: ListSpec, place: Place, row: int
) -> tuple[dict[str, int], list[Problem]]:
    taken: dict[str, int] = {}
    problems: list[Problem] = []
    for column in spec.columns:
        found = [i for i, cell in enumerate(header) if cell.strip() and column.matches(cell)]
        if len(found) > 1:
            exact = [i for i in found if header_words(header[i]) == header_words(column.heading)]
            if len(exact) != 1:
                names = ", ".join(repr(header[i].strip()) for i in found)
                problems.append(
                    place.problem(
                        row,
                        found[1],
                        f"the columns {names} could each be {column.name.replace('_', ' ')}: rename "
                        f"the one that is to {column.heading!r}",
                        field=column.heading,
                        code="E231",
                    )
                )
                continue
            found = exact
        if found:
            taken[column.name] = found[0]
    for name in ("child", spec.key):
        if name not in taken:
            heading = spec.column(name).heading
            problems.append(
                place.problem(
                    row, None, f"no column for {heading!r} in list {spec.number}", field=heading, code="E231"
                )
            )
    return taken, problems


def _read_row(
    place: Place,
    number: int,
    cells: Sequence[str],
    spec: ListSpec,
    taken: dict[str, int],
    carried_columns: dict[str, int],
    reading: _Reading,
) -> None:
    def text(name: str) -> str:
        index = taken.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    child_id = text("child")
    if not child_id:
        reading.unlinked.append(
            place.problem(
                number,
                taken["child"],
                "no child id: the row belongs to no child",
                field="Child Unique ID",
                code="E201",
            )
        )
        return
    child = reading.child(child_id)
    problems: list[Problem] = []

    def date_of(name: str) -> dt.date | None:
        value = text(name)
        if not value:
            return None
        try:
            return read_date(value).date
        except ValueError as exc:
            problems.append(place.problem(number, taken[name], str(exc), field=header_of(name), code="E203"))
            return None

    def header_of(name: str) -> str:
        return spec.column(name).heading

    birth = date_of("date_of_birth")
    carried = {
        name: cells[i].strip() for name, i in carried_columns.items() if i < len(cells) and cells[i].strip()
    }
    found: list[tuple[Column, dt.date]] = []
    for column in spec.columns:
        if column.event is None or column.name not in taken:
            continue
        day = date_of(column.name)
        if day is not None:
            found.append((column, day))
    if problems:
        child.problems.extend(problems)
        return
    if not any(c.name == spec.key for c, _ in found):
        child.problems.append(
            place.problem(number, taken[spec.key], "missing date", field=header_of(spec.key), code="E201")
        )
        return
    for column, day in found:
        attributes: dict[str, str] = {}
        if column.event == "health_assessment":
            if birth is None:
                reading.no_birth_date += 1
                continue
            # Under 5 on the day: before the fifth birthday (a 29 February birthday falls on 28 February).
            attributes["under_five"] = "true" if day < add_months(birth, _FIVE_YEARS) else "false"
        elif column.event == "looked_after_ended" and text("reason_ceased"):
            attributes["reason"] = text("reason_ceased")
        child.events.append(
            Event(
                id=f"list{spec.number}-{column.name}-{place.sheet or 'csv'}-{number}",
                type=column.event or "",
                date=day,
                attributes=attributes,
                position=len(child.events),
                line=number,
                carried=carried,
            )
        )
