"""Diagnostics for CI: `lint` problems and `test` failures as text, JSON, GitHub annotations,
JUnit XML or SARIF. Every format carries the real file, line and column."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from ..errors import Problem
from .xmltext import escape, legal, quoteattr

FORMATS = ("text", "json", "github", "junit", "sarif")


@dataclass(frozen=True)
class Check:
    """One thing checked (a rule file for lint, a test case for test) and what failed in it."""

    name: str
    file: str
    line: int | None
    problems: tuple[Problem, ...] = field(default=())

    @property
    def passed(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


def line_of(p: Problem) -> str:
    """`file:line:column: error[CODE] key.path: message (hint)`, the compiler format."""
    where = p.location()
    field_text = f" {p.field}:" if p.field else ""
    hint = f" ({p.hint})" if p.hint else ""
    return f"{where}: {p.severity}[{p.code}]{field_text} {p.message}{hint}"


def render(fmt: str, tool: str, checks: Sequence[Check], summary: str) -> str:
    problems = [p for c in checks for p in c.problems]
    if fmt == "text":
        lines = [line_of(p) for p in problems]
        return "\n".join([*lines, summary]) + "\n"
    if fmt == "json":
        return (
            json.dumps(
                {
                    "tool": tool,
                    "summary": summary,
                    "checks": [
                        {"name": c.name, "file": c.file, "line": c.line, "passed": c.passed} for c in checks
                    ],
                    "problems": [_problem_dict(p) for p in problems],
                },
                indent=2,
            )
            + "\n"
        )
    if fmt == "github":
        lines = [_github(p) for p in problems]
        return "\n".join([*lines, summary]) + "\n"
    if fmt == "junit":
        return _junit(tool, checks)
    if fmt == "sarif":
        return json.dumps(_sarif(tool, problems), indent=2) + "\n"
    raise ValueError(f"unknown format {fmt!r}")


def _problem_dict(p: Problem) -> dict[str, Any]:
    return {
        "file": p.file,
        "line": p.line,
        "column": p.column,
        "severity": p.severity,
        "code": p.code,
        "field": p.field,
        "message": p.message,
        "hint": p.hint,
    }


def _github(p: Problem) -> str:
    """A GitHub Actions workflow command: an annotation on the real line of the file."""
    level = "error" if p.severity == "error" else "warning"
    props = [f"file={_github_property(p.file)}"]
    if p.line is not None:
        props.append(f"line={p.line}")
    if p.column is not None:
        props.append(f"col={p.column}")
    props.append(f"title={_github_property(p.code)}")
    text = (f"{p.field}: " if p.field else "") + p.message + (f" ({p.hint})" if p.hint else "")
    return f"::{level} {','.join(props)}::{_github_data(text)}"


def _github_data(text: str) -> str:
    """A workflow command's message, escaped as the Actions toolkit does (`escapeData`): a newline
    in a value would otherwise end the command and start a forged one."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _github_property(text: str) -> str:
    """A workflow command's property (`escapeProperty`): `,` and `:` too, which would otherwise
    end the property or the property list (a file named `a,line=1:x.yaml`)."""
    return _github_data(text).replace(":", "%3A").replace(",", "%2C")


def _junit(tool: str, checks: Sequence[Check]) -> str:
    failures = sum(not c.passed for c in checks)
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<testsuites name={quoteattr(tool)} tests="{len(checks)}" failures="{failures}">',
        f'  <testsuite name={quoteattr(tool)} tests="{len(checks)}" failures="{failures}">',
    ]
    for check in checks:
        attrs = f"name={quoteattr(check.name)} classname={quoteattr(check.file)} file={quoteattr(check.file)}"
        if check.line is not None:
            attrs += f' line="{check.line}"'
        errors = [p for p in check.problems if p.severity == "error"]
        if not errors:
            out.append(f"    <testcase {attrs}/>")
            continue
        body = "\n".join(line_of(p) for p in errors)
        out.append(f"    <testcase {attrs}>")
        out.append(f"      <failure message={quoteattr(errors[0].message)}>{escape(body)}</failure>")
        out.append("    </testcase>")
    out += ["  </testsuite>", "</testsuites>"]
    return "\n".join(out) + "\n"


def _sarif_uri(file: str) -> str:
    """A SARIF artifact location is a URI reference (SARIF 2.1.0, 3.10.2): forward slashes, and
    every character a URI cannot hold percent-encoded (spaces, `#`, `?`, `%`, controls)."""
    return quote(file.replace("\\", "/"), safe="/-._~!$&'()*+,;=@")


def _sarif(tool: str, problems: Sequence[Problem]) -> dict[str, Any]:
    """SARIF 2.1.0, as code-scanning services read it."""
    codes = sorted({p.code for p in problems})
    results = []
    for p in problems:
        region: dict[str, int] = {}
        if p.line is not None:
            region["startLine"] = p.line
        if p.column is not None:
            region["startColumn"] = p.column
        location: dict[str, Any] = {"artifactLocation": {"uri": _sarif_uri(p.file)}}
        if region:
            location["region"] = region
        text = (f"{p.field}: " if p.field else "") + p.message + (f" ({p.hint})" if p.hint else "")
        results.append(
            {
                "ruleId": p.code,
                "level": "error" if p.severity == "error" else "warning",
                "message": {"text": legal(text)},
                "locations": [{"physicalLocation": location}],
            }
        )
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": tool,
                        "informationUri": "https://pypi.org/project/safeguarding-timescales/",
                        "rules": [{"id": code} for code in codes],
                    }
                },
                "results": results,
            }
        ],
    }
