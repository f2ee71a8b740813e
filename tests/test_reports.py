"""Reports a QA officer can quote: counting, filters, provenance, the CLI's output habits, CSV and
the Excel workbook (read back with openpyxl). Browser tests of the HTML page: test_html_browser.py.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest

import timescales
from timescales.findings import Summary
from timescales.outputs import neutralise

REPO = Path(__file__).resolve().parent.parent
COMMAND = str(Path(sys.executable).parent / "timescales")
LIVERPOOL = "timelines/liverpool-2023-0042.yaml"


def run(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [COMMAND, *args], capture_output=True, text=True, cwd=cwd, check=False, env={**os.environ}
    )


# -- counting ----------------------------------------------------------------------------------

RESTSHIRE_PACK = """pack: restshire
title: Restshire local pack
nation: england
authority: restshire
extends: national
"""
RESTSHIRE_RULES = """rules:
  - id: restshire.icpc-within-10-working-days
    title: ICPC within 10 working days (Restshire, tighter than the national 15)
    restates: national.icpc-15
    trigger: {type: strategy_discussion, where: {section47: true}}
    expects: {type: icpc}
    within: 10 working days
    versions:
      - in_force: {from: 2010-01-01}
        source: {document: Restshire procedures, section: "3.1", evidence: seed}
  - id: restshire.complaint-response-within-10-working-days
    title: Complaint response within 10 working days
    about: case
    trigger: {type: complaint_received}
    expects: {type: complaint_response}
    within: 10 working days
    versions:
      - in_force: {from: 2010-01-01}
        source: {document: Restshire procedures, section: "9.1", evidence: seed}
