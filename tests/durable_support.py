"""Shared by the durable backend's tests: whether durable_rules is here, and random timelines.

CI installs the `[durable]` extra and sets TIMESCALES_REQUIRE_DURABLE=1, so there a missing or
broken durable_rules fails the run instead of skipping its tests.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from hypothesis import strategies as st

import timescales
from timescales.evaluation.durable import durable_problem
from timescales.evaluation.obligations import Obligation
from timescales.rules.model import EventPattern, Rule
from timescales.timeline import Event

PROBLEM = durable_problem()
if PROBLEM is not None and os.environ.get("TIMESCALES_REQUIRE_DURABLE") == "1":
    raise RuntimeError(f"TIMESCALES_REQUIRE_DURABLE=1 but {PROBLEM}")
requires_durable = pytest.mark.skipif(PROBLEM is not None, reason=PROBLEM or "")


def obligation_key(ob: Obligation) -> tuple[Any, ...]:
    """Everything a backend decides about one obligation (judging is shared)."""

    def ref(event: Event | None) -> str | None:
        return None if event is None else event.id

    return (
        ob.rule.id,
        ob.child,
        ob.trigger.id,
        ob.occurrence,
        ob.version.in_force_from,
        ob.period.describe(),
        ref(ob.met_by),
        ref(ob.cancelled_by),
        ref(ob.extended_by),
        ref(ob.late_extension),
        None if ob.later_triggers is None else tuple(e.id for e in ob.later_triggers),
    )


def _patterns(rule: Rule) -> Iterator[EventPattern]:
    yield from rule.triggers
    yield rule.expects
    yield from rule.cancelled_by
    for version in rule.versions:
        if version.extension is not None:
            yield version.extension.by


def event_kinds(rules: Sequence[Rule]) -> list[tuple[str, dict[str, list[str]]]]:
    """Every event type the rules look at, with the attribute values their conditions name (and
    one value none names), so random events hit every where/not/stops_when branch."""
    values: dict[str, dict[str, set[str]]] = {}
    for rule in rules:
        for pattern in _patterns(rule):
            attributes = values.setdefault(pattern.type, {})
            for name, allowed in [*pattern.where.items(), *pattern.where_not.items()]:
                attributes.setdefault(name, set()).update(allowed)
        for version in rule.versions:
            if version.repeat is not None:
                attributes = values.setdefault(rule.expects.type, {})
                for name, allowed in version.repeat.stops_when.items():
                    attributes.setdefault(name, set()).update(allowed)
    return [
        (kind, {name: sorted(found | {"other"}) for name, found in sorted(attributes.items())})
        for kind, attributes in sorted(values.items())
    ]


def rule_type_sets(rules: Sequence[Rule]) -> list[frozenset[str]]:
    """The event types each rule looks at."""
    return sorted({frozenset(p.type for p in _patterns(rule)) for rule in rules}, key=sorted)


@st.composite
def random_timeline(
    draw: st.DrawFn, kinds: list[tuple[str, dict[str, list[str]]]], type_sets: list[frozenset[str]]
) -> timescales.Timeline:
    """A case of up to three children: random types, dates from 2012 to 2030 (clustered so that
    deadlines, bank holidays and same-day collisions all happen), links between events, shuffled."""
    start = dt.date(2012, 1, 1) + dt.timedelta(days=draw(st.integers(0, 365 * 18)))
    children = ("A", "B", "C")[: draw(st.integers(1, 3))]
    count = draw(st.integers(1, 18))
    # The event types of one to three rules (and sometimes any type), so that triggers meet their
    # answers, cancellations and extensions often.
    types = set().union(*draw(st.lists(st.sampled_from(type_sets), min_size=1, max_size=3)))
    chosen_kinds = [k for k in kinds if k[0] in types or draw(st.integers(0, 30)) == 0]
    events: list[Event] = []
    for number in range(count):
        kind, attributes = draw(st.sampled_from(chosen_kinds))
        # Small offsets often: same-day collisions and short gaps are where backends differ.
        offset = draw(st.one_of(st.integers(0, 6), st.integers(0, 120), st.integers(0, 420)))
        day = min(start + dt.timedelta(days=offset), dt.date(2030, 12, 31))
        chosen = {name: draw(st.sampled_from(options)) for name, options in attributes.items()}
        chosen = {name: value for name, value in chosen.items() if draw(st.integers(0, 5))}
        refers = f"e{draw(st.integers(0, count - 1))}" if draw(st.integers(0, 2)) else None
        concerns = None if len(children) == 1 or draw(st.booleans()) else (draw(st.sampled_from(children)),)
        events.append(Event(f"e{number}", kind, day, chosen, concerns, refers, False, None, number))
    shuffled = draw(st.permutations(events))
    return timescales.Timeline("DIFF", tuple(shuffled), children)
