"""The SSD extract: the synthetic extract of bench/gen_ssd.py, its first three persons worked by hand."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
COMMAND = str(Path(sys.executable).parent / "timescales")
_SPEC = importlib.util.spec_from_file_location("gen_ssd", REPO / "bench" / "gen_ssd.py")
assert _SPEC and _SPEC.loader
gen_ssd = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(gen_ssd)

ICPC = "england.icpc-within-15-working-days"
ASSESSMENT = "england.assessment-within-45-working-days"
REVIEWS = "england.review-conferences-3-then-6-months"

#: Worked by hand from the patterns in bench/gen_ssd.py (no bank holiday from 4 Sep to 22 Dec 2023):
#: (person, rule) -> (status, due, met on, working days late).
HAND_WORKED = {
    # P0: referral Mon 4 Sep; 45 working days = 9 weeks -> Mon 6 Nov, authorised that day.
    ("P000000", ASSESSMENT): ("met", "2023-11-06", "2023-11-06", None),
    # Strategy discussion Wed 6 Sep + 15 working days (3 weeks) = Wed 27 Sep, the ICPC's day.
    ("P000000", ICPC): ("met", "2023-09-27", "2023-09-27", None),
    # Plan from 27 Sep: first review by 27 Dec (3 months), held Wed 13 Dec; the next by 13 Jun 2024.
    ("P000000", REVIEWS): ("met", "2023-12-27", "2023-12-13", None),
    # P1: referral Mon 11 Sep -> due Mon 13 Nov; authorised Mon 20 Nov: 5 working days late.
    ("P000001", ASSESSMENT): ("late", "2023-11-13", "2023-11-20", 5),
    # Strategy discussion Wed 13 Sep -> due Wed 4 Oct; ICPC Wed 11 Oct: 5 working days late.
    ("P000001", ICPC): ("late", "2023-10-04", "2023-10-11", 5),
    # Plan from 11 Oct: a review was due by Thu 11 Jan 2024 and never held.
    ("P000001", REVIEWS): ("missing", "2024-01-11", None, None),
    # P2: referral Mon 18 Sep -> due Mon 20 Nov; episode closed Fri 10 Nov, before it: cancelled.
    ("P000002", ASSESSMENT): ("cancelled", "2023-11-20", None, None),
    # Strategy discussion Wed 20 Sep -> due Wed 11 Oct; enquiry ended Fri 29 Sep with no ICPC needed.
    ("P000002", ICPC): ("cancelled", "2023-10-11", None, None),
}


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([COMMAND, *map(str, args)], capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("ssd")
    gen_ssd.write_extract(3, folder)
    result = run("check", folder, "--as-of", "2024-03-31", "--format", "json")
    assert result.returncode == 1, result.stderr  # breaches, nothing unreadable
    return dict(json.loads(result.stdout))


def test_the_synthetic_extract_gives_the_hand_worked_findings(report: dict[str, Any]) -> None:
    found = {}
    for case in report["cases"]:
        for f in case["findings"]:
            if f["occurrence"] == 1:
                late = f["late_by"]["working_days"] if f["late_by"] and f["status"] == "late" else None
                met = f["met_by"]["date"] if f["met_by"] else None
                found[(f["child"], f["rule"])] = (f["status"], f["due"], met, late)
    assert found == HAND_WORKED
    (second_review,) = [
        f for c in report["cases"] for f in c["findings"] if f["child"] == "P000000" and f["occurrence"] == 2
    ]
    assert (second_review["status"], second_review["due"]) == ("pending", "2024-06-13")


def test_team_worker_and_the_councils_own_due_dates(report: dict[str, Any]) -> None:
    by_key = {(f["child"], f["rule"], f["occurrence"]): f for c in report["cases"] for f in c["findings"]}
    # The ICPC clock starts at the strategy discussion: its row names the team and worker.
    assert by_key[("P000001", ICPC, 1)]["attributes"] == {
        "team": "Safeguarding Hub",
        "worker": "W99",
        "council_due": "2023-09-28",
        "council_due_differs": "yes",
    }
    # The referral row has no team or worker: those of the involvement covering its date.
    assert by_key[("P000001", ASSESSMENT, 1)]["attributes"] == {"team": "Team B", "worker": "W01"}
    assert by_key[("P000000", ICPC, 1)]["attributes"]["council_due"] == "2023-09-27"
    assert "council_due_differs" not in by_key[("P000000", ICPC, 1)]["attributes"]
    notes = [n for c in report["cases"] for n in c["notes"]]
    assert any(
        "the council's system gives Thu 28 Sep 2023 as the due date met by icpc-I1; these rules give "
        "Wed 4 Oct 2023" in n
        for n in notes
    )


def test_rules_the_extract_cannot_support_are_named_not_passed(report: dict[str, Any]) -> None:
    notes = " ".join(report["notes"])
    assert "england.referral-decision-within-1-working-day" in notes  # no decisions in the SSD
    # ssd_person is read for children's dates of birth (the health assessment intervals).
    assert "ssd_person" in next(n for n in report["notes"] if "read as an SSD extract" in n)


def test_a_bad_ssd_date_costs_only_its_person(tmp_path: Path) -> None:
    gen_ssd.write_extract(3, tmp_path)
    visits = tmp_path / "ssd_cp_visits.csv"
    lines = visits.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("2023-10-04 00:00:00.000", "31/09/2023")
    visits.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run("check", tmp_path, "--as-of", "2024-03-31", "--format", "json")
    assert result.returncode == 2
    assert f"{visits}:2: cppv_cp_visit_date: '31/09/2023' is not a real date" in result.stderr
    assert [c["case"] for c in json.loads(result.stdout)["cases"]] == ["P000001", "P000002"]


def test_dates_in_the_generator_stay_inside_the_calendar() -> None:
    last = max(
        dt.date.fromisoformat(cell[:10])
        for k in range(120)
        for _, row in gen_ssd.person_rows(k)
        for cell in row
        if len(cell) >= 10 and cell[4:5] == "-" and cell[:4].isdigit()
    )
    assert last < dt.date(2025, 1, 1)


def test_an_unreadable_byte_in_a_table_costs_only_its_person(tmp_path: Path) -> None:
    gen_ssd.write_extract(3, tmp_path)
    visits = tmp_path / "ssd_cp_visits.csv"
    data = visits.read_bytes().split(b"\n")
    data[5] = data[5].replace(b"Y,Y,Y", b"Y,\x81,Y", 1)  # seen_alone of a row of P000001
    visits.write_bytes(b"\n".join(data))
    result = run("check", tmp_path, "--as-of", "2024-03-31", "--format", "json")
    assert result.returncode == 2
    assert f"{visits}:6: this file is not text saved as CSV" in result.stderr
    assert [c["case"] for c in json.loads(result.stdout)["cases"]] == ["P000000", "P000002"]


def _workbook_of(folder: Path, book_path: Path) -> None:
    """The extract's tables as sheets of one workbook, dates as real Excel date cells."""
    import csv

    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for table in sorted(folder.glob("ssd_*.csv")):
        sheet = book.create_sheet(table.stem)
        with table.open(encoding="utf-8", newline="") as handle:
            for n, row in enumerate(csv.reader(handle)):
                cells: list[object] = list(row)
                if n:
                    cells = [
                        dt.datetime.fromisoformat(c[:19]) if len(c) == 23 and c[10:] == " 00:00:00.000" else c
                        for c in row
                    ]
                sheet.append(cells)
    book.save(book_path)


