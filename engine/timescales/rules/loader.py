"""Reading rule folders: packs, rule files and the vocabulary, checked before use.

Layout of a rules folder (``rules/`` ships one)::

    vocabulary.yaml              # event types (optional in a user folder: the shipped one is used)
    <pack>/pack.yaml             # the pack: id, title, nation, authority, extra non-working days
    <pack>/<topic>.yaml          # `rules:` a list of rules
    <pack>/<topic>.tests.yaml    # the rules' own test cases (see timescales.rules.cases)

A folder that holds ``pack.yaml`` itself is one pack. Every problem in every file is collected
and reported together as ``file:line:column: field: message``; nothing is half-loaded. Every check
runs on everything that parsed (a rule with a bad period still has its id, `replaces:` and version
dates checked), so one run shows every problem.

A pack that ``extends`` a pack not in the folders given (a council's own repository extending
``england``) gets it from the packs installed with timescales, unless a folder given holds its own.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ..calendar import FIRST_YEAR, LAST_YEAR, NATIONS
from ..errors import Problem, RuleFileError, problem
from ..paths import shipped_rules_dir
from ..vocabulary import Vocabulary, did_you_mean, load_vocabulary
from ..yamlsource import LMap, LSeq, read_yaml_file
from .checker import Checker
from .model import (
    ABOUT_CASE,
    ABOUT_CHILD,
    AT_LEAST_BEFORE,
    WITHIN,
    EventPattern,
    Extension,
    LaterIntervals,
    Pack,
    Repeat,
    Rule,
    RuleSet,
    RuleVersion,
    Source,
)
from .periods import Period

PACK_KEYS = (
    "pack",
    "title",
    "nation",
    "authority",
    "extends",
    "non_working_days",
    "non_working_days_extend_national_rules",
    "description",
)
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
    "restates",
    "about",
    "draft",
    "working_day_defined_by",
    "later_trigger_may_restart",
    "snapshot",
    "notes",
)
VERSION_KEYS = ("in_force", "source", "quote", "within", "at_least_before", "extension", "repeat", "notes")
#: A quote is the source's own words beside the encoding, not a copy of the source.
QUOTE_MAX_LINES, QUOTE_MAX_CHARS = 8, 800
SOURCE_KEYS = ("document", "edition", "section", "url", "evidence", "note")
PATTERN_KEYS = ("type", "where", "for")
EVIDENCE = ("verified", "restated", "seed")
ID_PART = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
#: Problems that leave a file (or a rule) unread: not YAML (E001), not the shape expected (E300).
UNREADABLE_CODES = frozenset({"E001", "E300"})


@dataclass(frozen=True)
class DeclaredRule:
    """A rule as far as its id, even when the rest of it has problems: ids, `replaces:` targets and
    test cases are checked against these, so a broken rule hides nothing else from lint."""

    id: str
    authority: str | None
    replaces: tuple[str, ...]
    file: str
    line: int | None
    restates: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleFolders:
    """What reading some rule folders gave: the packs that loaded clean, every rule declared and
    every problem. :func:`load_rules` refuses it if there is any problem; lint reports them all."""

    rules: RuleSet | None
    declared: tuple[DeclaredRule, ...]
    problems: tuple[Problem, ...]
    #: Rule files that could not be read as a list of rules: the ids they hold are unknown.
    unreadable: tuple[str, ...] = ()


def load_rules(*paths: str | Path) -> RuleSet:
    """Load rule folders (the shipped ``rules/`` when none is given); raise on any problem.

    Raises :class:`RuleFileError` listing every problem in every file.
    """
    folders = read_rule_folders(*paths)
    if folders.problems or folders.rules is None:
        raise RuleFileError(folders.problems)
    return folders.rules


def read_rule_folders(*paths: str | Path) -> RuleFolders:
    """Read rule folders and check everything that parsed; never raises for a bad file."""
    roots = [Path(p) for p in paths] or [shipped_rules_dir()]
    problems: list[Problem] = []
    first = len(problems)
    vocabulary = _vocabulary_for(roots, problems)
    if vocabulary is None:
        return RuleFolders(None, (), tuple(problems))
    packs: list[Pack] = []
    declared: list[DeclaredRule] = []
    for root in roots:
        if not root.is_dir():
            problems.append(problem(str(root), "not a folder of rule packs", code="E300"))
            continue
        for pack_file in pack_files(root):
            pack = _load_pack(pack_file, vocabulary, problems, declared)
            if pack is not None:
                packs.append(pack)
    if not packs and not declared and not problems:
        problems.append(problem(str(roots[0]), "no rule packs found (no pack.yaml below it)", code="E300"))
    extended = _extended_from_shipped(roots, packs, vocabulary, problems, declared)
    # A file that could not be read may hold the rule a `replaces:` or `restates:` names: say only
    # that the file is unreadable, not that the rule is missing.
    some_unreadable = any(p.code in UNREADABLE_CODES for p in problems[first:])
    problems.extend(
        p
        for p in _check_across_packs(packs + list(extended), declared, _shipped_pack_ids())
        if not (some_unreadable and p.code == "E343")
    )
    every = sorted([*packs, *extended], key=lambda p: (p.authority is not None, p.id))
    ruleset = RuleSet(
        tuple(every), vocabulary, tuple(str(r) for r in roots), extended=frozenset(p.id for p in extended)
    )
    unreadable = sorted({p.file for p in problems[first:] if p.code in UNREADABLE_CODES})
    return RuleFolders(ruleset, tuple(declared), tuple(problems), tuple(unreadable))


def _shipped_pack_ids() -> dict[str, Path]:
    """The id of every pack installed with timescales, and its pack file."""
    found: dict[str, Path] = {}
    for pack_file in pack_files(shipped_rules_dir()):
        data, parse_problems = read_yaml_file(pack_file)
        if not parse_problems and isinstance(data, LMap) and isinstance(data.get("pack"), str):
            found[data["pack"]] = pack_file
    return found


def _extended_from_shipped(
    roots: list[Path],
    packs: list[Pack],
    vocabulary: Vocabulary,
    problems: list[Problem],
    declared: list[DeclaredRule],
) -> list[Pack]:
    """The installed packs that the packs read extend (and what those extend), when the folders
    given do not hold them: a council's repository keeps only its own pack."""
    have = {p.id for p in packs}
    wanted = [p.extends for p in packs if p.extends is not None and p.extends not in have]
    if not wanted:
        return []
    shipped_root = shipped_rules_dir().resolve()
    if any(root.resolve() == shipped_root for root in roots):
        return []  # the shipped folder itself was given: nothing more to find there
    shipped = _shipped_pack_ids()
    added: list[Pack] = []
    while wanted:
        pack_id = wanted.pop()
        if pack_id in have or pack_id not in shipped:
            continue  # an unknown id is reported by _check_across_packs (E342)
        pack = _load_pack(shipped[pack_id], vocabulary, problems, declared)
        have.add(pack_id)
        if pack is not None:
            added.append(pack)
            if pack.extends is not None:
                wanted.append(pack.extends)
    return added


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


