"""The durable backend on everything shipped, end to end, and its failure containment.

* every golden timeline and seed gives its golden report with `--engine durable`, and `--engine
  both` finds no difference;
* every rule test case passes on the durable backend;
* a worker killed mid-run (SIGSEGV) or hung costs only the case it was matching: that case is
  reported as an engine failure (exit 2), the worker is replaced, the rest completes;
* without durable_rules, `--engine durable` is one line saying what to install, exit 2.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

import timescales
from durable_support import requires_durable
from test_cli import normalised
from timescales.batch import run_check
from timescales.calendar import WorkingCalendar
from timescales.evaluation.durable import DurableEvaluator
from timescales.evaluation.obligations import Obligation
from timescales.outputs import make_writer
from timescales.rules.cases import collect_cases, run_case
from timescales.rules.model import Rule
from timescales.timeline import Event

REPO = Path(__file__).resolve().parent.parent
TIMELINES = sorted([*(REPO / "timelines").rglob("*.yaml"), *(REPO / "timelines").rglob("*.csv")])
CSV_AS_OF = "2024-03-31"
COMMAND = str(Path(sys.executable).parent / "timescales")
RULES = timescales.load_rules()
CASES = list(collect_cases(RULES))


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [COMMAND, *args], capture_output=True, text=True, cwd=REPO, check=False, env=env or dict(os.environ)
    )


@pytest.fixture(scope="module")
def durable() -> Iterator[DurableEvaluator]:
    with DurableEvaluator() as evaluator:
        yield evaluator


@requires_durable
@pytest.mark.parametrize("engine", ["durable", "both"])
def test_every_golden_timeline_gives_its_golden_report_on_the_durable_engine(engine: str) -> None:
    # One run over all the example timelines (each golden is that file's own report).
    for timeline in TIMELINES:
        extra = ["--as-of", CSV_AS_OF] if timeline.suffix == ".csv" else []
        result = run("check", str(timeline.relative_to(REPO)), "--format", "json", "--engine", engine, *extra)
        assert result.returncode in (0, 1), (timeline, result.stderr)
        golden = timeline.with_name(timeline.stem + ".expected.json")
        assert normalised(json.loads(result.stdout)) == json.loads(golden.read_text(encoding="utf-8")), (
            timeline
        )


@requires_durable
def test_every_rule_test_case_passes_on_the_durable_engine(durable: DurableEvaluator) -> None:
    failed = []
    for case in CASES:
        result = run_case(case, RULES, evaluator=durable)
        if not result.passed:
            failed.append(f"{case.location}: {case.name}: {result.failures}")
    assert not failed
    assert len(CASES) > 50


def _case_files(folder: Path, count: int) -> None:
    source = (REPO / "timelines" / "liverpool-2023-0042.yaml").read_text(encoding="utf-8")
    for number in range(count):
        text = source.replace("LIV-2023-0042", f"LIV-{number}")
        (folder / f"case-{number}.yaml").write_text(text, encoding="utf-8")


class _Sabotaged(DurableEvaluator):
    """Sends ``signum`` to its worker just before matching its ``at_call``-th child."""

    def __init__(self, at_call: int, signum: int, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.at_call, self.signum, self.calls = at_call, signum, 0
        self.killed: list[int] = []

    def obligations(
        self, child: str, events: Sequence[Event], rules: Sequence[Rule], calendar: WorkingCalendar
    ) -> list[Obligation]:
        self.calls += 1
        if self.calls == self.at_call:
            self.killed = self.worker_pids()
            for pid in self.killed:
                os.kill(pid, self.signum)
        return super().obligations(child, events, rules, calendar)


def _run_folder(folder: Path, evaluator: DurableEvaluator) -> tuple[int, list[str], dict[str, Any]]:
    out = io.StringIO()
    result = run_check([folder], RULES, make_writer("json", out), as_of=None, evaluator=evaluator)
    return result.exit_code, result.left_out, json.loads(out.getvalue())


@requires_durable
@pytest.mark.parametrize(
    ("signum", "words"), [(signal.SIGSEGV, "crashed (SIGSEGV)"), (signal.SIGSTOP, "did not answer in time")]
)
def test_a_worker_killed_or_hung_mid_run_costs_only_its_case(tmp_path: Path, signum: int, words: str) -> None:
    _case_files(tmp_path, 4)
    with DurableEvaluator() as reference:
        code, left_out, expected = _run_folder(tmp_path, reference)
    assert code == 1 and not left_out
    # One call per child: sabotage the first child of the third case, LIV-2.
    children = len(timescales.load_timeline(REPO / "timelines" / "liverpool-2023-0042.yaml").children)
    with _Sabotaged(2 * children + 1, signum, timeout=3) as evaluator:
        code, left_out, report = _run_folder(tmp_path, evaluator)
        replacement = evaluator.worker_pids()
    assert evaluator.killed, "the worker was not running"
    assert code == 2
    assert len(left_out) == 1, left_out
    assert "engine failure" in left_out[0] and words in left_out[0] and "(case LIV-2)" in left_out[0]
    assert replacement and not set(replacement) & set(evaluator.killed)  # a new worker took over
    assert [c["case"] for c in report["cases"]] == ["LIV-0", "LIV-1", "LIV-3"]
    assert report["cases"] == [c for c in expected["cases"] if c["case"] != "LIV-2"]


def test_without_durable_rules_the_engine_option_says_what_to_install(tmp_path: Path) -> None:
    # A `durable` package that is not there: what a machine without the extra sees.
    (tmp_path / "durable").mkdir()
    (tmp_path / "durable" / "__init__.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'durable'\", name='durable')\n", encoding="utf-8"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    result = run("check", "timelines/liverpool-2023-0042.yaml", "--engine", "durable", env=env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert 'pip install "safeguarding-timescales[durable]"' in lines[0] or "Python 3.1" in lines[0]
    assert result.stdout == ""
