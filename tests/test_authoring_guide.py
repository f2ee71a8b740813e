"""Every file in docs/authoring.md is written out, linted and tested, beside the national pack."""

from __future__ import annotations

import re
import shutil
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
    written = write_guide_files(tmp_path)
    assert {
        "exampleshire/pack.yaml",
        "exampleshire/conferences.yaml",
        "exampleshire/conferences.tests.yaml",
    } <= set(written)
    shutil.copytree(REPO / "rules" / "england", tmp_path / "england")
    shutil.copy(REPO / "rules" / "vocabulary.yaml", tmp_path / "vocabulary.yaml")
    published = tmp_path / "published-ids.yaml"
    listed = (REPO / "rules" / "published-ids.yaml").read_text().split("published:\n", 1)[1].splitlines()
    national = "".join(line + "\n" for line in listed if line.strip().startswith("- england."))
    published.write_text(published.read_text() + national)
    result = lint(tmp_path)
    assert result.errors == [], "\n".join(map(str, result.errors))
    rules = load_rules(tmp_path)
    cases = [c for c in collect_cases(rules, [tmp_path]) if c.rule.startswith("exampleshire.")]
    assert len(cases) == 3
    for case in cases:
        outcome = run_case(case, rules)
        assert outcome.passed, "\n".join(outcome.failures)
