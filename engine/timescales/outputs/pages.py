"""The JUnit report of an evaluation (`timescales check --format junit`); HTML is in :mod:`.html`."""

from __future__ import annotations

import datetime as dt
from typing import TextIO

from ..findings import CaseReport
from . import RunTotals, _StreamWriter
from .xmltext import escape, quoteattr


class JunitWriter(_StreamWriter):
    """JUnit XML for CI dashboards: a test suite per case, a test per deadline; breaches fail."""

    def __init__(self, out: TextIO):
        self.out = out

    def start(self, as_of: dt.date | None, excluded_rules: tuple[str, ...]) -> None:
        self.out.write('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="timescales check">\n')

    def render(self, report: CaseReport) -> str:
        failures = len(report.breaches)
        lines = [
            f'  <testsuite name={quoteattr(report.case)} tests="{len(report.findings)}" '
            f'failures="{failures}">'
        ]
        for f in report.findings:
            name = quoteattr(f"{f.child}: {f.title} (due {f.due})")
            if f.is_breach:
                lines.append(f"    <testcase name={name} classname={quoteattr(f.rule)}>")
                lines.append(
                    f"      <failure message={quoteattr(f.status.value)}>{escape(f.explanation)}</failure>"
                )
                lines.append("    </testcase>")
            elif f.status.value in ("pending", "cancelled"):
                lines.append(
                    f"    <testcase name={name} classname={quoteattr(f.rule)}>"
                    f"<skipped message={quoteattr(f.status.value)}/></testcase>"
                )
            else:
                lines.append(f"    <testcase name={name} classname={quoteattr(f.rule)}/>")
        lines.append("  </testsuite>\n")
        return "\n".join(lines)

    def emit(self, rendered: str) -> None:
        self.out.write(rendered)

    def finish(self, totals: RunTotals) -> None:
        left_out = totals.left_out
        if left_out:
            self.out.write(
                f'  <testsuite name="left out" tests="{len(left_out)}" failures="{len(left_out)}">\n'
            )
            for line in left_out:
                self.out.write(
                    f'    <testcase name={quoteattr(line)}><failure message="could not be read"/>'
                    "</testcase>\n"
                )
            self.out.write("  </testsuite>\n")
        self.out.write("</testsuites>\n")
