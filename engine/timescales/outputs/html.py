"""The HTML report (`timescales check --format html`): one self-contained page, no network.

Summary first (as-of date, figures a manager can quote, breaches by status, requirement and rule,
measures, inputs left out), then each case's breaches by child with a timeline drawn in inline
SVG; met and cancelled deadlines are folded away. A few lines of inline JavaScript add filters and
a search box; without JavaScript the page still reads in full. Styles follow the GOV.UK Design
System's patterns (summary list, tags, tables), reproduced in a small stylesheet.

Cases are rendered as they arrive and spooled to a temporary file, because the summary, which
comes first on the page, is only known at the end. Above ``LARGE_RUN`` cases (a census) the page
holds the summary and the breaches only, as compact embedded data drawn as the reader scrolls or
filters, so that a 30,000-child census stays a few megabytes and opens in a moment.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from markupsafe import escape as _html_escape

from ..calendar import human_date
from ..errors import printable
from ..findings import CaseReport, EventRef, Finding, Status
from ..measures import LOOKED_AFTER_ROWS, measures_lines, percentiles_text
from . import RunTotals, _StreamWriter, headline
from .national import MEASURE_ROWS, NATIONAL

#: Above this many cases the page lists the breaches only, from embedded data (see module doc).
LARGE_RUN = 500
#: What separates a case's compact rows from its page fragment in a rendered case.
_SEPARATOR = "\x1e"

STATUS_WORDS = {
    Status.MET: "Met",
    Status.LATE: "Late",
    Status.MISSING: "Missing",
    Status.PENDING: "Not yet due",
    Status.CANCELLED: "Cancelled",
}
_OPEN = (Status.LATE, Status.MISSING, Status.PENDING)

# -- the timeline drawing ----------------------------------------------------------------------

_WIDTH = 960
_LABEL = 260  # the left column with each rule's name
_LANE = 26
_AXIS = 34


def escape(text: str) -> Markup:
    """Text from a case file in the page: HTML-escaped, with control characters and bidirectional
    overrides shown escaped (`\\x1b`, `\\u202e`): they would otherwise reorder what the reader
    sees (an id that displays reversed) or be invisible."""
    return _html_escape(printable(text))


def _visible(value: Any) -> Any:
    """Every ``{{ value }}`` of the templates: plain text as :func:`printable` shows it (markup the
    writer made itself is left as it is)."""
    return printable(value) if isinstance(value, str) and not isinstance(value, Markup) else value


def _x(day: dt.date, first: dt.date, span: int) -> float:
    return round(_LABEL + 10 + (day - first).days / span * (_WIDTH - _LABEL - 30), 1)


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def timeline_svg(findings: Sequence[Finding], as_of: dt.date, label: str) -> Markup:
    """One lane per rule; each deadline a bar from its trigger to its due date, coloured by status,
    with the meeting event marked on it and the events on a date axis above."""
    rules: list[str] = []
    titles: dict[str, str] = {}
    for f in findings:
        if f.rule not in titles:
            rules.append(f.rule)
            titles[f.rule] = f.title
    events: dict[str, EventRef] = {}
    for f in findings:
        events.setdefault(f.trigger.id, f.trigger)
        if f.met_by is not None:
            events.setdefault(f.met_by.id, f.met_by)
    days = [as_of, *(e.date for e in events.values()), *(f.due for f in findings)]
    first, last = min(days), max(days)
    span = max((last - first).days, 1)
    height = _AXIS + _LANE * len(rules) + 8
    parts = [
        f'<svg class="timeline" viewBox="0 0 {_WIDTH} {height}" width="100%" role="group" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">'
    ]
    # The axis: month ticks, the as-of date, and each event as a mark.
    parts.append(f'<line class="axis" x1="{_LABEL}" y1="{_AXIS - 12}" x2="{_WIDTH - 10}" y2="{_AXIS - 12}"/>')
    month = dt.date(first.year, first.month, 1)
    ticks = []
    while month <= last:
        if month >= first:
            ticks.append(month)
        month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    step = max(1, -(-len(ticks) // 7))  # at most seven labels, so that they never overlap
    for tick in ticks[::step]:
        x = _x(tick, first, span)
        if x > _WIDTH - 35:
            continue
        parts.append(
            f'<text class="tick" x="{x}" y="{_AXIS - 18}" text-anchor="middle" aria-hidden="true">'
            f"{tick.strftime('%b %Y')}</text>"
        )
    x = _x(as_of, first, span)
    parts.append(
        f'<line class="as-of" x1="{x}" y1="{_AXIS - 16}" x2="{x}" y2="{height - 4}"><title>As of '
        f"{human_date(as_of)}</title></line>"
    )
    for event in sorted(events.values(), key=lambda e: (e.date, e.id)):
        x = _x(event.date, first, span)
        what = escape(event.type.replace("_", " "))
        parts.append(
            f'<circle class="event" cx="{x}" cy="{_AXIS - 12}" r="3"><title>'
            f"{what} {escape(event.id)}: {human_date(event.date)}</title></circle>"
        )
    for lane, rule in enumerate(rules):
        y = _AXIS + lane * _LANE
        parts.append(
            f'<text class="lane" x="4" y="{y + 16}"><title>{escape(titles[rule])}</title>'
            f"{escape(_short(titles[rule]))}</text>"
        )
        for f in (f for f in findings if f.rule == rule):
            start, end = sorted((f.trigger.date, f.due))
            x1, x2 = _x(start, first, span), _x(end, first, span)
            estimated = any("estimated" in reason for reason in f.uncertain_because)
            words = STATUS_WORDS[f.status] + (", uncertain" if f.uncertain else "")
            name = f"{f.title}: {words}, due {human_date(f.due)}"
            css = f"bar {f.status.value}" + (" estimated" if estimated else "")
            parts.append(
                f'<g class="{css}" tabindex="0" role="img" aria-label="{escape(name)}" '
                f'data-explanation="{escape(f.explanation)}">'
                f"<title>{escape(name)}. {escape(f.explanation)}</title>"
                f'<rect x="{x1}" y="{y + 5}" width="{max(x2 - x1, 3)}" height="14" rx="2"/>'
            )
            if f.met_by is not None:
                mx = _x(f.met_by.date, first, span)
                parts.append(f'<path class="met-mark" d="M{mx} {y + 2} l5 10 l-5 10 l-5 -10 z"/>')
            elif f.status is Status.MISSING:
                overdue = _x(as_of, first, span)
                parts.append(f'<line class="overdue" x1="{x2}" y1="{y + 12}" x2="{overdue}" y2="{y + 12}"/>')
            parts.append("</g>")
    parts.append("</svg>")
    return Markup("".join(parts))


# -- the writer --------------------------------------------------------------------------------


def _who(f: Finding) -> str:
    return f.child if f.child is not None else ", ".join(f.covers)


def compact_rows(report: CaseReport) -> list[list[Any]]:
    """A case's breaches as short rows for the large-run page (see LARGE_RUN)."""
    return [
        [
            printable(f.case),
            printable(_who(f)),
            f.rule,
            f.status.value,
            f.due.isoformat(),
            f.met_by.date.isoformat() if f.met_by else "",
            f.late_by.working_days if f.late_by else "",
            1 if f.uncertain else 0,
            printable(f.attributes.get("team", "")),
            printable(f.attributes.get("worker", "")),
        ]
        for f in report.findings
        if f.is_breach
    ]


