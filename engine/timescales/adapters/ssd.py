"""The Standard Safeguarding Dataset (SSD): Data to Insight's case-system extract, as CSV tables.

Councils on Liquidlogic/SystemC, Mosaic, Eclipse, Azeus and CareDirector deploy the SSD and export
its ``ssd_*`` tables; a folder holding ``ssd_*.csv`` files is read as one extract and becomes one
timeline per person (the ``*_person_id`` of each table). Table and field names are those of the SSD
object specs (``data/objects/*.yml`` in data-to-insight/ssd-data-model):

==========================  ==================================================================
table                       events
==========================  ==================================================================
ssd_contacts                cont_contact_date -> contact
ssd_cin_episodes            cine_referral_date -> referral; cine_close_date -> case_closed
ssd_cin_assessments         cina_assessment_start_date -> assessment_started;
                            cina_assessment_auth_date -> assessment_completed (``for:`` its start)
ssd_s47_enquiry             s47e_s47_start_date -> strategy_discussion (section47);
                            s47e_s47_end_date -> section47_completed, outcome icpc when
                            ``CP_CONFERENCE_FLAG`` of s47e_s47_outcome_json is Y, no_icpc when it
                            is N or s47e_s47_nfa is Y
ssd_initial_cp_conference   icpc_icpc_date -> icpc (transfer_in_conference when
                            icpc_icpc_transfer_in is Y), outcome plan / no_plan from
                            icpc_icpc_outcome_cp_flag; icpc_icpc_target_date is the council's due
ssd_cp_plans                cppl_cp_plan_start_date / _end_date -> cp_plan_started / cp_plan_ended
ssd_cp_reviews              cppr_cp_review_date -> rcpc, outcome continue / end from
                            cppr_cp_review_outcome_continue_cp; cppr_cp_review_due is the council's
ssd_cp_visits               cppv_cp_visit_date -> visit (seen_alone)
ssd_cin_visits              cinv_cin_visit_date -> visit (seen_alone)
ssd_involvements            the team and worker of each involvement, over its dates
==========================  ==================================================================

Every event carries ``team`` and ``worker``: those of its own row where the table records them,
else those of the involvement covering its date. A **council's due date** (the ICPC target date, a
review's due date) is kept with the event that meets it; the report shows it beside ours and says
where they differ. Rules expecting an event type that no table of the extract records (decisions,
minutes, complaints, or visits when ``ssd_cp_visits`` is absent) are not evaluated, and the report
says so.

Memory does not grow with the number of persons: the tables are streamed into a temporary SQLite
file on disk and read back one person at a time, in person order.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import datetime as dt
import json
import re
import sqlite3
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import Any

from ..errors import Problem, TimelineError, problem
from ..timeline import Event, SourceNote, Timeline
from ..vocabulary import Vocabulary
from .csv_events import sniff_delimiter
from .dates import read_date
from .events import check_case_links
from .mapping import header_key
from .tabular import Place

YES = {"y", "yes", "true", "1"}
NO = {"n", "no", "false", "0"}
_UNREADABLE = re.compile(r"\\udc[89a-f][0-9a-f]")
_CP_CONFERENCE = re.compile(r'CP_CONFERENCE_FLAG"?\s*:\s*"?([YNyn])')


@dataclass(frozen=True)
class Dated:
    """One date field of a table and the event it gives."""

    field: str
    type: str
    suffix: str
    #: The attributes of the event, from the row (by SSD field name).
    attributes: Callable[[dict[str, str]], dict[str, str]] = lambda row: {}
    #: The event this one refers to with ``for:`` (the suffix of another event of the same row).
    refers_to: str | None = None
    #: The row's field holding the council's own due date for the deadline this event meets.
    council_due: str | None = None


@dataclass(frozen=True)
class Table:
    name: str
    person: str
    row_id: str
    prefix: str
    events: tuple[Dated, ...]
    team: str | None = None
    worker: str | None = None


def _flag(value: str | None, yes: str, no: str) -> dict[str, str]:
    text = (value or "").strip().lower()
    return {"outcome": yes} if text in YES else {"outcome": no} if text in NO else {}


def _s47_outcome(row: dict[str, str]) -> dict[str, str]:
    found = _CP_CONFERENCE.search(row.get("s47e_s47_outcome_json") or "")
    if found:
        return {"outcome": "icpc" if found.group(1).upper() == "Y" else "no_icpc"}
    if (row.get("s47e_s47_nfa") or "").strip().lower() in YES:
        return {"outcome": "no_icpc"}
    return {}


def _seen_alone(field: str) -> Callable[[dict[str, str]], dict[str, str]]:
    def attributes(row: dict[str, str]) -> dict[str, str]:
        text = (row.get(field) or "").strip().lower()
        return {"seen_alone": "true"} if text in YES else {"seen_alone": "false"} if text in NO else {}

    return attributes


def _icpc_type(row: dict[str, str]) -> str:
    return (
        "transfer_in_conference"
        if (row.get("icpc_icpc_transfer_in") or "").strip().lower() in YES
        else "icpc"
    )


TABLES = (
    Table(
        "ssd_contacts",
        "cont_person_id",
        "cont_contact_id",
        "cont",
        (Dated("cont_contact_date", "contact", ""),),
    ),
    Table(
        "ssd_cin_episodes",
        "cine_person_id",
        "cine_referral_id",
        "ref",
        (Dated("cine_referral_date", "referral", ""), Dated("cine_close_date", "case_closed", "-closed")),
        team="cine_referral_team",
        worker="cine_referral_worker_id",
    ),
    Table(
        "ssd_cin_assessments",
        "cina_person_id",
        "cina_assessment_id",
        "asm",
        (
            Dated("cina_assessment_start_date", "assessment_started", "-start"),
            Dated("cina_assessment_auth_date", "assessment_completed", "-auth", refers_to="-start"),
        ),
        team="cina_assessment_team",
        worker="cina_assessment_worker_id",
    ),
    Table(
        "ssd_s47_enquiry",
        "s47e_person_id",
        "s47e_s47_enquiry_id",
        "s47",
        (
            Dated("s47e_s47_start_date", "strategy_discussion", "-start", lambda row: {"section47": "true"}),
            Dated("s47e_s47_end_date", "section47_completed", "-end", _s47_outcome),
        ),
        team="s47e_s47_completed_by_team",
        worker="s47e_s47_completed_by_worker_id",
    ),
    Table(
        "ssd_initial_cp_conference",
        "icpc_person_id",
        "icpc_icpc_id",
        "icpc",
        (
            Dated(
                "icpc_icpc_date",
                "icpc",
                "",
                lambda row: _flag(row.get("icpc_icpc_outcome_cp_flag"), "plan", "no_plan"),
                council_due="icpc_icpc_target_date",
            ),
        ),
        team="icpc_icpc_team",
        worker="icpc_icpc_worker_id",
    ),
    Table(
        "ssd_cp_plans",
        "cppl_person_id",
        "cppl_cp_plan_id",
        "cpp",
        (
            Dated("cppl_cp_plan_start_date", "cp_plan_started", "-start"),
            Dated("cppl_cp_plan_end_date", "cp_plan_ended", "-end"),
        ),
    ),
    Table(
        "ssd_cp_reviews",
        "cppr_person_id",
        "cppr_cp_review_id",
        "cpr",
        (
            Dated(
                "cppr_cp_review_date",
                "rcpc",
                "",
                lambda row: _flag(row.get("cppr_cp_review_outcome_continue_cp"), "continue", "end"),
                council_due="cppr_cp_review_due",
            ),
        ),
    ),
    Table(
        "ssd_cp_visits",
        "cppv_person_id",
        "cppv_cp_visit_id",
        "cpv",
        (Dated("cppv_cp_visit_date", "visit", "", _seen_alone("cppv_cp_visit_seen_alone")),),
    ),
    Table(
        "ssd_cin_visits",
        "cinv_person_id",
        "cinv_cin_visit_id",
        "cinv",
        (Dated("cinv_cin_visit_date", "visit", "", _seen_alone("cinv_cin_visit_seen_alone")),),
    ),
)
INVOLVEMENTS = "ssd_involvements"
_BY_NAME = {t.name: t for t in TABLES}
#: Every field the adapter reads, per table (others are ignored: the SSD has many).
_FIELDS = {
    **{
        t.name: tuple(
            dict.fromkeys(
                [t.person, t.row_id]
                + [d.field for d in t.events]
                + [d.council_due for d in t.events if d.council_due]
                + [f for f in (t.team, t.worker) if f]
                + {
                    "ssd_s47_enquiry": ["s47e_s47_nfa", "s47e_s47_outcome_json"],
                    "ssd_initial_cp_conference": ["icpc_icpc_transfer_in", "icpc_icpc_outcome_cp_flag"],
                    "ssd_cp_reviews": ["cppr_cp_review_outcome_continue_cp"],
                    "ssd_cp_visits": ["cppv_cp_visit_seen_alone"],
                    "ssd_cin_visits": ["cinv_cin_visit_seen_alone"],
                }.get(t.name, [])
            )
        )
        for t in TABLES
    },
    INVOLVEMENTS: (
        "invo_person_id",
        "invo_involvements_id",
        "invo_professional_team",
        "invo_professional_id",
        "invo_involvement_start_date",
        "invo_involvement_end_date",
    ),
}
_REQUIRED = {name: fields[:2] for name, fields in _FIELDS.items()}
#: The tables of an extract that timescales reads.
TABLES_READ = tuple(_FIELDS)


def ssd_tables(folder: Path) -> dict[str, Path]:
    """The SSD tables a folder holds, by table name (``ssd_cp_visits.csv`` -> ``ssd_cp_visits``)."""
    found: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        name = path.stem.lower()
        if path.suffix.lower() == ".csv" and path.is_file() and name in _FIELDS:
            found[name] = path
    return found


def is_ssd_extract(folder: Path) -> bool:
    return folder.is_dir() and bool(ssd_tables(folder))


#: One row of a table: its line (CSV) or row (sheet), its cells, and why it could not be read.
_Row = tuple[int, list[str], str | None]


def iter_ssd_timelines(
    folder: Path, vocabulary: Vocabulary
) -> Iterator[Timeline | TimelineError | SourceNote]:
    """One timeline per person of a folder of ``ssd_*.csv`` tables."""
    tables = {name: (Place(str(path)), _csv_rows(path)) for name, path in ssd_tables(folder).items()}
    yield from _extract_timelines(str(folder), tables, vocabulary)


def ssd_sheets(names: list[str]) -> list[str]:
    """The sheets of a workbook that are SSD tables (by name, ignoring case)."""
    return [n for n in names if n.strip().lower() in _FIELDS]


def iter_ssd_workbook(
    path: Path, book: Any, sheets: list[str], file: str, vocabulary: Vocabulary
) -> Iterator[Timeline | TimelineError | SourceNote]:
    """One timeline per person of a workbook whose sheets are the SSD tables."""
    from .xlsx_events import sheet_rows

    tables = {
        sheet.strip().lower(): (
            Place(file, sheet),
            iter((row.number, list(row.cells), None) for row in sheet_rows(book, sheet)),
        )
        for sheet in sheets
    }
    yield from _extract_timelines(file, tables, vocabulary)


def _recorded_types(tables: Mapping[str, Any]) -> frozenset[str]:
    """The event types the tables given record completely."""
    return frozenset(d.type for name in tables if name in _BY_NAME for d in _BY_NAME[name].events) | (
        {"transfer_in_conference"} if "ssd_initial_cp_conference" in tables else set()
    )


def _extract_timelines(
    source: str, tables: Mapping[str, tuple[Place, Iterator[_Row | SourceNote]]], vocabulary: Vocabulary
) -> Iterator[Timeline | TimelineError | SourceNote]:
    recorded = _recorded_types(tables)
    places = {place.name: place for place, _ in tables.values()}
    without_events = 0
    with tempfile.TemporaryDirectory(prefix="timescales-ssd-") as scratch:
        store = sqlite3.connect(Path(scratch) / "extract.sqlite")
        try:
            store.execute("CREATE TABLE row (person TEXT, tab TEXT, file TEXT, line INTEGER, cells TEXT)")
            unlinked: list[Problem] = []
            for name, (place, rows) in tables.items():
                try:
                    yield from _load(store, name, place, rows, unlinked)
                except TimelineError as error:
                    yield error
            if unlinked:
                yield TimelineError(unlinked)
            store.execute("CREATE INDEX by_person ON row (person, tab, line)")
            cursor = store.execute(
                "SELECT person, tab, file, line, cells FROM row ORDER BY person, tab, line"
            )
            for person, person_rows in groupby(cursor, key=lambda r: r[0]):
                try:
                    timeline = _person_timeline(person, list(person_rows), source, recorded, vocabulary)
                except TimelineError as error:
                    yield TimelineError(_relocated(p, places) for p in error.problems)
                    continue
                if timeline is None:
                    without_events += 1
                else:
                    yield timeline
        finally:
            store.close()
    yield SourceNote(source, f"read as an SSD extract: {', '.join(tables)}.")
    if without_events:
        yield SourceNote(
            source, f"{without_events} person(s) with involvements but no dated event were not checked."
        )


def _relocated(found: Problem, places: dict[str, Place]) -> Problem:
    """A problem found by table name and row, located as its file (or sheet) names it."""
    place = places.get(found.file)
    return place.relocate(dataclasses.replace(found, file=place.file)) if place else found


def _csv_rows(path: Path) -> Iterator[_Row | SourceNote]:
    """A table's rows, streamed (the file is never held whole); a row the CSV parser refuses is
    yielded with why."""
    encoding = _encoding(path)
    if encoding == "cp1252":
        yield SourceNote(str(path), "not UTF-8: read as Windows-1252.")
    with path.open(encoding=encoding, errors="surrogateescape", newline="") as handle:
        first = handle.readline()
        handle.seek(0)
        reader = csv.reader(handle, delimiter=sniff_delimiter(first))
        while True:
            start = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield (start, [], f"this row cannot be read as CSV: {exc}")
                continue
            yield (start, cells, None)


def _load(
    store: sqlite3.Connection,
    name: str,
    place: Place,
    rows: Iterator[_Row | SourceNote],
    unlinked: list[Problem],
) -> Iterator[SourceNote]:
    """Stream one table into the store; rows with no person id are reported alone."""
    header: list[str] | None = None
    index: dict[str, int] = {}
    batch: list[tuple[str, str, str, int, str]] = []
    person_field = _FIELDS[name][0]
    for item in rows:
        if isinstance(item, SourceNote):
            yield item
            continue
        line, cells, error = item
        if error is not None:
            unlinked.append(place.problem(line, None, error))
            continue
        if not any(c.strip() for c in cells):
            continue
        if header is None:
            header = cells
            columns = {header_key(c): i for i, c in enumerate(header)}
            missing = [f for f in _REQUIRED[name] if header_key(f) not in columns]
            if missing:
                raise TimelineError(
                    place.problem(
                        line, None, f"missing required column {m!r} of {name}", field=m, code="E231"
                    )
                    for m in missing
                )
            index = {f: columns[header_key(f)] for f in _FIELDS[name] if header_key(f) in columns}
            continue
        values = {f: cells[i].strip() for f, i in index.items() if i < len(cells) and cells[i].strip()}
        person = values.get(person_field, "")
        if not person:
            unlinked.append(
                place.problem(
                    line,
                    index.get(person_field),
                    f"no {person_field}: the row belongs to no person",
                    code="E201",
                )
            )
            continue
        batch.append((person, name, place.name, line, json.dumps(values)))
        if len(batch) >= 5000:
            store.executemany("INSERT INTO row VALUES (?, ?, ?, ?, ?)", batch)
            batch.clear()
    store.executemany("INSERT INTO row VALUES (?, ?, ?, ?, ?)", batch)


def _encoding(path: Path) -> str:
    """UTF-8 (with or without a byte-order mark) if every byte reads as UTF-8, else Windows-1252."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as handle:
        try:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8-sig"


