"""The record API (timescales.check_records): data in, rows of the findings table out, the same as
the file readers and the command line give for the same cases."""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import json
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

import timescales
from timescales.errors import Problem, TimescalesError
from timescales.findings_table import COLUMNS, RowMaker
from timescales.provenance import tool_version

REPO = Path(__file__).resolve().parent.parent


def _bench(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, REPO / "bench" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def census(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("census") / "census.xml"
    _bench("gen_census").write_census(150, path, seed=3)
    return path


def _file_rows(
    path: Path, rules: timescales.RuleSet, as_of: dt.date | None = None, errors: list[str] | None = None
) -> list[timescales.FindingRow]:
    """The rows of every case the file reader reads from ``path`` (unreadable ones into ``errors``)."""
    from timescales.adapters import iter_timelines

    maker = RowMaker(rules, tool_version())
    rows: list[timescales.FindingRow] = []
    for item in iter_timelines(path, rules.vocabulary):
        if isinstance(item, TimescalesError):
            assert errors is not None, str(item)
            errors.extend(p.message for p in item.problems)
        elif isinstance(item, timescales.Timeline):
            rows.extend(maker.rows(timescales.check(item, rules, as_of=as_of).cases[0]))
    return rows


def _children(path: Path) -> tuple[dt.date, list[bytes]]:
    tree = etree.parse(str(path))
    reference = tree.find(".//{*}ReferenceDate")
    assert reference is not None and reference.text
    return dt.date.fromisoformat(reference.text), [etree.tostring(c) for c in tree.iterfind(".//{*}Child")]


def test_census_children_as_bytes_give_the_file_readers_findings(
    rules: timescales.RuleSet, census: Path
) -> None:
    reference, children = _children(census)
    payloads = [timescales.CensusChild(xml, reference, str(census)) for xml in children]
    rows = list(timescales.check_records(payloads, rules))
    expected = _file_rows(census, rules)
    assert rows, "the hand-worked census has findings"
    # A <Child> record's lines count from the record, not the file: all else is the same.
    assert [r._replace(input_line=None) for r in rows] == [r._replace(input_line=None) for r in expected]


def test_a_whole_file_as_bytes_gives_the_same_rows_lines_included(
    rules: timescales.RuleSet, census: Path
) -> None:
    rows = list(timescales.check_records([timescales.InputFile(str(census), census.read_bytes())], rules))
    assert rows == _file_rows(census, rules)
    assert all(r.input_line is not None and r.input_file == str(census) for r in rows)


def test_a_timeline_dict_gives_the_yaml_files_rows(rules: timescales.RuleSet) -> None:
    import yaml

    path = REPO / "timelines" / "liverpool-2023-0042.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    as_of = dt.date(2024, 3, 31)
    rows = list(timescales.check_records([data], rules, as_of=as_of))
    expected = _file_rows(path, rules, as_of)
    assert len(rows) == len(expected) > 0
    strip = {"input_file": None, "input_line": None}
    assert [r._replace(**strip) for r in rows] == [r._replace(**strip) for r in expected]
    assert {r.authority for r in rows} == {"liverpool"}


def test_903_child_rows_give_the_903_readers_findings(rules: timescales.RuleSet, tmp_path: Path) -> None:
    from test_looked_after import _write_903

    paths = _write_903(tmp_path / "903")
    from timescales.adapters.ssda903 import table_of

    by_child: dict[str, dict[str, list[dict[str, str]]]] = defaultdict(lambda: defaultdict(list))
    for path in paths:
        with path.open(encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            table = table_of([c.upper() for c in reader.fieldnames or []])
            if table not in ("Episodes", "Reviews"):
                continue
            for row in reader:
                by_child[row["CHILD"]][table].append(row)
    payloads = [timescales.Return903Child(tables, "903") for tables in by_child.values()]
    as_of = dt.date(2025, 3, 31)
    problems: list[Problem] = []
    rows = list(timescales.check_records(payloads, rules, as_of=as_of, left_out=problems))
    errors: list[str] = []
    expected = _file_rows(tmp_path / "903", rules, as_of, errors)
    # The same children are left out for the same reasons (the places differ: a record's rows).
    assert [p.message.split(",")[0] for p in problems] == [e.split(",")[0] for e in errors]
    key = lambda r: (r.case, r.rule, r.trigger_date, r.occurrence)  # noqa: E731
    strip = {"input_file": None, "input_line": None}
    assert sorted((r._replace(**strip) for r in rows), key=key) == sorted(
        (r._replace(**strip) for r in expected), key=key
    )
    assert rows


def test_an_ssd_persons_rows_give_the_extract_readers_findings(
    rules: timescales.RuleSet, tmp_path: Path
) -> None:
    gen_ssd = _bench("gen_ssd")
    gen_ssd.write_extract(4, tmp_path)
    persons: dict[str, dict[str, list[dict[str, str]]]] = defaultdict(lambda: defaultdict(list))
    read: list[str] = []
    from timescales.adapters.ssd import TABLES_READ, ssd_person_timeline

    for path in sorted(tmp_path.glob("ssd_*.csv")):
        if path.stem not in TABLES_READ:
            continue
        read.append(path.stem)
        with path.open(encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            person_column = next(c for c in reader.fieldnames or [] if c.endswith("person_id"))
            for row in reader:
                persons[row[person_column]][path.stem].append(row)
    payloads = []
    for person, tables in persons.items():
        try:
            if ssd_person_timeline(person, tables, rules.vocabulary) is not None:
                payloads.append(timescales.SsdPerson(person, tables, extract_tables=tuple(read)))
        except TimescalesError:
            pytest.fail(f"person {person} could not be read")
    as_of = dt.date(2024, 3, 31)
    rows = list(timescales.check_records(payloads, rules, as_of=as_of))
    expected = _file_rows(tmp_path, rules, as_of)
    key = lambda r: (r.case, r.child or "", r.rule, r.trigger_id, r.occurrence)  # noqa: E731
    strip = {"input_file": None, "input_line": None}
    assert rows
    assert sorted((r._replace(**strip) for r in rows), key=key) == sorted(
        (r._replace(**strip) for r in expected), key=key
    )


def test_a_bad_child_raises_with_its_line_or_is_left_out_when_asked(
    rules: timescales.RuleSet, census: Path
) -> None:
    reference, children = _children(census)
    bad = re.sub(rb"<CINreferralDate>[^<]*<", b"<CINreferralDate>2024-02-30<", children[0], count=1)
    payloads = [timescales.CensusChild(x, reference, "census.xml") for x in [bad, *children[1:]]]
    with pytest.raises(TimescalesError) as raised:
        list(timescales.check_records(payloads, rules))
    first = raised.value.problems[0]
    assert (first.file, first.field) == ("census.xml", "CINdetails/CINreferralDate") and first.line
    left_out: list[Problem] = []
    rows = list(timescales.check_records(payloads, rules, left_out=left_out))
    assert len(left_out) == 1
    every = _file_rows(census, rules)
    strip = {"input_file": None, "input_line": None}
    assert [r._replace(**strip) for r in rows] == [
        r._replace(**strip) for r in every if r.case != every[0].case
    ]


def test_a_doctype_in_a_record_is_refused(rules: timescales.RuleSet) -> None:
    xml = (
        b'<!DOCTYPE x [<!ENTITY e "boom">]>'
        b"<Child><ChildIdentifiers><LAchildID>&e;</LAchildID></ChildIdentifiers></Child>"
    )
    with pytest.raises(TimescalesError, match="DOCTYPE"):
        list(timescales.check_records([timescales.CensusChild(xml)], rules, as_of=dt.date(2024, 3, 31)))


def test_rules_are_loaded_once_per_process() -> None:
    assert timescales.worker_rules() is timescales.worker_rules()


def test_the_parquet_rows_equal_the_json_reports_findings_column_by_column(
    tmp_path: Path, census: Path
) -> None:
    """The installed command's JSON report and its Parquet file agree on every shared field."""
    import pyarrow.parquet as pq

    command = Path(sys.executable).with_name("timescales")
    report_json, report_parquet = tmp_path / "r.json", tmp_path / "r.parquet"
    for out in (report_json, report_parquet):
        done = subprocess.run(
            [str(command), "check", str(census), "--output", str(out)], capture_output=True, text=True
        )
        assert done.returncode in (0, 1), done.stderr
    report = json.loads(report_json.read_text(encoding="utf-8"))
    table = pq.read_table(report_parquet)
    assert table.schema.equals(timescales.findings_table.arrow_schema(), check_metadata=False)
    rows = table.to_pylist()
    findings = [(case, f) for case in report["cases"] for f in case["findings"]]
    assert len(rows) == len(findings) > 0
    scopes = {"provenance": report["provenance"]}
    for row, (case, finding) in zip(rows, findings, strict=True):
        for column in COLUMNS:
            if not column.in_table or column.json is None:
                continue
            scope, *path = column.json
            value: Any = {"finding": finding, "case": case, **scopes}[scope]
            for key in path:
                value = None if value is None else value[key]
            got = row[column.name]
            got = got.isoformat() if isinstance(got, dt.date) else got
            assert got == value, (column.name, got, value)
    metadata = pq.read_metadata(report_parquet).metadata
    written = json.loads(metadata[b"timescales.provenance"])
    assert {**written, "generated_at": None} == {**report["provenance"], "generated_at": None}


def test_the_arrow_schema_and_the_json_reports_finding_schema_agree() -> None:
    """Every column found in a JSON finding has the same type, nullability and values in both."""
    import pyarrow as pa

    schema = json.loads((REPO / "schemas" / "report.schema.json").read_text(encoding="utf-8"))
    finding = schema["$defs"]["finding"]
    arrow = timescales.findings_table.arrow_schema()
    json_type = {pa.string(): "string", pa.date32(): "string", pa.int32(): "integer", pa.bool_(): "boolean"}
    checked = 0
    for column in COLUMNS:
        if column.json is None or column.json[0] != "finding":
            continue
        node, nullable = finding, False
        for key in column.json[1:]:
            node = node["properties"][key]
            if "anyOf" in node and {"type": "null"} in node["anyOf"]:
                nullable = True
                node = next(o for o in node["anyOf"] if o != {"type": "null"})
        if not column.in_table:
            assert column.name not in arrow.names
            continue
        field = arrow.field(column.name)
        types = node.get("type", "string" if "enum" in node else None)
        types = types if isinstance(types, list) else [types]
        nullable = nullable or "null" in types
        assert field.nullable == nullable, column.name
        if pa.types.is_list(field.type):
            assert types == ["array"] and node["items"] == {"type": "string"}, column.name
        else:
            assert json_type[field.type] in types, column.name
        if pa.types.is_date32(field.type):
            assert node["pattern"] == r"^\d{4}-\d{2}-\d{2}$", column.name
        checked += 1
    assert checked == len([c for c in COLUMNS if c.in_table and c.json and c.json[0] == "finding"])
