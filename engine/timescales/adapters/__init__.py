"""Sources of timelines: YAML/JSON files, CSV event logs, spreadsheets, CIN census XML, folders.

Each kind of input is an adapter module of its own; this module only decides which one reads a
path. Adapters yield, in order, the cases they read (:class:`Timeline`), the error that leaves a
file or one case of it out (:class:`TimelineError`), and notes on a file as a whole
(:class:`SourceNote`: an encoding guessed, columns carried, rows used, a file skipped and why).
"""

from __future__ import annotations

import codecs
import dataclasses
import datetime as dt
import re
import sys
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ..errors import TimelineError, problem
from ..timeline import SourceNote, Timeline
from ..vocabulary import Vocabulary
from ..yamlsource import LMap, LSeq, read_yaml_file
from . import annex_a, ssda903
from .csv_events import iter_csv_timelines
from .dfe_api import is_dfe_payload, payload_timelines
from .mapping import ColumnMap
from .ssd import iter_ssd_timelines, ssd_tables
from .yaml_timeline import timeline_from_data

YAML_SUFFIXES = (".yaml", ".yml", ".json")
SUFFIXES = (*YAML_SUFFIXES, ".csv", ".xlsx", ".xml")
#: The name of standard input in messages (``-`` on the command line).
STDIN = "<stdin>"
#: How our own JSON report starts (see outputs.JsonWriter): such a file is not a timeline.
_OUR_REPORT = re.compile(rb'\A\s*\{\s*"schema"\s*:\s*"timescales/report/')

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)

Item = Timeline | TimelineError | SourceNote


@dataclasses.dataclass(frozen=True)
class ReadOptions:
    """How to read tables: a column mapping (``--columns``), the sheet of a workbook (``--sheet``)
    and the date lists of latest dates were extracted (``--as-of``: Annex A that does not say it)."""

    column_map: ColumnMap | None = None
    sheet: str | None = None
    list_date: dt.date | None = None


def iter_timelines(path: Path, vocabulary: Vocabulary, options: ReadOptions | None = None) -> Iterator[Item]:
    """Every case in a file, a folder or standard input (``-``), with notes and errors.

    Folders are read in name order. A file in a folder that timescales does not read (another
    suffix, a link to nothing, our own JSON report, an Excel lock file) is yielded as a skipped
    :class:`SourceNote`, never silently ignored.
    """
    options = options or ReadOptions()
    if str(path) == "-":
        yield from _stdin(vocabulary, options)
        return
    if path.is_dir():
        everything = sorted(path.rglob("*"))
        # A folder (or subfolder) holding ssd_* tables is one SSD extract, read as a whole.
        extracts = {f: ssd_tables(f) for f in [path, *everything] if f.is_dir() and ssd_tables(f)}
        for folder in extracts:
            yield from iter_ssd_timelines(folder, vocabulary)
        extract = {t for tables in extracts.values() for t in tables.values()}
        files = [child for child in everything if not child.is_dir()]
        # The tables of a 903 return are read together (one child's episodes and reviews are in
        # different files, and this year's and last year's files complete each other).
        returns = [c for c in files if c not in extract and not skip_reason(c) and ssda903.is_903_file(c)]
        if returns:
            yield from ssda903.iter_903_timelines(returns, vocabulary)
        # Annex A lists given as CSV files are read together too (a child may be on both).
        taken = {*extract, *returns}
        lists = [c for c in files if c not in taken and not skip_reason(c) and _is_annex_a_csv(c)]
        if lists:
            yield from annex_a.iter_annex_a_csv(lists, options.list_date)
        for child in files:
            if child in taken or child in lists:
                continue
            if child.parent in extracts and child.name.lower().startswith("ssd_"):
                unused = "an SSD table that holds no event timescales checks"
                yield SourceNote(str(child), f"skipped: {unused}.", skipped=True)
                continue
            reason = skip_reason(child)
            if reason:
                yield SourceNote(str(child), f"skipped: {reason}.", skipped=True)
            else:
                yield from iter_timelines(child, vocabulary, options)
        return
    try:
        yield from _read_file(path, vocabulary, options)
    except TimelineError as error:
        yield error


def skip_reason(path: Path) -> str | None:
    """Why a file found in a folder is not read (None: it is read)."""
    if path.is_symlink() and not path.exists():
        return "a link to a file that does not exist"
    if not path.is_file():
        return "not a regular file"
    if path.name.startswith("~$"):
        return "an Excel lock file (the workbook is open in Excel)"
    if path.name.startswith("."):
        return "a hidden file"
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        kind = f"{suffix} files" if suffix else "files without a suffix"
        return f"timescales does not read {kind} (it reads {', '.join(SUFFIXES)})"
    if suffix == ".json" and is_our_report(path):
        return "a timescales report, not a timeline"
    return None


