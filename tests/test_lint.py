"""Rule-file CI: mutated copies of the shipped rules must each be caught at the right file and line,
every problem in one run, in every output format; and the JSON Schemas agree with lint."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import jsonschema
import pytest
import yaml

from timescales.paths import shipped_rules_dir
from timescales.rules.lint import lint
from timescales.schemas import all_schemas, render
from timescales.vocabulary import load_vocabulary

REPO = Path(__file__).resolve().parent.parent
COMMAND = str(Path(sys.executable).parent / "timescales")
WT = "england/working-together.yaml"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([COMMAND, *args], capture_output=True, text=True, check=False, env=os.environ)


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    """The shipped rules, with a frozen copy of the Working Together file (and its tests) whose lines
    the tests below mutate by number (the shipped file changes as editions are added)."""
    target = tmp_path / "rules"
    shutil.copytree(REPO / "rules", target)
    frozen = Path(__file__).parent / "data" / "lint"
    shutil.copy(frozen / "working-together.yaml", target / WT)
    shutil.copy(frozen / "working-together.tests.yaml", target / "england" / "working-together.tests.yaml")
    return target


def mutate(root: Path, relative: str, line: int, old: str, new: str | None) -> None:
    """Replace ``old`` with ``new`` on 1-based ``line`` (``new=None`` deletes the line)."""
    path = root / relative
    lines = path.read_text(encoding="utf-8").split("\n")
    assert old in lines[line - 1], f"line {line} of {relative} is {lines[line - 1]!r}, not {old!r}"
    if new is None:
        del lines[line - 1]
    else:
        lines[line - 1] = lines[line - 1].replace(old, new)
    path.write_text("\n".join(lines), encoding="utf-8")


def codes_at(root: Path) -> set[tuple[str, int | None, str]]:
    return {(Path(p.file).relative_to(root).as_posix(), p.line, p.code) for p in lint(root).problems}


def test_the_shipped_rules_are_clean() -> None:
    result = run("lint")
    assert result.returncode == 0, result.stdout
    assert result.stdout.startswith("0 errors")


def test_a_truncated_file_is_a_syntax_error_at_its_last_line(rules_copy: Path) -> None:
    path = rules_copy / WT
    text = path.read_text(encoding="utf-8")
    cut = text.index("{type: strategy_discussion, where: {") + len("{type: strategy_discussion, wh")
    path.write_text(text[:cut], encoding="utf-8")
    (problem,) = lint(rules_copy).problems
    assert (Path(problem.file).name, problem.code) == ("working-together.yaml", "E001")
    assert problem.line == text[:cut].count("\n") + 1 or problem.line == text[:cut].count("\n") + 2


def test_a_repeated_key_is_caught_on_its_line(rules_copy: Path) -> None:
    mutate(rules_copy, WT, 64, "title:", "title: Again\n    title:")
    assert (WT, 65, "E003") in codes_at(rules_copy)


def test_a_misspelt_event_type_is_caught_with_a_suggestion(rules_copy: Path) -> None:
    mutate(rules_copy, WT, 67, "strategy_discussion", "strategy_discusion")
    (problem,) = [p for p in lint(rules_copy).problems if p.code == "E330"]
    assert (problem.line, problem.column) == (67, 21)
    assert problem.hint == "did you mean 'strategy_discussion'?"


def test_a_removed_source_is_caught_on_its_version(rules_copy: Path) -> None:
    mutate(rules_copy, WT, 81, "source:", None)
    assert (WT, 80, "E320") in codes_at(rules_copy)


def test_an_inverted_in_force_period_is_caught(rules_copy: Path) -> None:
    mutate(
        rules_copy, WT, 80, "{from: 2015-03-26, until: 2018-07-04}", "{from: 2018-07-04, until: 2015-03-26}"
    )
    found = codes_at(rules_copy)
    assert (WT, 80, "E310") in found


def test_overlapping_editions_are_caught(rules_copy: Path) -> None:
    mutate(rules_copy, WT, 80, "until: 2018-07-04", "until: 2019-01-01")
    assert any(code == "E312" and file == WT for file, _, code in codes_at(rules_copy))


def test_an_unknown_key_gets_a_did_you_mean(rules_copy: Path) -> None:
    mutate(rules_copy, WT, 64, "title:", "titel:")
    problems = {p.code: p for p in lint(rules_copy).problems}
    assert problems["E301"].hint == "did you mean 'title'?" and problems["E301"].line == 64


def test_a_bad_attribute_value_is_caught(rules_copy: Path) -> None:
    mutate(rules_copy, WT, 67, "section47: true", "section47: maybe")
    assert (WT, 67, "E332") in codes_at(rules_copy)


def test_a_renamed_rule_id_is_caught_both_ways(rules_copy: Path) -> None:
    mutate(rules_copy, WT, 63, "england.icpc-within-15-working-days", "england.icpc-in-15-working-days")
    found = codes_at(rules_copy)
    assert ("published-ids.yaml", 7, "E351") in found
    assert (WT, 63, "E352") in found


def test_a_local_pack_replacing_a_missing_national_rule_is_caught(rules_copy: Path) -> None:
    pack = rules_copy / "testshire"
    pack.mkdir()
    (pack / "pack.yaml").write_text("pack: testshire\ntitle: T\nauthority: testshire\nextends: england\n")
    (pack / "rules.yaml").write_text(
        "rules:\n  - id: testshire.icpc\n    title: ICPC\n    replaces: england.icpc-within-15-workdays\n"
        "    trigger: {type: strategy_discussion}\n    expects: {type: icpc}\n    within: 10 working days\n"
        "    versions:\n      - in_force: {from: 2020-01-01}\n"
        "        source: {document: T, section: '1', evidence: seed}\n"
    )
    problems = [p for p in lint(rules_copy).problems if p.code == "E343"]
    assert len(problems) == 1 and problems[0].line == 2
    assert problems[0].hint == "did you mean 'england.icpc-within-15-working-days'?"


def test_every_problem_in_every_file_is_reported_in_one_run(rules_copy: Path) -> None:
    mutate(rules_copy, WT, 67, "strategy_discussion", "strategy_discusion")
    mutate(
        rules_copy, WT, 80, "{from: 2015-03-26, until: 2018-07-04}", "{from: 2018-07-04, until: 2015-03-26}"
    )
    mutate(rules_copy, "england/complaints.yaml", 26, "10 working days", "10 workdays")
    found = codes_at(rules_copy)
    assert {(WT, 67, "E330"), (WT, 80, "E310"), ("england/complaints.yaml", 26, "E305")} <= found


def test_output_formats_carry_real_lines(rules_copy: Path) -> None:
    mutate(rules_copy, WT, 67, "strategy_discussion", "strategy_discusion")
    text = run("lint", str(rules_copy))
    assert text.returncode == 1
    assert f"{rules_copy / WT}:67:21: error[E330] rules[2].trigger.type: unknown event type" in text.stdout
    github = run("lint", str(rules_copy), "--format", "github").stdout
    assert f"::error file={rules_copy / WT},line=67,col=21,title=E330::" in github
    junit = ElementTree.fromstring(run("lint", str(rules_copy), "--format", "junit").stdout)
    assert junit.get("failures") == "1"
    sarif = json.loads(run("lint", str(rules_copy), "--format", "sarif").stdout)
    (result,) = sarif["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 67, "startColumn": 21}
    report = json.loads(run("lint", str(rules_copy), "--format", "json").stdout)
    assert report["problems"][0]["line"] == 67


def test_an_unreadable_folder_exits_2(tmp_path: Path) -> None:
    assert run("lint", str(tmp_path / "nowhere")).returncode == 2


def test_rule_tests_report_failures_with_file_and_line(rules_copy: Path) -> None:
    tests = rules_copy / "england" / "complaints.tests.yaml"
    text = tests.read_text()
    tests.write_text(text.replace("- {status: met, due: 2023-12-27}", "- {status: met, due: 2023-12-28}", 1))
    result = run("test", str(rules_copy))
    assert result.returncode == 1
    assert f"FAILED {tests}:3: A stage 1 response on the 10th working day" in result.stdout
    assert "due expected '2023-12-28', got '2023-12-27'" in result.stdout
    assert result.stdout.strip().splitlines()[-1].endswith("passed, 1 failed")
    junit = ElementTree.fromstring(run("test", str(rules_copy), "--format", "junit").stdout)
    assert junit.get("failures") == "1"


# -- JSON Schemas ---------------------------------------------------------------------------------


class _Yaml12Loader(yaml.SafeLoader):
    """Reads YAML as an editor's YAML 1.2 language server does: dates stay strings."""


