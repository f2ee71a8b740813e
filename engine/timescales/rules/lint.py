"""`timescales lint`: every problem in rule folders, at once, with file, line and column.

Besides what the loader refuses (YAML syntax, duplicate keys, unknown keys, event types and
attribute values, bad periods, missing sources, overlapping or gapped versions, replaced rules that
do not exist, reused ids), lint checks:

* rule test files (unknown keys, rules that do not exist);
* published rule ids (``published-ids.yaml`` in a rules folder): an id once shipped may not vanish
  or be renamed, because reports and other systems refer to it; a new id must be added there on
  purpose;
* periods whose unit the source leaves unclear (``10 days``): a warning, since both readings will
  be evaluated and a typo for "working days" would go unnoticed;
* rules with no test case (W401): a warning, since a rule nobody has run against a timeline may
  say something other than its author meant (``--strict`` makes every warning fail).

Every check runs on everything that parsed, so one run lists every problem: a rule with a bad
period still has its id, `replaces:`, versions and tests checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Problem, problem
from ..vocabulary import did_you_mean
from ..yamlsource import LMap, LSeq, read_yaml_file
from .cases import read_cases
from .loader import DeclaredRule, read_rule_folders
from .model import RuleSet
from .periods import Unit

PUBLISHED_IDS = "published-ids.yaml"


@dataclass
class LintResult:
    problems: list[Problem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    #: The folders could not be read at all (not there, not rule folders).
    unreadable: bool = False
    #: Warnings fail too (``timescales lint --strict``).
    strict: bool = False

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
        return 1 if self.errors or (self.strict and self.warnings) else 0


def lint(*paths: str | Path, strict: bool = False) -> LintResult:
    roots = [Path(p) for p in paths]
    result = LintResult(strict=strict)
    for root in roots:
        if not root.is_dir():
            result.problems.append(problem(str(root), "not a folder of rule packs", code="E300"))
            result.unreadable = True
    if result.unreadable:
        return result
    result.files = sorted(str(p) for root in roots for p in root.rglob("*.yaml"))
    folders = read_rule_folders(*roots)
    result.problems.extend(folders.problems)
    rules = folders.rules
    if rules is None:  # the vocabulary itself is unreadable: nothing can be checked against it
        return _sorted(result)
    # Below a rule file that could not be read, which ids exist is unknown: a test naming one, or
    # a published id, is not reported as missing (the unreadable file is; fix it and run again).
    unsure = [Path(f).parent.resolve() for f in folders.unreadable]
    cases, case_problems = read_cases(rules, roots, known=[d.id for d in folders.declared])
    tested = {case.rule for case in cases}
    result.problems.extend(
        p for p in case_problems if not (p.code == "E403" and Path(p.file).parent.resolve() in unsure)
    )
    for root in roots:
        if not any(folder.is_relative_to(root.resolve()) for folder in unsure):
            result.problems.extend(_published_ids(root, folders.declared))
    result.problems.extend(_unclear_units(rules))
    result.problems.extend(_untested(rules, tested))
    return _sorted(result)


def _sorted(result: LintResult) -> LintResult:
    result.problems.sort(key=lambda p: (p.file, p.line or 0, p.column or 0, p.code))
    return result


def _published_ids(root: Path, declared: tuple[DeclaredRule, ...]) -> list[Problem]:
    """Ids in ``published-ids.yaml`` must still exist; new ids must be added to it.

    A rule found to say nothing of its own (a local rule restating the national one) is listed
    under ``withdrawn:`` with the reason: its id may vanish from the packs but is never reused.
    """
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
    raw_withdrawn = data.get("withdrawn")
    withdrawn: dict[str, int] = {}
    found: list[Problem] = []
    if raw_withdrawn is not None:
        if not isinstance(raw_withdrawn, LSeq):
            return [problem(file, "expected `withdrawn:`, a list of {id, reason}", line=1, code="E350")]
        for index, item in enumerate(raw_withdrawn):
            line, column = raw_withdrawn.where(index)
            if not isinstance(item, LMap) or not isinstance(item.get("id"), str) or not item.get("reason"):
                found.append(
                    problem(
                        file,
                        "a withdrawn rule is written {id: <rule id>, reason: <why>}",
                        line=line,
                        column=column,
                        field=f"withdrawn[{index}]",
                        code="E350",
                    )
                )
                continue
            withdrawn[item["id"]] = index
    present = {r.id: r for r in declared if Path(r.file).resolve().is_relative_to(root.resolve())}
    listed = set()
    for index, rule_id in enumerate(published):
        listed.add(rule_id)
        if rule_id not in present and rule_id not in withdrawn:
            line, column = published.where(index)
            found.append(
                problem(
                    file,
                    f"rule {rule_id!r} was published and no longer exists: a rule id "
                    "is never renamed or removed (end it with `until:` instead, or list it "
                    "under `withdrawn:` with the reason)",
                    line=line,
                    column=column,
                    field=f"published[{index}]",
                    code="E351",
                    hint=did_you_mean(str(rule_id), list(present)),
                )
            )
    for rule_id, index in withdrawn.items():
        assert isinstance(raw_withdrawn, LSeq)
        line, column = raw_withdrawn.where(index)
        if rule_id in present:
            found.append(
                problem(
                    file,
                    f"rule {rule_id!r} is withdrawn and may not be used again",
                    line=line,
                    column=column,
                    field=f"withdrawn[{index}]",
                    code="E353",
                )
            )
        elif rule_id not in listed:
            found.append(
                problem(
                    file,
                    f"rule {rule_id!r} is withdrawn but was never published",
                    line=line,
                    column=column,
                    field=f"withdrawn[{index}]",
                    code="E353",
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


def _untested(rules: RuleSet, tested: set[str]) -> list[Problem]:
    """W401: a rule (not a draft) of the folders linted that no test case names."""
    return [
        problem(
            rule.file,
            f"rule {rule.id!r} has no test case: nothing shows it gives the findings its source means",
            line=rule.line,
            field="id",
            code="W401",
            severity="warning",
            hint="add a case naming it to a *.tests.yaml file beside the rule; "
            "`timescales test --coverage` shows what each rule's tests exercise",
        )
        for rule in rules.own_rules
        if rule.draft is None and rule.id not in tested
    ]


def _unclear_units(rules: RuleSet) -> list[Problem]:
    found: list[Problem] = []
    for rule in rules.own_rules:
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
