"""`timescales test --coverage`: which parts of each rule its own tests exercised."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from timescales.catalogue import COVERAGE_END, COVERAGE_START, shipped_coverage_text
from timescales.rules import model
from timescales.rules.cases import collect_cases
from timescales.rules.coverage import PART_KINDS, RULE_FIELDS, measure
from timescales.rules.loader import load_rules

REPO = Path(__file__).resolve().parent.parent
COMMAND = str(Path(sys.executable).parent / "timescales")

RULES = """\
rules:
  - id: testshire.minutes
    title: Minutes within 10 working days of a conference
    trigger:
      - {type: icpc}
      - {type: rcpc}
    expects: {type: minutes_sent, for: trigger}
    within: 10 working days
    versions:
      - in_force: {from: 2020-01-01, until: 2023-01-01}
        source: {document: T, section: '1', evidence: seed}
      - in_force: {from: 2023-01-01}
        source: {document: T, section: '2', evidence: seed}
  - id: testshire.stage-1
    title: Stage 1 response within 10 working days
    trigger: {type: complaint_received}
    expects: {type: complaint_response, where: {stage: "1"}}
    within: 10 working days
    extension: {by: {type: complaint_extension, where: {stage: "1"}}, to: 20 working days}
    cancelled_by: [{type: case_closed}]
    versions:
      - in_force: {from: 2020-01-01}
        source: {document: T, section: '3', evidence: seed}
"""

TESTS = """\
tests:
  - name: minutes of an ICPC on the 10th working day
    rule: testshire.minutes
    as_of: 2024-03-01
    events:
      - {id: c, type: icpc, date: 2024-01-08, outcome: plan}
      - {id: m, type: minutes_sent, date: 2024-01-22, for: c}
    expect:
      - {status: met, due: 2024-01-22}
  - name: minutes a day late
    rule: testshire.minutes
    as_of: 2024-03-01
    events:
      - {id: c, type: icpc, date: 2024-01-08, outcome: plan}
      - {id: m, type: minutes_sent, date: 2024-01-23, for: c}
    expect:
      - {status: late}
