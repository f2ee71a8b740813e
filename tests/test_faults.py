"""Faults: signals mid-census, full disks, unwritable places, an output that is an input, and
values that try to forge lines or reach the terminal."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from lxml import etree

from timescales.errors import Problem
from timescales.outputs.diagnostics import Check, render

COMMAND = str(Path(sys.executable).parent / "timescales")
REPO = Path(__file__).resolve().parent.parent
GOOD = """case: GOOD-1
as_of: 2024-03-31
events:
  - {id: sd1, type: strategy_discussion, date: 2023-11-06, section47: true}
  - {id: icpc1, type: icpc, date: 2023-11-29, outcome: plan}
"""


def _run(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [COMMAND, *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        **kwargs,  # type: ignore[call-overload]
    )


@pytest.fixture(scope="module")
def census(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("census") / "census.xml"
    subprocess.run(
        [sys.executable, str(REPO / "bench" / "gen_census.py"), "6000", str(path)],
        check=True,
        capture_output=True,
    )
    return path


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_mid_census_stops_workers_and_leaves_nothing_behind(
    tmp_path: Path, census: Path, signum: int, code: int
) -> None:
    spool_root = tmp_path / "tmp"
    spool_root.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    process = subprocess.Popen(
        [
            COMMAND,
            "check",
            str(census),
            "--jobs",
            "2",
            "--as-of",
            "2024-03-31",
            "--output",
            str(out / "r.json"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TMPDIR": str(spool_root)},
    )
    deadline = time.monotonic() + 60
    while not any(spool_root.iterdir()):  # the workers' spool folder: the run is mid-census
        assert process.poll() is None and time.monotonic() < deadline, "the run never reached its workers"
        time.sleep(0.02)
    time.sleep(0.3)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == code
    assert "Traceback" not in stderr
    assert (
        stderr.strip().splitlines()[-1]
        == f"error: stopped by {signal.Signals(signum).name}: no report was written"
    )
    assert list(spool_root.iterdir()) == []  # spool folder and files removed
    assert list(out.iterdir()) == []  # no report, not even the temporary one


def test_standard_output_to_a_full_disk_is_one_line(tmp_path: Path) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    (tmp_path / "good.yaml").write_text(GOOD)
    for args in (["check", str(tmp_path / "good.yaml")], ["lint"], ["rules", "--format", "json"]):
        with open("/dev/full", "w") as full:
            run = subprocess.run(
                [COMMAND, *args], stdout=full, stderr=subprocess.PIPE, text=True, check=False
            )
        assert run.returncode == 2, args
        assert run.stderr.strip().splitlines()[-1] == (
            "error: cannot write the report to standard output: No space left on device"
        )
        assert "Traceback" not in run.stderr and "Exception ignored" not in run.stderr


def test_a_folder_where_no_file_can_be_made_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(GOOD)
    target = "/proc/report.json"  # not writable even by root
    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o555)
        target = str(locked / "report.json")
    run = _run("check", str(tmp_path / "good.yaml"), "--output", target)
    assert run.returncode == 2
    assert run.stderr.strip().splitlines()[-1].startswith(f"error: cannot write the report to {target}: ")
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize("spelling", ["same", "relative", "dotted"])
def test_an_output_that_is_an_input_is_refused_before_anything_runs(tmp_path: Path, spelling: str) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(GOOD)
    other = tmp_path / "other.yaml"
    other.write_text(GOOD.replace("GOOD-1", "GOOD-2"))
    output = {"same": str(good), "relative": "good.yaml", "dotted": str(tmp_path / "." / "good.yaml")}[
        spelling
    ]
    run = _run("check", str(other), str(good), "--output", output, "--format", "json", cwd=tmp_path)
    assert run.returncode == 2
    assert "is also an input: the report would overwrite it" in run.stderr
    assert good.read_text() == GOOD


def test_a_newline_in_a_value_cannot_forge_an_error_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        'case: "B\\nerror: forged.yaml:1: fake"\nas_of: 2024-03-31\nevents:\n'
        '  - {id: r, type: report_shared, date: 2023-12-29, for: "x\\nerror: forged.yaml:2: fake"}\n'
    )
    (tmp_path / "good.yaml").write_text(GOOD)
    run = _run("check", str(bad), str(tmp_path / "good.yaml"))
    assert run.returncode == 2
    assert "forged.yaml" not in "".join(
        line for line in run.stderr.splitlines() if line.startswith("error: forged")
    )
    assert not any(line.startswith("error: forged") for line in run.stderr.splitlines())
    assert "\\nerror: forged.yaml:2: fake" in run.stderr
    assert "Case GOOD-1" in run.stdout


def test_terminal_escapes_in_ids_are_shown_not_obeyed(tmp_path: Path) -> None:
    path = tmp_path / "ansi.yaml"
    path.write_text(
        GOOD.replace("GOOD-1", '"X\\e]0;title\\aY\\e[2J"').replace("icpc1", '"i\\e]8;;http://x\\e\\\\"')
    )
    for fmt in ("text", "json", "junit"):
        run = _run("check", str(path), "--format", fmt, "--all")
        assert "\x1b" not in run.stdout and "\x07" not in run.stdout, fmt
        assert "\x1b" not in run.stderr
    text = _run("check", str(path)).stdout
    assert "X\\x1b]0;title\\x07Y\\x1b[2J" in text


def _hostile_problem(file: str = "rules/a,line=9:b.yaml") -> Problem:
    return Problem(file, 3, 5, "rules[0].id", "bad \x1b[31mvalue\x00 \ud800 \nerror: x", "E301", "a hint")


def test_github_annotations_escape_properties_and_data() -> None:
    text = render("github", "timescales lint", [Check("a", "f", None, (_hostile_problem(),))], "1 error")
    line = text.splitlines()[0]
    assert line.startswith("::error file=rules/a%2Cline=9%3Ab.yaml,line=3,col=5,title=E301::")
    assert "%0Aerror: x" in line and len(text.splitlines()) == 2


def test_junit_and_sarif_stay_well_formed_with_hostile_text() -> None:
    checks = [Check("n\x1bame", "dir with space/#a?.yaml", 1, (_hostile_problem("dir with space/#a?.yaml"),))]
    etree.fromstring(render("junit", "timescales lint", checks, "s").encode("utf-8", "surrogatepass"))
    sarif = json.loads(render("sarif", "timescales lint", checks, "s"))
    uri = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "dir%20with%20space/%23a%3F.yaml"
