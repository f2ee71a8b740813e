"""The shipped CSV export as Excel and case systems really write it: the same findings every time.

Each dialect is built from `timelines/case-system-export.csv` (the ISO original) by rewriting it the
way a QA officer's machine would; every one must give exactly the findings of the original.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

import timescales
from timescales.adapters import ReadOptions, iter_timelines
from timescales.adapters.mapping import load_column_map
from timescales.errors import TimelineError
from timescales.evaluation import evaluate_case
from timescales.timeline import SourceNote, Timeline

REPO = Path(__file__).resolve().parent.parent
ORIGINAL = REPO / "timelines" / "case-system-export.csv"
AS_OF = dt.date(2024, 3, 31)
NOTE = "Parent’s fee of £20 queried"


def _table() -> list[list[str]]:
    with ORIGINAL.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    # A note with the two characters Windows-1252 files break on.
    rows[3][rows[0].index("note")] = NOTE
    return rows


def _text(rows: list[list[str]], delimiter: str = ",", line_end: str = "\n") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator=line_end).writerows(rows)
    return out.getvalue()


def _with_dates(rows: list[list[str]], write: Callable[[dt.date], str]) -> list[list[str]]:
    at = rows[0].index("date")
    return [rows[0]] + [[*r[:at], write(dt.date.fromisoformat(r[at])), *r[at + 1 :]] for r in rows[1:]]


def _items(path: Path, rules: timescales.RuleSet, **options: Any) -> list[Any]:
    return list(iter_timelines(path, rules.vocabulary, ReadOptions(**options)))


def _findings(path: Path, rules: timescales.RuleSet, **options: Any) -> list[dict[str, Any]]:
    """Every finding of the file, without what may rightly differ (the file name, carried columns)."""
    items = _items(path, rules, **options)
    errors = [i for i in items if isinstance(i, TimelineError)]
    assert not errors, errors
    found = []
    for timeline in (i for i in items if isinstance(i, Timeline)):
        for finding in evaluate_case(timeline, rules, as_of=AS_OF).findings:
            found.append({k: v for k, v in finding.to_dict().items() if k != "attributes"})
    assert found
    return found


def _notes(path: Path, rules: timescales.RuleSet, **options: Any) -> list[str]:
    return [i.text for i in _items(path, rules, **options) if isinstance(i, SourceNote)]


@pytest.fixture(scope="module")
def original(rules: timescales.RuleSet, tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    path = tmp_path_factory.mktemp("original") / "export.csv"
    path.write_text(_text(_table()), encoding="utf-8")
    return _findings(path, rules)


def _write_uk_dates(path: Path) -> None:
    path.write_text(_text(_with_dates(_table(), lambda d: d.strftime("%d/%m/%Y"))), encoding="utf-8")


def _write_short_uk_dates(path: Path) -> None:
    path.write_text(_text(_with_dates(_table(), lambda d: f"{d.day}/{d.month}/{d.year}")), encoding="utf-8")


def _write_named_months(path: Path) -> None:
    path.write_text(_text(_with_dates(_table(), lambda d: d.strftime("%d %b %Y"))), encoding="utf-8")


def _write_dashed(path: Path) -> None:
    path.write_text(_text(_with_dates(_table(), lambda d: d.strftime("%d-%m-%Y"))), encoding="utf-8")


def _write_cp1252(path: Path) -> None:
    path.write_bytes(_text(_table(), line_end="\r\n").encode("cp1252"))


def _write_semicolons(path: Path) -> None:
    path.write_text(_text(_table(), delimiter=";"), encoding="utf-8")


def _write_tabs_utf16(path: Path) -> None:
    path.write_text(_text(_table(), delimiter="\t"), encoding="utf-16")


def _write_bom_crlf(path: Path) -> None:
    path.write_bytes(b"\xef\xbb\xbf" + _text(_table(), line_end="\r\n").encode("utf-8"))


def _write_extra_and_capitalised(path: Path) -> None:
    rows = _table()
    header = [
        {"case": "Case", "date": "Date", "type": "TYPE", "section47": "Section 47"}.get(c, c) for c in rows[0]
    ]
    body = [[*r, f"Team {n % 2}", f"W{n}"] for n, r in enumerate(rows[1:])]
    path.write_text(_text([[*header, "Team", "Worker"], *body]), encoding="utf-8")


def _write_timestamps(path: Path) -> None:
    path.write_text(_text(_with_dates(_table(), lambda d: f"{d.isoformat()} 09:30")), encoding="utf-8")


def _write_xlsx(path: Path) -> None:
    rows = _table()
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Events"
    at = rows[0].index("date")
    sheet.append(rows[0])
    for row in rows[1:]:
        cells: list[object] = [c if c != "" else None for c in row]
        cells[at] = dt.datetime.fromisoformat(row[at])  # a real Excel date cell
        sheet.append(cells)
    book.save(path)


DIALECTS: dict[str, tuple[str, Callable[[Path], None]]] = {
    "uk-dates": (".csv", _write_uk_dates),
    "uk-dates-short": (".csv", _write_short_uk_dates),
    "named-months": (".csv", _write_named_months),
    "dashed-dates": (".csv", _write_dashed),
    "cp1252": (".csv", _write_cp1252),
    "semicolons": (".csv", _write_semicolons),
    "tabs-utf16": (".csv", _write_tabs_utf16),
    "bom-crlf": (".csv", _write_bom_crlf),
    "extra-and-capitalised-columns": (".csv", _write_extra_and_capitalised),
    "timestamps": (".csv", _write_timestamps),
    "xlsx": (".xlsx", _write_xlsx),
}


@pytest.mark.parametrize("dialect", DIALECTS)
def test_each_dialect_gives_the_findings_of_the_iso_original(
    dialect: str, rules: timescales.RuleSet, original: list[dict[str, Any]], tmp_path: Path
) -> None:
    suffix, write = DIALECTS[dialect]
    path = tmp_path / f"export{suffix}"
    write(path)
    assert _findings(path, rules) == original
    notes = " ".join(_notes(path, rules))
    assert "12 row(s) read, 12 used." in notes
    assert ("read as Windows-1252" in notes) == (dialect == "cp1252")
    assert ("times of day were dropped from 12 date(s)" in notes) == (dialect == "timestamps")


@pytest.mark.parametrize("dialect", ["cp1252", "xlsx", "bom-crlf", "tabs-utf16"])
def test_text_survives_every_encoding(dialect: str, rules: timescales.RuleSet, tmp_path: Path) -> None:
    suffix, write = DIALECTS[dialect]
    path = tmp_path / f"export{suffix}"
    write(path)
    notes = [e.note for i in _items(path, rules) if isinstance(i, Timeline) for e in i.events if e.note]
    assert NOTE in notes


def test_carried_columns_become_the_attributes_of_each_finding(
    rules: timescales.RuleSet, tmp_path: Path
) -> None:
    path = tmp_path / "export.csv"
    _write_extra_and_capitalised(path)
    items = _items(path, rules)
    assert "columns carried into each finding's attributes: Team, Worker." in [
        i.text for i in items if isinstance(i, SourceNote)
    ]
    timeline = next(i for i in items if isinstance(i, Timeline) and i.case == "WIR-2024-0007")
    report = evaluate_case(timeline, rules, as_of=AS_OF)
    late = next(f for f in report.findings if f.rule == "england.referral-decision-within-1-working-day")
    # The trigger of this finding is the referral, the first data row of the file.
    assert late.trigger.id == "ref1"
    assert dict(late.attributes) == {"Team": "Team 0", "Worker": "W0"}
    assert late.to_dict()["attributes"] == {"Team": "Team 0", "Worker": "W0"}


def test_a_mapped_export_gives_the_findings_of_the_original(
    rules: timescales.RuleSet, original: list[dict[str, Any]], tmp_path: Path
) -> None:
    rows = _table()
    names = {
        "case": "Case Ref",
        "id": "Event Ref",
        "type": "Event Type",
        "date": "Event Date",
        "for": "Linked Event",
    }
    codes = {
        "referral": "Referral",
        "icpc": "Initial CP Conference",
        "strategy_discussion": "Strategy Meeting",
    }
    at = rows[0].index("type")
    export = [[names.get(c, c) for c in rows[0]]] + [
        [*r[:at], codes.get(r[at], r[at]), *r[at + 1 :]] for r in rows[1:]
    ]
    path = tmp_path / "export.csv"
    path.write_text(_text(export), encoding="utf-8")
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "columns:\n"
        "  Case Ref: case\n  Event Ref: id\n  Event Type: type\n  Event Date: date\n  Linked Event: for\n"
        "values:\n"
        "  Event Type:\n"
        "    Referral: referral\n"
        '    "Initial CP Conference": icpc\n'
        "    Strategy Meeting: strategy_discussion\n",
        encoding="utf-8",
    )
    column_map = load_column_map(mapping, rules.vocabulary)
    assert _findings(path, rules, column_map=column_map) == original


def test_month_first_dates_are_never_guessed(rules: timescales.RuleSet, tmp_path: Path) -> None:
    rows = _with_dates(_table(), lambda d: d.strftime("%d/%m/%Y"))
    rows[1][rows[0].index("date")] = "02/13/2024"
    path = tmp_path / "export.csv"
    path.write_text(_text(rows), encoding="utf-8")
    errors = [i for i in _items(path, rules) if isinstance(i, TimelineError)]
    (problem,) = [p for e in errors for p in e.problems]
    assert (problem.line, problem.column, problem.field) == (2, 5, "date")
    assert "month-first (13 February)" in problem.message


def test_an_xlsx_problem_is_located_as_excel_names_the_cell(
    rules: timescales.RuleSet, tmp_path: Path
) -> None:
    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    first.title = "Cover"
    sheet = book.create_sheet("Events")
    # The table starts at B3, as hand-made sheets often do.
    sheet["B3"], sheet["C3"], sheet["D3"], sheet["E3"] = "case", "id", "type", "date"
    sheet["B4"], sheet["C4"], sheet["D4"], sheet["E4"] = "C1", "r1", "referal", "2024-02-05"
    sheet["B5"], sheet["C5"], sheet["D5"], sheet["E5"] = "C2", "r1", "referral", "31/02/2024"
    sheet["B6"], sheet["C6"], sheet["D6"], sheet["E6"] = "C3", "r1", "referral", dt.datetime(2024, 2, 5)
    path = tmp_path / "book.xlsx"
    book.save(path)
    items = _items(path, rules, sheet="Events")
    assert [i.case for i in items if isinstance(i, Timeline)] == ["C3"]
    located = sorted(str(p) for i in items if isinstance(i, TimelineError) for p in i.problems)
    assert located[0].startswith(f"{path}[Events]!D4: type: unknown event type 'referal'")
    assert located[1].startswith(f"{path}[Events]!E5: date: '31/02/2024' is not a real date")
    missing = _items(path, rules, sheet="Event")
    (error,) = missing
    assert isinstance(error, TimelineError)
    assert "no sheet named 'Event' (the sheets are: Cover, Events) (did you mean 'Events'?)" in str(error)


def test_the_template_filled_in_as_the_docs_show_reads_cleanly(
    rules: timescales.RuleSet, tmp_path: Path
) -> None:
    docs = (REPO / "docs" / "formats.md").read_text(encoding="utf-8")
    example = docs.split("## CSV event logs", 1)[1].split("```csv\n", 1)[1].split("```", 1)[0]
    template = (REPO / "docs" / "template.csv").read_text(encoding="utf-8")
    assert template.count("\n") == 1  # the header only, to fill in
    header = example.splitlines()[0]
    template_columns = template.strip().split(",")
    assert set(header.split(",")) <= set(template_columns)
    path = tmp_path / "filled.csv"
    path.write_text(example, encoding="utf-8")
    items = _items(path, rules)
    (timeline,) = [i for i in items if isinstance(i, Timeline)]
    assert not [i for i in items if isinstance(i, TimelineError)]
    assert timeline.children == ("A", "B")
    assert {e.id: dict(e.carried) for e in timeline.events}["icpc1"] == {
        "team": "Safeguarding North",
        "worker": "J Smith",
    }
