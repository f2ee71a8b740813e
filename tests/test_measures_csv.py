"""`--format measures-csv`: the DfE-style measures in the layout of the DfE's tables C2 and C4, and
the percentiles added to the measures. The CSV for a generated census is recomputed here,
independently, with pandas: conferences from the findings Parquet, assessments from the census
XML (no rule times an assessment from its start, as C2 does), working days with numpy over
GOV.UK's own bank-holiday list."""

from __future__ import annotations

import datetime as dt
import importlib.util
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from govuk_bank_holidays.bank_holidays import BankHolidays
from hypothesis import given
from hypothesis import strategies as st

from timescales.measures import percentile, reporting_year, reporting_year_start
from timescales.outputs.measures_csv import C2, C4, COLUMNS

REPO = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2024, 3, 31)
YEAR_START = dt.date(2023, 4, 1)


def _command() -> str:
    return str(Path(sys.executable).with_name("timescales"))


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    folder = tmp_path_factory.mktemp("measures")
    spec = importlib.util.spec_from_file_location("gen_census", REPO / "bench" / "gen_census.py")
    assert spec is not None and spec.loader is not None
    gen_census = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen_census)
    census = folder / "census.xml"
    gen_census.write_census(1500, census, seed=11)
    for name in ("measures.csv", "findings.parquet"):
        fmt = ["--format", "measures-csv"] if name.endswith(".csv") else []
        done = subprocess.run(
            [_command(), "check", str(census), "--output", str(folder / name), *fmt],
            capture_output=True,
            text=True,
        )
        assert done.returncode in (0, 1), done.stderr
    return census, folder / "measures.csv", folder / "findings.parquet"


def _working_days(starts: pd.Series, ends: pd.Series) -> np.ndarray:
    """Working days in (start, end], England and Wales, from GOV.UK's list."""
    years = range(2015, 2026)
    bank = BankHolidays(use_cached_holidays=True)
    closed = [
        h["date"] for y in years for h in bank.get_holidays(division=BankHolidays.ENGLAND_AND_WALES, year=y)
    ]
    one = np.timedelta64(1, "D")
    begin = starts.to_numpy(dtype="datetime64[D]") + one
    end = ends.to_numpy(dtype="datetime64[D]") + one
    return np.busday_count(begin, end, holidays=np.array(closed, dtype="datetime64[D]"))


def _bands(days: np.ndarray, bands: list[tuple[int, int | None]]) -> list[int]:
    return [
        int(((days >= low) & (days <= (high if high is not None else 10**6))).sum()) for low, high in bands
    ]


def _quartiles(days: np.ndarray) -> list[Any]:
    values = pd.Series(days, dtype="float64").quantile([0.25, 0.5, 0.75]).round(1)
    return [int(v) if float(v).is_integer() else float(v) for v in values]


def test_the_measures_csv_matches_figures_recomputed_with_pandas(outputs: tuple[Path, Path, Path]) -> None:
    census, measures_csv, findings_parquet = outputs
    table = pd.read_csv(measures_csv, comment="#", dtype=str, keep_default_na=False)
    assert list(table.columns) == list(COLUMNS)
    assert len(table) == 1  # one council (none named), one reporting year

    findings = pd.read_parquet(findings_parquet)
    icpc = findings[(findings["expects"] == "icpc") & (findings["trigger_type"] == "strategy_discussion")]
    assert set(icpc["rule"]) == {"england.icpc-within-15-working-days"}
    held = icpc[icpc["met_date"].notna()]
    held = held[pd.to_datetime(held["met_date"]) >= pd.Timestamp(YEAR_START)]
    icpc_days = _working_days(pd.to_datetime(held["trigger_date"]), pd.to_datetime(held["met_date"]))

    assessments = pd.read_xml(census, xpath="//Assessments", parser="lxml", dtype=str)
    done = assessments[assessments["AssessmentAuthorisationDate"].notna()].copy()
    started = pd.to_datetime(done["AssessmentActualStartDate"])
    finished = pd.to_datetime(done["AssessmentAuthorisationDate"])
    counted = (
        (finished >= pd.Timestamp(YEAR_START)) & (finished <= pd.Timestamp(AS_OF)) & (finished >= started)
    )
    assessment_days = _working_days(started[counted], finished[counted])

    expected = [
        "2024",
        "Reporting year",
        "Local authority",
        "E92000001",
        "England",
        "x",
        "x",
        "x",
        "x",
        "x",
        len(icpc_days),
        *_bands(icpc_days, [(0, 10), (11, 15), (16, 20), (21, None)]),
        *_quartiles(icpc_days),
        len(assessment_days),
        *_bands(
            assessment_days,
            [(0, 0), (1, 10), (11, 20), (21, 30), (31, 40), (41, 45), (46, 50), (51, 60), (61, None)],
        ),
        *_quartiles(assessment_days),
    ]
    assert len(icpc_days) > 100 and len(assessment_days) > 300
    row = table.iloc[0].tolist()
    assert row == [str(v) for v in expected], dict(zip(COLUMNS, zip(row, expected, strict=True), strict=True))


