"""The repository stands alone: a clone holds everything its docs, code and tests refer to."""

from __future__ import annotations

import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# Spelled in pieces so this file does not cite them itself.
OUTSIDE_REFERENCES = ("SPEC" + ".md", "../" + "shared", "/work/" + "shared")


def _repository_files() -> list[Path]:
    """Every file git tracks or would track (untracked but not ignored), else every file on disk."""
    try:
        listed = subprocess.run(
            ["git", "-C", str(REPO), "ls-files", "--cached", "--others", "--exclude-standard"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):  # an unpacked sdist: no git
        return [p for p in REPO.rglob("*") if p.is_file() and ".venv" not in p.parts]
    return [REPO / name for name in listed if (REPO / name).is_file()]


def test_no_file_cites_material_outside_the_repository() -> None:
    citing = []
    for path in _repository_files():
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue  # binary files
        for needle in OUTSIDE_REFERENCES:
            if needle in text:
                line = text[: text.index(needle)].count("\n") + 1
                citing.append(f"{path.relative_to(REPO)}:{line}: {needle}")
    assert not citing, "files refer to material a clone does not have:\n" + "\n".join(citing)


def test_the_cin_schemas_and_samples_the_tests_use_are_committed() -> None:
    data = REPO / "tests" / "data" / "cin"
    assert len(list((data / "xsd").glob("CIN_schema_*.xsd"))) == 7  # 2017, 2021 to 2026
    assert len(list((data / "samples").glob("*.xml"))) == 7
    assert (data / "README.md").is_file()  # where each file comes from


def test_every_golden_report_matches_the_report_schema() -> None:
    """schemas/report.schema.json (generated) holds for every committed expected report, and for a
    report made now, so the published contract and the writer cannot drift apart."""
    import json
    import os
    import sys

    import jsonschema

    schema = json.loads((REPO / "schemas" / "report.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    goldens = sorted(REPO.glob("timelines/**/*.expected.json"))
    assert len(goldens) >= 5
    for golden in goldens:
        errors = [
            f"{'/'.join(map(str, e.path))}: {e.message}"
            for e in validator.iter_errors(json.loads(golden.read_text()))
        ]
        assert not errors, f"{golden.relative_to(REPO)}: {errors[:5]}"
    fresh = subprocess.run(
        [
            str(Path(sys.executable).parent / "timescales"),
            "check",
            str(REPO / "timelines"),
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        check=False,
        env=os.environ,
    )
    assert fresh.returncode in (0, 1, 2), fresh.stderr
    validator.validate(json.loads(fresh.stdout))
    # And it is not a schema that accepts anything.
    broken = json.loads(goldens[0].read_text())
    broken["cases"][0]["findings"][0]["status"] = "late-ish"
    assert not validator.is_valid(broken)
