"""The findings table as Parquet (``--format parquet``, the ``[parquet]`` extra: pyarrow).

One row per finding, in the columns of :mod:`timescales.findings_table` (the same table Spark and
Dask write), so a council's file and a national run's can be read side by side. Rows are written
in row groups as cases arrive: memory stays flat. The run's provenance goes into the file's
key-value metadata (``timescales.provenance``), as every other format ends with it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ..findings import CaseReport
from ..findings_table import COLUMN_NAMES, TABLE_COLUMNS, FindingRow, RowMaker, arrow_schema
from ..provenance import tool_version

if TYPE_CHECKING:
    from ..rules.model import RuleSet
    from . import RunTotals

#: Rows per row group: small enough to keep memory flat, large enough to compress well.
ROW_GROUP = 50_000
_DATES = tuple(i for i, c in enumerate(TABLE_COLUMNS) if c.kind == "date")


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


class FindingsParquet:
    """Writes finding rows to a Parquet file in row groups (the writer of every Parquet output:
    ``--format parquet``, :func:`write_findings_parquet`, the Dask parts)."""

    def __init__(self, out: str | Path | IO[bytes]):
        import pyarrow.parquet as pq

        self.schema = arrow_schema()
        self.writer = pq.ParquetWriter(out, self.schema, compression="zstd")
        self.pending: list[list[Any]] = [[] for _ in COLUMN_NAMES]
        self.count = 0
        self.written = 0

    def add(self, row: Sequence[Any]) -> None:
        for column, value in zip(self.pending, row, strict=True):
            column.append(value)
        self.count += 1
        if self.count >= ROW_GROUP:
            self.flush()

    def flush(self) -> None:
        import pyarrow as pa

        if self.count:
            self.writer.write_batch(pa.record_batch(self.pending, schema=self.schema))
            self.written += self.count
            self.pending = [[] for _ in COLUMN_NAMES]
            self.count = 0

    def close(self, metadata: dict[str, str] | None = None) -> int:
        """Write what is left and the file's footer; returns the number of rows written."""
        self.flush()
        if metadata:
            self.writer.add_key_value_metadata(metadata)
        self.writer.close()
        return self.written


def write_findings_parquet(rows: Iterable[FindingRow], out: str | Path | IO[bytes]) -> int:
    """Write finding rows (from :func:`timescales.check_records`) to a Parquet file with the
    findings table's schema, streaming; returns the number of rows. Needs pyarrow."""
    target = FindingsParquet(out)
    for row in rows:
        target.add(row)
    return target.close()


class ParquetWriter:
    """Streams a run's findings into a Parquet file (a binary stream)."""

    def __init__(self, out: IO[bytes], rules: RuleSet):
        self.rows = RowMaker(rules, tool_version())
        self.target = FindingsParquet(out)

    def start(self, as_of: dt.date | None, excluded_rules: tuple[str, ...]) -> None:
        return None

    def render(self, report: CaseReport) -> str:
        # Text, as every writer's render (a census shared among workers spools it): one JSON list
        # of rows, dates as ISO text.
        return json.dumps([[_plain(v) for v in row] for row in self.rows.rows(report)], ensure_ascii=False)

    def emit(self, rendered: str) -> None:
        for row in json.loads(rendered):
            for index in _DATES:
                if row[index] is not None:
                    row[index] = dt.date.fromisoformat(row[index])
            self.target.add(row)

    def case(self, report: CaseReport) -> None:
        for row in self.rows.rows(report):
            self.target.add(row)

    def finish(self, totals: RunTotals) -> None:
        provenance = totals.provenance
        self.target.close(
            {"timescales.provenance": json.dumps(provenance.to_dict(), ensure_ascii=False)}
            if provenance is not None
            else None
        )
