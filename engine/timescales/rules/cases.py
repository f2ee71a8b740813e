"""The rule files' own test cases (``<topic>.tests.yaml`` beside the rules).

Each case is a small timeline, an as-of date and the findings one rule must give::

    tests:
      - name: An ICPC on the 15th working day is on time
        rule: england.icpc-within-15-working-days
        as_of: 2023-08-01
        events:
          - {id: sd, type: strategy_discussion, date: 2023-06-13, section47: true}
          - {id: c, type: icpc, date: 2023-07-04}
        expect:
          - {status: met, due: 2023-07-04}

A case for a local rule runs for that rule's authority unless it gives ``authority``.
``expect`` lists every finding of that rule, in report order; each entry checks only the keys it
gives (status, due, child, met_by, late_by, uncertain, occurrence, trigger, edition). ``expect: []`` means
the rule must give no finding at all. The same cases run under pytest and ``timescales test``.
A case of a snapshot rule is read as a list of latest dates of the rule's trigger types.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..adapters.yaml_timeline import timeline_from_data
from ..errors import Problem, RuleFileError, TimelineError, problem
from ..evaluation import Evaluator, evaluate_case
from ..findings import Finding
from ..vocabulary import did_you_mean
from ..yamlsource import LMap, LSeq, read_yaml_file
from .checker import Checker
from .loader import pack_files, test_files
from .model import RuleSet

CASE_KEYS = ("name", "rule", "as_of", "authority", "nation", "children", "events", "expect")
EXPECT_KEYS = ("status", "due", "child", "met_by", "late_by", "uncertain", "occurrence", "trigger", "edition")


@dataclass(frozen=True)
class RuleCase:
    name: str
    rule: str
    file: str
    line: int
    data: LMap

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class CaseResult:
    case: RuleCase
    failures: tuple[str, ...]
    findings: tuple[Finding, ...]

    @property
    def passed(self) -> bool:
        return not self.failures


def collect_cases(
    rules: RuleSet, roots: list[Path] | None = None, *, known: Iterable[str] | None = None
) -> Iterator[RuleCase]:
    """Every test case in the rule folders, checking each file's shape; raise on malformed files."""
    cases, problems = read_cases(rules, roots, known=known)
    if problems:
        raise RuleFileError(problems)
    yield from cases


def read_cases(
    rules: RuleSet, roots: list[Path] | None = None, *, known: Iterable[str] | None = None
) -> tuple[list[RuleCase], list[Problem]]:
    """Every test case that reads, and every problem in the test files.

    ``known``: the rule ids a case may name (default: the rules loaded; lint passes every rule
    declared, so a case for a rule with problems of its own is not reported too).
    """
    problems: list[Problem] = []
    cases: list[RuleCase] = []
    known_rules = set(known) if known is not None else {r.id for r in rules.rules}
    for root in roots or [Path(r) for r in rules.roots]:
        for pack_file in pack_files(root):
            for path in test_files(pack_file):
                cases.extend(_read_test_file(path, known_rules, problems))
    return cases, problems


def _read_test_file(path: Path, known_rules: set[str], problems: list[Problem]) -> list[RuleCase]:
    data, parse_problems = read_yaml_file(path)
    problems.extend(parse_problems)
    file = str(path)
    if parse_problems:
        return []
    if not isinstance(data, LMap) or not isinstance(data.get("tests"), LSeq):
        problems.append(problem(file, "a test file holds `tests:`, a list of cases", line=1, code="E400"))
        return []
    found: list[RuleCase] = []
    items: LSeq = data["tests"]
    check = Checker(file, problems)
    for index, item in enumerate(items):
        here = f"tests[{index}]"
        if not isinstance(item, LMap):
            check.add(items, index, here, "a test case is a mapping", "E400")
            continue
        check.keys(item, CASE_KEYS, f"{here}.")
        for key in ("name", "rule", "as_of", "events", "expect"):
            if key not in item:
                check.add(item, key, f"{here}.{key}", f"missing `{key}`", "E402")
        rule = item.get("rule")
        if isinstance(rule, str) and rule not in known_rules:
            check.add(
                item, "rule", f"{here}.rule", f"no rule {rule!r}", "E403", did_you_mean(rule, known_rules)
            )
        expect = item.get("expect")
        for e_index, entry in enumerate(expect if isinstance(expect, LSeq) else ()):
            if not isinstance(entry, LMap):
                check.add(
                    expect, e_index, f"{here}.expect[{e_index}]", "an expected finding is a mapping", "E404"
                )
                continue
            check.keys(entry, EXPECT_KEYS, f"{here}.expect[{e_index}].")
        if isinstance(item.get("name"), str) and isinstance(rule, str):
            found.append(RuleCase(item["name"], rule, file, items.where(index)[0], item))
    return found


