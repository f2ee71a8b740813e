"""End to end: the installed `timescales` command on the shipped example timelines.

Golden reports sit beside each timeline as `<name>.expected.json`. After a deliberate change,
regenerate them with `TIMESCALES_UPDATE_GOLDEN=1 python -m pytest tests/test_cli.py` and read the diff.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
TIMELINES = sorted([*(REPO / "timelines").rglob("*.yaml"), *(REPO / "timelines").rglob("*.csv")])
#: CSV exports carry no as-of date of their own.
CSV_AS_OF = "2024-03-31"
COMMAND = str(Path(sys.executable).parent / "timescales")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [COMMAND, *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
        env={**os.environ, "COLUMNS": "160"},
    )


def normalised(report: dict[str, Any]) -> dict[str, Any]:
    """The report without what changes from run to run or release to release (time, version, the
    packs' fingerprint): goldens compare findings, not the moment they were made."""
    provenance = report["provenance"]
    assert provenance["generated_at"] and provenance["tool_version"]
    assert len(provenance["rule_packs_sha256"]) == 64
    for varying in ("generated_at", "tool_version", "rule_packs_sha256"):
        provenance[varying] = "(normalised)"
    return report


@pytest.mark.parametrize("timeline", TIMELINES, ids=lambda p: p.relative_to(REPO / "timelines").as_posix())
def test_example_timeline_matches_its_golden_report(timeline: Path) -> None:
    extra = ["--as-of", CSV_AS_OF] if timeline.suffix == ".csv" else []
    result = run("check", str(timeline.relative_to(REPO)), "--format", "json", *extra)
    assert result.returncode in (0, 1), result.stderr
    report = normalised(json.loads(result.stdout))
    golden = timeline.with_name(timeline.stem + ".expected.json")
    if os.environ.get("TIMESCALES_UPDATE_GOLDEN"):
        golden.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert golden.exists(), f"no golden report {golden.name}: set TIMESCALES_UPDATE_GOLDEN=1 to write it"
    assert report == json.loads(golden.read_text(encoding="utf-8"))
    expected_code = 1 if report["summary"]["breaches"] else 0
    assert result.returncode == expected_code


def test_text_report_explains_each_breach_in_plain_words() -> None:
    result = run("check", "timelines/liverpool-2023-0042.yaml")
    assert result.returncode == 1
    assert (
        "Strategy discussion Mon 6 Nov 2023 (day 0); 15 working days later is Mon 27 Nov 2023."
        in result.stdout
    )
    assert (
        "Initial child protection conference: Wed 29 Nov 2023, 2 working days (2 calendar days) late."
        in result.stdout
    )
    assert "Traceback" not in result.stderr


def test_csv_report_has_one_row_per_finding() -> None:
    result = run("check", "timelines/liverpool-2023-0042.yaml", "--format", "csv")
    assert result.stdout.startswith("\ufeffcase,child,")  # the BOM Excel needs
    *rows, footer = list(csv.DictReader(io.StringIO(result.stdout.removeprefix("\ufeff"))))
    assert footer["case"].startswith("# Made by timescales")
    summary = json.loads(run("check", "timelines/liverpool-2023-0042.yaml", "--format", "json").stdout)[
        "summary"
    ]
    assert len(rows) == summary["findings"]
    assert {r["status"] for r in rows} <= {"met", "late", "missing", "pending", "cancelled"}
    assert all(r["source_document"] and r["explanation"] for r in rows)


def test_output_file_and_exit_code_0_when_nothing_is_late(tmp_path: Path) -> None:
    case = tmp_path / "ok.yaml"
    case.write_text(
        "case: OK-1\nas_of: 2023-08-01\nevents:\n"
        "  - {id: sd, type: strategy_discussion, date: 2023-06-13, section47: true}\n"
        "  - {id: c, type: icpc, date: 2023-07-04, outcome: no_plan}\n"
    )
    out = tmp_path / "report.json"
    result = run("check", str(case), "--format", "json", "--output", str(out))
    assert result.returncode == 0, result.stderr
    assert json.loads(out.read_text())["summary"]["by_status"]["met"] == 1


def test_rules_json_lists_every_rule_with_its_source() -> None:
    result = run("rules", "--format", "json")
    assert result.returncode == 0
    rules = json.loads(result.stdout)
    assert len(rules) >= 5
    for rule in rules:
        assert {"id", "title", "pack", "authority", "in_force", "trigger", "expects", "source"} <= set(rule)
        assert set(rule["in_force"]) == {"from", "until"}
        assert {"document", "edition", "section", "url", "evidence"} <= set(rule["source"])


def test_rule_errors_exit_2_listing_every_problem(tmp_path: Path) -> None:
    pack = tmp_path / "broken"
    pack.mkdir()
    (pack / "pack.yaml").write_text("pack: broken\ntitle: Broken\n")
    (pack / "rules.yaml").write_text(
        "rules:\n  - id: broken.one\n    title: One\n    trigger: {type: referal}\n"
        "    expects: {type: icpc}\n    within: 15 workdays\n    versions: []\n"
    )
    result = run("check", "timelines", "--rules", str(pack))
    assert result.returncode == 2
    assert f"{pack / 'rules.yaml'}:4:21: rules[0].trigger.type: unknown event type 'referal'" in result.stderr
    assert "rules[0].within: cannot read the period '15 workdays'" in result.stderr
    assert "rules[0].versions: a rule needs `versions:`" in result.stderr


def test_parallel_census_run_gives_the_same_report(tmp_path: Path) -> None:
    sys.path.insert(0, str(REPO / "bench"))
    from gen_census import write_census

    census = tmp_path / "census.xml"
    write_census(1200, census, seed=3)
    one = run("check", str(census), "--format", "json", "--jobs", "1")
    two = run("check", str(census), "--format", "json", "--jobs", "2")
    assert one.returncode == two.returncode
    made_at = re.compile(r'"generated_at": "[^"]*"')
    assert made_at.sub("", one.stdout) == made_at.sub("", two.stdout)
    assert json.loads(one.stdout)["summary"]["cases"] == 1200


def test_html_report_explains_and_escapes(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = run("check", "timelines/liverpool-2023-0042.yaml", "--format", "html", "--output", str(out))
    assert result.returncode == 1, result.stderr
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "Strategy discussion Mon 6 Nov 2023 (day 0); 15 working days later is Mon 27 Nov 2023." in page
    assert "&#34;a maximum of 15 days&#34;" in page  # a rule title's quotes, escaped
    assert '<span class="figure">9</span> distinct late events' in page


def test_junit_report_fails_one_test_per_breach() -> None:
    from xml.etree import ElementTree

    result = run("check", "timelines/liverpool-2023-0042.yaml", "--format", "junit")
    suites = ElementTree.fromstring(result.stdout)
    (suite,) = suites.findall("testsuite")
    report = json.loads(run("check", "timelines/liverpool-2023-0042.yaml", "--format", "json").stdout)
    assert int(suite.get("failures", "0")) == report["summary"]["breaches"]
    assert int(suite.get("tests", "0")) == report["summary"]["findings"]