_Yaml12Loader.yaml_implicit_resolvers = {
    key: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

SCHEMAS = all_schemas(load_vocabulary(shipped_rules_dir() / "vocabulary.yaml"))


def schema_for(path: Path) -> dict[str, Any]:
    if path.name == "pack.yaml":
        return SCHEMAS["pack.schema.json"]
    if path.name.endswith(".tests.yaml"):
        return SCHEMAS["rule-tests.schema.json"]
    return SCHEMAS["rule-file.schema.json"]


def schema_errors(path: Path) -> list[str]:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Yaml12Loader)
    validator = jsonschema.Draft202012Validator(schema_for(path))
    return [e.message for e in validator.iter_errors(data)]


def test_the_committed_schemas_are_current() -> None:
    for name, schema in SCHEMAS.items():
        committed = (REPO / "schemas" / name).read_text(encoding="utf-8")
        assert committed == render(schema), (
            f"schemas/{name} is stale: run python -m timescales.schemas schemas"
        )


def test_the_schemas_accept_every_shipped_file() -> None:
    files = [
        p for p in (REPO / "rules").rglob("*.yaml") if p.name not in ("vocabulary.yaml", "published-ids.yaml")
    ]
    for path in files:
        assert schema_errors(path) == [], path
    for timeline in (REPO / "timelines").rglob("*.yaml"):
        data = yaml.load(timeline.read_text(), Loader=_Yaml12Loader)
        jsonschema.validate(data, SCHEMAS["timeline.schema.json"])


