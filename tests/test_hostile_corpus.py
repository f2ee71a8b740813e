"""The hostile-input corpus (`tests/hostile/`, written by `make_corpus.py`): every file, run by the
installed command beside a good file, under a 10 s CPU and 1 GB memory limit.

Each run must end with the expected exit code and message, never a traceback, and the good file
given in the same run must still be reported.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

HOSTILE = Path(__file__).parent / "hostile"
COMMAND = str(Path(sys.executable).parent / "timescales")
ENTRIES: list[dict[str, Any]] = json.loads((HOSTILE / "expected.json").read_text())
CPU_SECONDS = 10
MEMORY_BYTES = 1 << 30


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))


def test_the_corpus_is_large_and_covers_every_kind_of_input() -> None:
    assert len(ENTRIES) >= 80
    suffixes = {Path(e["path"]).suffix for e in ENTRIES if e["command"] == "check"}
    assert {".yaml", ".json", ".csv", ".xml"} <= suffixes
    assert any(e["command"] == "lint" for e in ENTRIES)
    for entry in ENTRIES:
        assert (HOSTILE / entry["path"]).exists(), entry["path"]


def _run(entry: dict[str, Any], folder: Path) -> tuple[subprocess.CompletedProcess[str], Path]:
    target = HOSTILE / entry["path"]
    report = folder / (entry["path"].replace("/", "_") + ".report.json")
    if entry["command"] == "check":
        args = ["check", str(target), str(HOSTILE / "good.yaml"), "--format", "json", "--output", str(report)]
    else:
        args = ["lint", str(target), str(HOSTILE / "good-pack"), "--format", "json"]
    run = subprocess.run(
        [COMMAND, *args],
        capture_output=True,
        text=True,
        errors="replace",
        preexec_fn=_limits,
        timeout=120,
        check=False,
    )
    return run, report


@pytest.fixture(scope="module")
def runs(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, tuple[subprocess.CompletedProcess[str], Path]]:
    """Every entry run once, a few at a time (each run is mostly the command starting up)."""
    folder = tmp_path_factory.mktemp("hostile")
    with ThreadPoolExecutor(max_workers=4) as pool:
        done = pool.map(lambda e: (e["path"], _run(e, folder)), ENTRIES)
        return dict(done)


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["path"] for e in ENTRIES])
def test_hostile_input(
    entry: dict[str, Any], runs: dict[str, tuple[subprocess.CompletedProcess[str], Path]]
) -> None:
    run, report = runs[entry["path"]]
    assert "Traceback" not in run.stderr, run.stderr[-2000:]
    assert run.returncode == entry["exit"], run.stderr[-2000:]
    if entry["command"] == "check":
        assert entry["message"] in run.stderr, run.stderr[-2000:]
        for line in run.stderr.splitlines():
            assert not line.startswith("error: forged"), line
        cases = [c["case"] for c in json.loads(report.read_text())["cases"]]
        assert "GOOD-1" in cases  # the good file given in the same run is still reported
    else:
        result = json.loads(run.stdout)
        messages = " ".join(p["message"] for p in result["problems"])
        assert entry["message"] in messages, messages[-2000:]
        assert any("good-pack" in c["file"] for c in result["checks"])
