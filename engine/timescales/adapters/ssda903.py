"""The SSDA903 return (looked-after children) as timelines: its CSV tables, or its XML.

**Tables are recognised by their columns, not their names** (as the DfE's tools and Data to
Insight's validator do): Header, Episodes, Reviews, UASC, OC2, OC3, AD1, PlacedAdoption, PrevPerm,
Missing, SWEpisodes and DoLo, each with its exact column set, optionally with the ``LA`` and
``YEAR`` columns regionally combined files add. Dates are ``dd/mm/yyyy`` as the DfE's files have
them, or ISO as processed files have them. Several files are read together, of one year or several
(this year's and last year's: a child who came into care in March has their first review in the
next return year), and an episode or review given in two years' files is one.

Read from the return (one timeline per child, named by ``CHILD``, or ``LA/CHILD`` when an ``LA``
column is given):

==========================================  =================================================
903 item                                    event
==========================================  =================================================
Episodes DECOM with RNE = S                 looked_after_started (a period of care begins)
Episodes DECOM with RNE = S, P, T, U or B   placement_started (``place`` = PLACE)
Episodes DEC whose REC is not X1            looked_after_ended (``reason`` = REC)
Reviews REVIEW                              cla_review
SWEpisodes SW_ID                            ``worker`` on the events in that social worker's span
==========================================  =================================================

A period of care starts at an episode with RNE = S and ends at a DEC whose REC is not X1; between
them each episode starts the day the last ended. A child whose chain breaks that (a gap, an overlap,
an episode after an open one, a new period while the last continues, a period that ends and carries
on without RNE = S, an episode that ends before it starts, an unknown code, a date that does not
exist) is left out and each problem reported at its file and line: the chain is not guessed over.
A child whose first episode is not RNE = S was already in care when the data begin: their review
cycle has no start to time it from, and the report counts them.

The return records every review, so only the review rules are judged on it: visits, plans and health
assessments are not in the 903 and the report lists those rules as not checked. The as-of date is
the 31 March that ends the latest return year in the files (the latest ``YEAR``, or the latest date).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from ..errors import Problem, TimelineError, problem, quoted
from ..timeline import Event, SourceNote, Timeline
from ..vocabulary import Vocabulary
from .csv_events import decode, sniff_delimiter
from .dates import read_date

#: The 903 tables and their exact columns (Data to Insight's validator, lac_validator/config.py;
#: the DfE's 2024/25 specification).
TABLES: dict[str, tuple[str, ...]] = {
    "Header": ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"),
    "Episodes": (
        "CHILD",
        "DECOM",
        "RNE",
        "LS",
        "CIN",
        "PLACE",
        "PLACE_PROVIDER",
        "DEC",
        "REC",
        "REASON_PLACE_CHANGE",
        "HOME_POST",
        "PL_POST",
        "URN",
    ),
    "Reviews": ("CHILD", "DOB", "REVIEW", "REVIEW_CODE"),
    "UASC": ("CHILD", "SEX", "DOB", "DUC"),
    "OC2": (
        "CHILD",
        "DOB",
        "SDQ_SCORE",
        "SDQ_REASON",
        "CONVICTED",
        "HEALTH_CHECK",
        "IMMUNISATIONS",
        "TEETH_CHECK",
        "HEALTH_ASSESSMENT",
        "SUBSTANCE_MISUSE",
        "INTERVENTION_RECEIVED",
        "INTERVENTION_OFFERED",
    ),
    "OC3": ("CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"),
    "AD1": ("CHILD", "DOB", "DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR", "LS_ADOPTR"),
    "PlacedAdoption": ("CHILD", "DOB", "DATE_PLACED", "DATE_PLACED_CEASED", "REASON_PLACED_CEASED"),
    "PrevPerm": ("CHILD", "DOB", "PREV_PERM", "LA_PERM", "DATE_PERM"),
    "Missing": ("CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"),
    "SWEpisodes": ("CHILD", "DOB", "SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON"),
    "DoLo": ("CHILD", "DOB", "DOLO_START", "DOLO_END"),
}
#: Columns regionally combined files add to every table.
OPTIONAL_COLUMNS = ("LA", "YEAR")
_TABLE_BY_COLUMNS = {frozenset(columns): name for name, columns in TABLES.items()}

#: RNE (reason for new episode): S started to be looked after; L legal status only; P placement
#: only; T both; U and B legal status and placement changed together (older codes kept by the DfE).
RNE_CODES = frozenset({"S", "L", "P", "T", "U", "B"})
PLACEMENT_CHANGES = frozenset({"S", "P", "T", "U", "B"})
#: REC X1: the episode ends but the child is still looked after (the period of care continues).
CONTINUES = "X1"

#: The events the return records completely; rules expecting others are not judged on it.
RECORDED_TYPES = frozenset({"looked_after_started", "looked_after_ended", "placement_started", "cla_review"})

_XML_ROOT = re.compile(rb"<\s*EXPSSDA903\b")
#: XML element names that differ from the CSV columns.
_XML_NAMES = {"CHILDID": "CHILD", "PL": "PLACE"}


def table_of(columns: Sequence[str]) -> str | None:
    """Which 903 table these header cells are (None: not a 903 table)."""
    names = {c.strip().upper() for c in columns if c.strip()}
    return _TABLE_BY_COLUMNS.get(frozenset(names - set(OPTIONAL_COLUMNS)))


def csv_header(path: Path) -> list[str] | None:
    """The header cells of a CSV file (None: unreadable or empty)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(1 << 14)
    except OSError:
        return None
    text, _ = decode(head)
    first = next((line for line in text.splitlines() if line.strip()), None)
    if first is None:
        return None
    return next(csv.reader([first], delimiter=sniff_delimiter(first)), None)


