"""Hostile YAML/JSON, periods that leave the calendar, and linear-time linked matching."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import timescales
from timescales.errors import TimelineError
from timescales.evaluation.native import _close, _linked
from timescales.evaluation.obligations import Obligation
from timescales.rules.model import AT_LEAST_BEFORE
from timescales.timeline import Event
from timescales.yamlsource import MAX_ALIAS_VALUES, MAX_DEPTH, parse_yaml

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
)


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("case: x\nevents: " + "[" * 50_000 + "]" * 50_000 + "\n", 2, f"more than {MAX_DEPTH} levels"),
        ('{"case": "x", "events": ' + "[" * 5_000 + "]" * 5_000 + "}", 1, "levels deep"),
        ("case: x\nevents: &a [*a]\n", 2, "contains it (a loop)"),
        ("m: &m {k: *m}\n", 1, "a loop"),
        ("case: x\nevents: *nowhere\n", 2, "no anchor"),
        (BOMB, 6, f"more than {MAX_ALIAS_VALUES:,} values"),
        ("a: 1\n---\nb: 2\n", 2, "one document"),
        ("case: x\x00\n", 1, "U+0000"),
    ],
)
def test_hostile_yaml_is_one_located_problem(text: str, line: int, words: str) -> None:
    began = time.perf_counter()
    value, problems = parse_yaml(text, "f.yaml")
    assert time.perf_counter() - began < 5
    assert value is None
    (only,) = problems
    assert only.line == line and words in only.message
    assert "\n" not in str(only)


def test_aliases_and_merges_that_are_not_hostile_still_work() -> None:
    value, problems = parse_yaml("base: &b {x: '1'}\nm:\n  <<: *b\n  y: 2\nl: [*b, *b]\n", "f.yaml")
    assert not problems
    assert value["m"] == {"x": "1", "y": "2"} and value["l"] == [{"x": "1"}, {"x": "1"}]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: null", None),
        ("a: ~", None),
        ("a:", None),
        ("a: 'null'", "null"),
        ('a: "~"', "~"),
        ("a: NULL", None),
    ],
)
def test_plain_null_is_absent_and_quoted_null_is_text(text: str, expected: str | None) -> None:
    value, problems = parse_yaml(text, "f.yaml")
    assert not problems and value["a"] == expected


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ("case: null\nevents: []\n", "case", "missing required field `case`"),
        ("case: x\nnation: [a]\nevents: []\n", "nation", "`nation` must be one of"),
        ("case: x\nnation: {a: b}\nevents: []\n", "nation", "`nation` must be one of"),
    ],
)
def test_wrong_shapes_in_a_timeline_are_messages(tmp_path: Path, body: str, field: str, words: str) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(body)
    with pytest.raises(TimelineError) as caught:
        timescales.load_timeline(path)
    assert any(p.field == field and words in p.message for p in caught.value.problems)


def _pack(tmp_path: Path, period: str, start: str = "2013-04-15", extra: str = "") -> Path:
    pack = tmp_path / "p"
    pack.mkdir()
    (pack / "pack.yaml").write_text("pack: p\ntitle: P\n")
    (pack / "r.yaml").write_text(
        "rules:\n  - id: p.r\n    title: R\n    trigger: {type: strategy_discussion}\n"
        f"    expects: {{type: icpc}}\n    {period}\n{extra}    versions:\n"
        f"      - in_force: {{from: {start}, until: null}}\n"
        "        source: {document: D, section: s, evidence: seed}\n"
    )
    return tmp_path


@pytest.mark.parametrize(
    ("period", "start", "code"),
    [
        ("within: 1000000 working days", "2013-04-15", "E305"),
        ("within: 100000 calendar months", "2013-04-15", "E314"),
        ("within: 40000 weeks", "2013-04-15", "E314"),
        ("within: 30 calendar months", "2098-01-01", "E314"),
    ],
)
def test_periods_that_leave_the_calendar_are_lint_errors(
    tmp_path: Path, period: str, start: str, code: str
) -> None:
    from timescales.rules.lint import lint

    result = lint(_pack(tmp_path, period, start))
    assert [p.code for p in result.errors] == [code]
    assert result.errors[0].line == 6


def test_a_due_date_beyond_the_calendar_refuses_the_case_not_the_run(rules: timescales.RuleSet) -> None:
    from timescales.adapters import timeline_from_mapping

    late = timeline_from_mapping(
        {
            "case": "L",
            "events": [{"id": "sd", "type": "strategy_discussion", "date": "2099-12-20", "section47": True}],
        },
        rules.vocabulary,
    )
    with pytest.raises(timescales.TimescalesError) as caught:
        timescales.check(late, rules, as_of=dt.date(2099, 12, 31))
    assert "would fall in 2100" in str(caught.value)


# -- linked matching: the index gives the same answers as scanning, in linear time ------------


def _scanning_linked(rule, child, events, calendar):  # type: ignore[no-untyped-def]
    """The matcher before the link index: scan the events for every trigger (quadratic)."""
    for trigger in events:
        if not rule.is_triggered_by(trigger):
            continue
        version = rule.version_on(trigger.date)
        if version is None:
            continue
        ob = Obligation(rule, version, child, trigger, version.period)
        if version.direction == AT_LEAST_BEFORE:
            met = next((e for e in events if e is not trigger and rule.expects.matches(e, trigger)), None)
            ob.met_by = met
            yield ob
        else:
            yield _close(ob, events, events.index(trigger), calendar)[0]


LINKED = [
    "liverpool.report-2-working-days-before-icpc",
    "liverpool.minutes-within-20-working-days",
    "england.complaint-panel-report-within-5-working-days",
    "england.ombudsman-remedy-within-one-month",
    "cheshire-east.core-group-minutes-within-10-days",
]
TYPES = [
    "icpc",
    "rcpc",
    "minutes_sent",
    "report_shared",
    "complaint_panel",
    "complaint_panel_report",
    "remedy_agreed",
    "remedy_completed",
    "core_group",
    "case_closed",
    "cp_plan_ended",
]


@st.composite
def _events(draw: st.DrawFn) -> list[Event]:
    count = draw(st.integers(1, 14))
    events = []
    for i in range(count):
        kind = draw(st.sampled_from(TYPES))
        refers = draw(st.one_of(st.none(), st.integers(0, count - 1).map(lambda k: f"e{k}")))
        attributes = {"within": "one_month"} if kind == "remedy_agreed" else {}
        day = dt.date(2023, 3, 1) + dt.timedelta(days=draw(st.integers(0, 40)))
        events.append(Event(f"e{i}", kind, day, attributes, refers_to=refers, position=i))
    return sorted(events, key=Event.sort_key)


@settings(max_examples=300, deadline=None)
@given(_events(), st.sampled_from(LINKED))
def test_the_link_index_matches_like_scanning(
    rules: timescales.RuleSet, events: list[Event], rule_id: str
) -> None:
    rule = rules.rule(rule_id)
    calendar = rules.select("england").calendar
    relevant = [e for e in events if e.type in rule.event_types]

    def key(ob: Obligation) -> tuple[object, ...]:
        return (
            ob.trigger.id,
            *(
                None if e is None else e.id
                for e in (ob.met_by, ob.cancelled_by, ob.extended_by, ob.late_extension)
            ),
        )

    assert [key(o) for o in _linked(rule, "A", relevant, calendar)] == [
        key(o) for o in _scanning_linked(rule, "A", relevant, calendar)
    ]


def test_linked_matching_is_linear(rules: timescales.RuleSet) -> None:
    """The time per event of 4,000 and 16,000 ICPCs without reports stays level (was quadratic)."""
    from timescales.timeline import Timeline

    def per_event(n: int) -> float:
        events = tuple(
            Event(
                f"i{k}",
                "icpc",
                dt.date(2020, 1, 6) + dt.timedelta(days=k % 2000),
                {"outcome": "plan"},
                position=k,
            )
            for k in range(n)
        )
        timeline = Timeline("B", events, ("A",), authority="liverpool")
        began = time.perf_counter()
        timescales.check(timeline, rules, as_of=dt.date(2030, 1, 1))
        return (time.perf_counter() - began) / n

    small, large = per_event(2_000), per_event(16_000)
    assert large < 3 * small
