"""Report writers: text (a readable table), JSON (the stable schema) and CSV (one row a finding).

Writers stream: they receive the run's header, then one case report at a time, then the totals, so
a census of tens of thousands of children is written without holding it in memory.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass
from typing import Any, Protocol, TextIO

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..calendar import human_date
from ..findings import REPORT_SCHEMA, CaseReport, Finding, PackRef, Status, Summary
from ..measures import measures_lines


@dataclass(frozen=True)
class RunTotals:
    """What a writer learns at the end of a run."""

    summary: Summary
    packs: tuple[PackRef, ...]
    left_out: tuple[str, ...]
    notes: tuple[str, ...] = ()
    measures: dict[str, Any] | None = None


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
        # One case per line: json's C encoder is only used without indent, and a census has
        # tens of thousands of cases.
        return json.dumps(report.to_dict(), ensure_ascii=False, separators=(",", ":"))

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
            "summary": totals.summary.to_dict() | ({"measures": measures} if measures else {}),
        }
        body = json.dumps(tail, indent=2, ensure_ascii=False)
        self.out.write(body[2:] + "\n")  # drop the opening "{\n": the document is already open


CSV_COLUMNS = (
    "case",
    "child",
    "rule",
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


def finding_row(f: Finding) -> dict[str, Any]:
    return {
        "case": f.case,
        "child": f.child,
        "rule": f.rule,
        "title": f.title,
        "status": f.status.value,
        "trigger_id": f.trigger.id,
        "trigger_type": f.trigger.type,
        "trigger_date": f.trigger.date.isoformat(),
        "expects": f.expects,
        "due": f.due.isoformat(),
        "met_by_id": f.met_by.id if f.met_by else "",
        "met_by_date": f.met_by.date.isoformat() if f.met_by else "",
        "late_working_days": f.late_by.working_days if f.late_by else "",
        "late_calendar_days": f.late_by.calendar_days if f.late_by else "",
        "uncertain": "true" if f.uncertain else "false",
        "uncertain_because": "; ".join(f.uncertain_because),
        "occurrence": f.occurrence,
        "source_document": f.source.document,
        "source_edition": f.source.edition or "",
        "source_section": f.source.section,
        "source_url": f.source.url or "",
        "source_evidence": f.source.evidence,
        "explanation": f.explanation,
    }


class CsvWriter(_StreamWriter):
    """One row per finding, for spreadsheets; notes and totals are not part of a CSV."""

    def __init__(self, out: TextIO):
        self.out = out

    def start(self, as_of: dt.date | None, excluded_rules: tuple[str, ...]) -> None:
        csv.writer(self.out, lineterminator="\n").writerow(CSV_COLUMNS)

    def render(self, report: CaseReport) -> str:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
        for finding in report.findings:
            writer.writerow(finding_row(finding))
        return buffer.getvalue()

    def emit(self, rendered: str) -> None:
        self.out.write(rendered)


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
        breaches = len(report.breaches)
        self.console.print()
        self.console.print(
            f"[bold]Case {escape(report.case)}[/]"
            + (f" ({escape(report.authority)})" if report.authority else "")
            + f": {breaches} breach{'es' if breaches != 1 else ''}, "
            f"{len(report.findings)} deadline{'s' if len(report.findings) != 1 else ''} checked"
        )
        if shown:
            table = Table(show_lines=False, expand=False, pad_edge=False)
            for column in ("Child", "Rule", "Status", "Due", "Met", "Late by", "Note"):
                table.add_column(column, overflow="fold")
            for f in shown:
                late = f"{f.late_by.working_days} wd / {f.late_by.calendar_days} cd" if f.late_by else ""
                table.add_row(
                    escape(f.child),
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
                    self.console.print(f"  [bold]{escape(f.child)} · {escape(f.title)}[/]")
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
            f"{summary.children} child{'ren' if summary.children != 1 else ''}: "
            f"{summary.breaches} breach{'es' if summary.breaches != 1 else ''}[/] "
            f"({counts}; {summary.uncertain} uncertain)."
        )
        if packs:
            self.console.print("Rule packs: " + ", ".join(p.id for p in packs))
        if left_out:
            self.console.print(f"[bold red]Left out ({len(left_out)}):[/]")
            for line in left_out:
                self.console.print(f"  {line}", soft_wrap=True, markup=False)
        for note in notes:
            self.console.print(f"[yellow]Note:[/] {escape(note)}", soft_wrap=True)
        if measures:
            for line in measures_lines(measures):
                self.console.print(line, soft_wrap=True, markup=False)


def _cite(f: Finding) -> str:
    s = f.source
    parts = [s.document + (f" ({s.edition})" if s.edition else ""), s.section]
    if s.url:
        parts.append(s.url)
    return ", ".join(parts) + f" [{s.evidence}]"


def make_writer(fmt: str, out: TextIO, *, show_all: bool = False, colour: bool | None = None) -> Writer:
    if fmt == "json":
        return JsonWriter(out)
    if fmt == "csv":
        return CsvWriter(out)
    if fmt == "text":
        return TextWriter(out, show_all=show_all, colour=colour)
    if fmt in ("html", "junit"):
        from .pages import HtmlWriter, JunitWriter

        return HtmlWriter(out) if fmt == "html" else JunitWriter(out)
    raise ValueError(f"unknown format {fmt!r}")
