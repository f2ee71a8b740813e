"""Bad input: every problem reported at once, with file, line and field; never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import timescales
from timescales.errors import TimelineError

BAD = Path(__file__).parent / "data" / "bad"


def _problems(path: Path) -> list[timescales.Problem]:
    with pytest.raises(TimelineError) as caught:
        timescales.load_timeline(path)
    return list(caught.value.problems)


def test_every_problem_in_a_timeline_is_reported_with_line_and_field() -> None:
    problems = {(p.line, p.field, p.code) for p in _problems(BAD / "many-problems.yaml")}
    assert (3, "evnts", "E220") in problems  # unknown top-level key
    assert (6, "events[0].type", "E204") in problems  # unknown event type
    assert (10, "events[1].date", "E203") in problems  # 30 February
    assert (14, "events[2].outcome", "E206") in problems  # unknown attribute value
    assert (15, "events[3].id", "E210") in problems  # duplicate id
    assert (21, "events[4].for", "E211") in problems  # for: points nowhere
    assert (22, "events[5].date", "E201") in problems  # missing date
    assert (27, "events[6].children", "E213") in problems  # unknown child


def test_messages_speak_the_users_language_and_suggest_fixes() -> None:
    text = [str(p) for p in _problems(BAD / "many-problems.yaml")]
    assert any(
        "unknown event type 'strategy_discusion' (did you mean 'strategy_discussion'?)" in t for t in text
    )
    assert any("'2023-02-30' is not a real date" in t for t in text)
    assert any("'plans' is not one of: plan, no_plan (did you mean 'plan'?)" in t for t in text)
    assert all(t.startswith(str(BAD / "many-problems.yaml") + ":") for t in text)


def test_duplicate_keys_are_refused() -> None:
    (only,) = _problems(BAD / "duplicate-key.yaml")
    assert (only.line, only.column, only.code) == (6, 5, "E003")
    assert "duplicate key 'date' (first given on line 5)" in only.message


def test_yaml_syntax_errors_give_a_line() -> None:
    (only,) = _problems(BAD / "syntax.yaml")
    assert only.code == "E001" and only.line is not None


def test_a_bad_csv_case_is_left_out_and_the_rest_checked(rules: timescales.RuleSet) -> None:
    from timescales.adapters import iter_timelines

    items = list(iter_timelines(BAD / "two-cases.csv", rules.vocabulary))
    good = [i for i in items if isinstance(i, timescales.Timeline)]
    bad = [i for i in items if isinstance(i, TimelineError)]
    assert [t.case for t in good] == ["GOOD-1"]
    lines = {(p.line, p.field) for p in bad[0].problems}
    assert (4, "date") in lines and (5, "estimated") in lines
    assert any("row has 3 cells, the header has 10" in p.message and p.line == 6 for p in bad[0].problems)


def test_unknown_csv_columns_fail_the_file(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text("case,child,id,type,date,secton47\nC,A,sd,strategy_discussion,2023-06-13,true\n")
    with pytest.raises(TimelineError) as caught:
        list(timescales.load_timelines(path))
    assert caught.value.problems[0].column == 6
    assert "did you mean 'section47'?" in str(caught.value)


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    command = Path(sys.executable).parent / "timescales"
    return subprocess.run(
        [str(command), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "200"},
        check=False,
    )


def test_cli_exit_code_2_lists_problems_and_never_a_traceback() -> None:
    result = _run("check", str(BAD / "many-problems.yaml"), "--as-of", "2024-01-01")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert (
        f"{BAD / 'many-problems.yaml'}:10:11: events[1].date: '2023-02-30' is not a real date"
        in result.stderr
    )


def test_cli_checks_the_good_case_and_reports_what_was_left_out() -> None:
    result = _run("check", str(BAD / "two-cases.csv"), "--as-of", "2024-01-01", "--format", "json")
    assert result.returncode == 2
    report = json.loads(result.stdout)
    assert [c["case"] for c in report["cases"]] == ["GOOD-1"]
    assert report["summary"]["left_out"] == len(report["left_out"]) >= 3
    assert any(":4:5: date:" in line for line in report["left_out"])


def test_cli_refuses_a_bad_as_of_date() -> None:
    result = _run("check", str(BAD / "two-cases.csv"), "--as-of", "03/31/2024")
    assert result.returncode == 2
    assert "only be a date read month-first (31 March)" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_json_timeline_gives_the_same_findings_as_its_yaml(tmp_path: Path) -> None:
    import datetime as dt

    import yaml

    source = Path(__file__).resolve().parent.parent / "timelines" / "liverpool-2023-0042.yaml"
    data = yaml.safe_load(source.read_text())
    data["as_of"] = str(data["as_of"])
    for event in data["events"]:
        event["date"] = str(event["date"])
    as_json = tmp_path / "case.json"
    as_json.write_text(json.dumps(data, indent=2))
    rules = timescales.load_rules()
    as_of = dt.date(2024, 3, 31)
    from_yaml = timescales.check(timescales.load_timeline(source), rules, as_of=as_of).findings
    from_json = timescales.check(timescales.load_timeline(as_json), rules, as_of=as_of).findings
    assert [f.to_dict() for f in from_yaml] == [f.to_dict() for f in from_json]


def test_json_timeline_errors_carry_lines(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    event = '{"id": "a", "type": "referal", "date": "2024-01-01"}'
    path.write_text('{\n  "case": "J-1",\n  "events": [\n    ' + event + "\n  ]\n}\n")
    (only,) = _problems(path)
    assert (only.line, only.field, only.hint) == (4, "events[0].type", "did you mean 'referral'?")


def test_a_date_outside_the_calendar_is_refused_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "old.yaml"
    path.write_text("case: OLD-1\nevents:\n  - {id: a, type: referral, date: 1850-01-02}\n")
    (only,) = _problems(path)
    assert (only.line, only.field, only.code) == (3, "events[0].date", "E203")
    assert "outside the years the bank-holiday calendars cover (1872 to 2099)" in only.message
