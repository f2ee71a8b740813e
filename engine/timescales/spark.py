"""timescales on Spark: findings tables from DataFrames of files, census children or event rows.

Built on the public record API alone (:func:`timescales.check_records`): each Spark worker loads the
rules once (:func:`timescales.worker_rules`) and turns the records of its partitions into rows of
the findings table, whose Spark schema comes from the same definition as the Parquet and JSON
ones (:func:`timescales.findings_table.spark_ddl`). Needs the ``[spark]`` extra (pyspark, pandas,
pyarrow) and Java 17 or later. docs/scale.md shows them on Databricks.

* :func:`findings_from_files`: a DataFrame of whole files (Spark's ``binaryFile`` source:
  ``path``, ``content``), each read by the adapter the command line uses for such a file.
* :func:`findings_from_census_children`: a DataFrame of census ``<Child>`` elements (Spark's XML
  source with ``rowTag`` ``Child``, read with ``inferSchema`` false so values stay as written).
* :func:`findings_from_events`: CSV-style event rows (``case, child, id, type, date, ...`` and an
  ``authority`` column), grouped by authority and case through ``applyInPandas``.

A case that cannot be read stops the job with its file, line and field (Spark reports the worker's
error): nothing is left out without a word.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

import timescales
from timescales.findings_table import COLUMN_NAMES, TABLE_COLUMNS, spark_ddl

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import DataFrame

#: The XML source's prefix for attributes and its name for an element's own text.
ATTRIBUTE_PREFIX = "_"
VALUE_TAG = "_VALUE"


def local_name(path: str) -> str:
    """A ``file:`` URI as the local path the command line would print; other URIs unchanged."""
    if path.startswith("file:"):
        return unquote(urlparse(path).path)
    return path


def findings_frame(rows: Iterable[timescales.FindingRow]) -> pd.DataFrame:
    """Finding rows as a pandas DataFrame with the findings table's columns and types (nullable
    integers, dates as dates, lists as lists), ready for Spark's Arrow conversion."""
    import pandas as pd

    frame = pd.DataFrame.from_records(list(rows), columns=list(COLUMN_NAMES))
    for column in TABLE_COLUMNS:
        if column.kind == "int":
            frame[column.name] = frame[column.name].astype("Int32")
        elif column.kind == "texts":
            frame[column.name] = frame[column.name].map(list)
        elif column.kind == "text":
            frame[column.name] = frame[column.name].astype(object)
    return frame