"""


def _folder(tmp_path: Path, tests: str = TESTS) -> Path:
    pack = tmp_path / "rules" / "testshire"
    pack.mkdir(parents=True)
    (pack / "pack.yaml").write_text("pack: testshire\ntitle: T\nauthority: testshire\nextends: england\n")
    (pack / "rules.yaml").write_text(RULES)
    (pack / "rules.tests.yaml").write_text(tests)
    return pack.parent


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([COMMAND, *args], capture_output=True, text=True, check=False, env=os.environ)


def test_coverage_knows_every_field_of_the_rule_model() -> None:
    """A new rule feature must say which part covers it (or why none does) before it lands."""
    model_fields = {
        f"{cls.__name__}.{f.name}"
        for cls in (model.Rule, model.RuleVersion, model.Extension, model.Repeat, model.LaterIntervals)
        for f in dataclasses.fields(cls)
    }
    unknown = model_fields - set(RULE_FIELDS)
    assert not unknown, f"add these to timescales.rules.coverage.RULE_FIELDS (and a PartKind): {unknown}"
    assert not set(RULE_FIELDS) - model_fields, "RULE_FIELDS names fields that no longer exist"
    kinds = {k.name for k in PART_KINDS}
    assert {v for v in RULE_FIELDS.values() if v is not None} <= kinds


def test_parts_are_covered_exactly_by_what_the_cases_exercised(tmp_path: Path) -> None:
    root = _folder(tmp_path)
    rules = load_rules(root)
    report, results = measure(rules, list(collect_cases(rules, [root])))
    assert all(r.passed for r in results), [r.failures for r in results]
    by_rule = {r.rule: r for r in report.rules}
    minutes = by_rule["testshire.minutes"]
    assert minutes.cases == 2
    old, new = minutes.versions
    assert not any(p.covered for p in old.parts)  # no case's conference falls before 2023
    assert {p.key for p in new.parts if p.covered} == {"in_force", "trigger[0]", "met", "late"}
    assert {p.key for p in new.parts if not p.covered} == {"trigger[1]", "missing", "pending"}
    assert next(p for p in new.parts if p.key == "met").hits == 1
    stage_1 = by_rule["testshire.stage-1"]
    assert stage_1.cases == 0 and stage_1.covered == 0
    assert {p.key for p in stage_1.parts} == {
        "in_force",
        "trigger[0]",
        "cancelled_by[0]",
        "extension",
        "extension_late",
        "met",
        "late",
        "missing",
        "pending",
    }
    # Only the folder's own rules are measured, not the national pack it extends.
    assert {r.rule for r in report.rules} == {"testshire.minutes", "testshire.stage-1"}
    assert (report.rules_tested, report.covered, report.parts) == (1, 4, 14 + 9)


def test_an_extension_a_cancellation_and_a_repeat_are_recorded(tmp_path: Path) -> None:
    tests = TESTS + (
        "  - name: extended in time, then answered\n    rule: testshire.stage-1\n    as_of: 2024-03-01\n"
        "    events:\n      - {id: r, type: complaint_received, date: 2024-01-08, stage: '1'}\n"
        "      - {id: x, type: complaint_extension, date: 2024-01-10, stage: '1'}\n"
        "      - {id: a, type: complaint_response, date: 2024-02-01, stage: '1'}\n"
        "    expect:\n      - {status: met}\n"
        "  - name: withdrawn\n    rule: testshire.stage-1\n    as_of: 2024-03-01\n"
        "    events:\n      - {id: r, type: complaint_received, date: 2024-01-08, stage: '1'}\n"
        "      - {id: w, type: case_closed, date: 2024-01-10}\n"
        "    expect:\n      - {status: cancelled}\n"
    )
    root = _folder(tmp_path, tests)
    rules = load_rules(root)
    report, results = measure(rules, list(collect_cases(rules, [root])))
    assert all(r.passed for r in results), [r.failures for r in results]
    stage_1 = next(r for r in report.rules if r.rule == "testshire.stage-1")
    covered = {p.key for p in stage_1.parts if p.covered}
    assert covered == {"in_force", "trigger[0]", "extension", "met", "cancelled_by[0]"}


def test_the_shipped_repeating_rule_records_its_repeat() -> None:
    rules = load_rules()
    cases = [c for c in collect_cases(rules) if c.rule == "england.review-conferences-3-then-6-months"]
    report, _ = measure(rules, cases)
    review = next(r for r in report.rules if r.rule == "england.review-conferences-3-then-6-months")
    assert any(p.key == "repeat" and p.covered for p in review.parts)


def test_coverage_as_text_json_and_fail_under(tmp_path: Path) -> None:
    root = _folder(tmp_path)
    text = run("test", str(root), "--coverage")
    assert text.returncode == 0, text.stdout + text.stderr
    assert "2 passed, 0 failed" in text.stdout
    assert " 28.6%  testshire.minutes  (2 cases, 4/14 parts)" in text.stdout
    assert "version 2020-01-01 to 2023-01-01: no case's trigger falls in it" in text.stdout
    assert "Rules tested: 1/2 (50.0%); parts exercised: 4/23 (17.4%)" in text.stdout
    assert "testshire.stage-1" in text.stderr  # a rule with no test case is named
    record = json.loads(run("test", str(root), "--coverage", "--format", "json").stdout)
    assert record["summary"] == "2 passed, 0 failed"
    summary = record["coverage"]["summary"]
    assert (summary["rules"], summary["rules_tested"], summary["parts_covered"], summary["parts"]) == (
        2,
        1,
        4,
        23,
    )
    minutes = next(r for r in record["coverage"]["rules"] if r["rule"] == "testshire.minutes")
    late = next(p for p in minutes["versions"][1]["parts"] if p["part"] == "late")
    assert late == {"part": "late", "kind": "outcome", "label": "a late finding", "covered": True, "hits": 1}
    below = run("test", str(root), "--coverage", "--fail-under", "20")
    assert below.returncode == 1 and "Coverage 17.4% is below --fail-under 20%" in below.stderr
    assert run("test", str(root), "--coverage", "--fail-under", "17").returncode == 0


def test_coverage_refuses_formats_it_cannot_print(tmp_path: Path) -> None:
    result = run("test", str(_folder(tmp_path)), "--coverage", "--format", "junit")
    assert result.returncode == 2 and "--coverage prints text or json" in result.stderr


def test_a_folder_with_no_test_case_fails(tmp_path: Path) -> None:
    root = _folder(tmp_path, "tests: []\n")
    result = run("test", str(root))
    assert result.returncode == 1
    assert "0 passed, 0 failed" in result.stdout and "no test cases ran" in result.stderr


@pytest.mark.parametrize("draft_note", ["waiting for the 2025 procedures"])
def test_a_draft_rule_is_listed_not_measured(tmp_path: Path, draft_note: str) -> None:
    root = _folder(tmp_path)
    rules_file = root / "testshire" / "rules.yaml"
    rules_file.write_text(
        rules_file.read_text().replace(
            "    title: Stage 1 response within 10 working days\n",
            f"    title: Stage 1 response within 10 working days\n    draft: {draft_note}\n",
        )
    )
    rules = load_rules(root)
    report, _ = measure(rules, list(collect_cases(rules, [root])))
    assert report.drafts == ("testshire.stage-1",) and len(report.rules) == 1


def test_every_shipped_rule_is_tested_and_the_guide_states_the_figure() -> None:
    rules = load_rules()
    report, _ = measure(rules, list(collect_cases(rules)))
    untested = [r.rule for r in report.rules if not r.cases]
    assert not untested, f"shipped rules with no test case: {untested}"
    guide = (REPO / "docs" / "authoring.md").read_text(encoding="utf-8")
    stated = guide.split(COVERAGE_START, 1)[1].split(COVERAGE_END, 1)[0].strip()
    assert stated == shipped_coverage_text(rules), (
        "docs/authoring.md states a stale coverage figure: python -m timescales.catalogue docs/rules.md"
    )