"""


@pytest.fixture(scope="module")
def restshire(tmp_path_factory: pytest.TempPathFactory) -> timescales.RuleSet:
    folder = tmp_path_factory.mktemp("rules")
    shutil.copytree(REPO / "tests" / "data" / "rules" / "national", folder / "national")
    (folder / "restshire").mkdir()
    (folder / "restshire" / "pack.yaml").write_text(RESTSHIRE_PACK, encoding="utf-8")
    (folder / "restshire" / "rules.yaml").write_text(RESTSHIRE_RULES, encoding="utf-8")
    return timescales.load_rules(folder)


def _siblings_case() -> timescales.Timeline:
    """One late conference and one late complaint response for two siblings."""
    return timescales.load_timeline(
        {
            "case": "R-1",
            "authority": "restshire",
            "children": ["A", "B"],
            "events": [
                {"id": "sd", "type": "strategy_discussion", "date": "2023-06-05", "section47": True},
                {"id": "icpc", "type": "icpc", "date": "2023-07-03"},  # 20 working days later
                {"id": "cmp", "type": "complaint_received", "date": "2023-07-10", "stage": "1"},
                {"id": "rsp", "type": "complaint_response", "date": "2023-08-14", "stage": "1"},
            ],
        }
    )


def test_one_late_conference_for_two_siblings_is_one_requirement_and_one_late_event(
    restshire: timescales.RuleSet,
) -> None:
    report = timescales.check(_siblings_case(), restshire, as_of=dt.date(2023, 12, 1))
    icpc = [f for f in report.breaches if f.expects == "icpc"]
    # Four findings (two rules, two children), each with the national rule as its requirement ...
    assert sorted((f.rule, f.child) for f in icpc) == [
        ("national.icpc-15", "A"),
        ("national.icpc-15", "B"),
        ("restshire.icpc-within-10-working-days", "A"),
        ("restshire.icpc-within-10-working-days", "B"),
    ]
    assert {f.requirement_id for f in icpc} == {"national.icpc-15"}
    # ... and one complaint for two children is one case-level finding listing both.
    (complaint,) = [f for f in report.findings if "complaint" in f.rule]
    assert complaint.child is None and complaint.about == "case" and complaint.covers == ("A", "B")
    assert complaint.to_dict()["children"] == ["A", "B"]
    summary = Summary()
    summary.add(report.cases[0])
    # By rule and child, as before: 4 ICPC findings, the complaint, and the national report before
    # the conference, missing for each child.
    assert summary.breaches == 7
    headline = summary.to_dict()
    figures = (headline["requirements_breached"], headline["late_events"], headline["children_affected"])
    assert figures == (3, 3, 2)
    assert headline["by_requirement"]["national.icpc-15"] == {
        "rules": ["national.icpc-15", "restshire.icpc-within-10-working-days"],
        "late_events": 1,
        "children_affected": 2,
    }


def test_a_response_recorded_for_one_child_only_keeps_the_findings_apart(
    restshire: timescales.RuleSet,
) -> None:
    timeline = timescales.load_timeline(
        {
            "case": "R-2",
            "authority": "restshire",
            "children": ["A", "B"],
            "events": [
                {"id": "cmp", "type": "complaint_received", "date": "2023-07-10", "stage": "1"},
                {
                    "id": "rsp",
                    "type": "complaint_response",
                    "date": "2023-07-12",
                    "stage": "1",
                    "children": ["A"],
                },
            ],
        }
    )
    report = timescales.check(timeline, restshire, as_of=dt.date(2023, 12, 1))
    found = sorted((f.covers, f.status.value) for f in report.findings if "complaint" in f.rule)
    assert found == [(("A",), "met"), (("B",), "missing")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("    about: family\n", "rules[0].about: expected child or case"),
        ("    restates: national.no-such-rule\n", "restates 'national.no-such-rule', which does not exist"),
    ],
)
def test_about_and_restates_are_checked_at_load(tmp_path: Path, text: str, message: str) -> None:
    shutil.copytree(REPO / "tests" / "data" / "rules" / "national", tmp_path / "national")
    (tmp_path / "restshire").mkdir()
    (tmp_path / "restshire" / "pack.yaml").write_text(RESTSHIRE_PACK, encoding="utf-8")
    rules = RESTSHIRE_RULES.replace("    restates: national.icpc-15\n", text)
    (tmp_path / "restshire" / "rules.yaml").write_text(rules, encoding="utf-8")
    with pytest.raises(timescales.TimescalesError) as caught:
        timescales.load_rules(tmp_path)
    assert any(message in str(p) for p in caught.value.problems), caught.value.problems


def test_the_shipped_complaint_and_ombudsman_rules_are_about_the_case(rules: timescales.RuleSet) -> None:
    case_level = {r.id for r in rules.rules if r.about == "case"}
    assert {r.id for r in rules.rules if "complaint-" in r.id or ".ombudsman-" in r.id} == case_level


# -- provenance --------------------------------------------------------------------------------


def test_every_format_ends_with_the_same_provenance(tmp_path: Path) -> None:
    footers = {}
    for suffix in ("txt", "csv", "html", "json", "xlsx"):
        out = tmp_path / f"report.{suffix}"
        result = run("check", LIVERPOOL, "--output", str(out))
        assert result.returncode == 1, result.stderr
        assert result.stderr.strip().endswith(f"Report written to {out}")
        if suffix == "json":
            provenance = json.loads(out.read_text(encoding="utf-8"))["provenance"]
            assert provenance["rule_packs"] == ["england", "liverpool"]
            assert provenance["as_of"] == "2024-03-31"
            assert provenance["calendar_last_year"] >= 2030
            assert dt.datetime.fromisoformat(provenance["generated_at"]).tzinfo is not None
            fingerprint = provenance["rule_packs_sha256"]
        elif suffix == "xlsx":
            book = openpyxl.load_workbook(out)
            footers[suffix] = next(
                row[1] for row in book["Summary"].iter_rows(values_only=True) if row[0] == "Made by"
            )
        else:
            footers[suffix] = next(
                line for line in out.read_text(encoding="utf-8").splitlines() if "Made by timescales" in line
            )
    for footer in footers.values():
        assert f"sha256 {fingerprint[:16]}" in footer
        assert "as of Sun 31 Mar 2024" in footer
        assert "rule packs england, liverpool" in footer


# -- the command line's output habits -----------------------------------------------------------


def test_the_format_follows_the_output_extension(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    assert run("check", LIVERPOOL, "--output", str(out)).returncode == 1
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_a_format_that_contradicts_the_extension_is_one_line_and_exit_2(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = run("check", LIVERPOOL, "--output", str(out), "--format", "csv")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: --output {out} names an HTML file but --format is csv: "
        "change the file's extension or leave out --format"
    ]
    assert not out.exists()


def test_a_missing_output_folder_is_one_line_exit_2_and_no_traceback(tmp_path: Path) -> None:
    out = tmp_path / "no-such-folder" / "report.csv"
    result = run("check", LIVERPOOL, "--output", str(out))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: cannot write the report to {out}: the folder {out.parent} does not exist"
    )
    assert "Traceback" not in result.stderr


def test_an_output_that_is_a_folder_is_one_line_exit_2(tmp_path: Path) -> None:
    result = run("check", LIVERPOOL, "--output", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: cannot write the report to {tmp_path}: it is a folder"
    )


def test_a_failed_run_leaves_the_old_report_and_no_partial_file(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    out.write_text("the previous report\n", encoding="utf-8")
    result = run("check", LIVERPOOL, "--output", str(out), "--rules", str(tmp_path / "no-rules-here"))
    assert result.returncode == 2
    assert out.read_text(encoding="utf-8") == "the previous report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_excel_needs_an_output_file() -> None:
    result = run("check", LIVERPOOL, "--format", "xlsx")
    assert result.returncode == 2
    assert "give --output FILE.xlsx" in result.stderr


# -- filters and the worklist -------------------------------------------------------------------


def _json(*args: str) -> dict[str, Any]:
    result = run("check", LIVERPOOL, "--format", "json", *args)
    assert result.returncode == 1, result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def test_filters_choose_what_is_listed_and_the_summary_still_counts_everything() -> None:
    everything = _json()
    breaches = _json("--breaches-only")
    findings = [f for c in breaches["cases"] for f in c["findings"]]
    assert findings and {f["status"] for f in findings} == {"late"}
    assert breaches["summary"] == everything["summary"]
    assert breaches["listed"] == ["breaches only (late or missing)"]
    child_b = [f for c in _json("--child", "B")["cases"] for f in c["findings"]]
    assert child_b and all("B" in f["children"] for f in child_b)
    local = [
        f
        for c in _json("--rule", "liverpool.visits-*", "--status", "pending")["cases"]
        for f in c["findings"]
    ]
    assert {(f["rule"], f["status"]) for f in local} == {
        ("liverpool.visits-every-10-working-days", "pending")
    }
    assert _json("--case", "NO-SUCH-CASE")["cases"] == []
    assert _json("--summary-only")["cases"] == []


def test_the_worklist_lists_pending_deadlines_in_the_window_soonest_first() -> None:
    # As of Sun 31 Mar 2024: visits due Fri 5 Apr (within 5 working days, Easter Monday skipped),
    # core groups due Sun 14 Apr, the review conference Mon 26 Aug.
    soon = [f for c in _json("--due-within", "5 working days")["cases"] for f in c["findings"]]
    assert {(f["rule"], f["due"]) for f in soon} == {("liverpool.visits-every-10-working-days", "2024-04-05")}
    later = [f for c in _json("--due-within", "3 calendar months")["cases"] for f in c["findings"]]
    assert {f["status"] for f in later} == {"pending"}
    assert "england.review-conferences-3-then-6-months" not in {f["rule"] for f in later}
    assert len(later) == 4
    result = run("check", LIVERPOOL, "--due-within", "soon")
    assert result.returncode == 2 and "--due-within" in result.stderr


TEAMS_CSV = """case,child,id,type,date,section47,team,worker
N-1,,sd1,strategy_discussion,2024-03-25,true,North,Ann
S-1,,sd1,strategy_discussion,2024-03-20,true,South,Bo
S-2,,sd1,strategy_discussion,2024-03-18,true,South,Al
"""


def test_team_and_worker_filters_and_the_worklist_grouped_by_team_and_worker(tmp_path: Path) -> None:
    export = tmp_path / "teams.csv"
    export.write_text(TEAMS_CSV, encoding="utf-8")
    check = ["check", str(export), "--as-of", "2024-04-02", "--format", "json"]
    south = json.loads(run(*check, "--team", "South").stdout)
    assert [c["case"] for c in south["cases"]] == ["S-1", "S-2"]
    assert south["listed"] == ["team South"]
    bo = json.loads(run(*check, "--team", "South", "--worker", "Bo").stdout)
    assert [c["case"] for c in bo["cases"]] == ["S-1"]
    # ICPCs due 15 working days after each strategy discussion (Good Friday and Easter Monday 2024
    # skipped): N-1 Wed 17 Apr, S-1 Fri 12 Apr, S-2 Wed 10 Apr; all within 3 weeks of Tue 2 Apr.
    # Grouped by team, then worker (Al before Bo), then soonest.
    work = json.loads(run(*check, "--due-within", "3 weeks").stdout)
    listed = [
        (c["case"], f["attributes"]["team"], f["attributes"]["worker"], f["due"])
        for c in work["cases"]
        for f in c["findings"]
    ]
    assert listed == [
        ("N-1", "North", "Ann", "2024-04-17"),
        ("S-2", "South", "Al", "2024-04-10"),
        ("S-1", "South", "Bo", "2024-04-12"),
    ]


# -- CSV ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["=HYPERLINK(1)", "+1", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_text_a_spreadsheet_would_run_is_neutralised(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["A", "", "LIV-1", "1+1", "'quoted"])
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert neutralise(text) == text


HOSTILE_CSV = """case,child,id,type,date,section47
=cmd|' /C calc'!A0,@child,sd1,strategy_discussion,2023-11-06,true
=cmd|' /C calc'!A0,@child,icpc1,icpc,2023-12-20,
"""


def test_csv_and_excel_never_carry_a_formula_from_the_data(tmp_path: Path) -> None:
    source = tmp_path / "export.csv"
    source.write_text(HOSTILE_CSV, encoding="utf-8")
    out_csv, out_xlsx = tmp_path / "report.csv", tmp_path / "report.xlsx"
    for out in (out_csv, out_xlsx):
        result = run("check", str(source), "--as-of", "2024-03-31", "--output", str(out))
        assert result.returncode == 1, result.stderr
    rows = list(csv.DictReader(io.StringIO(out_csv.read_text(encoding="utf-8-sig"))))
    assert rows[0]["case"] == "'=cmd|' /C calc'!A0" and rows[0]["child"] == "'@child"
    book = openpyxl.load_workbook(out_xlsx)
    for sheet in book:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula"
    case_cell = book["Breaches"]["A2"]
    assert case_cell.value == "=cmd|' /C calc'!A0" and case_cell.quotePrefix


def test_no_bom_leaves_the_byte_order_mark_out() -> None:
    with_bom = subprocess.run([COMMAND, "check", LIVERPOOL, "--format", "csv"], capture_output=True, cwd=REPO)
    without = subprocess.run(
        [COMMAND, "check", LIVERPOOL, "--format", "csv", "--no-bom"], capture_output=True, cwd=REPO
    )
    assert with_bom.stdout.startswith(b"\xef\xbb\xbfcase,")
    assert without.stdout.startswith(b"case,")


# -- Excel -------------------------------------------------------------------------------------


def test_the_workbook_has_its_sheets_real_dates_frozen_headers_and_filters(tmp_path: Path) -> None:
    out = tmp_path / "report.xlsx"
    assert run("check", LIVERPOOL, "--output", str(out)).returncode == 1
    report = _json()
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["Summary", "Breaches", "All deadlines", "Measures", "Left out", "Rules used"]
    breaches, every = book["Breaches"], book["All deadlines"]
    assert breaches.max_row - 1 == report["summary"]["breaches"]
    assert every.max_row - 1 == report["summary"]["findings"]
    for sheet in (breaches, every, book["Rules used"], book["Left out"]):
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:")
    headings = [c.value for c in breaches[1]]
    due = breaches.cell(row=2, column=headings.index("due") + 1)
    assert isinstance(due.value, dt.datetime) and due.is_date
    assert breaches.column_dimensions["G"].width > 20  # the title column is wide enough to read
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(values_only=True) if row[0]}
    assert summary["Requirements breached"] == report["summary"]["requirements_breached"]
    assert summary["Children affected"] == report["summary"]["children_affected"]
    measures = list(book["Measures"].iter_rows(min_row=2, values_only=True))
    assert measures[0][0].startswith("Initial conferences within 15 working days")
    assert measures[0][1:5] == (0, 0, 2, 78.4)  # this report: 0% (0 of 2); England: 78.4%
    rules_used = {row[0] for row in book["Rules used"].iter_rows(min_row=2, values_only=True)}
    assert "england.icpc-within-15-working-days" in rules_used
