"""`timescales new-pack` and `timescales diff`, in the test environment (end to end with the built
package: tests/test_council_repository.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from timescales.scaffold import scaffold

COMMAND = str(Path(sys.executable).parent / "timescales")

LATE_AGAINST_10 = """\
case: EX-1
authority: newshire
as_of: 2024-03-31
events:
  - {id: sd, type: strategy_discussion, date: 2024-01-08, section47: true}
  - {id: c, type: icpc, date: 2024-01-24}
"""


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [COMMAND, *args], cwd=cwd, capture_output=True, text=True, check=False, env=os.environ
    )


@pytest.fixture
def council(tmp_path: Path) -> Path:
    assert run(tmp_path, "new-pack", "newshire").returncode == 0
    return tmp_path


def test_new_pack_writes_a_pack_that_lints_and_tests_clean(council: Path) -> None:
    assert run(council, "lint", "rules", "--strict").returncode == 0
    tested = run(council, "test", "rules", "--coverage", "--fail-under", "100")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    rule = (council / "rules" / "newshire" / "conferences.yaml").read_text()
    assert "replaces: england.icpc-within-15-working-days" in rule
    hooks = (council / ".pre-commit-config.yaml").read_text()
    assert "entry: timescales lint rules --strict" in hooks and "repo: local" in hooks
    assert (
        "timescales test rules --coverage" in (council / ".github/workflows/timescales-rules.yml").read_text()
    )


def test_new_pack_never_overwrites_and_refuses_a_bad_name(council: Path) -> None:
    pack = council / "rules" / "newshire" / "pack.yaml"
    pack.write_text("pack: newshire\ntitle: Mine\n")
    again = run(council, "new-pack", "newshire")
    assert again.returncode == 2 and f"{Path('rules/newshire/pack.yaml')}: already exists" in again.stderr
    assert pack.read_text() == "pack: newshire\ntitle: Mine\n"
    bad = run(council, "new-pack", "New Shire")
    assert bad.returncode == 2 and "lower-case words joined by hyphens" in bad.stderr


def test_the_workflow_installs_what_it_is_told(tmp_path: Path) -> None:
    files = {
        f.path.name: f.text for f in scaffold("newshire", tmp_path, requirement="x @ git+https://e.org/x@v1")
    }
    assert 'pip install "x @ git+https://e.org/x@v1"' in files["timescales-rules.yml"]
    assert "Until safeguarding-timescales is on the package index" not in files["timescales-rules.yml"]


def _edit_to_10_days(council: Path) -> None:
    rule = council / "rules" / "newshire" / "conferences.yaml"
    rule.write_text(rule.read_text().replace("within: 15 working days", "within: 10 working days"))
    (council / "cases").mkdir()
    (council / "cases" / "ex-1.yaml").write_text(LATE_AGAINST_10)


def test_diff_pairs_a_replacing_rule_with_the_one_it_replaces(council: Path) -> None:
    _edit_to_10_days(council)
    text = run(council, "diff", "cases", "--against-shipped", "--rules", "rules")
    assert text.returncode == 1, text.stderr
    assert "EX-1 / EX-1  newshire.icpc-within-15-working-days  trigger sd" in text.stdout
    assert (
        "rule england.icpc-within-15-working-days → newshire.icpc-within-15-working-days, met → late, "
        "due 2024-01-29 → 2024-01-22" in text.stdout
    )
    assert "newshire.icpc-within-15-working-days: 0 new, 0 gone, 1 changed" in text.stdout
    record = json.loads(
        run(council, "diff", "cases", "--against-shipped", "--rules", "rules", "--format", "json").stdout
    )
    assert record["schema"] == "timescales/diff/1" and record["summary"]["changed"] == 1
    assert record["per_rule"] == [
        {"rule": "newshire.icpc-within-15-working-days", "new": 0, "gone": 0, "changed": 1}
    ]
    page = council / "what-if.html"
    html = run(
        council,
        "diff",
        "cases",
        "--against-shipped",
        "--rules",
        "rules",
        "--format",
        "html",
        "--output",
        str(page),
    )
    assert html.returncode == 1
    body = page.read_text()
    assert '<span class="late">late</span>, due 2024-01-22' in body and "<h2>Per rule</h2>" in body


def test_diff_of_two_folders_pairs_rules_and_reports_no_change(council: Path, tmp_path: Path) -> None:
    _edit_to_10_days(council)
    same = run(council, "diff", "cases", "--rules", "rules", "--rules", "rules")
    assert same.returncode == 0 and "No finding changes." in same.stdout
    # Before: the pack with no rule of its own, so the national rule; after: the local one.
    before = council / "before"
    (before / "newshire").mkdir(parents=True)
    (before / "newshire" / "pack.yaml").write_text((council / "rules/newshire/pack.yaml").read_text())
    record = json.loads(
        run(council, "diff", "cases", "--rules", "before", "--rules", "rules", "--format", "json").stdout
    )
    kinds = {c["change"] for c in record["changes"]}
    assert kinds == {"changed"}  # the national rule before, the local one after: paired
    record = json.loads(
        run(council, "diff", "cases", "--rules", "rules", "--rules", "before", "--format", "json").stdout
    )
    assert record["summary"]["changed"] == 1


def test_diff_needs_two_rule_sets(council: Path) -> None:
    result = run(council, "diff", "rules", "--rules", "rules")
    assert result.returncode == 2 and "--rules BEFORE --rules AFTER" in result.stderr


def test_ci_md_installs_from_git_at_a_tag_and_shows_the_generated_hooks(tmp_path: Path) -> None:
    ci = (Path(__file__).resolve().parent.parent / "docs" / "ci.md").read_text(encoding="utf-8")
    installs = [line.strip() for line in ci.splitlines() if "pip install" in line]
    assert installs and all('"safeguarding-timescales @ git+URL@TAG"' in line for line in installs)
    generated = {f.path.name: f.text for f in scaffold("newshire", tmp_path)}
    hooks = "".join(
        line + "\n" for line in generated[".pre-commit-config.yaml"].splitlines() if not line.startswith("#")
    )
    assert hooks in ci
