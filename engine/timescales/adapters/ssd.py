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
ssd_cla_episodes            clae_cla_episode_start_date -> looked_after_started when the start
                            reason is S, placement_started when it is S, P, T, U or B (unless
                            ssd_cla_placement is given); clae_cla_episode_ceased_date ->
                            looked_after_ended unless the reason is X1 (the child stays looked
                            after)
ssd_cla_placement           clap_cla_placement_start_date -> placement_started
ssd_cla_reviews             clar_cla_review_date -> cla_review (not one flagged cancelled);
                            clar_cla_review_due_date is the council's due. The table names the
                            period of care (clar_cla_id), not the person: ssd_cla_episodes'
                            clae_cla_id says whose it is
ssd_cla_visits              clav_cla_visit_date -> cla_visit (seen_alone)
ssd_cla_health              clah_health_check_date -> health_assessment when the type is a
                            health assessment (not a dental or surveillance check) and the status
                            is completed or blank; under_five from ssd_person's pers_dob
ssd_involvements            the team and worker of each involvement, over its dates
ssd_person                  pers_dob (a looked-after child's age at each health assessment)
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

from ..calendar import add_months
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
    #: Where the event type depends on the row: the type (None: the row gives no event here),
    #: or CodeError saying what is wrong with the row's code.
    type_of: Callable[[dict[str, str]], str | None] | None = None
    #: Every type ``type_of`` may give (default: ``type``), for the types an extract records.
    types: tuple[str, ...] = ()
    #: A table whose presence makes this field give no event (it is read from that table instead).
    unless_table: str | None = None

    @property
    def gives(self) -> tuple[str, ...]:
        return self.types or (self.type,)


@dataclass(frozen=True)
class Table:
    name: str
    person: str
    row_id: str
    prefix: str
    events: tuple[Dated, ...]
    team: str | None = None
    worker: str | None = None
    #: A table naming no person: (its field naming a row of another table, that table, the field
    #: there). The person is the one of that row (reviews name the period of care, not the child).
    link: tuple[str, str, str] | None = None


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


#: The 903 codes the SSD's episodes carry (as adapters/ssda903.py reads them): a reason for a new
#: episode, S starting a period of care; a reason an episode ceased, X1 continuing it.
_START_REASONS = frozenset({"S", "L", "P", "T", "U", "B"})
_PLACEMENT_CHANGES = frozenset({"S", "P", "T", "U", "B"})
_STILL_LOOKED_AFTER = "X1"


class CodeError(ValueError):
    """A row's code that decides its event is not one the SSD allows."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _start_reason(row: dict[str, str]) -> str:
    code = (row.get("clae_cla_episode_start_reason") or "").strip().upper()
    if code not in _START_REASONS:
        raise CodeError(
            "clae_cla_episode_start_reason",
            f"{code!r} is not a reason for a new episode ({', '.join(sorted(_START_REASONS))})",
        )
    return code


def _care_started(row: dict[str, str]) -> str | None:
    return "looked_after_started" if _start_reason(row) == "S" else None


def _placement_started(row: dict[str, str]) -> str | None:
    return "placement_started" if _start_reason(row) in _PLACEMENT_CHANGES else None


def _care_ended(row: dict[str, str]) -> str | None:
    code = (row.get("clae_cla_episode_ceased_reason") or "").strip().upper()
    if not code:
        raise CodeError("clae_cla_episode_ceased_reason", "the episode has a ceased date but no reason")
    return None if code == _STILL_LOOKED_AFTER else "looked_after_ended"


def _review_held(row: dict[str, str]) -> str | None:
    cancelled = (row.get("clar_cla_review_cancelled") or "").strip().lower() in YES
    return None if cancelled else "cla_review"


def _health_assessment(row: dict[str, str]) -> str | None:
    kind = (row.get("clah_health_check_type") or "").strip().lower()
    status = (row.get("clah_health_check_status") or "").strip().lower()
    if "assessment" not in kind or "dental" in kind:
        return None  # a dental or surveillance check is not the statutory health assessment
    return "health_assessment" if status in ("", "completed", "complete") else None


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
                type_of=_icpc_type,
                types=("icpc", "transfer_in_conference"),
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
    Table(
        "ssd_cla_episodes",
        "clae_person_id",
        "clae_cla_episode_id",
        "clae",
        (
            Dated("clae_cla_episode_start_date", "looked_after_started", "-care", type_of=_care_started),
            Dated(
                "clae_cla_episode_start_date",
                "placement_started",
                "-placement",
                type_of=_placement_started,
                unless_table="ssd_cla_placement",
            ),
            Dated(
                "clae_cla_episode_ceased_date",
                "looked_after_ended",
                "-end",
                lambda row: (
                    {"reason": row["clae_cla_episode_ceased_reason"]}
                    if row.get("clae_cla_episode_ceased_reason")
                    else {}
                ),
                type_of=_care_ended,
            ),
        ),
    ),
    Table(
        "ssd_cla_placement",
        "clap_person_id",
        "clap_cla_placement_id",
        "clap",
        (Dated("clap_cla_placement_start_date", "placement_started", ""),),
    ),
    Table(
        "ssd_cla_reviews",
        "clar_cla_id",
        "clar_cla_review_id",
        "clar",
        (
            Dated(
                "clar_cla_review_date",
                "cla_review",
                "",
                council_due="clar_cla_review_due_date",
                type_of=_review_held,
            ),
        ),
        link=("clar_cla_id", "ssd_cla_episodes", "clae_cla_id"),
    ),
    Table(
        "ssd_cla_visits",
        "clav_person_id",
        "clav_cla_visit_id",
        "clav",
        (Dated("clav_cla_visit_date", "cla_visit", "", _seen_alone("clav_cla_visit_seen_alone")),),
    ),
    Table(
        "ssd_cla_health",
        "clah_person_id",
        "clah_health_check_id",
        "clah",
        (Dated("clah_health_check_date", "health_assessment", "", type_of=_health_assessment),),
    ),
)
INVOLVEMENTS = "ssd_involvements"
PERSONS = "ssd_person"
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
                    "ssd_cla_episodes": [
                        "clae_cla_episode_start_reason",
                        "clae_cla_episode_ceased_reason",
                        "clae_cla_id",
                    ],
                    "ssd_cla_reviews": ["clar_cla_review_cancelled"],
                    "ssd_cla_visits": ["clav_cla_visit_seen_alone"],
                    "ssd_cla_health": ["clah_health_check_type", "clah_health_check_status"],
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
    PERSONS: ("pers_person_id", "pers_dob"),
}
_REQUIRED = {name: fields[:2] for name, fields in _FIELDS.items()} | {PERSONS: ("pers_person_id",)}
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
    return frozenset(t for name in tables if name in _BY_NAME for d in _BY_NAME[name].events for t in d.gives)


def _extract_timelines(
    source: str, tables: Mapping[str, tuple[Place, Iterator[_Row | SourceNote]]], vocabulary: Vocabulary
) -> Iterator[Timeline | TimelineError | SourceNote]:
    recorded = _recorded_types(tables)
    present = frozenset(tables)
    places = {place.name: place for place, _ in tables.values()}
    without_events = no_birth_date = 0
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
            _link_persons(store, tables, unlinked)
            if unlinked:
                yield TimelineError(_relocated(p, places) for p in unlinked)
            store.execute("CREATE INDEX by_person ON row (person, tab, line)")
            cursor = store.execute(
                "SELECT person, tab, file, line, cells FROM row ORDER BY person, tab, line"
            )
            for person, person_rows in groupby(cursor, key=lambda r: r[0]):
                try:
                    timeline = _person_timeline(
                        person, list(person_rows), source, recorded, present, vocabulary
                    )
                except TimelineError as error:
                    yield TimelineError(_relocated(p, places) for p in error.problems)
                    continue
                if timeline is None:
                    without_events += 1
                    continue
                no_birth_date += sum(
                    1
                    for e in timeline.events
                    if e.type == "health_assessment" and "under_five" not in e.attributes
                )
                yield timeline
        finally:
            store.close()
    yield SourceNote(source, f"read as an SSD extract: {', '.join(tables)}.")
    if without_events:
        yield SourceNote(
            source,
            f"{without_events} person(s) with no dated event (only a person record or involvements) "
            "were not checked.",
        )
    if no_birth_date:
        yield SourceNote(
            source,
            f"{no_birth_date} health assessment(s) of children with no pers_dob in ssd_person: the next "
            "one's interval (6 months under 5, 12 from 5) cannot be chosen, so it is not checked.",
        )


#: Marks a stored row whose person is not known yet: it names a row of another table (Table.link).
#: (A control character no id holds; not NUL, at which SQLite's substr() stops.)
_LINK = "\x1f"


def _link_persons(
    store: sqlite3.Connection, tables: Mapping[str, tuple[Place, object]], unlinked: list[Problem]
) -> None:
    """Give the rows of tables naming no person (reviews name the period of care) the person of the
    row they name; a row naming nothing known is reported alone."""
    for table in TABLES:
        if table.link is None or table.name not in tables:
            continue
        own, other, key = table.link
        if other not in tables:
            place = tables[table.name][0]
            unlinked.append(
                problem(
                    place.name,
                    f"{table.name} names the period of care ({own}), not the child: give {other} "
                    f"too (its {key} says whose it is)",
                    code="E231",
                )
            )
            store.execute("DELETE FROM row WHERE tab = ?", (table.name,))
            continue
        store.execute("CREATE TABLE IF NOT EXISTS link (key TEXT PRIMARY KEY, person TEXT)")
        store.execute("DELETE FROM link")
        store.execute(
            "INSERT OR IGNORE INTO link SELECT json_extract(cells, ?), person FROM row "
            "WHERE tab = ? AND json_extract(cells, ?) IS NOT NULL",
            (f"$.{key}", other, f"$.{key}"),
        )
        orphans = "tab = ? AND substr(person, 2) NOT IN (SELECT key FROM link)"
        for file, line, value in store.execute(
            f"SELECT file, line, substr(person, 2) FROM row WHERE {orphans}", (table.name,)
        ).fetchall():
            unlinked.append(
                problem(
                    file,
                    f"{own} {value!r} names no period of care in {other} ({key})",
                    line=line,
                    field=own,
                    code="E211",
                )
            )
        store.execute(f"DELETE FROM row WHERE {orphans}", (table.name,))
        store.execute(
            "UPDATE row SET person = (SELECT person FROM link WHERE key = substr(row.person, 2)) "
            "WHERE tab = ?",
            (table.name,),
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
    link = _BY_NAME[name].link if name in _BY_NAME else None
    owner = "period of care" if link else "person"
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
                    f"no {person_field}: the row belongs to no {owner}",
                    code="E201",
                )
            )
            continue
        batch.append((_LINK + person if link else person, name, place.name, line, json.dumps(values)))
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
    present: frozenset[str],
    vocabulary: Vocabulary,
) -> Timeline | None:
    """The person's timeline (None: no dated event to check, only a person record or involvements).
    ``present``: the tables of the extract."""
    problems: list[Problem] = []
    events: list[Event] = []
    council_dues: dict[str, dt.date] = {}
    involvements: list[_Involvement] = []
    ids: dict[str, tuple[str, int]] = {}
    born: dt.date | None = None

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
        if name == PERSONS:
            born = date_of(values, "pers_dob", file, line)
            continue
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
        days = {f: date_of(values, f, file, line) for f in dict.fromkeys(d.field for d in table.events)}
        for dated in table.events:
            day = days[dated.field]
            if day is None or (dated.unless_table and dated.unless_table in present):
                continue
            try:
                event_type = dated.type_of(values) if dated.type_of else dated.type
            except CodeError as exc:
                found = problem(file, str(exc), line=line, field=exc.field, code="E206")
                if found not in problems:  # one code may decide two events of the row
                    problems.append(found)
                continue
            if event_type is None:
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
            refers = f"{table.prefix}-{row_id}{dated.refers_to}" if dated.refers_to else None
            if refers and days[next(d.field for d in table.events if d.suffix == dated.refers_to)] is None:
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
    events = [_with_age(_with_involvement(e, involvements), born) for e in events]
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


def _with_age(event: Event, born: dt.date | None) -> Event:
    """A health assessment says whether the child was under 5 that day (the next one's interval);
    unknown without a date of birth. A 29 February birthday falls on 28 February."""
    if event.type != "health_assessment" or born is None:
        return event
    under_five = event.date < add_months(born, 60)
    return dataclasses.replace(event, attributes={**event.attributes, "under_five": str(under_five).lower()})


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
    present = frozenset(extract_tables if extract_tables is not None else tables)
    return _person_timeline(person, rows, file, _recorded_types(dict.fromkeys(present)), present, vocabulary)
