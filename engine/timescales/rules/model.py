"""What a rule says, as typed, frozen objects (built by :mod:`timescales.rules.loader`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType

from ..calendar import WorkingCalendar
from ..findings import SourceRef
from ..timeline import Event
from ..vocabulary import Vocabulary
from .periods import Period

WITHIN = "within"
AT_LEAST_BEFORE = "at_least_before"


@dataclass(frozen=True)
class EventPattern:
    """Which events count: a type, attribute conditions, and perhaps a link to the trigger.

    ``where`` maps an attribute to the values it may take (booleans are ``"true"``/``"false"``).
    ``for_trigger`` demands that the event refers to the trigger with ``for:`` (minutes *of this*
    conference).
    """

    type: str
    where: Mapping[str, frozenset[str]] = field(default_factory=lambda: MappingProxyType({}))
    for_trigger: bool = False
    #: Attribute values the event must *not* have (an absent attribute passes): `{not: corporate}`.
    where_not: Mapping[str, frozenset[str]] = field(default_factory=lambda: MappingProxyType({}))

    def matches(self, event: Event, trigger: Event | None = None) -> bool:
        if event.type != self.type:
            return False
        for attribute, allowed in self.where.items():
            if event.attributes.get(attribute) not in allowed:
                return False
        for attribute, refused in self.where_not.items():
            if event.attributes.get(attribute) in refused:
                return False
        return not (self.for_trigger and (trigger is None or event.refers_to != trigger.id))

    def describe(self) -> str:
        conditions = [f"{k} = {' or '.join(sorted(v))}" for k, v in self.where.items()]
        conditions += [f"{k} not {' or '.join(sorted(v))}" for k, v in self.where_not.items()]
        if self.for_trigger:
            conditions.append("for the trigger")
        return self.type + (f" ({', '.join(conditions)})" if conditions else "")


@dataclass(frozen=True)
class Source:
    """Where a rule comes from. ``evidence``: verified | restated | seed (see docs/conventions.md)."""

    document: str
    edition: str | None
    section: str
    url: str | None
    evidence: str
    note: str | None = None

    @cached_property
    def ref(self) -> SourceRef:
        """The citation as a finding carries it (made once per rule version)."""
        return SourceRef(self.document, self.edition, self.section, self.url, self.evidence)


@dataclass(frozen=True)
class Extension:
    """The deadline becomes ``to`` if an event matching ``by`` happens on or before the first due date."""

    by: EventPattern
    to: Period


@dataclass(frozen=True)
class Repeat:
    """Each event that meets an interval opens the next one, of ``every``, unless it matches
    ``stops_when`` (attribute conditions on the meeting event)."""

    every: Period
    stops_when: Mapping[str, frozenset[str]]

    def stops(self, event: Event) -> bool:
        return bool(self.stops_when) and all(event.attributes.get(k) in v for k, v in self.stops_when.items())


@dataclass(frozen=True)
class RuleVersion:
    """One edition of a rule: in force on trigger dates in [``in_force_from``, ``in_force_until``)."""

    in_force_from: dt.date
    in_force_until: dt.date | None
    source: Source
    direction: str
    period: Period
    extension: Extension | None = None
    repeat: Repeat | None = None
    line: int | None = None

    def in_force_on(self, day: dt.date) -> bool:
        return self.in_force_from <= day and (self.in_force_until is None or day < self.in_force_until)


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    pack: str
    authority: str | None
    #: Any of these events starts the clock (an ICPC deciding on a plan, or the plan's start).
    triggers: tuple[EventPattern, ...]
    expects: EventPattern
    cancelled_by: tuple[EventPattern, ...]
    versions: tuple[RuleVersion, ...]
    replaces: tuple[str, ...] = ()
    draft: str | None = None
    file: str = ""
    line: int | None = None

    def is_triggered_by(self, event: Event) -> bool:
        triggers = self.triggers
        if len(triggers) == 1:  # the common case, on the hot path
            return triggers[0].matches(event)
        return any(pattern.matches(event) for pattern in triggers)

    @cached_property
    def trigger_types(self) -> frozenset[str]:
        return frozenset(t.type for t in self.triggers)

    def version_on(self, day: dt.date) -> RuleVersion | None:
        """The version in force on ``day`` (the trigger's date), if any."""
        cache = self._versions_by_day
        if day in cache:
            return cache[day]
        found = next((v for v in self.versions if v.in_force_on(day)), None)
        cache[day] = found
        return found

    @cached_property
    def in_force_span(self) -> tuple[dt.date, dt.date | None]:
        """First day in force and the day it stops (None: still in force). The loader refuses gaps
        between versions, so the rule is in force on every day of this span and no other."""
        first = min(v.in_force_from for v in self.versions)
        ends = [v.in_force_until for v in self.versions]
        return first, (None if None in ends else max(e for e in ends if e is not None))

    @cached_property
    def _versions_by_day(self) -> dict[dt.date, RuleVersion | None]:
        """Memo of version_on: trigger dates repeat across cases (bounded by the days in use)."""
        return {}

    @cached_property
    def event_types(self) -> frozenset[str]:
        """Every event type the rule looks at."""
        types = {*(t.type for t in self.triggers), self.expects.type, *(c.type for c in self.cancelled_by)}
        for version in self.versions:
            if version.extension:
                types.add(version.extension.by.type)
        return frozenset(types)

    @property
    def one_open_at_a_time(self) -> bool:
        """Whether a trigger is ignored while an earlier one of this rule is still open.

        Without a ``for:`` link the meeting event cannot say which trigger it answers, so the
        first trigger holds the clock until it is met or cancelled (Working Together: the ICPC is
        timed from the strategy discussion *at which* section 47 enquiries began, not from later
        ones). With a link, every trigger has its own obligation (minutes of each conference).
        """
        return not self.expects.for_trigger


@dataclass(frozen=True)
class Pack:
    """A national or local set of rules. A local pack names its authority."""

    id: str
    title: str
    nation: str
    authority: str | None
    rules: tuple[Rule, ...]
    non_working_days: Mapping[dt.date, str]
    file: str
    extends: str | None = None


@dataclass(frozen=True)
class RuleSelection:
    """The rules in force for one nation and authority, with the calendar they count in."""

    rules: tuple[Rule, ...]
    excluded: tuple[Rule, ...]
    calendar: WorkingCalendar
    packs: tuple[Pack, ...]
    _judgeable: dict[frozenset[str], tuple[Rule, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def judgeable(self, recorded_types: frozenset[str]) -> tuple[Rule, ...]:
        """The rules whose expected event a source recording only ``recorded_types`` can show."""
        found = self._judgeable.get(recorded_types)
        if found is None:
            found = tuple(r for r in self.rules if r.expects.type in recorded_types)
            self._judgeable[recorded_types] = found
        return found


class RuleSet:
    """Every pack loaded from some rule folders, with their vocabulary.

    Selections (rules and calendar for a nation and authority) are built on first use and kept on
    the instance: no module-level state, so two rule sets never interfere.
    """

    def __init__(self, packs: tuple[Pack, ...], vocabulary: Vocabulary, roots: tuple[str, ...]):
        self.packs = packs
        self.vocabulary = vocabulary
        self.roots = roots
        self._selections: dict[tuple[str, str | None], RuleSelection] = {}

    def __repr__(self) -> str:
        return f"RuleSet(packs={[p.id for p in self.packs]!r})"

    @property
    def rules(self) -> tuple[Rule, ...]:
        return tuple(r for p in self.packs for r in p.rules)

    @cached_property
    def rule_ids(self) -> frozenset[str]:
        return frozenset(r.id for p in self.packs for r in p.rules)

    def rule(self, rule_id: str) -> Rule:
        for candidate in self.rules:
            if candidate.id == rule_id:
                return candidate
        raise KeyError(rule_id)

    def select(self, nation: str = "england", authority: str | None = None) -> RuleSelection:
        """National packs of ``nation`` plus the local packs of ``authority``.

        A local rule that ``replaces`` a national one removes it; draft rules are excluded (and
        listed as such, so nobody reads their silence as "no breach").
        """
        key = (nation, authority)
        cached = self._selections.get(key)
        if cached is not None:
            return cached
        packs = tuple(
            p for p in self.packs if p.nation == nation and (p.authority is None or p.authority == authority)
        )
        chosen = [r for p in packs for r in p.rules]
        replaced = {rid for r in chosen for rid in r.replaces}
        active = tuple(r for r in chosen if r.id not in replaced and r.draft is None)
        excluded = tuple(r for r in chosen if r.draft is not None)
        extras: dict[dt.date, str] = {}
        for p in packs:
            extras.update(p.non_working_days)
        selection = RuleSelection(active, excluded, WorkingCalendar(nation, extras), packs)
        self._selections[key] = selection
        return selection
