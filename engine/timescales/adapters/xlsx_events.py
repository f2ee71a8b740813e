"""Event logs kept as an Excel workbook (``.xlsx``): the same table as a CSV event log, on a sheet.

The first sheet is read unless ``--sheet NAME`` names another. Cells are turned into the text a CSV
export would hold (a date cell becomes its ISO date, a whole number loses its ``.0``), then read
exactly as a CSV table (:mod:`.tabular`), so headers, carried columns, dates and mappings behave the
same. Every problem is located the way Excel names a cell: ``file.xlsx[Sheet]!C12``.

Read with python-calamine (Rust's calamine): on a 100,000-row sheet it was several times faster
than openpyxl's read-only mode (``bench/bench_xlsx.py``, figures in ``bench/README.md``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

import python_calamine

from ..errors import TimelineError, problem
from ..timeline import SourceNote, Timeline
from ..vocabulary import Vocabulary, did_you_mean
from . import annex_a
from .mapping import ColumnMap
from .ssd import iter_ssd_workbook, ssd_sheets
from .tabular import Place, Row, table_timelines


def iter_xlsx_timelines(
    path: Path,
    vocabulary: Vocabulary,
    column_map: ColumnMap | None = None,
    sheet: str | None = None,
    name: str | None = None,
    list_date: dt.date | None = None,
) -> Iterator[Timeline | TimelineError | SourceNote]:
    """Each case of the sheet, or the error that leaves it out, then notes on the sheet.

    A workbook whose sheets are SSD tables, or Ofsted's Annex A lists (judged at ``list_date``
    unless the workbook gives its own), is read as such."""
    file = name or str(path)
    try:
        book = _Book(python_calamine.CalamineWorkbook.from_path(str(path)))
    except Exception as exc:  # calamine raises its own error types for every kind of damage
        raise TimelineError(
            [problem(file, f"not a readable .xlsx workbook ({_plain(exc)})", code="E230")]
        ) from None
    try:
        names = list(book.sheet_names)
        if sheet is not None and sheet not in names:
            raise TimelineError(
                [
                    problem(
                        file,
                        f"no sheet named {sheet!r} (the sheets are: {', '.join(names)})",
                        field="--sheet",
                        code="E234",
                        hint=did_you_mean(sheet, names),
                    )
                ]
            )
        extract = ssd_sheets(names)
        if extract and sheet is None:
            yield from iter_ssd_workbook(path, book, extract, file, vocabulary)
            return
        if annex_a.is_annex_a_workbook((n, _top_rows(book, n)) for n in names if sheet in (None, n)):
            yield from annex_a.iter_annex_a_workbook(book, file, list_date, sheet)
            return
        if sheet is None:
            if not names:
                raise TimelineError([problem(file, "the workbook has no sheets", code="E230")])
            sheet = names[0]
        yield from _sheet_timelines(book, file, sheet, vocabulary, column_map)
    finally:
        book.close()


class _Book:
    """A workbook whose sheets are each loaded once: telling an Annex A from an event log reads the
    first rows of its sheets, and the sheet read next is not loaded again."""

    def __init__(self, book: Any) -> None:
        self._book = book
        self.sheet_names: list[str] = list(book.sheet_names)
        self._loaded: dict[str, Any] = {}

    def get_sheet_by_name(self, name: str) -> Any:
        if name not in self._loaded:
            self._loaded[name] = self._book.get_sheet_by_name(name)
        return self._loaded[name]

    def close(self) -> None:
        self._loaded.clear()
        self._book.close()


def _top_rows(book: Any, sheet: str) -> list[list[str]]:
    """The first rows of a sheet (where a list's header is), as text."""
    return [list(row.cells) for row in islice(sheet_rows(book, sheet), annex_a.HEADER_SEARCH)]


def sheet_rows(book: Any, sheet: str) -> Iterator[Row]:
    """The sheet's rows as text, numbered as Excel numbers them."""
    data = book.get_sheet_by_name(sheet)
    # calamine yields every row from row 1, but only the columns from the first one used.
    first_column = data.start[1] if data.start else 0
    for number, values in enumerate(data.iter_rows(), start=1):
        yield Row(number, [""] * first_column + [cell_text(v) for v in values])


def _sheet_timelines(
    book: Any, file: str, sheet: str, vocabulary: Vocabulary, column_map: ColumnMap | None
) -> Iterator[Timeline | TimelineError | SourceNote]:
    place = Place(file, sheet)
    rows = sheet_rows(book, sheet)
    header = next((row for row in rows if any(c.strip() for c in row.cells)), None)
    if header is None:
        raise TimelineError([problem(place.name, "the sheet is empty", code="E230")])
    yield from table_timelines(place, header.cells, rows, vocabulary, column_map, header.number)


def cell_text(value: object) -> str:
    """A cell as a CSV export would write it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time():
            return value.date().isoformat()
        return value.isoformat(timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _plain(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