def findings_from_files(
    files: DataFrame,
    *,
    as_of: dt.date | None = None,
    authority: str | None = None,
    rule_dirs: tuple[str, ...] = (),
) -> DataFrame:
    """The findings of every file of ``files`` (``spark.read.format("binaryFile").load(...)``:
    columns ``path`` and ``content``), through ``mapInPandas``."""

    def check(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        rules = timescales.worker_rules(rule_dirs)
        for batch in batches:
            payloads = (
                timescales.InputFile(local_name(path), bytes(content))
                for path, content in zip(batch["path"], batch["content"], strict=True)
            )
            yield findings_frame(timescales.check_records(payloads, rules, as_of=as_of, authority=authority))

    return files.select("path", "content").mapInPandas(check, spark_ddl())


def _element(name: str, value: Any, out: io.StringIO) -> None:
    """Write ``value`` (a struct as a dict, a repeated element as a list, or a text) as XML."""
    from xml.sax.saxutils import escape

    if value is None:
        return
    if isinstance(value, Mapping):
        out.write(f"<{name}>")
        text = value.get(VALUE_TAG)
        if text is not None:
            out.write(escape(str(text)))
        for key, inner in value.items():
            if not key.startswith(ATTRIBUTE_PREFIX):
                _element(key, inner, out)
        out.write(f"</{name}>")
    elif isinstance(value, str):
        out.write(f"<{name}>{escape(value)}</{name}>")
    elif hasattr(value, "__iter__"):  # a list, or the numpy array Arrow gives for one
        for item in value:
            _element(name, item, out)
    else:
        raise TypeError(f"{name}: {type(value).__name__}")


def child_xml(row: Mapping[str, Any]) -> bytes:
    """A census child read by Spark's XML source (a row of its sub-elements) as ``<Child>`` bytes."""
    out = io.StringIO()
    _element("Child", {k: v for k, v in row.items() if not k.startswith("__")}, out)
    return out.getvalue().encode("utf-8")


def _leaf_types(data_type: Any, path: str = "") -> Iterator[tuple[str, str]]:
    from pyspark.sql.types import ArrayType, StructType

    if isinstance(data_type, StructType):
        for field in data_type.fields:
            yield from _leaf_types(field.dataType, f"{path}/{field.name}" if path else field.name)
    elif isinstance(data_type, ArrayType):
        yield from _leaf_types(data_type.elementType, path)
    else:
        yield path, data_type.simpleString()


def findings_from_census_children(
    children: DataFrame,
    *,
    reference_date: dt.date,
    as_of: dt.date | None = None,
    authority: str | None = None,
    rule_dirs: tuple[str, ...] = (),
) -> DataFrame:
    """The findings of census children read by Spark's XML source
    (``spark.read.format("xml").option("rowTag", "Child").option("inferSchema", False)``), one
    census year at a time: ``reference_date`` is the census's ReferenceDate (in its header,
    which the row source does not give). Each row becomes the ``<Child>`` element it was read
    from and is read by the census adapter; ``input_file`` is the file Spark read it from and
    ``input_line`` is null (the XML source keeps no lines).
    """
    from pyspark.sql import functions as F

    typed = [f"{path} ({kind})" for path, kind in _leaf_types(children.schema) if kind != "string"]
    if typed:
        raise ValueError(
            "read the census with .option('inferSchema', False): values must stay as written "
            f"(an LAchildID 00123 would become 123); typed here: {', '.join(typed[:5])}"
        )
    columns = [c for c in children.columns if not c.startswith(ATTRIBUTE_PREFIX)]
    source = children.select(F.struct(*columns).alias("child"), F.input_file_name().alias("file"))

    def check(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        rules = timescales.worker_rules(rule_dirs)
        for batch in batches:
            payloads = (
                timescales.CensusChild(child_xml(child), reference_date, local_name(file))
                for child, file in zip(batch["child"], batch["file"], strict=True)
            )
            yield findings_frame(timescales.check_records(payloads, rules, as_of=as_of, authority=authority))

    return source.mapInPandas(check, spark_ddl())


def findings_from_events(
    events: DataFrame,
    *,
    as_of: dt.date | None = None,
    rule_dirs: tuple[str, ...] = (),
    name: str = "events.csv",
) -> DataFrame:
    """The findings of CSV-style event rows (the columns of a CSV event log, docs/formats.md,
    as text, plus ``authority``: the council whose local rules apply, empty for national rules
    only), grouped by authority and case through ``applyInPandas``. Each group is read by the CSV
    adapter as the rows of one case; ``input_file`` is ``name``, ``input_line`` the row's line
    within its group."""

    def check(group: pd.DataFrame) -> pd.DataFrame:
        import pandas as pd

        rules = timescales.worker_rules(rule_dirs)
        given = group["authority"].iloc[0]
        authority = None if pd.isna(given) or given == "" else str(given)
        table = group.drop(columns=["authority"]).to_csv(index=False).encode("utf-8")
        payload = timescales.InputFile(name, table)
        return findings_frame(timescales.check_records([payload], rules, as_of=as_of, authority=authority))

    return events.groupBy("authority", "case").applyInPandas(check, spark_ddl())


__all__ = [
    "child_xml",
    "findings_frame",
    "findings_from_census_children",
    "findings_from_events",
    "findings_from_files",
    "local_name",
]