STRUCTURAL = [
    (67, "strategy_discussion", "strategy_discusion"),
    (67, "section47: true", "section47: maybe"),
    (64, "title:", "titel:"),
    (69, "15 working days", "15 workdays"),
    (
        81,
        'source: {<<: *wt-icpc, edition: "2015"}',
        "source: {document: X, section: '1', evidence: recalled}",
    ),
]


@pytest.mark.parametrize(("line", "old", "new"), STRUCTURAL, ids=[m[2] for m in STRUCTURAL])
def test_lint_and_the_schema_agree_on_structural_mistakes(
    rules_copy: Path, line: int, old: str, new: str
) -> None:
    mutate(rules_copy, WT, line, old, new)
    assert schema_errors(rules_copy / WT), "the schema accepted a mistake lint refuses"
    assert [p for p in lint(rules_copy).errors if Path(p.file).name == "working-together.yaml"]


def test_the_rule_catalogue_in_docs_is_current() -> None:
    from timescales.catalogue import render as render_catalogue
    from timescales.rules.loader import load_rules

    committed = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    assert committed == render_catalogue(load_rules()), (
        "docs/rules.md is stale: python -m timescales.catalogue"
    )


def _council_folder(tmp_path: Path, rules_yaml: str, pack_yaml: str | None = None) -> Path:
    """A council's own repository: its pack only, no copy of the national pack."""
    root = tmp_path / "council-rules"
    pack = root / "testshire"
    pack.mkdir(parents=True)
    (pack / "pack.yaml").write_text(
        pack_yaml or "pack: testshire\ntitle: T\nauthority: testshire\nextends: england\n"
    )
    (pack / "rules.yaml").write_text(rules_yaml)
    return root


LOCAL_ICPC = (
    "rules:\n  - id: testshire.icpc\n    title: ICPC\n    replaces: england.icpc-within-15-working-days\n"
    "    trigger: {type: strategy_discussion, where: {section47: true}}\n    expects: {type: icpc}\n"
    "    within: 10 working days\n"
    "    versions:\n      - in_force: {from: 2020-01-01}\n"
    "        source: {document: T, section: '1', evidence: seed}\n"
)


