"""The Excel workbook (`timescales check --format xlsx --output report.xlsx`).

Sheets: Summary, Breaches, All deadlines, Measures, Left out, Rules used. Dates are real date
cells, each sheet has a frozen header row, an autofilter and set column widths. Text from the data
is never a formula: every text cell is written as text, and one that begins with `=`, `+`, `-`,
`@`, tab or CR carries Excel's quote prefix (the leading `'` Excel shows in the formula bar), so
it stays text even when a reader edits the cell.

XlsxWriter rather than openpyxl: it streams rows to disk (`constant_memory`), so a census of
tens of thousands of children is written in bounded memory, and it writes several times faster.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import IO, Any

import xlsxwriter

from ..findings import CaseReport, Status
from . import CSV_COLUMNS, FORMULA_STARTS, RunTotals, _StreamWriter, finding_values, headline
from .national import MEASURE_ROWS, NATIONAL

#: Columns of CSV_COLUMNS holding dates, and their widths (characters) on the finding sheets.
_DATE_COLUMNS = frozenset({"trigger_date", "due", "met_by_date"})
_WIDTHS = {
    "case": 16,
    "child": 10,
    "about": 7,
    "children": 12,
    "rule": 44,
    "requirement": 44,
    "title": 60,
    "status": 10,
    "trigger_id": 10,
    "trigger_type": 20,
    "trigger_date": 13,
    "expects": 20,
    "due": 13,
    "met_by_id": 10,
    "met_by_date": 13,
    "late_working_days": 9,
    "late_calendar_days": 9,
    "uncertain": 10,
    "uncertain_because": 40,
    "occurrence": 10,
    "source_document": 40,
    "source_edition": 14,
    "source_section": 40,
    "source_url": 40,
    "source_evidence": 10,
    "explanation": 100,
}
_HEADINGS = {
    "late_working_days": "late (working days)",
    "late_calendar_days": "late (calendar days)",
}


class XlsxWriter(_StreamWriter):
    """Streams findings to the Breaches and All deadlines sheets; the rest is written at the end."""

    def __init__(self, out: IO[bytes]):
        self.book = xlsxwriter.Workbook(
            out, {"constant_memory": True, "in_memory": False, "strings_to_formulas": False}
        )
        self.bold = self.book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        self.date = self.book.add_format({"num_format": "d mmm yyyy"})
        self.quoted = self.book.add_format({"quote_prefix": True})
        self.summary = self.book.add_worksheet("Summary")
        self.breaches = self.book.add_worksheet("Breaches")
        self.all = self.book.add_worksheet("All deadlines")
        self.rows = {"Breaches": 0, "All deadlines": 0}
        self.as_of: dt.date | None = None
        self.excluded: tuple[str, ...] = ()

    # -- cells --------------------------------------------------------------------------------

    def _text(self, sheet: Any, row: int, column: int, value: str) -> None:
        if value and value[0] in FORMULA_STARTS:
            sheet.write_string(row, column, value, self.quoted)
        else:
            sheet.write_string(row, column, value)

    def _cell(self, sheet: Any, row: int, column: int, value: Any) -> None:
        if isinstance(value, dt.date):
            sheet.write_datetime(row, column, dt.datetime(value.year, value.month, value.day), self.date)
        elif isinstance(value, bool):
            sheet.write_boolean(row, column, value)
        elif isinstance(value, int | float):
            sheet.write_number(row, column, value)
        elif value is None or value == "":
            return
        else:
            self._text(sheet, row, column, str(value))

    def _table(self, sheet: Any, headings: list[str], widths: list[int]) -> None:
        for column, (heading, width) in enumerate(zip(headings, widths, strict=True)):
            sheet.set_column(column, column, width)
            sheet.write_string(0, column, heading, self.bold)
        sheet.freeze_panes(1, 0)

    def _rows(self, sheet: Any, rows: list[list[Any]], start: int = 1) -> int:
        for offset, values in enumerate(rows):
            for column, value in enumerate(values):
                self._cell(sheet, start + offset, column, value)
        return start + len(rows)

    # -- the stream ---------------------------------------------------------------------------

    def start(self, as_of: dt.date | None, excluded_rules: tuple[str, ...]) -> None:
        self.as_of, self.excluded = as_of, excluded_rules
        headings = [_HEADINGS.get(c, c.replace("_", " ")) for c in CSV_COLUMNS]
        widths = [_WIDTHS[c] for c in CSV_COLUMNS]
        for sheet in (self.breaches, self.all):
            self._table(sheet, headings, widths)

    def render(self, report: CaseReport) -> str:
        # Runs in census workers: findings become plain JSON rows, written to the sheets by emit.
        return json.dumps([finding_values(f) for f in report.findings], ensure_ascii=False)

    def emit(self, rendered: str) -> None:
        dates = [i for i, c in enumerate(CSV_COLUMNS) if c in _DATE_COLUMNS]
        status = CSV_COLUMNS.index("status")
        for values in json.loads(rendered):
            for i in dates:
                if values[i]:
                    values[i] = dt.date.fromisoformat(values[i])
            sheets = [self.all]
            if Status(values[status]).is_breach:
                sheets.append(self.breaches)
            for sheet in sheets:
                self.rows[sheet.name] += 1
                self._rows(sheet, [values], self.rows[sheet.name])

    def finish(self, totals: RunTotals) -> None:
        last = len(CSV_COLUMNS) - 1
        for sheet in (self.breaches, self.all):
            sheet.autofilter(0, 0, max(self.rows[sheet.name], 1), last)
        self._summary(totals)
        self._measures(totals)
        self._left_out(totals)
        self._rules_used(totals)
        self.book.close()

    # -- the sheets written at the end --------------------------------------------------------

    def _summary(self, totals: RunTotals) -> None:
        sheet, s = self.summary, totals.summary
        self._table(sheet, ["Figure", "Value"], [34, 110])
        as_of = totals.provenance.as_of if totals.provenance else self.as_of
        rows: list[list[Any]] = [
            ["As of", as_of or "each case's own date"],
            ["Headline", headline(s)],
            ["Requirements breached", len(s.by_requirement)],
            ["Distinct late events", s.late_events],
            ["Children affected", s.children_affected],
            ["Cases checked", s.cases],
            ["Children checked", s.children],
            ["Deadlines checked (by rule and child)", s.findings],
            *[[f"Deadlines {status.value}", s.by_status.get(status.value, 0)] for status in Status],
            ["Uncertain findings", s.uncertain],
            ["Inputs left out", len(totals.left_out)],
            ["Rule packs", ", ".join(p.id for p in totals.packs)],
            *[["Not checked (draft rule)", rule] for rule in self.excluded],
            *[["Listed", line] for line in totals.listed],
            *[["Note", note] for note in totals.notes],
            ["Made by", totals.provenance.line() if totals.provenance else ""],
        ]
        row = self._rows(sheet, rows) + 1
        sheet.write_row(row, 0, ["Requirement", "rules", "late events", "children affected"], self.bold)
        row += 1
        for requirement, counts in sorted(s.by_requirement.items()):
            rules = ", ".join(sorted(s.requirement_rules[requirement]))
            self._rows(sheet, [[requirement, rules, counts["late_events"], counts["children_affected"]]], row)
            row += 1
        row += 1
        sheet.write_row(row, 0, ["Rule", *[st.value for st in Status]], self.bold)
        for rule, counts in sorted(s.by_rule.items()):
            row += 1
            self._rows(sheet, [[rule, *[counts.get(st.value, 0) for st in Status]]], row)

    def _measures(self, totals: RunTotals) -> None:
        sheet = self.book.add_worksheet("Measures")
        headings = [
            "DfE-style measure",
            "this report (%)",
            "within",
            "of",
            "England (%)",
            "England's year",
            "source",
            "25th percentile (working days)",
            "median (working days)",
            "75th percentile (working days)",
        ]
        self._table(sheet, headings, [60, 14, 10, 10, 12, 22, 60, 14, 14, 14])
        rows = []
        for key, label, count_key in MEASURE_ROWS:
            measure = (totals.measures or {}).get(key)
            if not measure or not measure[count_key]:
                continue
            within = measure["within"] if "within" in measure else measure["on_time"]
            national = NATIONAL.get(key)
            england: list[Any] = [national.percent, national.year, national.url] if national else ["", "", ""]
            days = measure.get("working_days") or {}
            quartiles = [days.get(k, "") for k in ("25th_percentile", "median", "75th_percentile")]
            rows.append([label, measure["percent"], within, measure[count_key], *england, *quartiles])
        self._rows(sheet, rows)

    def _left_out(self, totals: RunTotals) -> None:
        sheet = self.book.add_worksheet("Left out")
        self._table(sheet, ["Input left out (file:line:column: field: message)"], [140])
        end = self._rows(sheet, [[line] for line in totals.left_out])
        sheet.autofilter(0, 0, max(end - 1, 1), 0)

    def _rules_used(self, totals: RunTotals) -> None:
        sheet = self.book.add_worksheet("Rules used")
        headings = ["rule", "title", "pack", "about", "counted with"]
        headings += ["in force from", "source", "evidence", "url"]
        self._table(sheet, headings, [44, 60, 14, 7, 44, 13, 60, 10, 40])
        rows = []
        for rule in totals.rules_used:
            latest = max(rule.versions, key=lambda v: v.in_force_from)
            source = latest.source
            rows.append(
                [
                    rule.id,
                    rule.title,
                    rule.pack,
                    rule.about,
                    rule.requirement if rule.requirement != rule.id else "",
                    min(v.in_force_from for v in rule.versions),
                    ", ".join(x for x in (source.document, source.edition, source.section) if x),
                    source.evidence,
                    source.url or "",
                ]
            )
        end = self._rows(sheet, rows)
        sheet.autofilter(0, 0, max(end - 1, 1), len(headings) - 1)
