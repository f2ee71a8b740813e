"""The rule author's commands: where the shipped packs are, the vocabulary, `python -m timescales`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from timescales.paths import shipped_rules_dir

COMMAND = str(Path(sys.executable).parent / "timescales")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([COMMAND, *args], capture_output=True, text=True, check=False, env=os.environ)


def test_rules_path_prints_the_installed_packs_folder() -> None:
    result = run("rules", "--path")
    assert result.returncode == 0
    path = Path(result.stdout.strip())
    assert path == shipped_rules_dir() and (path / "england" / "pack.yaml").is_file()


def test_vocabulary_lists_types_and_attributes_as_text_and_json() -> None:
    text = run("vocabulary")
    assert text.returncode == 0
    assert "strategy_discussion: Strategy discussion or meeting" in text.stdout
    assert "  section47  boolean" in text.stdout
    record = json.loads(run("vocabulary", "--format", "json").stdout)
    types = {t["type"]: t for t in record["event_types"]}
    decision = {a["name"]: a for a in types["referral_decision"]["attributes"]}
    assert "nfa" in decision["response"]["values"] and decision["response"]["kind"] == "choice"
    assert types["minutes_sent"]["for"] and "id" in record["event_fields"]


def test_python_dash_m_timescales_is_the_same_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "timescales", "rules", "--path"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and Path(result.stdout.strip()) == shipped_rules_dir()
    usage = subprocess.run([sys.executable, "-m", "timescales", "--help"], capture_output=True, text=True)
    assert "Usage: timescales" in usage.stdout


QUOTED = """\
rules:
  - id: testshire.icpc
    title: ICPC within 10 working days
    trigger: {type: strategy_discussion, where: {section47: true}}
    expects: {type: icpc}
    within: 10 working days
    versions:
      - in_force: {from: 2023-04-01}
        source: {document: Testshire procedures, edition: "2023", section: "5.1", evidence: verified}
        quote: >-
          The conference must take place within 10 working days
          of the strategy discussion.
"""


def _quoted_pack(tmp_path: Path, rules: str = QUOTED) -> Path:
    pack = tmp_path / "rules" / "testshire"
    pack.mkdir(parents=True)
    (pack / "pack.yaml").write_text("pack: testshire\ntitle: T\nauthority: testshire\nextends: england\n")
    (pack / "rules.yaml").write_text(rules)
    return pack.parent


def test_a_quote_is_shown_beside_the_encoding(tmp_path: Path) -> None:
    from timescales.catalogue import quote_lines
    from timescales.rules.loader import load_rules

    root = _quoted_pack(tmp_path)
    rule = load_rules(root).rule("testshire.icpc")
    words = "The conference must take place within 10 working days of the strategy discussion."
    assert rule.versions[0].quote == words
    explained = run("rules", "--rules", str(root), "--explain", "testshire.icpc")
    assert explained.returncode == 0
    assert "version 2023-04-01 to now: within 10 working days" in explained.stdout
    assert f"    | {words}" in explained.stdout
    record = json.loads(
        run("rules", "--rules", str(root), "--explain", "testshire.icpc", "--format", "json").stdout
    )
    assert record["versions"][0]["quote"] == words
    assert quote_lines(rule) == ["Testshire procedures 2023, 5.1:", f"> {words}", ""]
    missing = run("rules", "--rules", str(root), "--explain", "testshire.icp")
    assert missing.returncode == 2 and "did you mean 'testshire.icpc'?" in missing.stderr


def test_a_quote_too_long_to_be_a_quote_is_refused(tmp_path: Path) -> None:
    from timescales.rules.lint import lint

    long_quote = QUOTED.replace(
        "of the strategy discussion.", "of the strategy discussion. " + "More words. " * 80
    )
    (problem,) = [p for p in lint(_quoted_pack(tmp_path, long_quote)).problems if p.code == "E323"]
    assert problem.line == 10 and problem.field == "rules[0].versions[0].quote"