def _is_annex_a_csv(path: Path) -> bool:
    return path.suffix.lower() == ".csv" and annex_a.is_annex_a_csv(path)


def is_our_report(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return bool(_OUR_REPORT.match(handle.read(4096)))
    except OSError:
        return False


def _read_file(
    path: Path, vocabulary: Vocabulary, options: ReadOptions, name: str | None = None
) -> Iterator[Item]:
    file = name or str(path)
    if not path.exists():
        raise TimelineError([problem(file, "no such file or folder", code="E001")])
    suffix = path.suffix.lower()
    if suffix in YAML_SUFFIXES:
        if suffix == ".json" and is_our_report(path):
            ours = "this is a timescales report, not a timeline: give the case files"
            raise TimelineError([problem(file, ours, code="E001")])
        data, problems = read_yaml_file(path)
        if suffix == ".json" and not problems and is_dfe_payload(data):
            yield from payload_timelines(data, file, vocabulary)
        else:
            yield timeline_from_data(data, problems, file, vocabulary)
    elif suffix in (".csv", ".xml") and ssda903.is_903_file(path):
        yield from ssda903.iter_903_timelines([path], vocabulary)
    elif suffix == ".csv" and annex_a.is_annex_a_csv(path):
        yield from annex_a.iter_annex_a_csv([path], options.list_date, file)
    elif suffix == ".csv":
        yield from iter_csv_timelines(path, vocabulary, options.column_map, file)
    elif suffix == ".xlsx":
        from .xlsx_events import iter_xlsx_timelines

        yield from iter_xlsx_timelines(
            path, vocabulary, options.column_map, options.sheet, file, options.list_date
        )
    elif suffix == ".xml":
        from .cin_census import iter_census_timelines

        yield from iter_census_timelines(path, vocabulary)
    else:
        raise TimelineError(
            [
                problem(
                    file,
                    f"cannot read {suffix or 'this'} files: give a timeline (.yaml, .json), a CSV "
                    "event log, an .xlsx workbook or a CIN census .xml",
                    code="E001",
                )
            ]
        )


def _stdin(vocabulary: Vocabulary, options: ReadOptions) -> Iterator[Item]:
    """Standard input, spooled to a temporary file whose kind is told from its first bytes."""
    yield from iter_timelines_from_bytes(sys.stdin.buffer.read(), STDIN, vocabulary, options)


def iter_timelines_from_bytes(
    data: bytes, name: str, vocabulary: Vocabulary, options: ReadOptions | None = None
) -> Iterator[Item]:
    """Every case in one file given as bytes (standard input, a file a cluster read), named
    ``name`` in cases and messages. The kind of file is told by ``name``'s suffix, else from the
    first bytes. The bytes are spooled to a temporary file and read as that file would be."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        suffix = sniff_suffix(data)
    with tempfile.TemporaryDirectory(prefix="timescales-bytes-") as folder:
        spooled = Path(folder) / f"input{suffix}"
        spooled.write_bytes(data)
        try:
            for item in _read_file(spooled, vocabulary, options or ReadOptions(), name):
                yield _renamed(item, str(spooled), name)
        except TimelineError as error:
            yield _renamed(error, str(spooled), name)


def sniff_suffix(data: bytes) -> str:
    """What kind of file these bytes are: a workbook (zip), XML, JSON, YAML or CSV."""
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"PK\x03\x04"):
        return ".xlsx"
    if head.startswith(b"<"):
        return ".xml"
    if head.startswith((b"{", b"[")):
        return ".json"
    first_line = head.split(b"\n", 1)[0]
    if any(d in first_line for d in (b",", b";", b"\t")) or head.startswith(_UTF16_BOMS):
        return ".csv"
    return ".yaml"


def _renamed(item: Item, spooled: str, name: str) -> Item:
    """An item read from a spooled copy, named as the input it copies."""
    if isinstance(item, Timeline):
        return dataclasses.replace(item, source=name)
    if isinstance(item, SourceNote):
        return dataclasses.replace(item, source=name)
    return TimelineError(dataclasses.replace(p, file=p.file.replace(spooled, name)) for p in item.problems)


def timeline_from_mapping(data: Mapping[str, Any], vocabulary: Vocabulary, name: str = "<dict>") -> Timeline:
    """A timeline given as a Python dict (the same shape as the YAML)."""
    return timeline_from_data(_located(data), [], name, vocabulary)


def _located(value: Any) -> Any:
    """Wrap plain Python data in the located containers the readers expect (no positions)."""
    if isinstance(value, Mapping):
        result = LMap({str(k): _located(v) for k, v in value.items()})
        result.position = (0, 0)
        result.key_positions = {}
        result.value_positions = {}
        return result
    if isinstance(value, list | tuple):
        seq = LSeq(_located(v) for v in value)
        seq.position = (0, 0)
        seq.item_positions = []
        return seq
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
