"""`--engine both`: every case matched by the native and the durable backends, any difference an
error (a self-check a cautious council can run; docs/engines.md)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..calendar import WorkingCalendar
from ..errors import TimescalesError, problem
from ..rules.model import Rule
from ..timeline import Event
from .durable import DurableEvaluator
from .native import NativeEvaluator
from .obligations import Obligation


class EnginesDisagree(TimescalesError):
    """The two backends matched a case differently (a bug in one of them: report it)."""


def matching_key(ob: Obligation) -> tuple[Any, ...]:
    """Everything a backend decides about one obligation (the judging after it is shared)."""

    def ref(event: Event | None) -> str:
        return "-" if event is None else event.id

    return (
        ob.rule.id,
        ob.trigger.id,
        ob.occurrence,
        ob.version.in_force_from.isoformat(),
        ob.period.describe(),
        ref(ob.met_by),
        ref(ob.cancelled_by),
        ref(ob.extended_by),
        ref(ob.late_extension),
        None if ob.later_triggers is None else tuple(e.id for e in ob.later_triggers),
    )


def _describe(key: tuple[Any, ...]) -> str:
    rule, trigger, occurrence, _, _, met, cancelled, extended, late, _ = key
    return (
        f"{rule} from {trigger} (interval {occurrence}): met by {met}, cancelled by {cancelled}, "
        f"extended by {extended}, late extension {late}"
    )


class CrossCheckEvaluator:
    """Native findings, after checking that durable_rules matched every obligation the same way."""

    name = "both"

    def __init__(self, durable: DurableEvaluator) -> None:
        self.native = NativeEvaluator()
        self.durable = durable

    def check_rules(self, rules: Sequence[Rule]) -> None:
        self.durable.check_rules(rules)

    def close(self) -> None:
        self.durable.close()

    def obligations(
        self, child: str, events: Sequence[Event], rules: Sequence[Rule], calendar: WorkingCalendar
    ) -> list[Obligation]:
        reference = list(self.native.obligations(child, events, rules, calendar))
        other = self.durable.obligations(child, events, rules, calendar)
        expected = [matching_key(o) for o in reference]
        got = [matching_key(o) for o in other]
        if expected != got:
            only_native = [k for k in expected if k not in got]
            only_durable = [k for k in got if k not in expected]
            details = [f"native: {_describe(k)}" for k in only_native]
            details += [f"durable: {_describe(k)}" for k in only_durable]
            raise EnginesDisagree(
                [
                    problem(
                        "--engine both",
                        f"the native and durable engines disagree for child {child}: " + "; ".join(details),
                        code="E903",
                        hint="a bug: please report it with the case; the native result is the reference",
                    )
                ]
            )
        return reference