def run_case(case: RuleCase, rules: RuleSet, *, evaluator: Evaluator | None = None) -> CaseResult:
    """Evaluate one case; compare the rule's findings with what it expects.

    ``evaluator``: the backend (default native); coverage passes one that records what it matched.
    """
    data = case.data
    timeline_doc = LMap({"case": "test", "events": data.get("events")})
    timeline_doc.position = data.position
    timeline_doc.key_positions = {"events": data.where("events")}
    timeline_doc.value_positions = {"events": data.value_where("events")}
    for key in ("children", "authority", "nation", "as_of"):
        if key in data:
            timeline_doc[key] = data[key]
            timeline_doc.key_positions[key] = data.where(key)
            timeline_doc.value_positions[key] = data.value_where(key)
    # A local rule's cases run for its authority unless they say otherwise.
    default_authority = None
    if "authority" not in data:
        default_authority = next((r.authority for r in rules.rules if r.id == case.rule), None)
    try:
        timeline = timeline_from_data(timeline_doc, [], case.file, rules.vocabulary)
        tested = next((r for r in rules.rules if r.id == case.rule), None)
        if tested is not None and tested.snapshot:
            # A snapshot rule's case is a list of latest dates of the rule's trigger types.
            timeline = dataclasses.replace(timeline, latest_only=tested.trigger_types)
        report = evaluate_case(timeline, rules, authority=default_authority, evaluator=evaluator)
    except (TimelineError, RuleFileError) as error:
        return CaseResult(case, tuple(str(p) for p in error.problems), ())
    findings = tuple(f for f in report.findings if f.rule == case.rule)
    expected = data.get("expect") or []
    failures: list[str] = []
    if len(findings) != len(expected):
        failures.append(f"expected {len(expected)} finding(s) of {case.rule}, got {len(findings)}")
    for index, (want, got) in enumerate(zip(expected, findings, strict=False)):
        for key, value in want.items():
            actual = _actual(got, key)
            wanted = _wanted(value)
            if isinstance(wanted, dict) and isinstance(actual, dict):
                actual = {k: actual.get(k) for k in wanted}
            if actual != wanted:
                failures.append(f"finding {index + 1}: {key} expected {wanted!r}, got {actual!r}")
    if failures:
        failures.extend(
            f"  actual: {f.child} {f.status.value} due {f.due} "
            f"met_by {f.met_by.id if f.met_by else None}: {f.explanation}"
            for f in findings
        )
    return CaseResult(case, tuple(failures), findings)


def _wanted(value: Any) -> Any:
    if isinstance(value, LMap):
        return {k: _wanted(v) for k, v in value.items()}
    return value


def _actual(finding: Finding, key: str) -> Any:
    if key == "status":
        return finding.status.value
    if key == "due":
        return finding.due.isoformat()
    if key == "child":
        return finding.child
    if key == "met_by":
        return finding.met_by.id if finding.met_by else None
    if key == "trigger":
        return finding.trigger.id
    if key == "late_by":
        return (
            {
                "working_days": str(finding.late_by.working_days),
                "calendar_days": str(finding.late_by.calendar_days),
            }
            if finding.late_by
            else None
        )
    if key == "uncertain":
        return "true" if finding.uncertain else "false"
    if key == "edition":
        return finding.source.edition
    if key == "occurrence":
        return str(finding.occurrence)
    raise KeyError(key)
