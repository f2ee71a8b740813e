"""Report writers: text (a readable table), JSON (the stable schema) and CSV (one row a finding);
HTML in :mod:`.html`, Excel in :mod:`.xlsx`, JUnit in :mod:`.pages`.

Writers stream: they receive the run's header, then one case report at a time, then the totals, so
a census of tens of thousands of children is written without holding it in memory. Every format
ends with the run's provenance (tool version, rule-pack fingerprint, calendar, as-of, generated at).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, Protocol, TextIO, cast

import orjson
from rich.console import Console
from rich.markup import escape as _markup_escape
from rich.table import Table

from ..calendar import human_date
from ..errors import printable
from ..findings import REPORT_SCHEMA, CaseReport, Finding, PackRef, Status, Summary
from ..measures import measures_lines
from ..provenance import Provenance

if TYPE_CHECKING:
    from ..rules.model import Rule, RuleSet


def compact_json(value: Any) -> str:
    """``value`` as one line of JSON, byte for byte what ``json.dumps(value, ensure_ascii=False,
    separators=(",", ":"))`` writes, in a fifth of the time (orjson; a census has tens of thousands
    of cases). Text orjson refuses (a lone surrogate kept from an unreadable byte) goes through json.
    """
    try:
        return orjson.dumps(value).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def escape(text: str) -> str:
    """Text from a case file as rich shows it: markup escaped and control characters shown
    escaped (an ESC in a case id would otherwise reach the terminal: window titles, cleared
    screens, links)."""
    return _markup_escape(printable(text))


@dataclass(frozen=True)
class RunTotals:
    """What a writer learns at the end of a run."""

    summary: Summary
    packs: tuple[PackRef, ...]
    left_out: tuple[str, ...]
    notes: tuple[str, ...] = ()
    measures: dict[str, Any] | None = None
    provenance: Provenance | None = None
    #: The filters that chose what was listed, in words (empty: everything is listed).
    listed: tuple[str, ...] = ()
    #: Every rule of the packs used, drafts included (the Excel "Rules used" sheet).
    rules_used: tuple[Rule, ...] = ()
    #: The measures per (council or "", reporting year), when the writer asked for them.
    measures_by_area: dict[tuple[str, int], dict[str, Any]] | None = None


class Writer(Protocol):
    """Streams a report. ``render`` is pure (it may run in a worker process); ``emit`` writes what
    ``render`` made, in order; ``case`` does both."""

    def start(self, as_of: dt.date | None, excluded_rules: tuple[str, ...]) -> None: ...
    def render(self, report: CaseReport) -> str: ...
    def emit(self, rendered: str) -> None: ...
    def case(self, report: CaseReport) -> None: ...
    def finish(self, totals: RunTotals) -> None: ...


class _StreamWriter:
    """What every writer shares: a case is rendered, then emitted; nothing to add at the end."""

    def render(self, report: CaseReport) -> str:
        raise NotImplementedError

    def emit(self, rendered: str) -> None:
        raise NotImplementedError

    def case(self, report: CaseReport) -> None:
        self.emit(self.render(report))

    def finish(self, totals: RunTotals) -> None:
        return None


class JsonWriter(_StreamWriter):
    """The ``timescales/report/1`` document, written case by case."""

    def __init__(self, out: TextIO):
        self.out = out
        self.first = True

    def start(self, as_of: dt.date | None, excluded_rules: tuple[str, ...]) -> None:
        self.out.write('{\n  "schema": ' + json.dumps(REPORT_SCHEMA) + ",\n")
        self.out.write('  "as_of": ' + json.dumps(as_of.isoformat() if as_of else None) + ",\n")
        self.out.write('  "excluded_rules": ' + json.dumps(list(excluded_rules)) + ",\n")
        self.out.write('  "cases": [')

    def render(self, report: CaseReport) -> str:
        return compact_json(report.to_dict())

    def emit(self, rendered: str) -> None:
        self.out.write(("\n    " if self.first else ",\n    ") + rendered)
        self.first = False

    def finish(self, totals: RunTotals) -> None:
        self.out.write("\n  ],\n" if not self.first else "],\n")
        measures = totals.measures
        tail: dict[str, Any] = {
            "rule_packs": [p.to_dict() for p in totals.packs],
            "notes": list(totals.notes),
            "left_out": list(totals.left_out),
            "listed": list(totals.listed),
            "summary": totals.summary.to_dict() | ({"measures": measures} if measures else {}),
        }
        if totals.provenance is not None:
            tail["provenance"] = totals.provenance.to_dict()
        body = json.dumps(tail, indent=2, ensure_ascii=False)
        self.out.write(body[2:] + "\n")  # drop the opening "{\n": the document is already open


CSV_COLUMNS = (
    "case",
    "child",
    "about",
    "children",
    "rule",
    "requirement",
    "title",
    "status",
    "trigger_id",
    "trigger_type",
    "trigger_date",
    "expects",
    "due",
    "met_by_id",
    "met_by_date",
    "late_working_days",
    "late_calendar_days",
    "uncertain",
    "uncertain_because",
    "occurrence",
    "source_document",
    "source_edition",
    "source_section",
    "source_url",
    "source_evidence",
    "explanation",
)

#: A spreadsheet reads a cell starting with one of these as a formula (CSV injection, OWASP):
#: such text is written with a leading apostrophe, which Excel and LibreOffice show as text.
FORMULA_STARTS = frozenset("=+-@\t\r")


#: The characters printable() escapes, less the newline that ends each CSV row.
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def neutralise(text: str) -> str:
    """Text a spreadsheet will not run: a leading `'` before `=`, `+`, `-`, `@`, tab or CR."""
    return "'" + text if text and text[0] in FORMULA_STARTS else text


def finding_values(f: Finding) -> list[Any]:
    """One finding as CSV_COLUMNS values: dates as ISO text, counts as numbers."""
    met_by, late_by, source = f.met_by, f.late_by, f.source
    return [
        f.case,
        f.child if f.child is not None else "",
        f.about,
        "; ".join(f.covers),
        f.rule,
        f.requirement_id,
        f.title,
        f.status.value,
        f.trigger.id,
        f.trigger.type,
        f.trigger.date.isoformat(),
        f.expects,
        f.due.isoformat(),
        met_by.id if met_by else "",
        met_by.date.isoformat() if met_by else "",
        late_by.working_days if late_by else "",
        late_by.calendar_days if late_by else "",
        "true" if f.uncertain else "false",
        "; ".join(f.uncertain_because),
        f.occurrence,
        source.document,
        source.edition or "",
        source.section,
        source.url or "",
        source.evidence,
        f.explanation,
    ]


def finding_row(f: Finding) -> dict[str, Any]:
    return dict(zip(CSV_COLUMNS, finding_values(f), strict=True))


class CsvWriter(_StreamWriter):
    """One row per finding, for spreadsheets; the last row, starting `#`, is the provenance.

    Starts with a UTF-8 byte order mark unless ``bom`` is false, so that Excel reads names with
    accents right; text cells that a spreadsheet would run as a formula are neutralised.
    """

    def __init__(self, out: TextIO, *, bom: bool = True):
        self.out = out
        self.bom = bom

    def start(self, as_of: dt.date | None, excluded_rules: tuple[str, ...]) -> None:
        if self.bom:
            self.out.write("\ufeff")
        csv.writer(self.out, lineterminator="\n").writerow(CSV_COLUMNS)

    def render(self, report: CaseReport) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        starts = FORMULA_STARTS
        for finding in report.findings:
            # Inline neutralise(): this runs for every cell of a census.
            writer.writerow(
                [
                    "'" + v if v.__class__ is str and v and v[0] in starts else v
                    for v in finding_values(finding)
                ]
            )
        text = buffer.getvalue()
        if text.count("\n") != len(report.findings) or _CONTROL.search(text):
            # A control character from a case file (ESC sequences for a terminal that shows the
            # file, a newline that makes a forged row for line-based tools): shown escaped.
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")
            for finding in report.findings:
                writer.writerow(
                    [neutralise(printable(v)) if v.__class__ is str else v for v in finding_values(finding)]
                )
            text = buffer.getvalue()
        return text

    def emit(self, rendered: str) -> None:
        self.out.write(rendered)

    def finish(self, totals: RunTotals) -> None:
        if totals.provenance is not None:
            csv.writer(self.out, lineterminator="\n").writerow(["# " + totals.provenance.line()])


_STATUS_STYLE = {
    Status.MET: "green",
    Status.LATE: "bold red",
    Status.MISSING: "bold red",
    Status.PENDING: "yellow",
    Status.CANCELLED: "dim",
}


class TextWriter(_StreamWriter):
    """A table per case for people: breaches and open deadlines first-class, each explained."""

    def __init__(self, out: TextIO, show_all: bool = False, colour: bool | None = None):
        self.out = out
        self.colour = colour
        self.console = Console(
            file=out,
            width=120,
            no_color=colour is False,
            force_terminal=colour,
            highlight=False,
            soft_wrap=False,
        )
        self.show_all = show_all

    def start(self, as_of: dt.date | None, excluded_rules: tuple[str, ...]) -> None:
        if as_of is not None:
            self.console.print(f"Checked as of {human_date(as_of)}.")
        if excluded_rules:
            self.console.print(
                "[yellow]Not checked (draft rules, unfinished):[/] " + escape(", ".join(excluded_rules))
            )

    def render(self, report: CaseReport) -> str:
        buffer = io.StringIO()
        console, self.console = (
            self.console,
            Console(
                file=buffer,
                width=120,
                no_color=self.console.no_color,
                force_terminal=self.console.is_terminal,
                highlight=False,
                soft_wrap=False,
            ),
        )
        try:
            self._case(report)
        finally:
            self.console = console
        return buffer.getvalue()

    def emit(self, rendered: str) -> None:
        self.console.file.write(rendered)

    def _case(self, report: CaseReport) -> None:
        shown = [
            f
            for f in report.findings
            if self.show_all or f.status in (Status.LATE, Status.MISSING, Status.PENDING) or f.uncertain
        ]
        hidden = len(report.findings) - len(shown)
        self.console.print()
        self.console.print(
            f"[bold]Case {escape(report.case)}[/]"
            + (f" ({escape(report.authority)})" if report.authority else "")
            + f": {headline(case_summary(report))}; "
            f"{len(report.findings)} deadline{'s' if len(report.findings) != 1 else ''} checked"
        )
        if shown:
            table = Table(show_lines=False, expand=False, pad_edge=False)
            for column in ("Child", "Rule", "Status", "Due", "Met", "Late by", "Note"):
                table.add_column(column, overflow="fold")
            for f in shown:
                late = f"{f.late_by.working_days} wd / {f.late_by.calendar_days} cd" if f.late_by else ""
                table.add_row(
                    escape(who(f)),
                    f.rule,
                    f"[{_STATUS_STYLE[f.status]}]{f.status.value}[/]",
                    f.due.isoformat(),
                    f.met_by.date.isoformat() if f.met_by else "",
                    late,
                    "uncertain" if f.uncertain else "",
                )
            self.console.print(table)
            for f in shown:
                if f.status is not Status.MET or f.uncertain:
                    self.console.print(f"  [bold]{escape(who(f))} · {escape(f.title)}[/]")
                    self.console.print(f"    {escape(f.explanation)}", soft_wrap=True)
                    for reason in f.uncertain_because:
                        self.console.print(f"    [yellow]Uncertain:[/] {escape(reason)}", soft_wrap=True)
                    self.console.print(f"    Source: {escape(_cite(f))}", soft_wrap=True)
        if hidden:
            self.console.print(
                f"  {hidden} deadline{'s' if hidden != 1 else ''} met or cancelled "
                "(not listed; --all lists every finding)"
            )
        for note in report.notes:
            self.console.print(f"  [yellow]Note:[/] {escape(note)}", soft_wrap=True)

    def finish(self, totals: RunTotals) -> None:
        self.console.print()
        summary, packs, left_out = totals.summary, totals.packs, totals.left_out
        notes, measures = totals.notes, totals.measures
        counts = ", ".join(f"{summary.by_status.get(s.value, 0)} {s.value}" for s in Status)
        self.console.print(
            f"[bold]{summary.cases} case{'s' if summary.cases != 1 else ''}, "
            f"{summary.children} child{'ren' if summary.children != 1 else ''}: {headline(summary)}.[/] "
            f"{summary.findings} deadlines by rule and child: {counts}; {summary.uncertain} uncertain."
        )
        for line in totals.listed:
            self.console.print(f"Listed: {escape(line)} (the figures count everything checked).")
        if packs:
            self.console.print("Rule packs: " + ", ".join(p.id for p in packs))
        if left_out:
            self.console.print(f"[bold red]Left out ({len(left_out)}):[/]")
            for line in left_out:
                self.console.print(f"  {printable(line)}", soft_wrap=True, markup=False)
        for note in notes:
            self.console.print(f"[yellow]Note:[/] {escape(note)}", soft_wrap=True)
        if measures:
            for line in measures_lines(measures):
                self.console.print(line, soft_wrap=True, markup=False)
        if totals.provenance is not None:
            self.console.print(totals.provenance.line(), soft_wrap=True, markup=False)


def who(f: Finding) -> str:
    """The child a finding is about, or the children of a case-level finding."""
    return f.child if f.child is not None else ", ".join(f.covers) + " (whole case)"


def case_summary(report: CaseReport) -> Summary:
    summary = Summary()
    summary.add(report)
    return summary


def headline(summary: Summary) -> str:
    """The figures a manager can quote: requirements breached, distinct late events, children."""
    requirements = len(summary.by_requirement)
    if not requirements:
        return "no breach"
    return (
        f"{requirements} requirement{'s' if requirements != 1 else ''} breached: "
        f"{summary.late_events} late event{'s' if summary.late_events != 1 else ''}, "
        f"{summary.children_affected} child{'ren' if summary.children_affected != 1 else ''} affected"
    )


def _cite(f: Finding) -> str:
    s = f.source
    parts = [s.document + (f" ({s.edition})" if s.edition else ""), s.section]
    if s.url:
        parts.append(s.url)
    return ", ".join(parts) + f" [{s.evidence}]"


def make_writer(
    fmt: str,
    out: IO[str] | IO[bytes],
    *,
    show_all: bool = False,
    colour: bool | None = None,
    bom: bool = True,
    rules: RuleSet | None = None,
) -> Writer:
    """The writer for ``fmt``; ``out`` is a binary stream for xlsx and parquet, a text stream
    otherwise. ``rules``: the rules checked against (parquet rows name each rule's pack and
    version)."""
    if fmt == "xlsx":
        from .xlsx import XlsxWriter

        return XlsxWriter(cast(IO[bytes], out))
    if fmt == "parquet":
        from .parquet import ParquetWriter

        if rules is None:
            raise ValueError("the parquet writer needs the rules")
        return ParquetWriter(cast(IO[bytes], out), rules)
    out = cast(TextIO, out)
    if fmt == "json":
        return JsonWriter(out)
    if fmt == "csv":
        return CsvWriter(out, bom=bom)
    if fmt == "measures-csv":
        from .measures_csv import MeasuresCsvWriter

        return MeasuresCsvWriter(out)
    if fmt == "text":
        return TextWriter(out, show_all=show_all, colour=colour)
    if fmt == "html":
        from .html import HtmlWriter

        return HtmlWriter(out)
    if fmt == "junit":
        from .pages import JunitWriter

        return JunitWriter(out)
    raise ValueError(f"unknown format {fmt!r}")
