"""Timelines written as YAML or JSON (the format of docs/formats.md)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..calendar import NATIONS, parse_iso_date
from ..errors import Problem, TimelineError, problem
from ..timeline import Event, Timeline
from ..vocabulary import Vocabulary, did_you_mean, rejected
from ..yamlsource import LMap, LSeq, read_yaml_file
from .events import RawEvent, build_event, check_case_links, duplicate_ids

TOP_LEVEL_KEYS = ("case", "authority", "nation", "as_of", "children", "skip_rules", "events")
AUTHORITY_ID = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")


def read_yaml_timeline(path: Path, vocabulary: Vocabulary) -> Timeline:
    data, problems = read_yaml_file(path)
    return timeline_from_data(data, problems, str(path), vocabulary)


def timeline_from_data(data: Any, problems: list[Problem], file: str, vocabulary: Vocabulary) -> Timeline:
    """Check a parsed timeline document; raise :class:`TimelineError` with every problem."""
    if problems:
        raise TimelineError(problems)
    if not isinstance(data, LMap):
        raise TimelineError(
            [problem(file, "a timeline must be a mapping with `case:` and `events:`", line=1, code="E200")]
        )

    def at(key: str) -> tuple[int, int]:
        return data.value_where(key)

    def report(key: str, message: str, code: str, hint: str | None = None) -> None:
        line, col = at(key)
        problems.append(problem(file, message, line=line, column=col, field=key, code=code, hint=hint))

    for key in data:
        if key not in TOP_LEVEL_KEYS:
            line, col = data.where(key)
            problems.append(
                problem(
                    file,
                    f"unknown field {key!r}",
                    line=line,
                    column=col,
                    field=key,
                    code="E220",
                    hint=did_you_mean(key, TOP_LEVEL_KEYS),
                )
            )

    case = data.get("case")
    if not isinstance(case, str) or not case:
        report("case", "missing required field `case` (the case reference)", "E201")
    authority = data.get("authority")
    if authority is not None and (not isinstance(authority, str) or not AUTHORITY_ID.fullmatch(authority)):
        report("authority", "an authority is a lower-case hyphenated id such as cheshire-east", "E221")
    nation = data.get("nation") or "england"
    if not isinstance(nation, str):
        report("nation", f"`nation` must be one of {', '.join(NATIONS)}", "E222")
        nation = "england"
    elif nation not in NATIONS:
        hint = did_you_mean(nation, list(NATIONS))
        report("nation", f"unknown nation {rejected(nation, hint)}", "E222", hint)
    as_of = None
    if isinstance(data.get("as_of"), str):
        try:
            as_of = parse_iso_date(data["as_of"])
        except ValueError as exc:
            report("as_of", str(exc), "E203")
    elif data.get("as_of") is not None:
        report("as_of", "expected a date written YYYY-MM-DD", "E203")

    raw_children = data.get("children")
    children: tuple[str, ...]
    if raw_children is None:
        children = (case,) if isinstance(case, str) and case else ("",)
    elif isinstance(raw_children, LSeq) and raw_children and all(isinstance(c, str) for c in raw_children):
        children = tuple(raw_children)
        if len(set(children)) != len(children):
            report("children", "a child is named twice", "E214")
    else:
        report("children", "`children` must be a list of names", "E202")
        children = ("",)

    skip_rules: dict[str, str] = {}
    raw_skip = data.get("skip_rules")
    if raw_skip is not None:
        if not isinstance(raw_skip, LMap):
            report("skip_rules", "`skip_rules` maps a rule id to the reason it cannot be checked", "E202")
        else:
            for rule_id, reason in raw_skip.items():
                if not isinstance(reason, str) or not reason.strip():
                    line, col = raw_skip.where(rule_id)
                    problems.append(
                        problem(
                            file,
                            "give the reason this rule cannot be checked",
                            line=line,
                            column=col,
                            field=f"skip_rules.{rule_id}",
                            code="E223",
                        )
                    )
                else:
                    skip_rules[rule_id] = reason
    events: list[Event] = []
    raw_events = data.get("events")
    if not isinstance(raw_events, LSeq):
        report("events", "missing `events:` (a list of events)", "E201")
        raw_events = LSeq()
        raw_events.item_positions = []
    items: dict[int, LMap] = {}
    for index, item in enumerate(raw_events):
        prefix = f"events[{index}]."
        line, col = raw_events.where(index)
        if not isinstance(item, LMap):
            problems.append(
                problem(
                    file,
                    "an event must be a mapping",
                    line=line,
                    column=col,
                    field=prefix.rstrip("."),
                    code="E200",
                )
            )
            continue
        items[index] = item
        event, event_problems = build_event(
            RawEvent(item, item.value_where, prefix, index, line, file), vocabulary
        )
        problems.extend(event_problems)
        if event is not None:
            events.append(event)
    problems.extend(
        duplicate_ids(
            ((item.get("id"), f"events[{i}].", *item.where("id")) for i, item in items.items()), file
        )
    )
    problems.extend(
        check_case_links(
            events,
            children,
            vocabulary,
            file,
            lambda e: f"events[{e.position}].",
            lambda e, key: items[e.position].value_where(key),
        )
    )
    if problems:
        raise TimelineError(problems)
    assert isinstance(case, str)
    return Timeline(
        case=case,
        skip_rules=skip_rules,
        events=tuple(events),
        children=children,
        authority=authority,
        nation=nation,
        as_of=as_of,
        source=file,
    )
