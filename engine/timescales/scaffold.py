"""`timescales new-pack NAME`: the files a council's own rules repository starts from.

The example rule restates the national initial-conference timescale as the council's own, with the
national rule's current source (read from the installed pack, so it is never a stale copy), and
``replaces:`` the national rule: the author changes the period and the source to the council's
procedures. As written, the pack lints clean (``--strict``) and its tests pass.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from .rules.loader import ID_PART, load_rules

DISTRIBUTION = "safeguarding-timescales"
#: The national rule the example restates and replaces.
NATIONAL_ICPC = "england.icpc-within-15-working-days"


@dataclass(frozen=True)
class ScaffoldFile:
    path: Path
    text: str


def install_requirement() -> str:
    """What CI should ``pip install``: the same source this copy came from, if that was a git
    repository (PEP 610's direct_url.json), else this version from the package index."""
    try:
        dist = metadata.distribution(DISTRIBUTION)
        direct = json.loads(dist.read_text("direct_url.json") or "null")
        version = dist.version
    except metadata.PackageNotFoundError:  # running from a source tree without installing
        return DISTRIBUTION
    if isinstance(direct, dict) and isinstance(direct.get("vcs_info"), dict):
        vcs = direct["vcs_info"]
        revision = vcs.get("requested_revision") or vcs.get("commit_id")
        return f"{DISTRIBUTION} @ git+{direct['url']}" + (f"@{revision}" if revision else "")
    return f"{DISTRIBUTION}=={version}"


def _yaml_text(value: str) -> str:
    """A YAML scalar for any text (JSON strings are valid YAML)."""
    return json.dumps(value, ensure_ascii=False)


def scaffold(
    name: str, into: Path, title: str | None = None, requirement: str | None = None
) -> list[ScaffoldFile]:
    """The files of a new council repository for pack ``name`` under ``into``."""
    if not ID_PART.fullmatch(name):
        raise ValueError(
            f"{name!r}: a pack name is lower-case words joined by hyphens, such as cheshire-east"
        )
    national = load_rules().rule(NATIONAL_ICPC)
    current = max(national.versions, key=lambda v: v.in_force_from)
    source = current.source
    source_lines = [
        f"          document: {_yaml_text(source.document)}",
        *([f"          edition: {_yaml_text(source.edition)}"] if source.edition else []),
        f"          section: {_yaml_text(source.section)}",
        *([f"          url: {_yaml_text(source.url)}"] if source.url else []),
        f"          evidence: {source.evidence}",
    ]
    rule_id = f"{name}.icpc-within-15-working-days"
    pack_title = title or f"{name.replace('-', ' ').title()} local safeguarding procedures"
    requirement = requirement or install_requirement()
    rules = into / "rules" / name
    pack = f"""\
# The council's own pack. It adds to the national pack installed with timescales (`extends`);
# `timescales rules --path` shows where that is. See the authoring guide (docs/authoring.md).
pack: {name}
title: {_yaml_text(pack_title)}
nation: england
authority: {name}
extends: england
# Days the council is closed, skipped when counting working days for this pack's rules:
# non_working_days:
#   - {{date: 2024-12-27, name: council closure}}
"""
    rule = f"""\
rules:
  # An example to change: it restates the national timescale, with the national source, as this
  # council's rule. Where local procedures set a stricter one, change `within:`, the title, the id
  # and the `source:` to the procedures' own words, and the tests beside this file.
  # `replaces:` makes a case of this authority checked against this rule instead of the national
  # one: without it, one late conference would be two breaches.
  - id: {rule_id}
    title: Initial child protection conference within 15 working days of the strategy discussion
    replaces: {NATIONAL_ICPC}
    trigger: {{type: strategy_discussion, where: {{section47: true}}}}
    expects: {{type: icpc}}
    within: 15 working days
    cancelled_by:
      - {{type: section47_completed, where: {{outcome: no_icpc}}}}
    versions:
      - in_force: {{from: {current.in_force_from.isoformat()}}}
        source:
{chr(10).join(source_lines)}
"""
    tests = f"""\
# Each case is a small timeline and the findings one rule must give: the last day on time, the
# first day late, and the need ending early. `timescales test rules --coverage` shows what is left.
tests:
  - name: A conference on the 15th working day is on time
    rule: {rule_id}
    as_of: 2024-03-31
    events:
      - {{id: sd, type: strategy_discussion, date: 2024-01-08, section47: true}}   # Mon; WD15 = Mon 29 Jan
      - {{id: c, type: icpc, date: 2024-01-29}}
    expect:
      - {{status: met, due: 2024-01-29}}
  - name: A conference on the 16th working day is late
    rule: {rule_id}
    as_of: 2024-03-31
    events:
      - {{id: sd, type: strategy_discussion, date: 2024-01-08, section47: true}}
      - {{id: c, type: icpc, date: 2024-01-30}}
    expect:
      - {{status: late, due: 2024-01-29, late_by: {{working_days: "1"}}}}
  - name: No conference yet, and now overdue
    rule: {rule_id}
    as_of: 2024-03-31
    events:
      - {{id: sd, type: strategy_discussion, date: 2024-01-08, section47: true}}
    expect:
      - {{status: missing, due: 2024-01-29}}
  - name: No conference yet, and not yet due
    rule: {rule_id}
    as_of: 2024-01-20
    events:
      - {{id: sd, type: strategy_discussion, date: 2024-01-08, section47: true}}
    expect:
      - {{status: pending, due: 2024-01-29}}
  - name: No conference is needed when the enquiry ends without one
    rule: {rule_id}
    as_of: 2024-03-31
    events:
      - {{id: sd, type: strategy_discussion, date: 2024-01-08, section47: true}}
      - {{id: e, type: section47_completed, date: 2024-01-12, outcome: no_icpc}}
    expect:
      - {{status: cancelled}}
  - name: The national rule is not checked for this council (it is replaced)
    rule: {NATIONAL_ICPC}
    authority: {name}
    as_of: 2024-03-31
    events:
      - {{id: sd, type: strategy_discussion, date: 2024-01-08, section47: true}}
      - {{id: c, type: icpc, date: 2024-01-30}}
    expect: []
"""
    pre_commit = """\
# Checks the rule files before each commit, with the timescales installed in this environment
# (`pre-commit install` once; works offline). See docs/ci.md of safeguarding-timescales.
repos:
  - repo: local
    hooks:
      - id: timescales-lint
        name: timescales lint (rule files)
        entry: timescales lint rules --strict
        language: system
        files: ^rules/
        pass_filenames: false
      - id: timescales-test
        name: timescales test (rule test cases)
        entry: timescales test rules --coverage
        language: system
        files: ^rules/
        pass_filenames: false
"""
    note = (
        ""
        if "git+" in requirement
        else "      # Until safeguarding-timescales is on the package index, install it from its repository\n"
        '      # at a tag: "safeguarding-timescales @ git+URL@TAG" (new-pack --install writes it here).\n'
    )
    workflow = f"""\
# Lint and test the rule files on every push and pull request (see docs/ci.md of
# safeguarding-timescales). Pin the install to a tag, so a new release changes nothing unasked.
name: rules
on: [push, pull_request]
jobs:
  rules:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with: {{python-version: "3.12"}}
{note}      - run: pip install {_yaml_text(requirement)}
      - run: timescales lint rules --strict --format github
      - run: timescales test rules --coverage
"""
    return [
        ScaffoldFile(rules / "pack.yaml", pack),
        ScaffoldFile(rules / "conferences.yaml", rule),
        ScaffoldFile(rules / "conferences.tests.yaml", tests),
        ScaffoldFile(into / ".pre-commit-config.yaml", pre_commit),
        ScaffoldFile(into / ".github" / "workflows" / "timescales-rules.yml", workflow),
    ]