def test_the_columns_are_the_dfe_tables() -> None:
    assert C4[:2] == ("ICPC", "Duration_0-10_days") and C4[-3:] == (
        "Duration_25th_Percentile",
        "Duration_median",
        "Duration_75th_Percentile",
    )
    assert C2[:3] == ("Assessments_completed", "Same_day", "1-10_days") and C2[-4:] == (
        "61+_days",
        "25th_Percentile_days",
        "Median_days",
        "75th_Percentile_days",
    )


@given(st.lists(st.integers(min_value=0, max_value=120), min_size=1, max_size=60))
def test_percentiles_are_pandas_linear_quantiles(days: list[int]) -> None:
    counted = Counter(days)
    for fraction in (0.25, 0.5, 0.75):
        assert percentile(counted, fraction) == round(float(pd.Series(days).quantile(fraction)), 1)


def test_no_durations_have_no_percentile() -> None:
    assert percentile(Counter(), 0.5) is None


@pytest.mark.parametrize(
    ("day", "year", "start"),
    [
        (dt.date(2024, 3, 31), 2024, dt.date(2023, 4, 1)),  # the last day of a reporting year
        (dt.date(2024, 4, 1), 2025, dt.date(2024, 4, 1)),  # the first day of the next
        (dt.date(2024, 2, 29), 2024, dt.date(2023, 4, 1)),
    ],
)
def test_reporting_years_end_on_31_march(day: dt.date, year: int, start: dt.date) -> None:
    assert reporting_year(day) == year and reporting_year_start(day) == start


def test_a_council_gets_its_own_row_named(outputs: tuple[Path, Path, Path], tmp_path: Path) -> None:
    census, _, _ = outputs
    out = tmp_path / "liverpool.csv"
    done = subprocess.run(
        [
            _command(),
            "check",
            str(census),
            "--authority",
            "liverpool",
            "--format",
            "measures-csv",
            "--output",
            str(out),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode in (0, 1), done.stderr
    table = pd.read_csv(out, comment="#", dtype=str, keep_default_na=False)
    assert table[["la_name", "new_la_code", "time_period"]].values.tolist() == [
        ["liverpool", "E08000012", "2024"]
    ]
    assert out.read_text(encoding="utf-8").splitlines()[-1].startswith("# Made by timescales")


def test_a_census_shared_among_workers_gives_the_same_table_and_findings(
    outputs: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    census, measures_csv, findings_parquet = outputs
    for name in ("measures.csv", "findings.parquet"):
        fmt = ["--format", "measures-csv"] if name.endswith(".csv") else []
        out = tmp_path / name
        done = subprocess.run(
            [_command(), "check", str(census), "--jobs", "2", "--output", str(out), *fmt],
            capture_output=True,
            text=True,
        )
        assert done.returncode in (0, 1), done.stderr
    lines = (tmp_path / "measures.csv").read_text(encoding="utf-8").splitlines()
    assert lines[:-1] == measures_csv.read_text(encoding="utf-8").splitlines()[:-1]
    assert pd.read_parquet(tmp_path / "findings.parquet").equals(pd.read_parquet(findings_parquet))