def _load_pack(
    pack_file: Path, vocabulary: Vocabulary, problems: list[Problem], declared: list[DeclaredRule]
) -> Pack | None:
    file = str(pack_file)
    data, parse_problems = read_yaml_file(pack_file)
    problems.extend(parse_problems)
    check = Checker(file, problems)
    if not isinstance(data, LMap):
        if not parse_problems:
            check.add(None, None, "", "a pack file must be a mapping with `pack:` and `title:`", "E300")
        # The pack's rule files are still checked, without the checks that need the pack's id.
        for rule_file in rule_files(pack_file):
            _load_rule_file(rule_file, None, None, vocabulary, problems, declared)
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
    extend_national = check.flag(data, "non_working_days_extend_national_rules", "")
    if extend_national and authority is None:
        check.add(
            data,
            "non_working_days_extend_national_rules",
            "non_working_days_extend_national_rules",
            "only a local pack (one with an `authority`) can extend national rules with its closure days",
            "E308",
        )
    rules: list[Rule] = []
    for rule_file in rule_files(pack_file):
        rules.extend(_load_rule_file(rule_file, pack_id, authority, vocabulary, problems, declared))
    if pack_id is None:
        return None
    return Pack(
        pack_id,
        title,
        nation,
        authority,
        tuple(rules),
        MappingProxyType(non_working),
        file,
        extends,
        extend_national,
    )


def _load_rule_file(
    path: Path,
    pack_id: str | None,
    authority: str | None,
    vocabulary: Vocabulary,
    problems: list[Problem],
    declared: list[DeclaredRule],
) -> list[Rule]:
    """The rules of one file. ``pack_id`` is None when the pack file itself is broken: the rules
    are still checked, all but their id's prefix and whether they may replace."""
    data, parse_problems = read_yaml_file(path)
    problems.extend(parse_problems)
    if data is None and parse_problems:
        return []  # not YAML: nothing in it can be trusted (a repeated key still leaves the rest)
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
        rule = _load_rule(raw, f"rules[{index}].", pack_id, authority, vocabulary, check, declared)
        if rule is not None:
            rules.append(rule)
    return rules