def test_extends_england_resolves_to_the_installed_national_pack(tmp_path: Path) -> None:
    root = _council_folder(tmp_path, LOCAL_ICPC)
    result = lint(root)
    assert result.errors == [], "\n".join(map(str, result.errors))
    # Only the council's own files are linted and warned about (its rule has no test yet).
    assert {p.code for p in result.warnings} == {"W401"}
    assert all(str(root) in p.file for p in result.problems)


def test_an_unknown_extends_names_the_packs_that_exist(tmp_path: Path) -> None:
    root = _council_folder(
        tmp_path, LOCAL_ICPC, "pack: testshire\ntitle: T\nauthority: testshire\nextends: englnd\n"
    )
    (found,) = [p for p in lint(root).problems if p.code == "E342"]
    assert "installed with timescales" in found.message and "--rules" not in str(found)
    assert found.hint == "did you mean 'england'?"


def test_a_folder_with_its_own_england_uses_it_not_the_installed_one(tmp_path: Path) -> None:
    root = _council_folder(tmp_path, LOCAL_ICPC)
    own = root / "england"
    own.mkdir()
    (own / "pack.yaml").write_text("pack: england\ntitle: A different national pack\n")
    problems = [p for p in lint(root).problems if p.code == "E343"]
    # Its own england has no ICPC rule, so the local rule replaces nothing that exists.
    assert len(problems) == 1 and "england.icpc-within-15-working-days" in problems[0].message


def test_lint_reports_structure_overlaps_and_replaces_in_one_run(tmp_path: Path) -> None:
    """The three waves a new author used to meet, in one run: a bad period, overlapping
    versions and an unknown `replaces:` target, all in the same rule."""
    rules = (
        "rules:\n  - id: testshire.icpc\n    title: ICPC\n    replaces: england.icpc-within-15-workdays\n"
        "    trigger: {type: strategy_discussion}\n    expects: {type: icpc}\n"
        "    within: 10 workdays\n"
        "    versions:\n      - in_force: {from: 2020-01-01}\n"
        "        source: {document: T, section: '1', evidence: seed}\n"
        "      - in_force: {from: 2021-01-01}\n"
        "        source: {document: T, section: '2', evidence: seed}\n"
    )
    root = _council_folder(tmp_path, rules)
    codes = {p.code for p in lint(root).errors}
    assert {"E305", "E312", "E343"} <= codes


def test_a_broken_pack_file_still_has_its_rules_checked(tmp_path: Path) -> None:
    root = _council_folder(tmp_path, LOCAL_ICPC.replace("strategy_discussion", "strategy_discusion"))
    (root / "testshire" / "pack.yaml").write_text("pack: testshire\ntitle: [unclosed\n")
    codes = {p.code for p in lint(root).errors}
    assert {"E001", "E330"} <= codes


def test_a_repeated_key_does_not_hide_the_rest_of_the_file(tmp_path: Path) -> None:
    rules = LOCAL_ICPC.replace("    title: ICPC\n", "    title: ICPC\n    title: again\n").replace(
        "10 working days", "10 workdays"
    )
    codes = {p.code for p in lint(_council_folder(tmp_path, rules)).errors}
    assert "E305" in codes and len(codes) == 2  # the repeated key and the bad period


def test_a_rule_with_no_test_is_a_warning_and_strict_makes_it_fail(tmp_path: Path) -> None:
    root = _council_folder(tmp_path, LOCAL_ICPC)
    relaxed = run("lint", str(root))
    assert relaxed.returncode == 0, relaxed.stdout
    assert "warning[W401]" in relaxed.stdout and "'testshire.icpc' has no test case" in relaxed.stdout
    strict = run("lint", str(root), "--strict")
    assert strict.returncode == 1
    (root / "testshire" / "rules.tests.yaml").write_text(
        "tests:\n  - name: on time\n    rule: testshire.icpc\n    as_of: 2024-03-01\n    events:\n"
        "      - {id: s, type: strategy_discussion, date: 2024-01-08, section47: true}\n"
        "      - {id: c, type: icpc, date: 2024-01-22}\n    expect:\n      - {status: met}\n"
    )
    assert run("lint", str(root), "--strict").returncode == 0
