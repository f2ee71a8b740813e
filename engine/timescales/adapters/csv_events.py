"""CSV event logs, as case systems and Excel write them: one row per event, many cases a file.

Columns: ``case, child, id, type, date`` (``child`` may be empty: the event concerns every child),
optionally ``for, estimated, note``, any attribute column of the vocabulary, and any other column,
which is carried into the findings (see :mod:`.tabular`). Row numbers in messages are the file's
line numbers (the header is line 1), as a spreadsheet shows them.

The file's dialect is worked out, not demanded:

* **Encoding**: UTF-8, with or without a byte-order mark; UTF-16 with a byte-order mark (Excel's
  "Unicode text"); otherwise Windows-1252, the encoding of Excel's plain "CSV" on a UK Windows
  machine, and the report says so once for the file. A byte that no accepted encoding can read
  costs only its row's case, reported at its line and column.
* **Delimiter**: comma, semicolon or tab, whichever the header row uses most (outside quotes).
* **Line ends**: LF or CRLF.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator
from pathlib import Path

from ..errors import TimelineError, problem
from ..timeline import SourceNote, Timeline
from ..vocabulary import Vocabulary
from .mapping import ColumnMap
from .tabular import Place, Row, table_timelines

DELIMITERS = (",", ";", "\t")
#: Characters outside ASCII that are not stand-ins for unreadable bytes: real UTF-8 text.
_REAL_NON_ASCII = re.compile("[\u0080-\udc7f\udd00-\U0010ffff]")
#: A line and its end (CSV ends lines only with CR, LF or CRLF; str.splitlines knows more).
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def iter_csv_timelines(
    path: Path, vocabulary: Vocabulary, column_map: ColumnMap | None = None, name: str | None = None
) -> Iterator[Timeline | TimelineError | SourceNote]:
    """Yield each case of the file, or the error that leaves it out, then notes on the file.

    A header that cannot be used fails the whole file (raised as :class:`TimelineError`).
    """
    file = name or str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TimelineError([problem(file, f"cannot read the file: {exc.strerror}", code="E001")]) from None
    text, encoding = decode(data)
    if encoding == "Windows-1252":
        yield SourceNote(file, "not UTF-8: read as Windows-1252 (Excel's 'CSV' on Windows); check ’ and £.")
    elif encoding == "UTF-16":
        yield SourceNote(file, "read as UTF-16 (Excel's 'Unicode text').")
    lines = _LINE.findall(text)
    header_line = next((line for line in lines if line.strip()), None)
    if header_line is None:
        raise TimelineError([problem(file, "the file is empty", line=1, code="E230")])
    delimiter = sniff_delimiter(header_line)
    place = Place(file)
    rows = _rows(lines, delimiter)
    header = next((row for row in rows if row.error or any(c.strip() for c in row.cells)), None)
    if header is None:
        raise TimelineError([problem(file, "the file is empty", line=1, code="E230")])
    if header.error is not None:
        raise TimelineError([place.problem(header.number, header.error[0], header.error[1])])
    yield from table_timelines(place, header.cells, rows, vocabulary, column_map, header.number)


def decode(data: bytes) -> tuple[str, str]:
    """The file's text and the name of the encoding it was read in.

    Bytes that cannot be read are kept as lone surrogates (``surrogateescape``) so that the row
    holding them, not the whole file, is reported.
    """
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", "surrogateescape"), "UTF-16"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", "surrogateescape")
    if _REAL_NON_ASCII.search(text):
        # Real UTF-8 characters elsewhere: the odd bad byte is damage, not another encoding
        # (reading the file as Windows-1252 would turn every ’ into â€™ without a word).
        return text, "UTF-8"
    return data.decode("cp1252", "surrogateescape"), "Windows-1252"


def sniff_delimiter(header_line: str) -> str:
    """The delimiter the header row uses most, counting outside quotes (ties: comma)."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for ch in header_line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    return max(DELIMITERS, key=lambda d: counts[d])


def _rows(lines: list[str], delimiter: str) -> Iterator[Row]:
    """The file's rows, each numbered by the line it starts on; a row the CSV parser refuses (a
    field longer than the parser allows) is a :class:`Row` with an error, and reading goes on."""
    fed = _Feed(lines)
    reader = csv.reader(fed, delimiter=delimiter)
    while True:
        start = fed.line + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            # The parser dropped the rest of this line: keep what can be told of it (its case id).
            raw = fed.last.rstrip("\r\n")
            yield Row(start, raw.split(delimiter), (None, f"this row cannot be read as CSV: {exc}"))
            continue
        yield Row(start, cells)


class _Feed:
    """The file's lines, counting how many the CSV parser has taken (for row numbers)."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.line = 0
        self.last = ""

    def __iter__(self) -> _Feed:
        return self

    def __next__(self) -> str:
        if self.line >= len(self.lines):
            raise StopIteration
        self.last = self.lines[self.line]
        self.line += 1
        return self.last
