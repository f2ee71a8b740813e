"""timescales.spark in Spark's local[2] mode: its findings equal the command line's JSON findings.

CI installs the `[spark]` extra (and Java) and sets TIMESCALES_REQUIRE_SPARK=1, so there a missing
pyspark or Java fails the run instead of skipping these tests.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scale_support import EVENT_LOG, EVENTS_AS_OF, cli_rows, requires_engine, table_rows, write_censuses

pytestmark = requires_engine("pyspark", "TIMESCALES_REQUIRE_SPARK", java=True)


@pytest.fixture(scope="module")
def censuses(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_censuses(tmp_path_factory.mktemp("censuses"))


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (
        SparkSession.builder.master("local[2]")
        .appName("timescales-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def test_files_read_by_spark_give_the_command_lines_findings(spark: Any, censuses: list[Path]) -> None:
    from timescales.spark import findings_from_files

    files = spark.read.format("binaryFile").load([str(p) for p in censuses])
    found = findings_from_files(files).collect()
    assert table_rows(r.asDict() for r in found) == cli_rows(censuses)
    assert all(r.input_line is not None for r in found)


def test_census_children_read_by_spark_xml_give_the_command_lines_findings(
    spark: Any, censuses: list[Path]
) -> None:
    from timescales.spark import findings_from_census_children

    children = (
        spark.read.format("xml").option("rowTag", "Child").option("inferSchema", False).load(str(censuses[0]))
    )
    found = findings_from_census_children(children, reference_date=dt.date(2024, 3, 31)).collect()
    assert table_rows(r.asDict() for r in found) == cli_rows(censuses[:1])


def test_a_typed_xml_read_is_refused_before_any_child(spark: Any, censuses: list[Path]) -> None:
    from timescales.spark import findings_from_census_children

    typed = spark.read.format("xml").option("rowTag", "Child").load(str(censuses[0]))
    with pytest.raises(ValueError, match="inferSchema"):
        findings_from_census_children(typed, reference_date=dt.date(2024, 3, 31))


def test_event_rows_grouped_by_authority_and_case_give_the_command_lines_findings(spark: Any) -> None:
    from timescales.spark import findings_from_events

    with EVENT_LOG.open(encoding="utf-8-sig") as handle:
        rows = [{**row, "authority": ""} for row in csv.DictReader(handle)]
    events = spark.createDataFrame(rows)
    found = findings_from_events(events, as_of=EVENTS_AS_OF, name=str(EVENT_LOG)).collect()
    assert table_rows(r.asDict() for r in found) == cli_rows([EVENT_LOG], as_of=EVENTS_AS_OF)
