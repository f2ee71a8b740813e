"""Every file in docs/authoring.md is written out, linted and tested, beside the national pack."""

from __future__ import annotations

import re
from pathlib import Path

from timescales.rules.cases import collect_cases, run_case
from timescales.rules.lint import lint
from timescales.rules.loader import load_rules

REPO = Path(__file__).resolve().parent.parent
GUIDE = REPO / "docs" / "authoring.md"
BLOCK = re.compile(r"<!-- file: (?P<path>[^ ]+) -->\n```yaml\n(?P<body>.*?)```", re.S)


def write_guide_files(target: Path) -> list[str]:
    written = []
    for match in BLOCK.finditer(GUIDE.read_text(encoding="utf-8")):
        path = target / match["path"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(match["body"], encoding="utf-8")
        written.append(match["path"])
    return written


def test_the_guides_pack_lints_clean_and_its_tests_pass(tmp_path: Path) -> None:
    """As in a council's own repository: the guide's files only, the national pack installed."""
    written = write_guide_files(tmp_path)
    assert {
        "exampleshire/pack.yaml",
        "exampleshire/conferences.yaml",
        "exampleshire/conferences.tests.yaml",
        "exampleshire/icpc.yaml",
        "exampleshire/icpc.tests.yaml",
        "published-ids.yaml",
    } <= set(written)
    assert not (tmp_path / "england").exists()
    result = lint(tmp_path, strict=True)
    assert result.problems == [], "\n".join(map(str, result.problems))
    assert result.exit_code == 0
    rules = load_rules(tmp_path)
    cases = list(collect_cases(rules, [tmp_path]))
    assert len(cases) == 7
    for case in cases:
        outcome = run_case(case, rules)
        assert outcome.passed, "\n".join(outcome.failures)


def test_replaces_gives_one_breach_for_one_late_conference(tmp_path: Path) -> None:
    """The guide's point about `replaces:`: without it, one late conference is two breaches."""
    import datetime as dt

    import timescales

    write_guide_files(tmp_path)
    timeline = timescales.load_timeline(
        {
            "case": "EX-1",
            "authority": "exampleshire",
            "events": [
                {"id": "sd", "type": "strategy_discussion", "date": "2024-01-08", "section47": True},
                {"id": "c", "type": "icpc", "date": "2024-02-01"},
            ],
        }
    )
    with_replaces = timescales.check(timeline, load_rules(tmp_path), as_of=dt.date(2024, 3, 31))
    assert [f.rule for f in with_replaces.breaches if "icpc" in f.rule] == [
        "exampleshire.icpc-within-10-working-days"
    ]
    icpc = tmp_path / "exampleshire" / "icpc.yaml"
    icpc.write_text(icpc.read_text().replace("    replaces: england.icpc-within-15-working-days\n", ""))
    without = timescales.check(timeline, load_rules(tmp_path), as_of=dt.date(2024, 3, 31))
    assert sorted(f.rule for f in without.breaches if "icpc" in f.rule) == [
        "england.icpc-within-15-working-days",
        "exampleshire.icpc-within-10-working-days",
    ]
