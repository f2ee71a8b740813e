"""End to end, as a council would work: the package built and installed on its own, a new
repository made with `timescales new-pack` in a folder outside this one, a rule edited, then lint,
test with coverage, diff and the pre-commit hooks, all with the installed command.

What the install proves, honestly: ``python -m build`` makes an sdist and, from that sdist, a wheel;
the wheel is installed (without its dependencies) into a new virtual environment that borrows the
test environment's third-party packages through a ``.pth`` line (a fresh download of every
dependency would cost CI minutes and needs the network). So the wheel's own contents (code, the
rule packs, templates, the ``timescales`` script, ``python -m timescales``) are what run; that its
dependency list installs is what CI's own ``pip install ".[test]"`` shows.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
PIP = (sys.executable, "-m", "pip")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``bin`` folder of a new environment with only the built wheel of this package."""
    root = tmp_path_factory.mktemp("install")
    dist = root / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(REPO)],
        check=True,
        capture_output=True,
    )
    (sdist,) = dist.glob("*.tar.gz")  # the wheel is built from it: the sdist is complete
    assert sdist.stat().st_size > 0
    (wheel,) = dist.glob("*.whl")
    env = root / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    env_python = env / "bin" / "python"
    purelib = subprocess.run(
        [str(env_python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    subprocess.run(
        [*PIP, "--python", str(env_python), "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
    )
    # The dependencies, from this environment, borrowed only after the wheel is in: were this
    # environment's own timescales visible first (CI installs it, not editable), pip would call the
    # wheel "already satisfied" and install nothing. The environment's own site-packages precede a
    # .pth path, so its timescales, the wheel's, is the one imported.
    borrowed = [*site.getsitepackages(), sysconfig.get_paths()["purelib"]]
    Path(purelib, "borrowed-dependencies.pth").write_text("\n".join(dict.fromkeys(borrowed)) + "\n")
    where = subprocess.run(
        [str(env_python), "-c", "import timescales, timescales.paths as p; print(p.shipped_rules_dir())"],
        check=True,
        capture_output=True,
        text=True,
        cwd=root,
    ).stdout.strip()
    assert Path(where).is_relative_to(env) and not Path(where).is_relative_to(REPO), where
    return env / "bin"


def _run(bin_dir: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run with the installed environment first on PATH (the hooks call `timescales` from it);
    pre-commit keeps its cache beside the repository, never in the user's home."""
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "PRE_COMMIT_HOME": str(cwd.parent / "pre-commit-home"),
    }
    env.pop("PYTHONPATH", None)
    return subprocess.run(list(args), cwd=cwd, env=env, capture_output=True, text=True, check=False)


CASE = """\
case: EX-2024-0001
authority: exampleshire
as_of: 2024-03-31
events:
  - {id: sd, type: strategy_discussion, date: 2024-01-08, section47: true}   # Mon
  - {id: c, type: icpc, date: 2024-01-24}                                   # working day 12
"""


def test_a_council_repository_from_new_pack_to_pre_commit(installed: Path, tmp_path: Path) -> None:
    repo = tmp_path / "exampleshire-rules"
    repo.mkdir()
    assert not repo.is_relative_to(REPO)
    timescales = str(installed / "timescales")

    made = _run(installed, repo, timescales, "new-pack", "exampleshire")
    assert made.returncode == 0, made.stderr
    assert (repo / "rules" / "exampleshire" / "pack.yaml").is_file() and not (
        repo / "rules" / "england"
    ).exists()
    # As generated: clean and fully tested.
    assert _run(installed, repo, timescales, "lint", "rules", "--strict").returncode == 0
    generated = _run(installed, repo, timescales, "test", "rules", "--coverage", "--fail-under", "100")
    assert generated.returncode == 0, generated.stdout + generated.stderr

    # The council's procedures say 10 working days: edit the rule and its tests.
    rule_file = repo / "rules" / "exampleshire" / "conferences.yaml"
    rule_file.write_text(
        rule_file.read_text()
        .replace("within: 15 working days", "within: 10 working days")
        .replace("icpc-within-15-working-days\n", "icpc-within-10-working-days\n", 1)
        .replace("within 15 working days of", "within 10 working days of")
    )
    tests_file = repo / "rules" / "exampleshire" / "conferences.tests.yaml"
    tests_file.write_text(
        tests_file.read_text()
        .replace(
            "rule: exampleshire.icpc-within-15-working-days", "rule: exampleshire.icpc-within-10-working-days"
        )
        .replace("2024-01-29", "2024-01-22")
        .replace("date: 2024-01-30", "date: 2024-01-23")
        .replace("15th working day", "10th working day")
        .replace("16th working day", "11th working day")
    )
    lint = _run(installed, repo, timescales, "lint", "rules", "--strict")
    assert lint.returncode == 0, lint.stdout
    tested = _run(installed, repo, timescales, "test", "rules", "--coverage", "--format", "json")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    record = json.loads(tested.stdout)
    assert record["summary"] == "6 passed, 0 failed"
    assert (
        record["coverage"]["summary"]["rules_tested"] == 1
        and record["coverage"]["summary"]["percent"] == 100.0
    )

    # What the change does to a case: on time against 15 working days, late against 10.
    (repo / "cases").mkdir()
    (repo / "cases" / "ex-0001.yaml").write_text(CASE)
    diff = _run(
        installed,
        repo,
        timescales,
        "diff",
        "cases",
        "--against-shipped",
        "--rules",
        "rules",
        "--format",
        "json",
    )
    assert diff.returncode == 1, diff.stderr
    changes = json.loads(diff.stdout)
    assert changes["summary"] == {"new": 0, "gone": 0, "changed": 1}
    (change,) = changes["changes"]
    assert (change["before"]["rule"], change["after"]["rule"]) == (
        "england.icpc-within-15-working-days",
        "exampleshire.icpc-within-10-working-days",
    )
    assert (change["before"]["status"], change["after"]["status"]) == ("met", "late")
    assert (change["before"]["due"], change["after"]["due"]) == ("2024-01-29", "2024-01-22")

    # The generated pre-commit hooks, as pre-commit runs them (local hooks: offline).
    git = shutil.which("git")
    assert git is not None
    for command in (["init", "-q"], ["add", "-A"]):
        subprocess.run([git, *command], cwd=repo, check=True, capture_output=True)
    hooks = _run(installed, repo, str(VENV_BIN / "pre-commit"), "run", "--all-files")
    assert hooks.returncode == 0, hooks.stdout + hooks.stderr
    assert "timescales lint (rule files)" in hooks.stdout and "Passed" in hooks.stdout
    # A broken rule fails the hook, with the file and line.
    rule_file.write_text(rule_file.read_text().replace("within: 10 working days", "within: 10 workdays"))
    subprocess.run([git, "add", "-A"], cwd=repo, check=True, capture_output=True)
    broken = _run(installed, repo, str(VENV_BIN / "pre-commit"), "run", "--all-files")
    assert broken.returncode == 1
    assert "rules/exampleshire/conferences.yaml:" in broken.stdout and "E305" in broken.stdout


def test_the_installed_package_runs_its_own_checks(installed: Path, tmp_path: Path) -> None:
    """`timescales test` and `python -m timescales` from the wheel alone, on its shipped packs."""
    tested = _run(installed, tmp_path, str(installed / "timescales"), "test")
    assert tested.returncode == 0, tested.stdout[-2000:]
    assert tested.stdout.splitlines()[-1].endswith("passed, 0 failed")
    module = _run(installed, tmp_path, str(installed / "python"), "-m", "timescales", "rules", "--path")
    assert module.returncode == 0 and Path(module.stdout.strip()).is_relative_to(installed.parent)
