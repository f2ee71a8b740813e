"""Reading rule folders: packs, rule files and the vocabulary, checked before use.

Layout of a rules folder (``rules/`` ships one)::

    vocabulary.yaml              # event types (optional in a user folder: the shipped one is used)
    <pack>/pack.yaml             # the pack: id, title, nation, authority, extra non-working days
    <pack>/<topic>.yaml          # `rules:` a list of rules
    <pack>/<topic>.tests.yaml    # the rules' own test cases (see timescales.rules.cases)

A folder that holds ``pack.yaml`` itself is one pack. Every problem in every file is collected
and reported together as ``file:line:column: field: message``; nothing is half-loaded.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterable
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ..calendar import NATIONS
from ..errors import Problem, RuleFileError, problem
from ..paths import shipped_rules_dir
from ..vocabulary import Vocabulary, did_you_mean, load_vocabulary
from ..yamlsource import LMap, LSeq, read_yaml_file
from .checker import Checker
from .model import (
    AT_LEAST_BEFORE,
    WITHIN,
    EventPattern,
    Extension,
    Pack,
    Repeat,
    Rule,
    RuleSet,
    RuleVersion,
    Source,
)
from .periods import Period

PACK_KEYS = ("pack", "title", "nation", "authority", "extends", "non_working_days", "description")
RULE_KEYS = (
    "id",
    "title",
    "trigger",
    "expects",
    "within",
    "at_least_before",
    "extension",
    "repeat",
    "cancelled_by",
    "versions",
    "replaces",
    "draft",
    "notes",
)
VERSION_KEYS = ("in_force", "source", "within", "at_least_before", "extension", "repeat", "notes")
SOURCE_KEYS = ("document", "edition", "section", "url", "evidence", "note")
PATTERN_KEYS = ("type", "where", "for")
EVIDENCE = ("verified", "restated", "seed")
ID_PART = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


def load_rules(*paths: str | Path) -> RuleSet:
    """Load rule folders (the shipped ``rules/`` when none is given); raise on any problem.

    Raises :class:`RuleFileError` listing every problem in every file.
    """
    roots = [Path(p) for p in paths] or [shipped_rules_dir()]
    problems: list[Problem] = []
    vocabulary = _vocabulary_for(roots, problems)
    if vocabulary is None:
        raise RuleFileError(problems)
    packs: list[Pack] = []
    for root in roots:
        if not root.is_dir():
            problems.append(problem(str(root), "not a folder of rule packs", code="E300"))
            continue
        for pack_file in pack_files(root):
            pack = _load_pack(pack_file, vocabulary, problems)
            if pack is not None:
                packs.append(pack)
    if not packs and not problems:
        problems.append(problem(str(roots[0]), "no rule packs found (no pack.yaml below it)", code="E300"))
    problems.extend(_check_across_packs(packs))
    if problems:
        raise RuleFileError(problems)
    packs.sort(key=lambda p: (p.authority is not None, p.id))
    return RuleSet(tuple(packs), vocabulary, tuple(str(r) for r in roots))


def _vocabulary_for(roots: Iterable[Path], problems: list[Problem]) -> Vocabulary | None:
    candidates = [r / "vocabulary.yaml" for r in roots if (r / "vocabulary.yaml").is_file()]
    path = candidates[0] if candidates else shipped_rules_dir() / "vocabulary.yaml"
    try:
        return load_vocabulary(path)
    except RuleFileError as error:
        problems.extend(error.problems)
        return None


def pack_files(root: Path) -> list[Path]:
    if (root / "pack.yaml").is_file():
        return [root / "pack.yaml"]
    return sorted(root.rglob("pack.yaml"))


def rule_files(pack_file: Path) -> list[Path]:
    """The rule files of a pack: every ``*.yaml`` beside ``pack.yaml`` but its tests."""
    return sorted(
        p
        for p in pack_file.parent.glob("*.yaml")
        if p.name != "pack.yaml" and not p.name.endswith(".tests.yaml")
    )


def test_files(pack_file: Path) -> list[Path]:
    return sorted(pack_file.parent.glob("*.tests.yaml"))


def _load_pack(pack_file: Path, vocabulary: Vocabulary, problems: list[Problem]) -> Pack | None:
    file = str(pack_file)
    data, parse_problems = read_yaml_file(pack_file)
    problems.extend(parse_problems)
    if parse_problems:
        return None
    check = Checker(file, problems)
    if not isinstance(data, LMap):
        check.add(None, None, "", "a pack file must be a mapping with `pack:` and `title:`", "E300")
        return None
    check.keys(data, PACK_KEYS, "")
    pack_id = check.text(data, "pack", "")
    if pack_id is not None and not ID_PART.fullmatch(pack_id):
        check.add(data, "pack", "pack", "a pack id is lower-case words joined by hyphens", "E306")
    title = check.text(data, "title", "") or ""
    nation = check.text(data, "nation", "", required=False) or "england"
    if nation not in NATIONS:
        check.add(
            data,
            "nation",
            "nation",
            f"unknown nation {nation!r}",
            "E307",
            did_you_mean(nation, list(NATIONS)),
        )
    authority = check.text(data, "authority", "", required=False)
    if authority is not None and not ID_PART.fullmatch(authority):
        check.add(
            data,
            "authority",
            "authority",
            "an authority id is lower-case words joined by hyphens, such as cheshire-east",
            "E306",
        )
    extends = check.text(data, "extends", "", required=False)
    non_working: dict[dt.date, str] = {}
    raw_days = data.get("non_working_days")
    if raw_days is not None:
        if not isinstance(raw_days, LSeq):
            check.add(data, "non_working_days", "non_working_days", "expected a list of {date, name}", "E303")
        else:
            for index, item in enumerate(raw_days):
                path = f"non_working_days[{index}]."
                if not isinstance(item, LMap):
                    check.add(raw_days, index, path.rstrip("."), "expected {date, name}", "E303")
                    continue
                check.keys(item, ("date", "name"), path)
                day = check.date(item, "date", path)
                name = check.text(item, "name", path)
                if day is not None and name is not None:
                    non_working[day] = name
    if pack_id is None:
        return None
    rules: list[Rule] = []
    for rule_file in rule_files(pack_file):
        rules.extend(_load_rule_file(rule_file, pack_id, authority, vocabulary, problems))
    return Pack(pack_id, title, nation, authority, tuple(rules), MappingProxyType(non_working), file, extends)


def _load_rule_file(
    path: Path, pack_id: str, authority: str | None, vocabulary: Vocabulary, problems: list[Problem]
) -> list[Rule]:
    data, parse_problems = read_yaml_file(path)
    problems.extend(parse_problems)
    if parse_problems:
        return []
    check = Checker(str(path), problems)
    if not isinstance(data, LMap) or not isinstance(data.get("rules"), LSeq):
        check.add(
            data if isinstance(data, LMap) else None,
            "rules",
            "rules",
            "a rule file must hold `rules:`, a list of rules",
            "E300",
        )
        return []
    check.keys(data, ("rules",), "")
    rules: list[Rule] = []
    raw_rules: LSeq = data["rules"]
    for index, raw in enumerate(raw_rules):
        if not isinstance(raw, LMap):
            check.add(raw_rules, index, f"rules[{index}]", "a rule must be a mapping", "E300")
            continue
        rule = _load_rule(raw, f"rules[{index}].", pack_id, authority, vocabulary, check)
        if rule is not None:
            rules.append(rule)
    return rules


def _load_rule(
    data: LMap, path: str, pack_id: str, authority: str | None, vocabulary: Vocabulary, check: Checker
) -> Rule | None:
    before = len(check.problems)
    check.keys(data, RULE_KEYS, path)
    rule_id = check.text(data, "id", path)
    if rule_id is not None:
        prefix = f"{pack_id}."
        if not rule_id.startswith(prefix) or not ID_PART.fullmatch(rule_id[len(prefix) :]):
            check.add(
                data,
                "id",
                f"{path}id",
                f"a rule id is `{prefix}` followed by lower-case words joined by hyphens",
                "E306",
            )
    title = check.text(data, "title", path)
    draft = check.text(data, "draft", path, required=False)
    triggers = _triggers(data, path, vocabulary, check)
    expects = _pattern(data, "expects", path, vocabulary, check, allow_for=True)
    cancelled: list[EventPattern] = []
    raw_cancel = data.get("cancelled_by")
    if raw_cancel is not None:
        if not isinstance(raw_cancel, LSeq):
            check.add(data, "cancelled_by", f"{path}cancelled_by", "expected a list of events", "E303")
        else:
            for index in range(len(raw_cancel)):
                pattern = _pattern(
                    raw_cancel,
                    index,
                    f"{path}cancelled_by",
                    vocabulary,
                    check,
                    allow_for=False,
                    label=f"[{index}]",
                )
                if pattern is not None:
                    cancelled.append(pattern)
    replaces: tuple[str, ...] = ()
    raw_replaces = data.get("replaces")
    if raw_replaces is not None:
        if isinstance(raw_replaces, str):
            replaces = (raw_replaces,)
        elif isinstance(raw_replaces, LSeq) and all(isinstance(r, str) for r in raw_replaces):
            replaces = tuple(raw_replaces)
        else:
            check.add(data, "replaces", f"{path}replaces", "expected a rule id or a list of them", "E303")
        if authority is None and replaces:
            check.add(
                data,
                "replaces",
                f"{path}replaces",
                "only a local pack (one with an `authority`) can replace a rule",
                "E308",
            )
    # Rule-level defaults are checked even when there is no version to use them.
    empty = LMap()
    empty.position, empty.key_positions, empty.value_positions = data.position, {}, {}
    if any(k in data for k in (WITHIN, AT_LEAST_BEFORE)):
        _direction(empty, data, path, path, check)
    _extension(empty, data, path, path, vocabulary, check)
    _repeat(empty, data, path, path, expects, vocabulary, check)
    versions = _versions(data, path, expects, vocabulary, check)
    if len(check.problems) > before or rule_id is None or title is None or not triggers or expects is None:
        return None
    line, _ = data.position
    return Rule(
        rule_id,
        title,
        pack_id,
        authority,
        triggers,
        expects,
        tuple(cancelled),
        tuple(versions),
        replaces,
        draft,
        check.file,
        line,
    )


def _triggers(data: LMap, path: str, vocabulary: Vocabulary, check: Checker) -> tuple[EventPattern, ...]:
    """`trigger:` is one event pattern or a list of them (any one starts the clock)."""
    value = data.get("trigger")
    if isinstance(value, LSeq):
        found = [
            _pattern(value, i, f"{path}trigger", vocabulary, check, allow_for=False, label=f"[{i}]")
            for i in range(len(value))
        ]
        if not value:
            check.add(data, "trigger", f"{path}trigger", "a rule needs at least one trigger", "E302")
        return tuple(p for p in found if p is not None)
    pattern = _pattern(data, "trigger", path, vocabulary, check, allow_for=False)
    return (pattern,) if pattern else ()


def _versions(
    data: LMap, path: str, expects: EventPattern | None, vocabulary: Vocabulary, check: Checker
) -> list[RuleVersion]:
    raw_versions = data.get("versions")
    if not isinstance(raw_versions, LSeq) or not raw_versions:
        check.add(
            data,
            "versions",
            f"{path}versions",
            "a rule needs `versions:`, each with `in_force` and `source`",
            "E302",
        )
        return []
    versions: list[RuleVersion] = []
    for index, raw in enumerate(raw_versions):
        vpath = f"{path}versions[{index}]."
        if not isinstance(raw, LMap):
            check.add(raw_versions, index, vpath.rstrip("."), "a version must be a mapping", "E303")
            continue
        check.keys(raw, VERSION_KEYS, vpath)
        start = end = None
        in_force = raw.get("in_force")
        if not isinstance(in_force, LMap):
            check.add(raw, "in_force", f"{vpath}in_force", "missing `in_force: {from: YYYY-MM-DD}`", "E302")
        else:
            check.keys(in_force, ("from", "until"), f"{vpath}in_force.")
            start = check.date(in_force, "from", f"{vpath}in_force.")
            end = check.date(in_force, "until", f"{vpath}in_force.", required=False)
            if start and end and end <= start:
                check.add(
                    in_force,
                    "until",
                    f"{vpath}in_force.until",
                    f"ends ({end}) before it starts ({start})",
                    "E310",
                )
        source = _source(raw, vpath, check)
        direction, period = _direction(raw, data, vpath, path, check)
        extension = _extension(raw, data, vpath, path, vocabulary, check)
        repeat = _repeat(raw, data, vpath, path, expects, vocabulary, check)
        if direction == AT_LEAST_BEFORE and (extension or repeat):
            check.add(
                raw,
                "in_force",
                vpath.rstrip("."),
                "an `at_least_before` rule cannot have an extension or repeat",
                "E311",
            )
        if direction == AT_LEAST_BEFORE and expects is not None and not expects.for_trigger:
            check.add(
                data,
                "expects",
                f"{path}expects",
                "an `at_least_before` rule must say `for: trigger` (which conference the report is for)",
                "E311",
            )
        if repeat is not None and expects is not None and expects.for_trigger:
            check.add(
                data, "repeat", f"{path}repeat", "a repeating rule cannot demand `for: trigger`", "E311"
            )
        if start and source and direction and period:
            versions.append(
                RuleVersion(start, end, source, direction, period, extension, repeat, raw.position[0])
            )
    ordered = sorted(versions, key=lambda v: v.in_force_from)
    for earlier, later in itertools.pairwise(ordered):
        if earlier.in_force_until is None or earlier.in_force_until > later.in_force_from:
            check.add(
                raw_versions,
                0,
                f"{path}versions",
                f"versions in force from {earlier.in_force_from} and {later.in_force_from} overlap",
                "E312",
                "give the earlier one `until:` the later one's `from:`",
            )
        elif earlier.in_force_until < later.in_force_from:
            check.add(
                raw_versions,
                0,
                f"{path}versions",
                f"gap between versions: nothing in force "
                f"from {earlier.in_force_until} to {later.in_force_from}",
                "E313",
            )
    return versions


def _source(raw: LMap, vpath: str, check: Checker) -> Source | None:
    data = raw.get("source")
    if not isinstance(data, LMap):
        check.add(
            raw,
            "source",
            f"{vpath}source",
            "every version needs a `source` (document, edition, section, url, evidence)",
            "E320",
        )
        return None
    spath = f"{vpath}source."
    check.keys(data, SOURCE_KEYS, spath)
    document = check.text(data, "document", spath)
    section = check.text(data, "section", spath)
    edition = check.text(data, "edition", spath, required=False)
    url = check.text(data, "url", spath, required=False)
    evidence = check.text(data, "evidence", spath)
    if evidence is not None and evidence not in EVIDENCE:
        check.add(
            data,
            "evidence",
            f"{spath}evidence",
            f"evidence must be one of {', '.join(EVIDENCE)}"
            " (a recalled, unverified source cannot be cited: mark the rule `draft`)",
            "E321",
            did_you_mean(evidence, EVIDENCE),
        )
    if url is not None and not url.startswith(("https://", "http://")):
        check.add(data, "url", f"{spath}url", "a url starts with https://", "E322")
    if document is None or section is None or evidence is None:
        return None
    return Source(document, edition, section, url, evidence, check.text(data, "note", spath, required=False))


def _direction(
    raw: LMap, rule: LMap, vpath: str, path: str, check: Checker
) -> tuple[str | None, Period | None]:
    """``within`` or ``at_least_before``, on the version or else on the rule (exactly one)."""
    for data, p in ((raw, vpath), (rule, path)):
        given = [k for k in (WITHIN, AT_LEAST_BEFORE) if k in data]
        if len(given) > 1:
            check.add(
                data, given[1], f"{p}{given[1]}", "give `within` or `at_least_before`, not both", "E311"
            )
            return None, None
        if given:
            return given[0], check.period(data, given[0], p)
    check.add(
        rule,
        "id",
        f"{path}within",
        "a rule needs a period: `within: 15 working days` or `at_least_before: 2 working days`",
        "E302",
    )
    return None, None


def _extension(
    raw: LMap, rule: LMap, vpath: str, path: str, vocabulary: Vocabulary, check: Checker
) -> Extension | None:
    data, p = (raw, vpath) if "extension" in raw else (rule, path)
    value = data.get("extension")
    if value is None:
        return None
    if not isinstance(value, LMap):
        check.add(data, "extension", f"{p}extension", "expected {by: <event>, to: <period>}", "E303")
        return None
    check.keys(value, ("by", "to"), f"{p}extension.")
    by = _pattern(value, "by", f"{p}extension.", vocabulary, check, allow_for=True)
    to = check.period(value, "to", f"{p}extension.")
    return Extension(by, to) if by and to else None


def _repeat(
    raw: LMap,
    rule: LMap,
    vpath: str,
    path: str,
    expects: EventPattern | None,
    vocabulary: Vocabulary,
    check: Checker,
) -> Repeat | None:
    data, p = (raw, vpath) if "repeat" in raw else (rule, path)
    value = data.get("repeat")
    if value is None:
        return None
    if not isinstance(value, LMap):
        check.add(data, "repeat", f"{p}repeat", "expected {every: <period>, stops_when: {...}}", "E303")
        return None
    check.keys(value, ("every", "stops_when"), f"{p}repeat.")
    every = check.period(value, "every", f"{p}repeat.")
    stops: MappingProxyType[str, frozenset[str]] = MappingProxyType({})
    if "stops_when" in value and expects is not None:
        stops = _where(value, "stops_when", f"{p}repeat.", expects.type, vocabulary, check)
    return Repeat(every, stops) if every else None


def _pattern(
    data: LMap | LSeq,
    key: Any,
    path: str,
    vocabulary: Vocabulary,
    check: Checker,
    *,
    allow_for: bool,
    label: str | None = None,
) -> EventPattern | None:
    here = f"{path}{label if label is not None else key}"
    value = data[key] if isinstance(data, LSeq) else data.get(key)
    if value is None:
        check.add(data, key, here, f"missing `{key}`: an event such as {{type: icpc}}", "E302")
        return None
    if isinstance(value, str):  # shorthand: `expects: icpc`
        probe = LMap({"type": value})
        probe.position = data.where(key)
        probe.key_positions = {"type": data.where(key)}
        probe.value_positions = {"type": data.value_where(key) if isinstance(data, LMap) else data.where(key)}
        value = probe
    if not isinstance(value, LMap):
        check.add(data, key, here, "expected an event: {type: ..., where: {...}}", "E303")
        return None
    allowed = PATTERN_KEYS if allow_for else ("type", "where")
    check.keys(value, allowed, f"{here}.")
    event_type = check.text(value, "type", f"{here}.")
    if event_type is None:
        return None
    error, hint = vocabulary.check_type(event_type)
    if error:
        check.add(value, "type", f"{here}.type", error, "E330", hint)
        return None
    negated: dict[str, frozenset[str]] = {}
    where = (
        _where(value, "where", f"{here}.", event_type, vocabulary, check, negated=negated)
        if "where" in value
        else MappingProxyType({})
    )
    for_trigger = False
    if "for" in value:
        if value.get("for") != "trigger":
            check.add(
                value, "for", f"{here}.for", "the only link a rule can ask for is `for: trigger`", "E331"
            )
        else:
            for_trigger = True
    return EventPattern(event_type, where, for_trigger, MappingProxyType(negated))


def _where(
    data: LMap,
    key: str,
    path: str,
    event_type: str,
    vocabulary: Vocabulary,
    check: Checker,
    *,
    negated: dict[str, frozenset[str]] | None = None,
) -> MappingProxyType[str, frozenset[str]]:
    """Attribute conditions: `{outcome: plan}`, `{response: [nfa, early_help]}`, or
    `{procedure: {not: corporate}}` (collected into ``negated`` when the caller allows it)."""
    value = data.get(key)
    if not isinstance(value, LMap):
        check.add(data, key, f"{path}{key}", "expected attribute conditions such as {outcome: plan}", "E303")
        return MappingProxyType({})
    result: dict[str, frozenset[str]] = {}
    for attribute, raw in value.items():
        here = f"{path}{key}.{attribute}"
        refuse = False
        if isinstance(raw, LMap):
            if set(raw) != {"not"} or negated is None:
                check.add(value, attribute, here, "the only condition form is {not: value}", "E303")
                continue
            refuse, raw = True, raw["not"]
        raws = list(raw) if isinstance(raw, LSeq) else [raw]
        allowed: set[str] = set()
        for item in raws:
            if not isinstance(item, str):
                check.add(value, attribute, here, "expected a value or a list of values", "E303")
                continue
            normalised, error, hint = vocabulary.check_attribute(event_type, attribute, item)
            if error:
                check.add(value, attribute, here, error, "E332", hint)
            elif normalised is not None:
                allowed.add(normalised)
        if refuse:
            assert negated is not None
            negated[attribute] = frozenset(allowed)
        else:
            result[attribute] = frozenset(allowed)
    return MappingProxyType(result)


def _check_across_packs(packs: list[Pack]) -> list[Problem]:
    problems: list[Problem] = []
    seen_packs: dict[str, Pack] = {}
    for pack in packs:
        if pack.id in seen_packs:
            problems.append(
                problem(
                    pack.file,
                    f"pack id {pack.id!r} is also used by {seen_packs[pack.id].file}",
                    line=1,
                    field="pack",
                    code="E340",
                )
            )
        seen_packs[pack.id] = pack
    seen_rules: dict[str, Rule] = {}
    for pack in packs:
        for rule in pack.rules:
            if rule.id in seen_rules:
                first = seen_rules[rule.id]
                problems.append(
                    problem(
                        rule.file,
                        f"rule id {rule.id!r} is already used at {first.file}:{first.line}",
                        line=rule.line,
                        field="id",
                        code="E341",
                    )
                )
            seen_rules[rule.id] = rule
    for pack in packs:
        if pack.extends is not None and pack.extends not in seen_packs:
            problems.append(
                problem(
                    pack.file,
                    f"extends {pack.extends!r}, which is not loaded",
                    line=1,
                    field="extends",
                    code="E342",
                    hint="load the national pack too (another --rules folder)",
                )
            )
        for rule in pack.rules:
            for target in rule.replaces:
                replaced = seen_rules.get(target)
                if replaced is None:
                    problems.append(
                        problem(
                            rule.file,
                            f"replaces {target!r}, which does not exist",
                            line=rule.line,
                            field=f"{rule.id}.replaces",
                            code="E343",
                            hint=did_you_mean(target, list(seen_rules)),
                        )
                    )
                elif replaced.authority is not None:
                    problems.append(
                        problem(
                            rule.file,
                            f"replaces {target!r}, which is a local rule: "
                            "a local pack replaces national rules only",
                            line=rule.line,
                            field=f"{rule.id}.replaces",
                            code="E343",
                        )
                    )
    return problems
