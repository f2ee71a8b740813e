"""Shared by the Spark and Dask tests: generated censuses, the command line's JSON findings as rows
of the findings table, and whether an engine is here."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest

from timescales.findings_table import COLUMNS

REPO = Path(__file__).resolve().parent.parent
EVENT_LOG = REPO / "timelines" / "case-system-export.csv"
EVENTS_AS_OF = dt.date(2024, 3, 31)
#: Several censuses of different sizes and seeds (one file each).
CENSUSES = ((90, 21), (140, 22), (60, 23))
#: The columns the JSON report holds (finding, case or provenance): the ones compared.
COMPARED = tuple(c for c in COLUMNS if c.in_table and c.json is not None)


def engine_problem(module: str, *, java: bool = False) -> str | None:
    """Why an engine's tests cannot run here (None: they can)."""
    if importlib.util.find_spec(module) is None:
        return (
            f"{module} is not installed (pip install 'safeguarding-timescales[{module.removeprefix('py')}]')"
        )
    if java and shutil.which("java") is None:
        return "java is not installed (Spark needs Java 17 or later: apt-get install openjdk-17-jre-headless)"
    return None


def requires_engine(module: str, required_by: str, *, java: bool = False) -> pytest.MarkDecorator:
    """Skip a module's tests when ``module`` (or Java) is missing, except where the environment
    variable ``required_by`` is 1 (CI): there the run fails loudly instead."""
    problem = engine_problem(module, java=java)
    if problem is not None and os.environ.get(required_by) == "1":
        raise RuntimeError(f"{required_by}=1 but {problem}")
    return pytest.mark.skipif(problem is not None, reason=problem or "")


def write_censuses(folder: Path) -> list[Path]:
    """Generated census files (bench/gen_census.py), one per entry of CENSUSES."""
    spec = importlib.util.spec_from_file_location("gen_census", REPO / "bench" / "gen_census.py")
    assert spec is not None and spec.loader is not None
    gen_census = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen_census)
    paths = []
    for children, seed in CENSUSES:
        path = folder / f"census-{seed}.xml"
        gen_census.write_census(children, path, seed=seed)
        paths.append(path)
    return paths


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple) or type(value).__name__ == "ndarray":
        return tuple(value)
    return value


def _order(row: tuple[Any, ...]) -> tuple[tuple[bool, Any], ...]:
    """Rows sort with nulls after values, column by column."""
    return tuple((value is None, 0 if value is None else value) for value in row)


def table_rows(rows: Iterable[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
    """Rows of the findings table (from Spark, Dask, Parquet) as sorted tuples of the compared
    columns, dates as ISO text."""
    return sorted((tuple(_plain(row[c.name]) for c in COMPARED) for row in rows), key=_order)


def cli_rows(paths: Iterable[Path], as_of: dt.date | None = None) -> list[tuple[Any, ...]]:
    """The installed command's JSON findings for each path, as :func:`table_rows` gives them."""
    found = []
    for path in paths:
        command = [str(Path(sys.executable).with_name("timescales")), "check", str(path), "--format", "json"]
        if as_of is not None:
            command += ["--as-of", as_of.isoformat()]
        done = subprocess.run(command, capture_output=True, text=True)
        assert done.returncode in (0, 1), done.stderr
        report = json.loads(done.stdout)
        for case in report["cases"]:
            for finding in case["findings"]:
                scopes = {"finding": finding, "case": case, "provenance": report["provenance"]}
                row = []
                for column in COMPARED:
                    assert column.json is not None
                    value: Any = scopes[column.json[0]]
                    for key in column.json[1:]:
                        value = None if value is None else value[key]
                    row.append(_plain(value))
                found.append(tuple(row))
    return sorted(found, key=_order)
