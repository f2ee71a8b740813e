"""`timescales lint`: every problem in rule folders, at once, with file, line and column.

Besides what the loader refuses (YAML syntax, duplicate keys, unknown keys, event types and
attribute values, bad periods, missing sources, overlapping or gapped versions, replaced rules that
do not exist, reused ids), lint checks:

* rule test files (unknown keys, rules that do not exist);
* published rule ids (``published-ids.yaml`` in a rules folder): an id once shipped may not vanish
  or be renamed, because reports and other systems refer to it; a new id must be added there on
  purpose;
* periods whose unit the source leaves unclear (``10 days``): a warning, since both readings will
  be evaluated and a typo for "working days" would go unnoticed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Problem, RuleFileError, problem
from ..vocabulary import did_you_mean
from ..yamlsource import LMap, LSeq, read_yaml_file
from .cases import collect_cases
from .loader import load_rules
from .model import RuleSet
from .periods import Unit

PUBLISHED_IDS = "published-ids.yaml"


@dataclass
class LintResult:
    problems: list[Problem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    #: The folders could not be read at all (not there, not rule folders).
    unreadable: bool = False

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def exit_code(self) -> int:
        if self.unreadable:
            return 2
        return 1 if self.errors else 0


def lint(*paths: str | Path) -> LintResult:
    roots = [Path(p) for p in paths]
    result = LintResult()
    for root in roots:
        if not root.is_dir():
            result.problems.append(problem(str(root), "not a folder of rule packs", code="E300"))
            result.unreadable = True
    if result.unreadable:
        return result
    result.files = sorted(str(p) for root in roots for p in root.rglob("*.yaml"))
    try:
        rules = load_rules(*roots)
    except RuleFileError as error:
        result.problems.extend(error.problems)
        return _sorted(result)
    try:
        list(collect_cases(rules, roots))
    except RuleFileError as error:
        result.problems.extend(error.problems)
    for root in roots:
        result.problems.extend(_published_ids(root, rules))
    result.problems.extend(_unclear_units(rules))
    return _sorted(result)


def _sorted(result: LintResult) -> LintResult:
    result.problems.sort(key=lambda p: (p.file, p.line or 0, p.column or 0, p.code))
    return result


def _published_ids(root: Path, rules: RuleSet) -> list[Problem]:
    """Ids in ``published-ids.yaml`` must still exist; new ids must be added to it."""
    path = root / PUBLISHED_IDS
    if not path.is_file():
        return []
    data, problems = read_yaml_file(path)
    if problems:
        return problems
    file = str(path)
    if not isinstance(data, LMap) or not isinstance(data.get("published"), LSeq):
        return [problem(file, "expected `published:`, a list of rule ids", line=1, code="E350")]
    published: LSeq = data["published"]
    present = {r.id: r for r in rules.rules if str(Path(r.file).resolve()).startswith(str(root.resolve()))}
    found: list[Problem] = []
    listed = set()
    for index, rule_id in enumerate(published):
        listed.add(rule_id)
        if rule_id not in present:
            line, column = published.where(index)
            found.append(
                problem(
                    file,
                    f"rule {rule_id!r} was published and no longer exists: a rule id "
                    "is never renamed or removed (end it with `until:` instead)",
                    line=line,
                    column=column,
                    field=f"published[{index}]",
                    code="E351",
                    hint=did_you_mean(str(rule_id), list(present)),
                )
            )
    for rule_id, rule in sorted(present.items()):
        if rule_id not in listed:
            found.append(
                problem(
                    rule.file,
                    f"rule {rule_id!r} is not in {PUBLISHED_IDS}: add it there "
                    "when the rule is ready to publish",
                    line=rule.line,
                    field="id",
                    code="E352",
                )
            )
    return found


def _unclear_units(rules: RuleSet) -> list[Problem]:
    found: list[Problem] = []
    for rule in rules.rules:
        unclear = {
            v.period.describe()
            for v in rule.versions
            if v.period.unit is Unit.DAYS_UNSTATED and not v.period.unstated_on_purpose
        }
        for text in sorted(unclear):
            found.append(
                problem(
                    rule.file,
                    f"'{text}' does not say which kind of day: both readings will be evaluated "
                    "and findings where they disagree marked uncertain",
                    line=rule.line,
                    field=rule.id,
                    code="W301",
                    severity="warning",
                    hint="write 'working days' or 'calendar days' if the source says which, "
                    "or '... days (unit not stated)' if it does not",
                )
            )
    return found
