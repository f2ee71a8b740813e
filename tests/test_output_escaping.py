"""Control characters from a case file (ESC sequences, a newline, a bidirectional override) are
shown escaped in the HTML page and the CSV rows, as they already are in text, JUnit and SARIF."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

COMMAND = str(Path(sys.executable).parent / "timescales")
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.mark.parametrize("fmt", ["html", "csv"])
def test_control_characters_in_ids_are_shown_escaped(tmp_path: Path, fmt: str) -> None:
    case = tmp_path / "case.yaml"
    case.write_text(
        'case: "CTL\\x1b[2J\\u202e-1"\nas_of: 2024-03-31\nchildren: ["K\\nerror: forged"]\nevents:\n'
        '  - {id: "sd\\x07", type: strategy_discussion, date: 2023-11-06, section47: true}\n'
    )
    report = tmp_path / f"report.{fmt}"
    run = subprocess.run(
        [COMMAND, "check", str(case), "--output", str(report)], capture_output=True, text=True
    )
    assert run.returncode == 1, run.stderr
    text = report.read_text(encoding="utf-8")
    body = text if fmt == "csv" else text.replace("\n", "")
    assert not RAW.search(body)
    assert "CTL\\x1b[2J\\u202e-1" in text and "K\\nerror: forged" in text
    if fmt == "csv":
        rows = text.splitlines()
        assert len(rows) == 3  # the header, the one finding, the provenance: no forged row
        assert not any(row.startswith("error:") for row in rows)