def _load_rule(
    data: LMap,
    path: str,
    pack_id: str | None,
    authority: str | None,
    vocabulary: Vocabulary,
    check: Checker,
    declared: list[DeclaredRule],
) -> Rule | None:
    before = len(check.problems)
    check.keys(data, RULE_KEYS, path)
    rule_id = check.text(data, "id", path)
    if rule_id is not None and pack_id is not None:
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
    working_day_defined_by = check.text(data, "working_day_defined_by", path, required=False)
    may_restart = check.flag(data, "later_trigger_may_restart", path)
    snapshot = check.flag(data, "snapshot", path)
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
    national = authority is None and pack_id is not None
    replaces = _local_rule_ids(data, "replaces", path, national, check)
    restates = _local_rule_ids(data, "restates", path, national, check)
    about = check.text(data, "about", path, required=False) or ABOUT_CHILD
    if about not in (ABOUT_CHILD, ABOUT_CASE):
        check.add(data, "about", f"{path}about", f"expected {ABOUT_CHILD} or {ABOUT_CASE}", "E303")
    # Rule-level defaults are checked even when there is no version to use them.
    empty = LMap()
    empty.position, empty.key_positions, empty.value_positions = data.position, {}, {}
    if any(k in data for k in (WITHIN, AT_LEAST_BEFORE)):
        _direction(empty, data, path, path, check)
    _extension(empty, data, path, path, vocabulary, check)
    _repeat(empty, data, path, path, expects, vocabulary, check)
    versions = _versions(data, path, expects, vocabulary, check)
    if snapshot:
        _check_snapshot(data, path, versions, expects, check)
    if rule_id is not None:
        declared.append(DeclaredRule(rule_id, authority, replaces, check.file, data.position[0], restates))
    if (
        len(check.problems) > before
        or pack_id is None
        or rule_id is None
        or title is None
        or not triggers
        or expects is None
    ):
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
        working_day_defined_by,
        about,
        restates,
        may_restart,
        snapshot,
    )


def _check_snapshot(
    data: LMap, path: str, versions: list[RuleVersion], expects: EventPattern | None, check: Checker
) -> None:
    """A snapshot rule times the next event from the latest one recorded: `within` only, and no
    repeat, extension or link (a list of latest dates has no history to chain or link)."""
    if expects is not None and expects.for_trigger:
        check.add(data, "expects", f"{path}expects", "a snapshot rule cannot demand `for: trigger`", "E311")
    for version in versions:
        if version.direction != WITHIN or version.repeat is not None or version.extension is not None:
            check.add(
                data,
                "snapshot",
                f"{path}snapshot",
                "a snapshot rule takes `within:` only (no at_least_before, repeat or extension)",
                "E311",
            )
            return


