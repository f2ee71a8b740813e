"""Column mappings are checked like rule files: every problem at once, file:line:column, a suggestion."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

COMMAND = str(Path(sys.executable).parent / "timescales")
REPO = Path(__file__).resolve().parent.parent
BAD_MAP = """columns:
  Case Ref: case
  Event Type: typ
  When: date
  Also When: date
values:
  Case Ref: {X: y}
  When: {}
  Event Type:
    Initial CP Conference: icpc
  Colour: {a: b}
  section47: {Y: perhaps}
  type: {ICPC: icpcc}
extra: 1
"""


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([COMMAND, *args], capture_output=True, text=True, check=False, cwd=REPO)


def test_lint_reports_every_problem_of_a_mapping_with_its_place(tmp_path: Path) -> None:
    mapping = tmp_path / "map.yaml"
    mapping.write_text(BAD_MAP, encoding="utf-8")
    result = _run("lint", "--columns", str(mapping))
    assert result.returncode == 1
    lines = [line for line in result.stdout.splitlines() if line.startswith(str(mapping))]
    assert [line.split(" error")[0].removeprefix(str(mapping)) for line in lines] == [
        ":3:15:",  # typ
        ":5:14:",  # date given twice
        ":11:3:",  # Colour is no column
        ":12:18:",  # perhaps is not a yes/no
        ":13:16:",  # icpcc is no event type
        ":14:1:",  # unknown top-level field
    ]
    text = result.stdout
    assert "'typ' is not a column the engine reads" in text and "(did you mean 'type'?)" in text
    assert "`date` is already given by column 'When'" in text
    assert "unknown event type 'icpcc' (did you mean 'icpc'?)" in text
    assert "expected true or false, got 'perhaps'" in text


def test_check_refuses_a_bad_mapping_before_reading_anything(tmp_path: Path) -> None:
    mapping = tmp_path / "map.yaml"
    mapping.write_text(BAD_MAP, encoding="utf-8")
    result = _run(
        "check", "timelines/case-system-export.csv", "--columns", str(mapping), "--as-of", "2024-03-31"
    )
    assert result.returncode == 2
    assert f"error: {mapping}:3:15: columns.Event Type:" in result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
