"""The durable_rules backend's compilation scheme: YAML rules to safe durable_rules rulesets.

durable_rules (the C Rete engine of the ``durable_rules`` package) misbehaves on the obvious
encodings of our rules: it segfaults when the last correlated test of an ``$and`` is false, ignores
correlated tests next to an ``$or``, has an order-dependent ``none()`` with no truth maintenance,
segfaults in ``delete_state`` on a session where no action ran, and has no date arithmetic at all
(docs/engines.md has the measurements). So this module compiles every rule into the one shape that
was measured safe:

* everything temporal is turned into integers first, in Python: each event's ``seq`` (its place in
  the child's sorted timeline), its ``day`` (date ordinal), per-rule role flags (``r3E`` = 1: this
  event meets rule 3's pattern) and "pointers" (``r3pcd``: the last earlier day on which something
  closed rule 3's clock);
* in the engine, only positive joins of exactly two patterns (a *query* fact, one open clock, and a
  *hit* fact, an event or the end-of-timeline sentinel), whose constant tests are plain flag
  equalities (never ``$or``) and whose last correlated test is a tautology (the bounds work-around);
* the joins of one query are mutually exclusive, so exactly one closing rule fires per clock in any
  assertion order; a sentinel fact makes at least one action run in every session;
* rule shapes the scheme cannot express are refused here, with the rule id and why.

The matching semantics are those of :mod:`.native` (the reference). Two facts of that engine make a
day-level description exact: a clock is closed on the first day (from the day it starts) holding an
event that meets it or cancels it; on that day, the first meeting event not already used wins, and
a cancellation counts only when no meeting event is left that day. Meeting events used by earlier
intervals of the same rule are always the first ones of their day, so "not already used" is a
count (``k``) carried on the query.

This module is pure Python (no durable_rules import): the ruleset it builds is plain data, run in a
worker process by :mod:`.durable_worker`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..rules.model import AT_LEAST_BEFORE, WITHIN, EventPattern, Extension, Repeat, Rule, RuleVersion

#: A day after every real one (date ordinals are below 800,000 until the year 2191).
NEVER = 10_000_000
#: The tautology ending every correlated test list: ``hit.seq > query.seq - 10**9``.
_GUARD: dict[str, Any] = {"$gt": {"seq": {"$sub": {"$l": {"qry": "seq"}, "$r": 1_000_000_000}}}}

#: The fields of the rule model this scheme knows how to compile. A field added to the model later
#: (a new rule feature) is refused by name until the scheme learns it, never silently ignored.
_KNOWN_FIELDS: dict[type, frozenset[str]] = {
    Rule: frozenset(
        {"id", "title", "pack", "authority", "triggers", "expects", "cancelled_by", "versions", "replaces"}
        | {"draft", "file", "line"}
        # The calendar a rule counts in, and whether findings count per child or per case: the
        # shared driver's and judge's business (due dates are computed in Python).
        | {"working_day_defined_by", "about", "restates"}
        # A snapshot rule (a list of latest dates) is compiled: see compile_ruleset. Later triggers
        # that may restart a clock are listed in Python from the range the engine's closing gives.
        | {"snapshot", "later_trigger_may_restart"}
    ),
    RuleVersion: frozenset(
        {"in_force_from", "in_force_until", "source", "direction", "period", "extension", "repeat", "line"}
        # Which days a rule is in force, and why not before: decided in Python (version_on).
        | {"start_known", "earlier", "quote"}
    ),
    # `unrecorded` is matched in Python (EventPattern.matches), as every pattern is.
    EventPattern: frozenset({"type", "where", "for_trigger", "where_not", "unrecorded"}),
    Extension: frozenset({"by", "to"}),
    # Which interval follows which (next, later): computed by the walk in Python, as in native.
    Repeat: frozenset({"every", "stops_when", "next", "later"}),
}


class Refused(Exception):
    """A rule this scheme cannot express (the message says why)."""


@dataclass(frozen=True)
class RulePlan:
    """How one rule is compiled: its index in the ruleset and the patterns matched in Python."""

    index: int
    rule: Rule
    #: The meeting event names its trigger (`for: trigger`): one clock per trigger.
    linked: bool
    #: A snapshot rule (a list of latest dates): one clock, from the latest trigger.
    snapshot: bool
    #: The meeting pattern without its link (the link is joined in the engine).
    expects: EventPattern
    #: The extension pattern (the same in every version that has one), if any.
    extension: EventPattern | None

    def prefix(self, name: str) -> str:
        return f"r{self.index}{name}"


def _unknown_features(obj: object) -> list[str]:
    known = _KNOWN_FIELDS[type(obj)]
    found = []
    for item in dataclasses.fields(obj):  # type: ignore[arg-type]
        if item.name in known:
            continue
        value = getattr(obj, item.name)
        default = item.default
        if item.default_factory is not dataclasses.MISSING:
            default = item.default_factory()
        if value != default:
            found.append(item.name)
    return found


def plan_rule(rule: Rule, index: int) -> RulePlan:
    """Check that ``rule`` can be compiled and say how; raise :class:`Refused` with the reason."""
    patterns: list[EventPattern] = [*rule.triggers, rule.expects, *rule.cancelled_by]
    extensions: list[EventPattern] = []
    for version in rule.versions:
        if version.extension is not None and version.extension.by not in extensions:
            extensions.append(version.extension.by)
    patterns.extend(extensions)
    unknown = _unknown_features(rule)
    for version in rule.versions:
        unknown += _unknown_features(version)
        if version.extension is not None:
            unknown += _unknown_features(version.extension)
        if version.repeat is not None:
            unknown += _unknown_features(version.repeat)
    for pattern in patterns:
        unknown += _unknown_features(pattern)
    if unknown:
        raise Refused(f"it uses {', '.join(sorted(set(unknown)))}, which the durable scheme does not express")
    directions = {v.direction for v in rule.versions}
    if not directions <= {WITHIN, AT_LEAST_BEFORE}:
        raise Refused(f"its direction {sorted(directions - {WITHIN, AT_LEAST_BEFORE})} is not known")
    linked = rule.expects.for_trigger
    snapshot = bool(getattr(rule, "snapshot", False))
    if snapshot and linked:
        raise Refused("a snapshot rule with `for: trigger` is not expressed")
    if AT_LEAST_BEFORE in directions and not linked:
        raise Refused("an `at_least_before` rule without `for: trigger` has no first-after meaning")
    if len(extensions) > 1:
        raise Refused("its versions name different extension events")
    extension = extensions[0] if extensions else None
    if extension is not None and extension.for_trigger:
        raise Refused("an extension event linked to its trigger (`for: trigger`) is not expressed")
    trigger_types = {t.type for t in rule.triggers}
    # Unlinked rules express a trigger that also meets or cancels (a health assessment, a new
    # placement): the opener is left out of its own clock's query.
    stopping = {extension.type} if extension is not None else set()
    if linked:
        stopping.update({rule.expects.type, *(c.type for c in rule.cancelled_by)})
    overlap = trigger_types & stopping
    if overlap:
        raise Refused(
            f"an event of type {', '.join(sorted(overlap))} could both start the clock and "
            + ("meet, cancel or extend it" if linked else "extend it")
        )
    if linked:
        clashes = {c.type for c in rule.cancelled_by} | ({extension.type} if extension else set())
        if rule.expects.type in clashes:
            raise Refused(
                f"with `for: trigger`, an event of type {rule.expects.type} could meet one trigger and "
                "cancel or extend another"
            )
    base = dataclasses.replace(rule.expects, for_trigger=False)
    return RulePlan(index, rule, linked, snapshot, base, None if snapshot else extension)


# -- the ruleset -----------------------------------------------------------------------------------


def _query(plan: RulePlan, kind: str, **constants: Any) -> dict[str, Any]:
    tests: list[dict[str, Any]] = [{"kind": kind}, {"rule": plan.index}]
    tests.extend({name: value} for name, value in constants.items())
    return {"qry": {"$and": tests}}


def _hit(flags: dict[str, Any], *correlated: dict[str, Any]) -> dict[str, Any]:
    tests: list[dict[str, Any]] = [{name: value} for name, value in flags.items()]
    tests.extend(correlated)
    tests.append(_GUARD)
    return {"hit": {"$and": tests}}


def _cmp(op: str, attribute: str, query_attribute: str) -> dict[str, Any]:
    """``hit.attribute <op> qry.query_attribute`` (``op`` None: equality)."""
    reference = {"qry": query_attribute}
    return {attribute: reference} if op == "=" else {op: {attribute: reference}}


def compile_ruleset(plans: Sequence[RulePlan]) -> dict[str, dict[str, Any]]:
    """The durable_rules ruleset (without actions) for ``plans``; rule names are
    ``r<index>.<outcome>``, the outcome the worker reports when the rule fires."""
    ruleset: dict[str, dict[str, Any]] = {"end": {"all": [{"fin": {"kind": "end"}}]}}
    for plan in plans:
        p = plan.prefix

        def add(outcome: str, query: dict[str, Any], hit: dict[str, Any]) -> None:
            ruleset[f"r{plan.index}.{outcome}"] = {"all": [query, hit]}  # noqa: B023

        if plan.snapshot:
            # Python names the latest trigger and the days of the first meeting and cancelling
            # events on or after it (other than the trigger); the engine finds them.
            add(
                "none",
                _query(plan, "clock", mode="snapshot"),
                _hit({p("E"): 1}, _cmp("=", "day", "ned"), _cmp("=", p("erank"), "k1")),
            )
            add(
                "cancelled",
                _query(plan, "clock", mode="snapshot", ned=NEVER),
                _hit({p("CR"): 1}, _cmp("=", "day", "cday"), _cmp("=", p("crank"), "crank")),
            )
            add("open", _query(plan, "clock", mode="snapshot", ned=NEVER, cday=NEVER), _hit({"kind": "end"}))
        elif plan.linked:
            clock = {"mode": "within"}
            add(
                "met",
                _query(plan, "clock", **clock),
                _hit(
                    {p("E"): 1, p("rf"): 1},
                    _cmp("=", "ref", "tid"),
                    _cmp("$gte", "day", "day"),
                    _cmp("$lt", p("prd"), "day"),
                    _cmp("$lt", p("pcd"), "day"),
                ),
            )
            add(
                "cancelled",
                _query(plan, "clock", **clock),
                _hit(
                    {p("C1"): 1},
                    _cmp("$gte", "day", "day"),
                    _cmp("$lt", p("pcd"), "day"),
                    _cmp("$lt", "day", "nrd"),
                ),
            )
            add(
                "open",
                _query(plan, "clock", mode="within", nrd=NEVER),
                _hit({"kind": "end"}, _cmp("$lt", p("lcd"), "day")),
            )
            add(
                "met_before",
                _query(plan, "clock", mode="before"),
                _hit({p("E"): 1, p("first"): 1}, _cmp("=", "ref", "tid")),
            )
            add("missing", _query(plan, "clock", mode="before", hasref=0), _hit({"kind": "end"}))
        else:
            add(
                "met",
                _query(plan, "clock", avail=1),
                _hit({p("E"): 1}, _cmp("=", "day", "day"), _cmp("=", p("erank"), "k1")),
            )
            add(
                "cancelled",
                _query(plan, "clock", avail=0, ctoday=1),
                _hit({p("CR"): 1}, _cmp("=", "day", "day"), _cmp("=", p("crank"), "crank")),
            )
            later = {"avail": 0, "ctoday": 0}
            after = (_cmp("$gt", "day", "day"), _cmp("$lte", p("pcd"), "day"))
            add("met_later", _query(plan, "clock", **later), _hit({p("E1"): 1}, *after))
            add("cancelled_later", _query(plan, "clock", **later), _hit({p("CL"): 1}, *after))
            add("open", _query(plan, "clock", **later), _hit({"kind": "end"}, _cmp("$lte", p("lcd"), "day")))
        if plan.extension is not None:
            in_range = (_cmp("$gte", "seq", "lo"), _cmp("$lt", "seq", "hi"))
            add("ext_first", _query(plan, "ext"), _hit({p("X"): 1}, *in_range, _cmp("$lt", p("pxs"), "lo")))
            add("ext_last", _query(plan, "ext"), _hit({p("X"): 1}, *in_range, _cmp("$gte", p("nxs"), "hi")))
    return ruleset


def constant_tests(ruleset: dict[str, dict[str, Any]]) -> tuple[tuple[tuple[str, Any], ...], ...]:
    """The constant (flag) tests of each rule's event pattern, to keep facts no rule could use out
    of the engine (durable_rules refuses a whole batch over one such fact)."""
    found = []
    for rule in ruleset.values():
        pattern = rule["all"][-1].get("hit")
        if pattern is None:
            continue
        tests = tuple(
            next(iter(test.items()))
            for test in pattern["$and"]
            if len(test) == 1
            and not next(iter(test)).startswith("$")
            and not isinstance(next(iter(test.values())), dict)
        )
        if tests not in found:
            found.append(tests)
    return tuple(found)
