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
#: What a finding is about: one child (conferences, visits, reviews: the DfE counts per child) or the
#: whole case (a complaint or an Ombudsman remedy is owed once, whoever the children are).
ABOUT_CHILD = "child"
ABOUT_CASE = "case"


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
    #: Attributes the event must *not* record (`{unrecorded: true}`): a complaint whose procedure is
    #: not recorded. A finding whose trigger matched only so is uncertain (the judge says why).
    unrecorded: frozenset[str] = frozenset()

    def matches(self, event: Event, trigger: Event | None = None) -> bool:
        if not self.matches_unlinked(event):
            return False
        return not (self.for_trigger and (trigger is None or event.refers_to != trigger.id))

    def matches_unlinked(self, event: Event) -> bool:
        """The type and attribute conditions, leaving aside the link to a trigger (`for: trigger`)."""
        if event.type != self.type:
            return False
        for attribute, allowed in self.where.items():
            if event.attributes.get(attribute) not in allowed:
                return False
        for attribute, refused in self.where_not.items():
            if event.attributes.get(attribute) in refused:
                return False
        return not any(attribute in event.attributes for attribute in self.unrecorded)

    def describe(self) -> str:
        conditions = [f"{k} = {' or '.join(sorted(v))}" for k, v in self.where.items()]
        conditions += [f"{k} not {' or '.join(sorted(v))}" for k, v in self.where_not.items()]
        conditions += [f"{k} not recorded" for k in sorted(self.unrecorded)]
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
    ``stops_when`` (attribute conditions on the meeting event).

    ``next`` is the interval after the first meeting event when it differs from ``every`` (SI 2010/959
    reg 33(2): the second review within three months of the first, later ones six months apart).
    ``later`` changes the interval once a time has passed since the chain's first trigger (reg 28(2):
    six-weekly visits for the first year of a placement, three-monthly thereafter).
    """

    every: Period
    stops_when: Mapping[str, frozenset[str]]
    next: Period | None = None
    later: LaterIntervals | None = None

    def stops(self, event: Event) -> bool:
        return bool(self.stops_when) and all(event.attributes.get(k) in v for k, v in self.stops_when.items())

    def describe(self) -> str:
        """``every 6 calendar months`` / ``within 3 calendar months, then every 6 calendar months``."""
        text = f"every {self.every.describe()}"
        if self.next is not None:
            text = f"within {self.next.describe()}, then {text}"
        if self.later is not None:
            text += f" (every {self.later.every.describe()} after {self.later.after.describe()})"
        return text

    def interval(self, occurrence: int, origin: dt.date, start: dt.date, calendar: WorkingCalendar) -> Period:
        """The period of interval ``occurrence`` (2 = the first repeat), which starts on ``start``
        (the meeting event that opens it), in a chain whose first trigger was on ``origin``.

        An interval is governed by the day it starts: one that starts before the first anniversary
        of a placement is a first-year interval, even if it ends after it.
        """
        later = self.later
        if later is not None and start >= later.after.shift(origin, calendar, later.after.readings()[-1], 1):
            return later.every
        if occurrence == 2 and self.next is not None:
            return self.next
        return self.every


@dataclass(frozen=True)
class LaterIntervals:
    """Intervals of ``every`` for intervals that start once ``after`` has passed since the first
    trigger (the placement's start)."""

    after: Period
    every: Period


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
    #: False when the source shows only that the version was in force by ``in_force_from``
    #: (`in_force: {by: ...}`): earlier triggers are "start date unknown", not "not in force".
    start_known: bool = True
    #: For the first version: why triggers before it are not checked although an earlier text
    #: governed them (`in_force: {from: ..., before: "Working Together 2006 is not encoded"}`).
    earlier: str | None = None
    #: The source's own words that this version encodes (`quote:`), shown beside the encoding.
    quote: str | None = None

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
    #: The provision that defines "working day" for this rule (SI 2006/1738 reg 2): a council's
    #: own closure days are then working days, and no local pack's closures extend the rule.
    working_day_defined_by: str | None = None
    #: ``child`` (a finding per child) or ``case`` (one finding per case, listing the children).
    about: str = ABOUT_CHILD
    #: National rules this local rule restates or tightens while both stand: the report counts them
    #: as one requirement (``replaces`` is for a local rule that stands instead of the national one).
    restates: tuple[str, ...] = ()
    #: A later trigger while the first is open may begin a separate process (a new section 47
    #: enquiry after an end the data does not record): the finding is uncertain when timing from
    #: it would change the answer (`later_trigger_may_restart: true`).
    later_trigger_may_restart: bool = False

    #: A snapshot rule (``snapshot: true``) reads a list that holds only the *latest* date of each
    #: kind (Ofsted's Annex A lists 6-9): "the last trigger was more than the period before the list
    #: date" is overdue at that date. It is judged only on such lists, never on a full history.
    snapshot: bool = False

    @property
    def requirement(self) -> str:
        """The requirement a finding of this rule counts towards in the headline figures."""
        return self.restates[0] if self.restates else self.id

    def is_triggered_by(self, event: Event) -> bool:
        triggers = self.triggers
        if len(triggers) == 1:  # the common case, on the hot path
            return triggers[0].matches(event)
        return any(pattern.matches(event) for pattern in triggers)

    def unrecorded_on(self, trigger: Event) -> tuple[str, ...]:
        """The attributes whose absence alone made ``trigger`` start this rule's clock (a complaint
        whose procedure is not recorded): empty when a pattern matched on what the event records."""
        if not self._triggers_on_unrecorded:
            return ()
        matched = [p for p in self.triggers if p.matches(trigger)]
        if not matched or any(not p.unrecorded for p in matched):
            return ()
        return tuple(sorted(matched[0].unrecorded))

    @cached_property
    def _triggers_on_unrecorded(self) -> bool:
        return any(p.unrecorded for p in self.triggers)

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
    def first_version(self) -> RuleVersion:
        return min(self.versions, key=lambda v: v.in_force_from)

    def not_checked_before(self) -> str:
        """Why a trigger before the rule's first version starts no clock, in a report's words."""
        first = self.first_version
        if first.earlier is not None:
            return f"edition not encoded ({first.earlier})"
        if not first.start_known:
            return (
                f"start date unknown: the source shows it in force by {first.in_force_from.isoformat()}, "
                "not when it began"
            )
        return "not in force"

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
    #: The pack's closure days also extend national rules whose source leaves "working day"
    #: undefined (Working Together); never those whose source defines it (complaints, reg 2).
    non_working_days_extend_national_rules: bool = False


@dataclass(frozen=True)
class RuleSelection:
    """The rules in force for one nation and authority, with the calendars they count in.

    ``calendar`` is the nation's calendar (bank holidays only). A local pack's closure days apply
    to that pack's own rules, and to national rules only where the pack says so and the rule's
    source leaves "working day" undefined: ``calendar_for`` gives each rule its calendar.
    """

    rules: tuple[Rule, ...]
    excluded: tuple[Rule, ...]
    calendar: WorkingCalendar
    packs: tuple[Pack, ...]
    #: Rule id -> its calendar, for the rules that do not count in ``calendar``.
    calendars: Mapping[str, WorkingCalendar] = field(default_factory=lambda: MappingProxyType({}))
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

    def for_source(self, rules: tuple[Rule, ...], latest_only: frozenset[str]) -> tuple[Rule, ...]:
        """Which of ``rules`` a source can be judged by, given the event types it holds only the
        latest date of (``latest_only``): snapshot rules need a list of latest dates for every
        trigger type; other rules need a full history of every type they look at."""
        if not latest_only:
            if not any(r.snapshot for r in rules):
                return rules
            return tuple(r for r in rules if not r.snapshot)
        return tuple(
            r
            for r in rules
            if (r.snapshot and r.trigger_types <= latest_only)
            or (not r.snapshot and r.event_types.isdisjoint(latest_only))
        )

    def calendar_for(self, rule: Rule) -> WorkingCalendar:
        """The working days ``rule`` counts in (see the class docstring)."""
        return self.calendars.get(rule.id, self.calendar)

    def by_calendar(self, rules: tuple[Rule, ...]) -> list[tuple[WorkingCalendar, tuple[Rule, ...]]]:
        """``rules`` grouped by the calendar they count in (the nation's first), keeping order."""
        if not self.calendars:
            return [(self.calendar, rules)]
        groups: dict[int, tuple[WorkingCalendar, list[Rule]]] = {id(self.calendar): (self.calendar, [])}
        for rule in rules:
            calendar = self.calendar_for(rule)
            groups.setdefault(id(calendar), (calendar, []))[1].append(rule)
        return [(calendar, tuple(group)) for calendar, group in groups.values() if group]


class RuleSet:
    """Every pack loaded from some rule folders, with their vocabulary.

    Selections (rules and calendar for a nation and authority) are built on first use and kept on
    the instance: no module-level state, so two rule sets never interfere.
    """

    def __init__(
        self,
        packs: tuple[Pack, ...],
        vocabulary: Vocabulary,
        roots: tuple[str, ...],
        *,
        extended: frozenset[str] = frozenset(),
    ):
        self.packs = packs
        self.vocabulary = vocabulary
        self.roots = roots
        #: Ids of packs loaded from the installed ones only because a pack read ``extends`` them.
        self.extended = extended
        self._selections: dict[tuple[str, str | None], RuleSelection] = {}

    def __repr__(self) -> str:
        return f"RuleSet(packs={[p.id for p in self.packs]!r})"

    @property
    def rules(self) -> tuple[Rule, ...]:
        return tuple(r for p in self.packs for r in p.rules)

    @property
    def own_rules(self) -> tuple[Rule, ...]:
        """The rules of the folders read, without the installed packs they extend."""
        return tuple(r for p in self.packs if p.id not in self.extended for r in p.rules)

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
        selection = RuleSelection(active, excluded, WorkingCalendar(nation), packs, _calendars(packs, active))
        self._selections[key] = selection
        return selection


def _calendars(packs: tuple[Pack, ...], active: tuple[Rule, ...]) -> Mapping[str, WorkingCalendar]:
    """Each rule that counts a local pack's closure days, with its calendar.

    A pack's closures apply to its own rules; to a national rule only when a pack of the authority
    says so (``non_working_days_extend_national_rules``) and the rule's source leaves "working
    day" undefined. Where the source defines it (SI 2006/1738 reg 2: any day but a weekend,
    Christmas Day, Boxing Day, Good Friday or a bank holiday), a council's closure is a working day.
    """
    closing = [p for p in packs if p.non_working_days]
    if not closing:
        return MappingProxyType({})
    nation = packs[0].nation
    own = {p.id: WorkingCalendar(nation, p.non_working_days) for p in closing}
    national_extras: dict[dt.date, str] = {}
    for p in closing:
        if p.authority is not None and p.non_working_days_extend_national_rules:
            national_extras.update(p.non_working_days)
    national = WorkingCalendar(nation, national_extras) if national_extras else None
    chosen: dict[str, WorkingCalendar] = {}
    for rule in active:
        if rule.pack in own:
            chosen[rule.id] = own[rule.pack]
        elif rule.authority is None and national is not None and rule.working_day_defined_by is None:
            chosen[rule.id] = national
    return MappingProxyType(chosen)