class HtmlWriter(_StreamWriter):
    """Spools each case's page fragment (and its breaches as compact rows); writes the page at the end."""

    def __init__(self, out: TextIO, *, large_run: int = LARGE_RUN):
        self.out = out
        self.large_run = large_run
        self.env = Environment(
            loader=PackageLoader("timescales.outputs", "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
            finalize=_visible,
        )
        self.env.globals.update(
            status_words=STATUS_WORDS,
            human_date=human_date,
            timeline_svg=timeline_svg,
            open_findings=open_findings,
            folded_findings=folded_findings,
        )
        self.env.filters["percentiles"] = percentiles_text
        self.case_template = self.env.get_template("report_case.html.j2")
        self.rendered = 0
        self.cases = 0
        # Spools, closed (and so deleted) by finish.
        self.pages = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
        self.compact = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
        self.as_of: dt.date | None = None
        self.excluded: tuple[str, ...] = ()
        self.values: dict[str, set[str]] = {"rule": set(), "child": set(), "team": set(), "worker": set()}
        self.rule_titles: dict[str, str] = {}

    def start(self, as_of: dt.date | None, excluded_rules: tuple[str, ...]) -> None:
        self.as_of, self.excluded = as_of, excluded_rules

    def render(self, report: CaseReport) -> str:
        # Runs in census workers too: each worker stops drawing pages once it alone has more cases
        # than a full page holds, since the run is then a large one whatever the others found.
        self.rendered += 1
        page = ""
        if self.rendered <= self.large_run:
            page = self.case_template.render(case=report, groups=_groups(report))
        titles = {f.rule: f.title for f in report.findings}
        facets = {
            "child": sorted({c for f in report.findings for c in f.covers}),
            "team": sorted({f.attributes["team"] for f in report.findings if "team" in f.attributes}),
            "worker": sorted({f.attributes["worker"] for f in report.findings if "worker" in f.attributes}),
        }
        head = json.dumps([compact_rows(report), titles, facets], ensure_ascii=False, separators=(",", ":"))
        return head + _SEPARATOR + page

    def emit(self, rendered: str) -> None:
        head, _, page = rendered.partition(_SEPARATOR)
        rows, titles, facets = json.loads(head)
        self.cases += 1
        self.rule_titles.update(titles)
        self.values["rule"].update(titles)
        for name, values in facets.items():
            self.values[name].update(values)
        for row in rows:
            self.compact.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
        if self.cases <= self.large_run and page:
            self.pages.write(page)

    def finish(self, totals: RunTotals) -> None:
        large = self.cases > self.large_run
        summary = totals.summary
        provenance = totals.provenance
        as_of = provenance.as_of if provenance else self.as_of
        self.out.write(
            self.env.get_template("report_start.html.j2").render(
                as_of=as_of,
                excluded=self.excluded,
                summary=summary,
                headline=headline(summary),
                statuses=list(Status),
                measures=totals.measures if totals.measures and measures_lines(totals.measures) else None,
                measure_rows=MEASURE_ROWS,
                looked_after_rows=LOOKED_AFTER_ROWS,
                national=NATIONAL,
                left_out=totals.left_out,
                notes=totals.notes,
                listed=totals.listed,
                large=large,
                large_run=self.large_run,
                facets={k: sorted(v) for k, v in self.values.items()},
                rule_titles=self.rule_titles,
            )
        )
        if large:
            self.out.write('<script type="application/json" id="breach-data">[')
            self.compact.seek(0)
            first = True
            for line in self.compact:
                # "</" must not end the script element early (a case id could hold it).
                self.out.write(("" if first else ",") + line.rstrip("\n").replace("</", "<\\/"))
                first = False
            self.out.write("]</script>\n")
        else:
            self.pages.seek(0)
            shutil.copyfileobj(self.pages, self.out)
        self.out.write(
            self.env.get_template("report_finish.html.j2").render(
                left_out=totals.left_out,
                provenance=provenance.line() if provenance else "",
                large=large,
            )
        )
        self.pages.close()
        self.compact.close()


def _groups(report: CaseReport) -> list[tuple[str, list[Finding]]]:
    """The case's findings by whom they are about: the whole case first, then each child."""
    groups: list[tuple[str, list[Finding]]] = []
    whole = [f for f in report.findings if f.child is None]
    if whole:
        groups.append(("The whole case (" + ", ".join(report.children) + ")", whole))
    for child in report.children:
        mine = [f for f in report.findings if f.child == child]
        if mine:
            groups.append((f"Child {child}", mine))
    return groups


def open_findings(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.status in _OPEN or f.uncertain]


def folded_findings(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if not (f.status in _OPEN or f.uncertain)]