def _without_source(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [{k: v for k, v in case.items() if k != "source"} for case in report["cases"]]


def test_the_same_tables_in_one_workbook_give_the_same_findings(
    report: dict[str, Any], tmp_path: Path
) -> None:
    folder = tmp_path / "csv"
    gen_ssd.write_extract(3, folder)
    book = tmp_path / "extract.xlsx"
    _workbook_of(folder, book)
    result = run("check", book, "--as-of", "2024-03-31", "--format", "json")
    assert result.returncode == 1, result.stderr
    from_book = json.loads(result.stdout)
    assert _without_source(from_book) == _without_source(report)


def test_a_workbook_problem_is_located_at_its_sheet_and_row(tmp_path: Path) -> None:
    folder = tmp_path / "csv"
    gen_ssd.write_extract(3, folder)
    visits = folder / "ssd_cp_visits.csv"
    lines = visits.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("2023-10-04 00:00:00.000", "31/09/2023")
    visits.write_text("\n".join(lines) + "\n", encoding="utf-8")
    book = tmp_path / "extract.xlsx"
    _workbook_of(folder, book)
    result = run("check", book, "--as-of", "2024-03-31")
    assert result.returncode == 2
    assert (
        f"{book}[ssd_cp_visits] row 2: cppv_cp_visit_date: '31/09/2023' is not a real date" in result.stderr
    )


def test_an_extract_in_a_subfolder_is_read_whole_beside_other_files(tmp_path: Path) -> None:
    gen_ssd.write_extract(3, tmp_path / "council-a")
    (tmp_path / "export.csv").write_bytes((REPO / "timelines" / "case-system-export.csv").read_bytes())
    result = run("check", tmp_path, "--as-of", "2024-03-31", "--format", "json")
    assert result.returncode == 1, result.stderr
    cases = [c["case"] for c in json.loads(result.stdout)["cases"]]
    assert cases == ["P000000", "P000001", "P000002", "WIR-2024-0007", "WIR-2024-0011"]
