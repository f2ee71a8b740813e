"""Ofsted's Annex A lists 7 and 8: a workbook built here, with councils' header variants, gives the
snapshot findings worked out by hand."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import xlsxwriter

import timescales
from timescales.adapters import ReadOptions, iter_timelines
from timescales.errors import TimelineError
from timescales.timeline import SourceNote, Timeline

LIST_DATE = dt.date(2024, 9, 30)  # Mon 30 Sep 2024, on the cover sheet
ISO = re.compile(r"\d{4}-\d{2}-\d{2}")

# Each row is written as its cells, "|" between them: an ISO date becomes an Excel date cell, any
# other text (a dd/mm/yyyy date as councils often type it) a text cell, nothing an empty cell.

# List 7 (child protection plans), with a council's own headings.
LIST_7 = [
    "Child ID|DOB|CP Plan Start Date|Last CP Visit Date|Latest RCPC Date|CP Plan End Date|Team|Social Worker",
    # Review Thu 28 Mar 2024 + 6 months = Sat 28 Sep: overdue on 30 Sep by 2 calendar days.
    "C7A|2015-03-01|2024-01-10|2024-09-20|2024-03-28||CP East|Ann",
    # Review Tue 2 Apr 2024: due Wed 2 Oct, not yet overdue.
    "C7B|2016-04-01|2024-01-20||02/04/2024||CP East|Ann",
    # The plan ended Sun 30 Jun, before the next review was due (1 Aug): nothing owed.
    "C7C|2017-05-01|2023-11-01||2024-02-01|2024-06-30|CP West|Bob",
]
# List 8 (children in care), Ofsted's headings, with the IRO's contact beside the social worker's visit.
LIST_8 = [
    "Child Unique ID|Date of Birth|Date Started to be Looked After|Date of Latest Statutory Review"
    "|Date of Last Social Work Visit|Date of Last IRO Visit / Contact to the Child"
    "|Date of Last Health Assessment|Date Ceased to be Looked After|Reason Ceased to be Looked After"
    "|Allocated Team|Allocated Worker",
    # In care Tue 27 Aug 2024, no review: + 20 working days = Tue 24 Sep, overdue by 4 working days
    # (25, 26, 27, 30 Sep). Last visit Sat 10 Aug + 6 weeks = Sat 21 Sep: overdue by 9 days (the
    # IRO's contact on 29 Sep is not a statutory visit). Under 5: health assessment Wed 20 Mar
    # + 6 months = Fri 20 Sep, overdue by 10 days.
    "C8A|2021-01-15|2024-08-27||10/08/2024|2024-09-29|2024-03-20|||CiC 1|Cat",
    # Review Sun 31 Mar 2024 + 6 months = Mon 30 Sep (no 31 Sep): due on the list date, not overdue.
    # Visit Fri 30 Aug + 6 weeks = Fri 11 Oct. Aged 13: health assessment Tue 1 Oct 2023 + 12 months
    # = Tue 1 Oct 2024. Nothing overdue.
    "C8B|2010-05-01|2023-01-05|2024-03-31|2024-08-30||2023-10-01|||CiC 1|Dan",
    # In care Mon 3 Jun, left Fri 14 Jun: the first review (due 1 Jul) ended with the period of care.
    "C8C|2012-02-02|2024-06-03|||||2024-06-14|E13|CiC 2|Eve",
    # A review on 31 February: the child is left out, reported at the cell (row 5, column D).
    "C8D|2012-02-02|2024-01-03|31/02/2024||||||CiC 2|Eve",
]


def _workbook(path: Path, cover: bool = True) -> Path:
    book = xlsxwriter.Workbook(str(path))
    dates = book.add_format({"num_format": "dd/mm/yyyy"})
    if cover:
        sheet = book.add_worksheet("Cover")
        sheet.write(0, 0, "Annex A: child-level data")
        sheet.write(2, 0, "Date of extract")
        sheet.write_datetime(2, 1, dt.datetime.combine(LIST_DATE, dt.time()), dates)
    for name, rows in (("List 7", LIST_7), ("List 8", LIST_8)):
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row.split("|")):
                if ISO.fullmatch(value):
                    sheet.write_datetime(r, c, dt.datetime.fromisoformat(value), dates)
                elif value:
                    sheet.write(r, c, value)
    sheet = book.add_worksheet("List 9")
    sheet.write_row(0, 0, ["Child Unique ID", "Latest Pathway Plan Review Date"])
    sheet = book.add_worksheet("List 11")
    sheet.write_row(0, 0, ["Individual adopter identifier", "Date enquiry received"])
    book.close()
    return path


def _read(path: Path, rules: timescales.RuleSet, as_of: dt.date | None = None) -> list[object]:
    return list(iter_timelines(path, rules.vocabulary, ReadOptions(list_date=as_of)))


def _findings(path: Path, rules: timescales.RuleSet) -> dict[str, set[tuple[str, str, str, str]]]:
    found: dict[str, set[tuple[str, str, str, str]]] = {}
    for item in _read(path, rules):
        if isinstance(item, Timeline):
            report = timescales.check(item, rules)
            assert report.as_of == LIST_DATE
            found[item.case] = {
                (
                    f.rule.removeprefix("england.snapshot-"),
                    f.status.value,
                    f.due.isoformat(),
                    str(f.late_by or ""),
                )
                for f in report.findings
            }
    return found


def test_an_annex_a_workbook_gives_the_snapshot_findings_worked_out_by_hand(
    tmp_path: Path, rules: timescales.RuleSet
) -> None:
    found = _findings(_workbook(tmp_path / "annex-a.xlsx"), rules)
    statuses = {case: {(rule, status, due) for rule, status, due, _ in f} for case, f in found.items()}
    assert statuses == {
        "C7A": {("cp-latest-review-conference-within-6-months", "missing", "2024-09-28")},
        "C7B": {("cp-latest-review-conference-within-6-months", "pending", "2024-10-02")},
        "C7C": {("cp-latest-review-conference-within-6-months", "cancelled", "2024-08-01")},
        "C8A": {
            ("cla-first-review-20-working-days", "missing", "2024-09-24"),
            ("cla-last-visit-within-6-weeks", "missing", "2024-09-21"),
            ("health-assessment-under-5", "missing", "2024-09-20"),
        },
        "C8B": {
            ("cla-latest-review-within-6-months", "pending", "2024-09-30"),
            ("cla-last-visit-within-6-weeks", "pending", "2024-10-11"),
            ("health-assessment-12-months", "pending", "2024-10-01"),
        },
        "C8C": {("cla-first-review-20-working-days", "cancelled", "2024-07-01")},
    }
    first_review = next(f for f in found["C8A"] if f[0] == "cla-first-review-20-working-days")
    assert "4 working days" in first_review[3] or "working_days=4" in first_review[3]


def test_the_report_says_which_column_was_taken_and_leaves_out_the_bad_cell(
    tmp_path: Path, rules: timescales.RuleSet
) -> None:
    items = _read(_workbook(tmp_path / "annex-a.xlsx"), rules)
    notes = " ".join(str(i) for i in items if isinstance(i, SourceNote))
    assert "'Latest RCPC Date' taken as 'Date of latest review conference'" in notes
    assert "'Social Worker' taken as 'Allocated Worker'" in notes
    assert "list 8 (children in care): 10 columns read, each under Ofsted's own heading" in notes
    assert "IRO" not in notes  # the IRO's contact is not a statutory visit
    assert "list date 2024-09-30 read at " in notes and "annex-a.xlsx[Cover]!B3" in notes
    assert "List 9]: Annex A list 9 not read" in notes
    assert "List 11]: Annex A list 11 not read" in notes
    (error,) = [i for i in items if isinstance(i, TimelineError)]
    (bad,) = error.problems
    assert bad.file.endswith("annex-a.xlsx[List 8]!D5")
    assert "C8D" in bad.message and "31" in bad.message
    c8a = next(i for i in items if isinstance(i, Timeline) and i.case == "C8A")
    assert {e.carried["team"] for e in c8a.events} == {"CiC 1"}


def test_without_a_list_date_the_as_of_date_must_be_given(tmp_path: Path, rules: timescales.RuleSet) -> None:
    book = _workbook(tmp_path / "no-date.xlsx", cover=False)
    (error,) = [i for i in _read(book, rules) if isinstance(i, TimelineError)][:1]
    assert "give it with --as-of" in error.problems[0].message
    timelines = [i for i in _read(book, rules, LIST_DATE) if isinstance(i, Timeline)]
    assert {t.case for t in timelines} == {"C7A", "C7B", "C7C", "C8A", "C8B", "C8C"}
    assert all(t.as_of == LIST_DATE for t in timelines)


def test_a_list_given_as_csv_reads_the_same(tmp_path: Path, rules: timescales.RuleSet) -> None:
    lines = ["Child Unique ID,Date of Birth,Date Started to be Looked After,Date of Latest Statutory Review"]
    lines.append("C8A,15/01/2021,27/08/2024,")
    path = tmp_path / "list8.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (timeline,) = [i for i in _read(path, rules, LIST_DATE) if isinstance(i, Timeline)]
    report = timescales.check(timeline, rules)
    assert [(f.rule, f.status.value, f.due) for f in report.findings] == [
        ("england.snapshot-cla-first-review-20-working-days", "missing", dt.date(2024, 9, 24))
    ]


def test_lists_as_csv_files_in_a_folder_are_read_together(tmp_path: Path, rules: timescales.RuleSet) -> None:
    # C1 is on both lists: one case. A CSV event log named like a list is still an event log.
    (tmp_path / "List 7.csv").write_text(
        "Child ID,CP Plan Start Date,Latest RCPC Date\nC1,10/01/2024,28/03/2024\n", encoding="utf-8"
    )
    (tmp_path / "List 8.csv").write_text(
        "Child Unique ID,Date Started to be Looked After,Date of Latest Statutory Review\nC1,01/06/2024,\n",
        encoding="utf-8",
    )
    (tmp_path / "waiting-list-8.csv").write_text(
        "case,id,type,date,LA child id\nK,s,looked_after_started,2024-09-02,K1\n", encoding="utf-8"
    )
    timelines = [i for i in _read(tmp_path, rules, LIST_DATE) if isinstance(i, Timeline)]
    assert sorted(t.case for t in timelines) == ["C1", "K"]
    c1 = next(t for t in timelines if t.case == "C1")
    assert c1.latest_only and not next(t for t in timelines if t.case == "K").latest_only
    report = timescales.check(c1, rules)
    # Review 28 Mar + 6 months = 28 Sep: overdue. Started Sat 1 Jun + 20 working days = Fri 28 Jun.
    assert sorted((f.rule, f.status.value, f.due.isoformat()) for f in report.findings) == [
        ("england.snapshot-cla-first-review-20-working-days", "missing", "2024-06-28"),
        ("england.snapshot-cp-latest-review-conference-within-6-months", "missing", "2024-09-28"),
    ]


@pytest.mark.parametrize("with_as_of", [False, True])
def test_the_installed_command_reads_an_annex_a_workbook(tmp_path: Path, with_as_of: bool) -> None:
    book = _workbook(tmp_path / "annex-a.xlsx", cover=with_as_of is False)
    command = Path(sys.executable).parent / "timescales"
    extra = ["--as-of", LIST_DATE.isoformat()] if with_as_of else []
    result = subprocess.run(
        [str(command), "check", str(book), "--format", "json", *extra],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2  # C8D's impossible date
    assert "annex-a.xlsx[List 8]!D5" in result.stderr
    report = json.loads(result.stdout)
    assert {case["as_of"] for case in report["cases"]} == {LIST_DATE.isoformat()}
    overdue = sorted(
        (f["child"], f["rule"])
        for case in report["cases"]
        for f in case["findings"]
        if f["status"] == "missing"
    )
    assert overdue == [
        ("C7A", "england.snapshot-cp-latest-review-conference-within-6-months"),
        ("C8A", "england.snapshot-cla-first-review-20-working-days"),
        ("C8A", "england.snapshot-cla-last-visit-within-6-weeks"),
        ("C8A", "england.snapshot-health-assessment-under-5"),
    ]
