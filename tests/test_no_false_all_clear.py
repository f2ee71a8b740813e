"""A run that found nothing to check never says "0 breaches": it exits 2 and says why.

Also the folder rules that go with it: files that are not read are listed as skipped (an unknown
suffix, a link to nothing, our own JSON report), a case given in two files is an error naming both,
and a bad row costs only its own case.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
COMMAND = str(Path(sys.executable).parent / "timescales")
EXPORT = REPO / "timelines" / "case-system-export.csv"
HEADER = EXPORT.read_text(encoding="utf-8").splitlines()[0] + "\n"
EMPTY_CENSUS = """<?xml version="1.0" encoding="utf-8"?>
<Message>
  <Header>
    <CollectionDetails><Collection>CIN</Collection><Year>2024</Year>
    <ReferenceDate>2024-03-31</ReferenceDate></CollectionDetails>
  </Header>
  <Children></Children>
</Message>
"""


def run(*args: str | Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [COMMAND, "check", *map(str, args), "--as-of", "2024-03-31"],
        capture_output=True,
        text=True,
        input=stdin.decode("utf-8") if stdin is not None else None,
        check=False,
        env={**os.environ, "COLUMNS": "160"},
    )


def _header_only_xlsx(path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER.strip().split(","))
    book.save(path)


def _make(kind: str, tmp_path: Path) -> Path:
    """Each input that once gave a false all-clear, built in ``tmp_path``; returns the path to check."""
    if kind == "empty folder":
        return tmp_path
    if kind == "header-only csv":
        (tmp_path / "export.csv").write_text(HEADER, encoding="utf-8")
        return tmp_path / "export.csv"
    if kind == "folder of a header-only xlsx":
        _header_only_xlsx(tmp_path / "export.xlsx")
        return tmp_path
    if kind == "empty census":
        (tmp_path / "cin.xml").write_text(EMPTY_CENSUS, encoding="utf-8")
        return tmp_path / "cin.xml"
    if kind == "only unreadable files":
        (tmp_path / "a.yaml").write_text("case: [\n", encoding="utf-8")
        (tmp_path / "b.csv").write_text("nothing,we,know\n1,2,3\n", encoding="utf-8")
        return tmp_path
    if kind == "only files of other kinds":
        (tmp_path / "notes.txt").write_text("hello\n", encoding="utf-8")
        (tmp_path / "export.xls").write_bytes(b"\xd0\xcf\x11\xe0")
        return tmp_path
    raise AssertionError(kind)


KINDS = [
    "empty folder",
    "header-only csv",
    "folder of a header-only xlsx",
    "empty census",
    "only unreadable files",
    "only files of other kinds",
]


@pytest.mark.parametrize("kind", KINDS)
def test_nothing_to_check_exits_2_with_no_cases_found(kind: str, tmp_path: Path) -> None:
    path = _make(kind, tmp_path)
    result = run(path, "--format", "json")
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"error: {path}: no cases found in {path}" in result.stderr
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    assert report["summary"]["cases"] == 0
    assert any("no cases found" in line for line in report["left_out"])


def test_no_cases_found_names_every_skipped_file_and_why(tmp_path: Path) -> None:
    _make("only files of other kinds", tmp_path)
    result = run(tmp_path)
    assert result.returncode == 2
    assert f"{tmp_path / 'notes.txt'}: skipped: timescales does not read .txt files" in result.stderr
    assert f"{tmp_path / 'export.xls'}: skipped: timescales does not read .xls files" in result.stderr


def test_skipped_files_are_listed_beside_the_cases_that_were_read(tmp_path: Path) -> None:
    shutil.copy(EXPORT, tmp_path / "export.csv")
    (tmp_path / "README.txt").write_text("what this folder is\n", encoding="utf-8")
    (tmp_path / "gone.csv").symlink_to(tmp_path / "deleted.csv")
    earlier = run(tmp_path / "export.csv", "--format", "json")
    (tmp_path / "last-run.json").write_text(earlier.stdout, encoding="utf-8")
    result = run(tmp_path, "--format", "json")
    assert result.returncode == 1, result.stderr  # breaches, and nothing unreadable
    report = json.loads(result.stdout)
    assert [c["case"] for c in report["cases"]] == ["WIR-2024-0007", "WIR-2024-0011"]
    notes = report["notes"]
    assert f"{tmp_path / 'README.txt'}: skipped: timescales does not read .txt files" in " ".join(notes)
    assert f"{tmp_path / 'gone.csv'}: skipped: a link to a file that does not exist." in notes
    assert f"{tmp_path / 'last-run.json'}: skipped: a timescales report, not a timeline." in notes


def test_a_case_in_two_files_is_an_error_naming_both(tmp_path: Path) -> None:
    shutil.copy(EXPORT, tmp_path / "a.csv")
    shutil.copy(EXPORT, tmp_path / "b.csv")
    result = run(tmp_path, "--format", "json")
    assert result.returncode == 2
    report = json.loads(result.stdout)
    assert [c["case"] for c in report["cases"]] == ["WIR-2024-0007", "WIR-2024-0011"]
    assert f"{tmp_path / 'b.csv'}: case WIR-2024-0007 is also in {tmp_path / 'a.csv'}" in result.stderr


def test_an_undecodable_byte_costs_only_its_case(tmp_path: Path) -> None:
    lines = EXPORT.read_bytes().split(b"\n")
    # Line 10 (a row of WIR-2024-0011) gets a byte that is text in no accepted encoding, in a file
    # that is otherwise UTF-8 with a real ’ elsewhere.
    lines[9] = lines[9].replace(b"assessment,,", b"assessment,\x81,", 1)
    lines[2] = lines[2].replace(b"Decided two days later", "Decided two days later ’".encode())
    path = tmp_path / "export.csv"
    path.write_bytes(b"\n".join(lines))
    result = run(path, "--format", "json")
    assert result.returncode == 2
    report = json.loads(result.stdout)
    assert [c["case"] for c in report["cases"]] == ["WIR-2024-0007"]
    (problem,) = [line for line in report["left_out"] if "not text saved as CSV" in line]
    assert problem.startswith(f"{path}:10:12: ")
    assert "byte 0x81" in problem


def test_an_oversize_field_costs_only_its_case(tmp_path: Path) -> None:
    lines = EXPORT.read_text(encoding="utf-8").split("\n")
    row = "WIR-2024-0007,,asm1,assessment_completed,2024-03-28,,,"
    lines[5] = lines[5].replace(row, row + '"' + "x" * 200_000 + '"')
    path = tmp_path / "export.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    result = run(path, "--format", "json")
    assert result.returncode == 2
    report = json.loads(result.stdout)
    assert [c["case"] for c in report["cases"]] == ["WIR-2024-0011"]
    (problem,) = [line for line in report["left_out"] if "cannot be read as CSV" in line]
    assert problem.startswith(f"{path}:6: ")
    assert "field larger than field limit" in problem


def test_standard_input_is_read(tmp_path: Path) -> None:
    result = run("-", "--format", "json", stdin=EXPORT.read_bytes())
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert {c["source"] for c in report["cases"]} == {"<stdin>"}
    assert report["summary"]["cases"] == 2
    empty = run("-", stdin=HEADER.encode())
    assert empty.returncode == 2
    assert "error: -: no cases found in -" in empty.stderr