def _local_rule_ids(data: LMap, key: str, path: str, national: bool, check: Checker) -> tuple[str, ...]:
    """`replaces:` / `restates:`: a national rule id or a list of them, in a local pack only."""
    raw = data.get(key)
    if raw is None:
        return ()
    ids: tuple[str, ...] = ()
    if isinstance(raw, str):
        ids = (raw,)
    elif isinstance(raw, LSeq) and all(isinstance(r, str) for r in raw):
        ids = tuple(raw)
    else:
        check.add(data, key, f"{path}{key}", "expected a rule id or a list of them", "E303")
    if national and ids:
        check.add(
            data,
            key,
            f"{path}{key}",
            f"only a local pack (one with an `authority`) can {key.removesuffix('s')} a rule",
            "E308",
        )
    return ids


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
    raw_of: dict[int, tuple[int, LMap]] = {}
    # Every span that parsed, even in a version with other problems: overlaps are found in one run.
    spans: list[tuple[dt.date, dt.date | None]] = []
    for index, raw in enumerate(raw_versions):
        vpath = f"{path}versions[{index}]."
        if not isinstance(raw, LMap):
            check.add(raw_versions, index, vpath.rstrip("."), "a version must be a mapping", "E303")
            continue
        check.keys(raw, VERSION_KEYS, vpath)
        start = end = None
        start_known, before = True, None
        in_force = raw.get("in_force")
        if not isinstance(in_force, LMap):
            check.add(raw, "in_force", f"{vpath}in_force", "missing `in_force: {from: YYYY-MM-DD}`", "E302")
        else:
            ipath = f"{vpath}in_force."
            check.keys(in_force, ("from", "by", "until", "before"), ipath)
            if "by" in in_force:
                # The source shows the text in force on this date but not when it began.
                start_known = False
                start = check.date(in_force, "by", ipath)
                if "from" in in_force:
                    check.add(
                        in_force, "by", f"{ipath}by", "give `from` (start known) or `by`, not both", "E311"
                    )
            else:
                start = check.date(in_force, "from", ipath)
            before = check.text(in_force, "before", ipath, required=False)
            end = check.date(in_force, "until", ipath, required=False)
            if start and end and end <= start:
                check.add(
                    in_force,
                    "until",
                    f"{vpath}in_force.until",
                    f"ends ({end}) before it starts ({start})",
                    "E310",
                )
            elif start:
                spans.append((start, end))
        source = _source(raw, vpath, check)
        quote = _quote(raw, vpath, check)
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
        if period is not None and period.inclusive and direction == AT_LEAST_BEFORE:
            check.add(
                raw if AT_LEAST_BEFORE in raw else data,
                AT_LEAST_BEFORE,
                f"{vpath if AT_LEAST_BEFORE in raw else path}{AT_LEAST_BEFORE}",
                "'beginning with the trigger' goes only with `within`",
                "E305",
            )
        if period is not None and period.clear_stated and direction == WITHIN:
            check.add(
                raw if WITHIN in raw else data,
                WITHIN,
                f"{vpath if WITHIN in raw else path}{WITHIN}",
                "'clear' days go only with `at_least_before`",
                "E305",
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
        if start is not None:
            _check_calendar_reach(raw, data, vpath, path, start, direction, period, extension, repeat, check)
        if start and source and direction and period:
            versions.append(
                RuleVersion(
                    start,
                    end,
                    source,
                    direction,
                    period,
                    extension,
                    repeat,
                    raw.position[0],
                    start_known,
                    before,
                    quote,
                )
            )
            raw_of[id(versions[-1])] = (index, raw)
    for later in sorted(versions, key=lambda v: v.in_force_from)[1:]:
        if not later.start_known or later.earlier is not None:
            index, where = raw_of[id(later)]
            key = "by" if not later.start_known else "before"
            check.add(
                where["in_force"],
                key,
                f"{path}versions[{index}].in_force.{key}",
                f"only the first version can say `{key}`: a later version starts where the one before ends",
                "E314",
            )
    for (start, end), (later_start, _) in itertools.pairwise(sorted(spans, key=lambda s: s[0])):
        if end is None or end > later_start:
            check.add(
                raw_versions,
                0,
                f"{path}versions",
                f"versions in force from {start} and {later_start} overlap",
                "E312",
                "give the earlier one `until:` the later one's `from:`",
            )
        elif end < later_start:
            check.add(
                raw_versions,
                0,
                f"{path}versions",
                f"gap between versions: nothing in force from {end} to {later_start}",
                "E313",
            )
    return versions


def _check_calendar_reach(
    raw: LMap,
    rule: LMap,
    vpath: str,
    path: str,
    start: dt.date,
    direction: str | None,
    period: Period | None,
    extension: Extension | None,
    repeat: Repeat | None,
    check: Checker,
) -> None:
    """A period whose deadline, counted from the day the version comes into force, would leave the
    years the calendar covers can never be computed: refuse it here, not at check time."""
    periods: list[tuple[str, Period | None, int, str]] = [
        (direction or WITHIN, period, -1 if direction == AT_LEAST_BEFORE else 1, "")
    ]
    if extension is not None:
        periods.append(("extension", extension.to, 1, "to"))
    if repeat is not None:
        periods.append(("repeat", repeat.every, 1, "every"))
    for key, each, sign, inner in periods:
        if each is None or each.stays_in_calendar(start, check.calendar, sign):
            continue
        where, p = (raw, vpath) if key in raw else (rule, path)
        check.add(
            where,
            key,
            f"{p}{key}" + (f".{inner}" if inner else ""),
            f"{each.describe()} {'before' if sign < 0 else 'from'} {start.isoformat()} ends outside the "
            f"years the bank-holiday calendars cover ({FIRST_YEAR} to {LAST_YEAR - 1})",
            "E314",
        )


def _quote(raw: LMap, vpath: str, check: Checker) -> str | None:
    """`quote:` the source's words this version encodes: a few lines, shown beside the rule."""
    text = check.text(raw, "quote", vpath, required=False)
    if text is None:
        return None
    text = text.strip()
    if not text or len(text) > QUOTE_MAX_CHARS or text.count("\n") >= QUOTE_MAX_LINES:
        check.add(
            raw,
            "quote",
            f"{vpath}quote",
            f"a quote is the source's own words, 1 to {QUOTE_MAX_LINES} lines and at most "
            f"{QUOTE_MAX_CHARS} characters (this one has {len(text)})",
            "E323",
            "quote the sentence that sets the timescale; cite the rest with `source:`",
        )
        return None
    return text


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
    check.keys(value, ("every", "stops_when", "next", "later"), f"{p}repeat.")
    every = check.period(value, "every", f"{p}repeat.")
    stops: MappingProxyType[str, frozenset[str]] = MappingProxyType({})
    if "stops_when" in value and expects is not None:
        stops = _where(value, "stops_when", f"{p}repeat.", expects.type, vocabulary, check)
    following = check.period(value, "next", f"{p}repeat.") if "next" in value else None
    later = None
    if "later" in value:
        raw_later = value.get("later")
        if not isinstance(raw_later, LMap):
            check.add(
                value, "later", f"{p}repeat.later", "expected {after: <period>, every: <period>}", "E303"
            )
        else:
            check.keys(raw_later, ("after", "every"), f"{p}repeat.later.")
            after = check.period(raw_later, "after", f"{p}repeat.later.")
            later_every = check.period(raw_later, "every", f"{p}repeat.later.")
            if after and later_every:
                later = LaterIntervals(after, later_every)
    return Repeat(every, stops, following, later) if every else None


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
    unrecorded: set[str] = set()
    where = (
        _where(
            value, "where", f"{here}.", event_type, vocabulary, check, negated=negated, unrecorded=unrecorded
        )
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
    return EventPattern(event_type, where, for_trigger, MappingProxyType(negated), frozenset(unrecorded))


def _where(
    data: LMap,
    key: str,
    path: str,
    event_type: str,
    vocabulary: Vocabulary,
    check: Checker,
    *,
    negated: dict[str, frozenset[str]] | None = None,
    unrecorded: set[str] | None = None,
) -> MappingProxyType[str, frozenset[str]]:
    """Attribute conditions: `{outcome: plan}`, `{response: [nfa, early_help]}`,
    `{procedure: {not: corporate}}` (collected into ``negated``) or `{procedure: {unrecorded: true}}`
    (collected into ``unrecorded``), the last two where the caller allows them."""
    value = data.get(key)
    if not isinstance(value, LMap):
        check.add(data, key, f"{path}{key}", "expected attribute conditions such as {outcome: plan}", "E303")
        return MappingProxyType({})
    result: dict[str, frozenset[str]] = {}
    for attribute, raw in value.items():
        here = f"{path}{key}.{attribute}"
        refuse = False
        if isinstance(raw, LMap):
            if set(raw) == {"unrecorded"} and unrecorded is not None:
                if str(raw["unrecorded"]).lower() != "true":
                    check.add(value, attribute, here, "write {unrecorded: true}", "E303")
                elif attribute not in vocabulary.types[event_type].attributes:
                    _, error, hint = vocabulary.check_attribute(event_type, attribute, "")
                    check.add(value, attribute, here, error or attribute, "E332", hint)
                else:
                    unrecorded.add(attribute)
                continue
            if set(raw) != {"not"} or negated is None:
                check.add(
                    value,
                    attribute,
                    here,
                    "the condition forms are {not: value} and {unrecorded: true}",
                    "E303",
                )
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


def _check_across_packs(
    packs: list[Pack], declared: list[DeclaredRule], shipped: dict[str, Path]
) -> list[Problem]:
    """Pack ids, rule ids, `extends:` and `replaces:` across every folder read."""
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
    seen_rules: dict[str, DeclaredRule] = {}
    for rule in declared:
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
        seen_rules.setdefault(rule.id, rule)
    for pack in packs:
        if pack.extends is not None and pack.extends not in seen_packs:
            known = sorted({*seen_packs, *shipped})
            problems.append(
                problem(
                    pack.file,
                    f"extends {pack.extends!r}: no pack of that id in the folders given "
                    "or among the packs installed with timescales",
                    line=1,
                    field="extends",
                    code="E342",
                    hint=did_you_mean(pack.extends, known) or f"known packs: {', '.join(known)}",
                )
            )
    for rule in declared:
        for key, targets in (("replaces", rule.replaces), ("restates", rule.restates)):
            for target in targets:
                found = seen_rules.get(target)
                if found is None:
                    problems.append(
                        problem(
                            rule.file,
                            f"{key} {target!r}, which does not exist",
                            line=rule.line,
                            field=f"{rule.id}.{key}",
                            code="E343",
                            hint=did_you_mean(target, list(seen_rules)),
                        )
                    )
                elif found.authority is not None:
                    problems.append(
                        problem(
                            rule.file,
                            f"{key} {target!r}, which is a local rule: "
                            f"a local pack {key} national rules only",
                            line=rule.line,
                            field=f"{rule.id}.{key}",
                            code="E343",
                        )
                    )
    return problems