@dataclass(frozen=True)
class _Involvement:
    start: dt.date
    end: dt.date | None
    team: str
    worker: str


def _person_timeline(
    person: str,
    rows: list[tuple[str, str, str, int, str]],
    source: str,
    recorded: frozenset[str],
    vocabulary: Vocabulary,
) -> Timeline | None:
    """The person's timeline (None: no dated event to check, only involvements)."""
    problems: list[Problem] = []
    events: list[Event] = []
    council_dues: dict[str, dt.date] = {}
    involvements: list[_Involvement] = []
    ids: dict[str, tuple[str, int]] = {}

    def date_of(values: dict[str, str], field: str, file: str, line: int) -> dt.date | None:
        text = values.get(field)
        if not text:
            return None
        try:
            return read_date(text).date
        except ValueError as exc:
            problems.append(problem(file, str(exc), line=line, field=field, code="E203"))
            return None

    for _, name, file, line, cells in rows:
        # An unreadable byte was kept as a lone surrogate, which json.dumps writes as \udcXX.
        if _UNREADABLE.search(cells):
            problems.append(
                problem(
                    file, "this file is not text saved as CSV (an unreadable byte)", line=line, code="E233"
                )
            )
            continue
        values: dict[str, str] = json.loads(cells)
        if name == INVOLVEMENTS:
            start = date_of(values, "invo_involvement_start_date", file, line)
            if start is not None:
                involvements.append(
                    _Involvement(
                        start,
                        date_of(values, "invo_involvement_end_date", file, line),
                        values.get("invo_professional_team", ""),
                        values.get("invo_professional_id", ""),
                    )
                )
            continue
        table = _BY_NAME[name]
        row_id = values.get(table.row_id) or f"{file}:{line}"
        own = {
            k: values[f] for k, f in (("team", table.team), ("worker", table.worker)) if f and values.get(f)
        }
        for dated in table.events:
            day = date_of(values, dated.field, file, line)
            if day is None:
                continue
            event_id = f"{table.prefix}-{row_id}{dated.suffix}"
            if event_id in ids:
                first_file, first_line = ids[event_id]
                problems.append(
                    problem(
                        file,
                        f"{table.row_id} {row_id!r} is given twice (first at {first_file}:{first_line})",
                        line=line,
                        field=table.row_id,
                        code="E210",
                    )
                )
                continue
            ids[event_id] = (file, line)
            event_type = _icpc_type(values) if dated.type == "icpc" else dated.type
            refers = f"{table.prefix}-{row_id}{dated.refers_to}" if dated.refers_to else None
            if (
                refers
                and date_of(
                    values, next(d.field for d in table.events if d.suffix == dated.refers_to), file, line
                )
                is None
            ):
                refers = None
            events.append(
                Event(
                    id=event_id,
                    type=event_type,
                    date=day,
                    attributes=dated.attributes(values),
                    refers_to=refers,
                    position=len(events),
                    line=line,
                    carried=own,
                )
            )
            if dated.council_due:
                due = date_of(values, dated.council_due, file, line)
                if due is not None:
                    council_dues[event_id] = due
    events = [_with_involvement(e, involvements) for e in events]
    problems.extend(check_case_links(events, (person,), vocabulary, source, lambda e: ""))
    if problems:
        raise TimelineError(problems)
    if not events:
        return None
    return Timeline(
        case=person,
        events=tuple(events),
        children=(person,),
        source=source,
        recorded_types=recorded,
        council_dues=council_dues,
    )


