"""timescales.dask with Dask's local scheduler: the Parquet it writes holds the command line's JSON
findings, and its Bag the same rows.

CI installs the `[dask]` extra and sets TIMESCALES_REQUIRE_DASK=1, so there a missing Dask fails
the run instead of skipping these tests.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scale_support import cli_rows, requires_engine, table_rows, write_censuses

pytestmark = requires_engine("dask", "TIMESCALES_REQUIRE_DASK")


@pytest.fixture(scope="module")
def censuses(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_censuses(tmp_path_factory.mktemp("censuses"))


def test_the_parquet_parts_hold_the_command_lines_findings(censuses: list[Path], tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    from timescales.dask import write_parquet
    from timescales.findings_table import arrow_schema

    parts = write_parquet(censuses, tmp_path / "findings", scheduler="processes")
    assert [Path(p.path).name for p in parts] == [f"part-{i:05d}.parquet" for i in range(len(censuses))]
    table = pq.read_table(tmp_path / "findings")
    assert table.schema.equals(arrow_schema(), check_metadata=False)
    assert sum(p.rows for p in parts) == table.num_rows and all(p.worker_peak_kib > 0 for p in parts)
    assert table_rows(table.to_pylist()) == cli_rows(censuses)


def test_the_bag_gives_the_same_rows(censuses: list[Path]) -> None:
    from timescales.dask import findings_bag

    rows = findings_bag(censuses[:2]).compute(scheduler="processes")
    assert table_rows(r._asdict() for r in rows) == cli_rows(censuses[:2])


def test_an_unreadable_file_stops_the_run_naming_it(tmp_path: Path) -> None:
    from timescales.dask import write_parquet
    from timescales.errors import TimescalesError

    bad = tmp_path / "bad.xml"
    bad.write_text("<Message><Children><Child>", encoding="utf-8")
    with pytest.raises(TimescalesError, match=r"bad\.xml"):
        write_parquet([bad], tmp_path / "out", scheduler="sync")