def is_903_file(path: Path) -> bool:
    """A 903 CSV table (by its columns) or a 903 XML return (by its root element)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        header = csv_header(path)
        return header is not None and table_of(header) is not None
    if suffix == ".xml":
        return is_903_xml(path)
    return False


def is_903_xml(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return bool(_XML_ROOT.search(handle.read(4096)))
    except OSError:
        return False


# -- reading the tables --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Cell:
    """A value with where it came from, for messages."""

    text: str
    file: str
    line: int | None
    column: int | None
    field: str


@dataclass
class _Episode:
    decom: dt.date
    rne: str
    place: str
    dec: dt.date | None
    rec: str
    file: str
    line: int | None

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file

    def same_start(self, other: _Episode) -> bool:
        return (self.decom, self.rne, self.place) == (other.decom, other.rne, other.place)


@dataclass
class _Child:
    key: str
    #: The council (the ``LA`` column of a regionally combined return), for per-council measures.
    council: str = ""
    episodes: list[_Episode] = field(default_factory=list)
    reviews: dict[dt.date, tuple[str, int | None]] = field(default_factory=dict)
    workers: list[tuple[dt.date, dt.date | None, str]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    first_line: tuple[str, int] = ("", 0)


@dataclass
class _Return:
    """Everything read from the files, per child, in the order children first appear."""

    children: dict[str, _Child] = field(default_factory=dict)
    years: set[int] = field(default_factory=set)
    latest: dt.date | None = None
    tables: list[str] = field(default_factory=list)

    def child(self, key: str, file: str, line: int | None) -> _Child:
        found = self.children.get(key)
        if found is None:
            found = self.children[key] = _Child(key, first_line=(file, line or 0))
        return found

    def saw(self, day: dt.date) -> None:
        if self.latest is None or day > self.latest:
            self.latest = day


def iter_903_timelines(
    paths: Iterable[Path], vocabulary: Vocabulary
) -> Iterator[Timeline | TimelineError | SourceNote]:
    """Every child of the 903 files given together, or the error that leaves a child out."""
    data = _Return()
    for path in paths:
        try:
            if path.suffix.lower() == ".xml":
                _read_xml(path, data)
            else:
                _read_csv(path, data)
        except TimelineError as error:
            yield error
    if not data.children:
        return
    yield SourceNote(_name(paths), "SSDA903 tables read: " + "; ".join(data.tables) + ".")
    as_of = _as_of(data)
    if as_of is not None:
        how = "the latest YEAR" if data.years else "the latest date in the files"
        yield SourceNote(
            _name(paths), f"as-of date {as_of.isoformat()}: the end of the return year of {how}."
        )
    already_in_care = 0
    for order, child in enumerate(data.children.values()):
        timeline = _timeline(child, as_of, _name(paths), order)
        if isinstance(timeline, TimelineError):
            yield timeline
            continue
        if child.episodes and child.episodes[0].rne != "S":
            already_in_care += 1
        yield timeline
    if already_in_care:
        yield SourceNote(
            _name(paths),
            f"{already_in_care} child(ren) were already looked after when the files begin (their "
            "first episode is not RNE = S): their review cycles have no start to time them from, "
            "so their reviews are not checked. Give the earlier years' files to check them.",
        )


def _name(paths: Iterable[Path]) -> str:
    names = [str(p) for p in paths]
    return names[0] if len(names) == 1 else f"{names[0]} (+{len(names) - 1} more 903 files)"


def _as_of(data: _Return) -> dt.date | None:
    if data.years:
        return dt.date(max(data.years), 3, 31)
    if data.latest is None:
        return None
    year = data.latest.year + (1 if data.latest > dt.date(data.latest.year, 3, 31) else 0)
    return dt.date(year, 3, 31)


def _read_csv(path: Path, data: _Return) -> None:
    file = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise TimelineError([problem(file, f"cannot read the file: {exc.strerror}", code="E001")]) from None
    text, _ = decode(raw)
    lines = text.splitlines()
    header_index = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header_index is None:
        raise TimelineError([problem(file, "the file is empty", line=1, code="E230")])
    delimiter = sniff_delimiter(lines[header_index])
    reader = csv.reader(io.StringIO("\n".join(lines[header_index:])), delimiter=delimiter)
    header = [c.strip().upper() for c in next(reader)]
    table = table_of(header)
    if table is None:
        raise TimelineError(
            [
                problem(
                    file,
                    "not a 903 table: its columns match none of them",
                    line=header_index + 1,
                    code="E230",
                )
            ]
        )
    data.tables.append(f"{table} ({path.name})")
    rows = (
        (header_index + 1 + offset, dict(zip(header, cells, strict=False)))
        for offset, cells in enumerate(reader, start=1)
    )
    _take(table, file, header, rows, data)


def _read_xml(path: Path, data: _Return) -> None:
    """The 903 XML: ``<CHILD>`` elements holding a ``<HEADER>`` (CHILDID, DOB, ``<AREVIEW>``s) and
    ``<EPISODE>``s (PL is the CSV's PLACE)."""
    file = str(path)
    with path.open("rb") as handle:
        if re.search(rb"<!(DOCTYPE|ENTITY)", handle.read(1 << 16), re.IGNORECASE):
            raise TimelineError(
                [problem(file, "the file declares a DOCTYPE or entities; refused for safety", code="E501")]
            )
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.parse(file, parser).getroot()
    except etree.XMLSyntaxError as exc:
        raise TimelineError(
            [problem(file, f"not well-formed XML: {exc.msg}", line=exc.lineno, code="E230")]
        ) from None
    episodes: list[tuple[int, dict[str, str]]] = []
    reviews: list[tuple[int, dict[str, str]]] = []
    for child in root:
        if not isinstance(child.tag, str) or child.tag != "CHILD":
            continue
        header = child.find("HEADER")
        child_id = (header.findtext("CHILDID") if header is not None else None) or ""
        for episode in child.findall("EPISODE"):
            values = {_XML_NAMES.get(e.tag, e.tag): (e.text or "") for e in episode if isinstance(e.tag, str)}
            episodes.append((episode.sourceline or 0, {"CHILD": child_id, **values}))
        for review in header.findall("AREVIEW") if header is not None else ():
            values = {e.tag: (e.text or "") for e in review if isinstance(e.tag, str)}
            reviews.append((review.sourceline or 0, {"CHILD": child_id, **values}))
    data.tables.append(f"XML ({path.name}): {len(episodes)} episodes, {len(reviews)} reviews")
    _take("Episodes", file, list(TABLES["Episodes"]), iter(episodes), data)
    _take("Reviews", file, list(TABLES["Reviews"]), iter(reviews), data)


def _take(
    table: str, file: str, header: list[str], rows: Iterator[tuple[int, dict[str, str]]], data: _Return
) -> None:
    """Add the rows of one table to the children they concern."""
    if table not in ("Episodes", "Reviews", "SWEpisodes"):
        return  # the other tables hold nothing the rules time (OC2 health checks are yes/no flags)
    has_la = "LA" in header

    def cell(values: dict[str, str], name: str, line: int) -> _Cell:
        column = header.index(name) + 1 if name in header else None
        return _Cell((values.get(name) or "").strip(), file, line, column, name)

    for line, values in rows:
        if not any((v or "").strip() for v in values.values()):
            continue
        child_id = (values.get("CHILD") or "").strip()
        if not child_id:
            orphan = data.child(f"<no CHILD, {file} line {line}>", file, line)
            orphan.problems.append(
                problem(file, "a row with no CHILD", line=line, field="CHILD", code="E600")
            )
            continue
        key = (
            f"{values['LA'].strip()}/{child_id}" if has_la and (values.get("LA") or "").strip() else child_id
        )
        child = data.child(key, file, line)
        if key != child_id:
            child.council = values["LA"].strip()
        year = (values.get("YEAR") or "").strip()
        if year:
            if year.isdigit() and len(year) == 4:
                data.years.add(int(year))
            else:
                child.problems.append(
                    problem(file, f"YEAR {quoted(year)} is not a year", line=line, field="YEAR", code="E230")
                )
        if table == "Episodes":
            _take_episode(
                child, data, {n: cell(values, n, line) for n in ("DECOM", "RNE", "PLACE", "DEC", "REC")}
            )
        elif table == "Reviews":
            review = _date(cell(values, "REVIEW", line), child, required=True)
            if review is not None:
                data.saw(review)
                child.reviews.setdefault(review, (file, line))
        else:
            start = _date(cell(values, "SW_DECOM", line), child, required=True)
            end = _date(cell(values, "SW_DEC", line), child, required=False)
            worker = cell(values, "SW_ID", line).text
            if start is not None and worker:
                child.workers.append((start, end, worker))


def _take_episode(child: _Child, data: _Return, cells: dict[str, _Cell]) -> None:
    decom = _date(cells["DECOM"], child, required=True)
    dec = _date(cells["DEC"], child, required=False)
    rne = cells["RNE"].text.upper()
    if rne not in RNE_CODES:
        _report(
            child,
            cells["RNE"],
            f"RNE {quoted(rne)} is not a reason for a new episode ({', '.join(sorted(RNE_CODES))})",
        )
        return
    rec = cells["REC"].text.upper()
    if dec is not None and not rec:
        _report(child, cells["REC"], "the episode has an end date (DEC) but no reason it ended (REC)")
        return
    if decom is None:
        return
    data.saw(decom)
    if dec is not None:
        data.saw(dec)
    episode = _Episode(
        decom,
        rne,
        cells["PLACE"].text.upper(),
        dec,
        rec if dec else "",
        cells["DECOM"].file,
        cells["DECOM"].line,
    )
    for index, known in enumerate(child.episodes):
        if known.decom != decom:
            continue
        # The same episode in two years' files: last year's may still be open. Keep the closed one.
        if known.same_start(episode) and (
            known.dec is None or episode.dec is None or known.dec == episode.dec
        ):
            if known.dec is None and episode.dec is not None:
                child.episodes[index] = episode
            return
        child.problems.append(
            problem(
                episode.file,
                f"two different episodes start {decom.isoformat()} (the other at {known.where})",
                line=episode.line,
                field="DECOM",
                code="E601",
            )
        )
        return
    child.episodes.append(episode)


def _date(cell: _Cell, child: _Child, *, required: bool) -> dt.date | None:
    if not cell.text:
        if required:
            _report(child, cell, "missing date")
        return None
    try:
        return read_date(cell.text).date
    except ValueError as exc:
        _report(child, cell, str(exc))
        return None


def _report(child: _Child, cell: _Cell, message: str) -> None:
    child.problems.append(
        problem(cell.file, message, line=cell.line, column=cell.column, field=cell.field, code="E600")
    )


# -- periods of care -------------------------------------------------------------------------------


def chain_problems(episodes: Sequence[_Episode]) -> list[Problem]:
    """Every way the child's episodes break the return's rules for periods of care."""
    found: list[Problem] = []

    def add(episode: _Episode, message: str, field_name: str = "DECOM") -> None:
        found.append(problem(episode.file, message, line=episode.line, field=field_name, code="E602"))

    for index, episode in enumerate(episodes):
        if episode.dec is not None and episode.dec < episode.decom:
            add(
                episode,
                f"ends (DEC {episode.dec.isoformat()}) before it starts (DECOM {episode.decom.isoformat()})",
                "DEC",
            )
        if index == 0:
            continue
        before = episodes[index - 1]
        start = episode.decom.isoformat()
        if before.dec is None:
            add(episode, f"starts {start} after an episode that never ended (no DEC, at {before.where})")
        elif before.dec > episode.decom:
            add(
                episode,
                f"starts {start}, before the previous episode ended "
                f"({before.dec.isoformat()}, at {before.where}): they overlap",
            )
        elif before.rec == CONTINUES:
            if episode.rne == "S":
                add(
                    episode,
                    f"starts a new period of care (RNE = S) {start}, but the previous episode "
                    f"ended with REC = X1 (the child stayed looked after, at {before.where})",
                    "RNE",
                )
            elif before.dec < episode.decom:
                add(
                    episode,
                    f"starts {start}, but the previous episode ended {before.dec.isoformat()} "
                    f"with REC = X1 (still looked after, at {before.where}): "
                    f"a gap of {(episode.decom - before.dec).days} days",
                )
        elif episode.rne != "S":
            add(
                episode,
                f"continues a period of care (RNE = {episode.rne}) that had ended "
                f"{before.dec.isoformat()} with REC = {before.rec} (at {before.where}); "
                "a new period starts with RNE = S",
                "RNE",
            )
    if episodes:
        last = episodes[-1]
        if last.dec is not None and last.rec == CONTINUES:
            add(
                last,
                f"ends {last.dec.isoformat()} with REC = X1 (the child stays looked after) "
                "but no episode follows",
                "REC",
            )
    return found


def _timeline(child: _Child, as_of: dt.date | None, source: str, order: int) -> Timeline | TimelineError:
    episodes = sorted(child.episodes, key=lambda e: e.decom)
    problems = [*child.problems, *chain_problems(episodes)]
    if problems:
        return TimelineError(
            dataclasses.replace(p, message=f"child {child.key}: {p.message}") for p in problems
        )
    events: list[Event] = []

    def add(event_id: str, event_type: str, day: dt.date, line: int | None, **attributes: str) -> None:
        worker = next((w for s, e, w in child.workers if s <= day and (e is None or day <= e)), None)
        carried = {name: value for name, value in (("council", child.council), ("worker", worker)) if value}
        events.append(
            Event(event_id, event_type, day, attributes, None, None, False, None, len(events), line, carried)
        )

    for episode in episodes:
        day = episode.decom.isoformat()
        if episode.rne == "S":
            add(f"start-{day}", "looked_after_started", episode.decom, episode.line)
        if episode.rne in PLACEMENT_CHANGES:
            add(f"placement-{day}", "placement_started", episode.decom, episode.line, place=episode.place)
        if episode.dec is not None and episode.rec != CONTINUES:
            add(
                f"end-{episode.dec.isoformat()}",
                "looked_after_ended",
                episode.dec,
                episode.line,
                reason=episode.rec,
            )
    for review_day, (_, line) in sorted(child.reviews.items()):
        add(f"review-{review_day.isoformat()}", "cla_review", review_day, line)
    return Timeline(
        case=child.key,
        events=tuple(events),
        children=(child.key,),
        as_of=as_of,
        source=source,
        order=order,
        recorded_types=RECORDED_TYPES,
    )


def child_903_timeline(
    tables: Mapping[str, Iterable[Mapping[str, str]]],
    *,
    as_of: dt.date | None = None,
    file: str = "<903 child>",
    order: int = 0,
) -> Timeline:
    """One child's rows of a 903 return (``{"Episodes": [row, ...], "Reviews": [...]}``, each row
    a dict by column name), as the timeline the file reader makes of them: a record of a
    distributed job. Without ``as_of``, the end of the return year of the latest date, as for
    files. Raises :class:`TimelineError` naming the table's row and column."""
    data = _Return()
    for table, given in tables.items():
        if table not in TABLES:
            known = ", ".join(TABLES)
            raise TimelineError([problem(file, f"no 903 table is called {table!r} ({known})", code="E230")])
        rows = [{k.strip().upper(): v for k, v in row.items()} for row in given]
        header = list(dict.fromkeys(k for row in rows for k in row))
        _take(table, f"{file} {table}", header, iter(enumerate(rows, start=1)), data)
    children = list(data.children.values())
    if len(children) != 1:
        raise TimelineError(
            [
                problem(
                    file, f"a 903 record holds one child's rows, not {len(children)} children's", code="E230"
                )
            ]
        )
    found = _timeline(children[0], as_of or _as_of(data), file, order)
    if isinstance(found, TimelineError):
        raise found
    return found