def _with_involvement(event: Event, involvements: list[_Involvement]) -> Event:
    """The team and worker of the involvement covering the event's date, where its row has none."""
    if "team" in event.carried and "worker" in event.carried:
        return event
    covering = [i for i in involvements if i.start <= event.date and (i.end is None or event.date <= i.end)]
    if not covering:
        return event
    latest = max(covering, key=lambda i: i.start)
    carried = {"team": latest.team, "worker": latest.worker} | dict(event.carried)
    return dataclasses.replace(event, carried={k: v for k, v in carried.items() if v})


def ssd_person_timeline(
    person: str,
    tables: Mapping[str, Any],
    vocabulary: Vocabulary,
    *,
    file: str = "<ssd person>",
    extract_tables: Sequence[str] | None = None,
) -> Timeline | None:
    """One person's rows of an SSD extract (``{"ssd_cp_visits": [row, ...], ...}``, each row a
    dict by column name), as the timeline the extract reader makes of them: a record of a
    distributed job. ``extract_tables``: every table the extract holds (default: those given), so
    that a deadline whose meeting table is in the extract but has no row for this person is
    missing rather than not checked. None: only involvements, no dated event to check. Raises
    :class:`TimelineError` naming the table's row and column; a table timescales does not read
    is refused, never ignored."""
    rows: list[tuple[str, str, str, int, str]] = []
    for name, given in tables.items():
        if name not in _FIELDS:
            raise TimelineError(
                [
                    problem(
                        file,
                        f"timescales reads nothing from a table {name!r}: give only {', '.join(_FIELDS)}",
                        code="E231",
                    )
                ]
            )
        for line, row in enumerate(given, start=1):
            by_key = {header_key(k): str(v).strip() for k, v in row.items() if v is not None}
            values = {f: by_key[header_key(f)] for f in _FIELDS[name] if by_key.get(header_key(f))}
            rows.append((person, name, f"{file} {name}", line, json.dumps(values)))
    rows.sort(key=lambda r: (r[1], r[3]))
    recorded = _recorded_types(dict.fromkeys(extract_tables) if extract_tables is not None else tables)
    return _person_timeline(person, rows, file, recorded, vocabulary)
