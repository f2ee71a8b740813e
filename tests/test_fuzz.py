"""Fuzzing the readers: structured and byte-mutated timelines, rule files, census children and CSV
rows. Whatever the input, a reader returns its result or raises TimescalesError (the documented
error, with located problems); any other exception is a bug.

``FUZZ_EXAMPLES`` sets the examples per target (2,000 in CI); ``bench/fuzz_long.py`` runs longer.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import timescales
from timescales.adapters import iter_timelines
from timescales.adapters.yaml_timeline import timeline_from_data
from timescales.errors import Problem, TimescalesError
from timescales.rules.loader import _load_rule_file
from timescales.yamlsource import parse_yaml

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "2000"))
FUZZ = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
HERE = Path(__file__).parent
SEED_TIMELINE = (HERE / "hostile" / "good.yaml").read_bytes()
SEED_RULES = (HERE / "hostile" / "good-pack" / "rules.yaml").read_bytes()
SEED_CSV = (
    b"case,child,id,type,date,for,estimated,note,section47,outcome\n"
    b"C1,A,sd1,strategy_discussion,2023-11-06,,,,true,\nC1,A,i1,icpc,2023-11-29,,,,,plan\n"
)
SEED_CHILD = (
    b"<Child><ChildIdentifiers><LAchildID>C1</LAchildID></ChildIdentifiers><CINdetails>"
    b"<CINreferralDate>2023-05-02</CINreferralDate><Section47><S47ActualStartDate>2023-05-05"
    b"</S47ActualStartDate><DateOfInitialCPC>2023-05-31</DateOfInitialCPC></Section47></CINdetails></Child>"
)
CENSUS = (
    b'<?xml version="1.0" encoding="utf-8"?><Message><Header><CollectionDetails><Collection>CIN</Collection>'
    b"<Year>2024</Year><ReferenceDate>2024-03-31</ReferenceDate></CollectionDetails></Header><Children>%s"
    b"</Children></Message>"
)


@st.composite
def mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    """``seed`` with a few bytes replaced, inserted or deleted, or a slice repeated."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        choice = draw(st.integers(0, 3))
        if choice == 0 and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif choice == 1:
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif choice == 2:
            del data[at : at + draw(st.integers(1, 8))]
        else:
            data[at:at] = bytes(data[at : at + 16]) * draw(st.integers(1, 20))
    return bytes(data)


TEXT = st.text(st.characters(codec="utf-8"), max_size=12)
SCALAR = st.one_of(
    st.none(), TEXT, st.sampled_from(["2023-11-06", "true", "icpc", "plan", "england", "null"])
)
VALUE = st.recursive(
    SCALAR,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)
EVENT = st.fixed_dictionaries(
    {},
    optional={
        "id": SCALAR,
        "type": st.one_of(SCALAR, st.sampled_from(["icpc", "strategy_discussion"])),
        "date": SCALAR,
        "for": VALUE,
        "estimated": VALUE,
        "children": VALUE,
        "outcome": VALUE,
        "note": VALUE,
    },
)
TIMELINE = st.fixed_dictionaries(
    {},
    optional={
        "case": SCALAR,
        "nation": VALUE,
        "authority": VALUE,
        "as_of": VALUE,
        "children": VALUE,
        "skip_rules": VALUE,
        "events": st.one_of(VALUE, st.lists(EVENT, max_size=5)),
    },
)


def _timeline_from_text(text: str, rules: timescales.RuleSet) -> None:
    data, problems = parse_yaml(text, "fuzz.yaml")
    try:
        timeline = timeline_from_data(data, problems, "fuzz.yaml", rules.vocabulary)
    except TimescalesError as error:
        assert all(isinstance(p, Problem) and "\n" not in str(p) for p in error.problems)
        return
    with contextlib.suppress(TimescalesError):
        timescales.check(timeline, rules, as_of=dt.date(2024, 3, 31))


@FUZZ
@given(TIMELINE)
def test_structured_timelines(rules: timescales.RuleSet, document: dict[str, object]) -> None:
    from timescales.adapters import timeline_from_mapping

    try:
        timeline = timeline_from_mapping(document, rules.vocabulary)
    except TimescalesError:
        return
    with contextlib.suppress(TimescalesError):
        timescales.check(timeline, rules, as_of=dt.date(2024, 3, 31))


@FUZZ
@given(mutated(SEED_TIMELINE))
def test_byte_mutated_timelines(rules: timescales.RuleSet, data: bytes) -> None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return  # the file reader refuses non-UTF-8 before parsing (tested in the corpus)
    _timeline_from_text(text, rules)


@FUZZ
@given(mutated(SEED_RULES))
def test_byte_mutated_rule_files(rules: timescales.RuleSet, tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "rules.yaml"
    path.write_bytes(data)
    problems: list[Problem] = []
    _load_rule_file(path, "good", None, rules.vocabulary, problems, [])
    assert all("\n" not in str(p) for p in problems)


@FUZZ
@given(mutated(SEED_CHILD))
def test_byte_mutated_census_children(rules: timescales.RuleSet, tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "census.xml"
    path.write_bytes(CENSUS % data)
    for item in iter_timelines(path, rules.vocabulary):
        if isinstance(item, TimescalesError):
            assert all("\n" not in str(p) for p in item.problems)


@FUZZ
@given(mutated(SEED_CSV))
def test_byte_mutated_csv_rows(rules: timescales.RuleSet, tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "log.csv"
    path.write_bytes(data)
    for item in iter_timelines(path, rules.vocabulary):
        if isinstance(item, TimescalesError):
            assert all("\n" not in str(p) for p in item.problems)
        elif isinstance(item, timescales.Timeline):
            with contextlib.suppress(TimescalesError):
                timescales.check(item, rules, as_of=dt.date(2024, 3, 31))


@pytest.mark.parametrize("text", ["a: &a [*a]", "[" * 200, "a: *b", "{<<: [1]}", "a: !!binary x"])
def test_known_hostile_snippets_are_problems(rules: timescales.RuleSet, text: str) -> None:
    _timeline_from_text(text, rules)
