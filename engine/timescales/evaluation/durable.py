"""The durable_rules backend: the same rules matched by a Rete engine, held equal to the native one.

Install with ``pip install "safeguarding-timescales[durable]"``. The native backend stays the
reference and the default; this one exists for those who want a Rete engine, and ``--engine both``
runs the two side by side as a self-check.

How it works (docs/engines.md says why each step is needed):

1. each rule is compiled once by :mod:`.durable_scheme` (or refused, with the reason);
2. per child, the enrichment pass here turns the child's events into integer facts;
3. each open clock becomes a *query* fact; durable_rules, in a worker process, joins it to the
   event that closes it (met, cancelled, or still open at the end) and to the extension events in
   its range; repeats and "one clock at a time" follow the native engine's walk, one round of
   queries per step, because chaining facts from actions is one of durable_rules' unsafe paths;
4. the obligations go to the shared judge (:mod:`.obligations`), as for every backend.

The engine runs in worker processes only: a crash or hang costs the case being checked (reported
as an engine failure), never the run.
"""

from __future__ import annotations

import bisect
import itertools
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Generator, Iterable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from ..calendar import WorkingCalendar
from ..errors import RuleFileError, TimescalesError, problem
from ..rules.model import AT_LEAST_BEFORE, Rule
from ..timeline import Event
from .durable_scheme import NEVER, Refused, RulePlan, compile_ruleset, constant_tests, plan_rule
from .obligations import Obligation, due_date, next_interval, opened

INSTALL_HINT = 'pip install "safeguarding-timescales[durable]"'
#: Seconds one child's matching may take before the worker is taken to be hung.
DEFAULT_TIMEOUT = 60.0


class EngineUnavailable(TimescalesError):
    """durable_rules is not installed (or cannot be imported on this Python)."""


class EngineFailure(TimescalesError):
    """The durable_rules worker crashed, hung or answered something impossible for one case."""


def durable_problem() -> str | None:
    """Why durable_rules cannot be used here (one line), or None if it can."""
    try:
        import durable.engine  # noqa: F401
    except ModuleNotFoundError:
        if sys.version_info >= (3, 13):
            return (
                "needs durable_rules, whose last release does not load on Python "
                f"{sys.version_info.major}.{sys.version_info.minor} as published: use Python 3.11 or 3.12, "
                "or the patched build described in docs/engines.md"
            )
        return f"needs durable_rules, which is not installed: {INSTALL_HINT}"
    except ImportError as error:
        return (
            f"durable_rules is installed but cannot be loaded on this Python ({error}); "
            "docs/engines.md says which versions work and how to build a patched one"
        )
    return None


# -- worker processes --------------------------------------------------------------------------------


class _Worker:
    """One durable_rules process and the rulesets it already knows."""

    def __init__(self) -> None:
        # A fresh interpreter (not fork: the parent may hold threads and large data; not
        # multiprocessing's spawn: it re-imports the caller's main script).
        self.process = subprocess.Popen(
            [sys.executable, "-m", "timescales.evaluation.durable_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            close_fds=True,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.requests = Connection(os.dup(self.process.stdin.fileno()), readable=False)
        self.replies = Connection(os.dup(self.process.stdout.fileno()), writable=False)
        self.process.stdin.close()
        self.process.stdout.close()
        self.defined: set[str] = set()

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def call(self, request: tuple[Any, ...], deadline: float) -> Any:
        try:
            self.requests.send(request)
            if not self.replies.poll(max(0.0, deadline - time.monotonic())):
                raise _Lost("did not answer in time (hung)")
            reply = self.replies.recv()
        except (EOFError, OSError):
            try:
                code = self.process.wait(5)
            except subprocess.TimeoutExpired:
                code = None
            if code is not None and code < 0:
                try:
                    name = signal.Signals(-code).name
                except ValueError:
                    name = f"signal {-code}"
                raise _Lost(f"crashed ({name})") from None
            raise _Lost(f"stopped (exit code {code})") from None
        if reply[0] == "error":
            raise _Lost(f"failed: {reply[1]}")
        return reply[1] if len(reply) > 1 else None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(5)
        self.requests.close()
        self.replies.close()


class _Lost(Exception):
    """The worker is no longer usable; the message says what happened."""


class _Pool:
    """``size`` workers, each lent to one child's matching at a time; a lost one is replaced."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._idle: queue.SimpleQueue[_Worker | None] = queue.SimpleQueue()
        for _ in range(size):
            self._idle.put(None)  # started on first use
        self._all: list[_Worker] = []
        self._lock = threading.Lock()

    def take(self) -> _Worker:
        worker = self._idle.get()
        if worker is None:
            worker = _Worker()
            with self._lock:
                self._all.append(worker)
        return worker

    def give(self, worker: _Worker, lost: bool = False) -> None:
        if lost:
            worker.stop()
            with self._lock:
                self._all.remove(worker)
            self._idle.put(None)
        else:
            self._idle.put(worker)

    def pids(self) -> list[int]:
        with self._lock:
            return [w.pid for w in self._all if w.pid is not None]

    def close(self) -> None:
        with self._lock:
            workers, self._all = list(self._all), []
        for worker in workers:
            worker.stop()


# -- compiled rule sets ----------------------------------------------------------------------------


@dataclass
class _Compiled:
    name: str
    plans: tuple[RulePlan, ...]
    ruleset: dict[str, dict[str, Any]]
    #: Keeps the rules alive while their ids key the cache.
    rules: tuple[Rule, ...] = field(repr=False, default=())
    #: The constant tests of every event pattern: a fact passing none of them is never joined.
    constants: tuple[tuple[tuple[str, Any], ...], ...] = ()

    def accepts(self, fact: dict[str, Any]) -> bool:
        return any(all(fact.get(k) == v for k, v in tests) for tests in self.constants)


def refusals(rules: Iterable[Rule]) -> list[str]:
    """Every rule the durable scheme cannot express, as `file:line: rule id: why`."""
    found = []
    for index, rule in enumerate(rules):
        try:
            plan_rule(rule, index)
        except Refused as why:
            where = f"{rule.file}:{rule.line}" if rule.line else rule.file or rule.pack
            found.append(f"{where}: {rule.id}: the durable engine cannot evaluate this rule: {why}")
    return found


def _refusal_error(rules: Iterable[Rule]) -> RuleFileError | None:
    problems = []
    for rule in rules:
        try:
            plan_rule(rule, 0)
        except Refused as why:
            problems.append(
                problem(
                    rule.file or rule.pack,
                    f"the durable engine cannot evaluate this rule: {why}",
                    line=rule.line,
                    field=rule.id,
                    code="E901",
                    hint="use --engine native",
                )
            )
    return RuleFileError(problems) if problems else None


# -- the evaluator ---------------------------------------------------------------------------------


class DurableEvaluator:
    """Matching through durable_rules in worker processes (``jobs`` of them)."""

    name = "durable"

    def __init__(self, jobs: int = 1, timeout: float = DEFAULT_TIMEOUT) -> None:
        why = durable_problem()
        if why is not None:
            raise EngineUnavailable([problem("--engine durable", why, code="E900")])
        self.timeout = timeout
        self._pool = _Pool(max(1, jobs))
        self._compiled: dict[tuple[int, ...], _Compiled] = {}
        self._lock = threading.Lock()
        self._names = itertools.count()
        self._sessions = itertools.count()

    def __enter__(self) -> DurableEvaluator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the worker processes (they also stop with this process)."""
        self._pool.close()

    def worker_pids(self) -> list[int]:
        return self._pool.pids()

    def check_rules(self, rules: Iterable[Rule]) -> None:
        """Raise :class:`RuleFileError` naming every rule this backend cannot evaluate."""
        error = _refusal_error(rules)
        if error is not None:
            raise error

    def _compile(self, rules: Sequence[Rule]) -> _Compiled:
        key = tuple(id(r) for r in rules)
        with self._lock:
            found = self._compiled.get(key)
            if found is None:
                self.check_rules(rules)
                plans = tuple(plan_rule(rule, index) for index, rule in enumerate(rules))
                ruleset = compile_ruleset(plans)
                found = _Compiled(
                    f"timescales{next(self._names)}", plans, ruleset, tuple(rules), constant_tests(ruleset)
                )
                self._compiled[key] = found
        return found

    def obligations(
        self, child: str, events: Sequence[Event], rules: Sequence[Rule], calendar: WorkingCalendar
    ) -> list[Obligation]:
        compiled = self._compile(rules)
        session = _Session(compiled, child, events, calendar, f"{os.getpid()}-{next(self._sessions)}")
        if not session.walks:
            return []
        deadline = time.monotonic() + self.timeout
        worker = self._pool.take()
        try:
            result = session.run(worker, deadline)
        except _Lost as lost:
            self._pool.give(worker, lost=True)
            raise EngineFailure(
                [
                    problem(
                        "durable engine",
                        f"engine failure: the durable_rules worker {lost} while matching child {child}; "
                        "this case is left out (the rest of the run goes on with a new worker)",
                        code="E902",
                        hint="check it with --engine native",
                    )
                ]
            ) from None
        except BaseException:
            self._pool.give(worker, lost=True)
            raise
        self._pool.give(worker)
        return result


# -- one child: facts, walks, rounds ----------------------------------------------------------------

#: What a walk learns from the engine about one clock: the outcome and the event (None if open).
_Closing = tuple[str, Event | None]
_Walk = Generator["_Query", Any, None]


@dataclass
class _Query:
    fact: dict[str, Any]
    kind: str  # "clock" or "ext"


@dataclass
class _RuleFacts:
    """The enrichment of one rule for one child (only what its queries need in Python)."""

    events: list[Event]
    #: Chained rules: the meeting events' seqs on each day, in order.
    meets: dict[int, list[int]] = field(default_factory=dict)
    #: The first cancelling event's seq on each day that has one.
    first_cancel: dict[int, int] = field(default_factory=dict)
    #: Chained rules: the cancelling events' seqs on each day, in order.
    cancels: dict[int, list[int]] = field(default_factory=dict)
    ref_days: dict[str, list[int]] = field(default_factory=dict)


class _Session:
    def __init__(
        self, compiled: _Compiled, child: str, events: Sequence[Event], calendar: WorkingCalendar, sid: str
    ) -> None:
        self.compiled = compiled
        self.child = child
        self.calendar = calendar
        self.sid = sid
        types = set().union(*(p.rule.event_types for p in compiled.plans)) if compiled.plans else set()
        self.universe = [e for e in events if e.type in types]
        self.seq = {id(e): n for n, e in enumerate(self.universe, 1)}
        self.by_seq = {n: e for n, e in enumerate(self.universe, 1)}
        self.day_start: dict[int, int] = {}
        for n, e in enumerate(self.universe, 1):
            self.day_start.setdefault(e.date.toordinal(), n)
        self._qids = itertools.count(1)
        self.facts: dict[int, dict[str, Any]] = {}
        self.sentinel: dict[str, Any] = {
            "sid": sid,
            "kind": "end",
            "seq": len(self.universe) + 1,
            "day": NEVER,
        }
        self.rule_facts: list[_RuleFacts] = []
        self.walks: list[tuple[int, int, _Walk]] = []
        self.results: dict[tuple[int, int], list[Obligation]] = defaultdict(list)
        for plan in compiled.plans:
            facts = self._enrich(plan)
            self.rule_facts.append(facts)
            if plan.snapshot:
                latest = next((e for e in reversed(facts.events) if plan.rule.is_triggered_by(e)), None)
                if latest is not None and plan.rule.version_on(latest.date) is not None:
                    self.walks.append((plan.index, 0, self._snapshot(plan, latest, (plan.index, 0))))
            elif plan.linked:
                for order, trigger in enumerate(facts.events):
                    if plan.rule.is_triggered_by(trigger) and plan.rule.version_on(trigger.date) is not None:
                        self.walks.append(
                            (plan.index, order, self._linked(plan, trigger, (plan.index, order)))
                        )
            elif any(plan.rule.is_triggered_by(e) for e in facts.events):
                self.walks.append((plan.index, 0, self._chained(plan, (plan.index, 0))))

    # -- enrichment ---------------------------------------------------------------------------------

    def _fact(self, event: Event) -> dict[str, Any]:
        n = self.seq[id(event)]
        fact = self.facts.get(n)
        if fact is None:
            fact = {"sid": self.sid, "kind": "event", "seq": n, "day": event.date.toordinal(), "ref": ""}
            self.facts[n] = fact
        return fact

    def _enrich(self, plan: RulePlan) -> _RuleFacts:
        rule, p = plan.rule, plan.prefix
        events = [e for e in self.universe if e.type in rule.event_types]
        out = _RuleFacts(events)
        roles: list[tuple[Event, bool, bool, bool]] = []
        for event in events:
            meets = plan.expects.matches(event) and (not plan.linked or event.refers_to is not None)
            # (snapshot rules are flagged as unlinked ones: first meeting and cancelling events)
            cancels = any(c.matches(event) for c in rule.cancelled_by) and not (meets and not plan.linked)
            extends = (
                plan.extension is not None and not meets and not cancels and plan.extension.matches(event)
            )
            roles.append((event, meets, cancels, extends))
        attrs: dict[int, dict[str, Any]] = {}

        def attributes(event: Event) -> dict[str, Any]:
            n = self.seq[id(event)]
            if n not in attrs:
                names = ("E", "E1", "erank", "rf", "prd", "first", "C1", "CR", "crank", "CL", "pcd")
                attrs[n] = {p(k): 0 for k in names}
                attrs[n].update({p("X"): 0, p("pxs"): 0, p("nxs"): NEVER})
            return attrs[n]

        closer_days: list[int] = []  # chained: days with a meeting or cancelling event; linked: cancelling
        for event, meets, cancels, _ in roles:
            day = event.date.toordinal()
            closes = (meets and not plan.linked) or cancels
            if closes and (not closer_days or closer_days[-1] != day):
                closer_days.append(day)
            if cancels:
                out.cancels.setdefault(day, []).append(self.seq[id(event)])
                out.first_cancel.setdefault(day, self.seq[id(event)])
            if meets and not plan.linked:
                out.meets.setdefault(day, []).append(self.seq[id(event)])

        def previous_closer_day(day: int) -> int:
            at = bisect.bisect_left(closer_days, day)
            return closer_days[at - 1] if at else 0

        ref_seen: dict[str, list[int]] = defaultdict(list)
        ranks: Counter[int] = Counter()
        extensions: list[int] = []
        for event, meets, cancels, extends in roles:
            day, n = event.date.toordinal(), self.seq[id(event)]
            if meets:
                a = attributes(event)
                a[p("E")] = 1
                a[p("pcd")] = previous_closer_day(day)
                if plan.linked:
                    assert event.refers_to is not None
                    days = ref_seen[event.refers_to]
                    a[p("first")] = int(not days)
                    a[p("rf")] = int(not days or days[-1] != day)
                    a[p("prd")] = next((d for d in reversed(days) if d < day), 0)
                    days.append(day)
                    self._fact(event)["ref"] = event.refers_to
                else:
                    ranks[day] += 1
                    a[p("erank")] = ranks[day]
                    a[p("E1")] = int(ranks[day] == 1)
            if cancels and not plan.linked and n in out.cancels[day][:2]:  # see _clock
                a = attributes(event)
                a[p("CR")] = 1
                a[p("crank")] = out.cancels[day].index(n) + 1
            if cancels and out.first_cancel.get(day) == n:
                a = attributes(event)
                a[p("C1")] = 1
                a[p("CL")] = int(plan.linked or day not in out.meets)
                a[p("pcd")] = previous_closer_day(day)
            if extends:
                a = attributes(event)
                a[p("X")] = 1
                a[p("pxs")] = extensions[-1] if extensions else 0
                extensions.append(n)
        for before, after in itertools.pairwise(extensions):
            attrs[before][p("nxs")] = after
        for n, values in attrs.items():
            self.facts.setdefault(n, self._fact(self.by_seq[n])).update(values)
        out.ref_days = dict(ref_seen)
        self.sentinel[p("lcd")] = closer_days[-1] if closer_days else 0
        return out

    def _query(self, kind: str, plan: RulePlan, seq: int, **values: Any) -> _Query:
        fact = {"sid": self.sid, "kind": kind, "rule": plan.index, "qid": next(self._qids), "seq": seq}
        fact.update(values)
        return _Query(fact, kind)

    # -- walks (generators: yield a query, receive its answer) ---------------------------------------

    def _clock(self, plan: RulePlan, opener: Event, consumed: set[int]) -> _Query:
        """The query for the clock ``opener`` starts. On its own day, the engine is asked for the
        first meeting event not already used by an earlier interval (``k1``: its rank that day) and
        the first cancelling event (``crank``), neither of them the opener itself (a trigger may also
        meet or cancel: a health assessment, a new placement)."""
        facts = self.rule_facts[plan.index]
        day, n = opener.date.toordinal(), self.seq[id(opener)]
        meets = [r for r, m in enumerate(facts.meets.get(day, ()), 1) if m not in consumed and m != n]
        cancels = [r for r, c in enumerate(facts.cancels.get(day, ()), 1) if c != n]
        return self._query(
            "clock",
            plan,
            n,
            day=day,
            k1=meets[0] if meets else 0,
            avail=int(bool(meets)),
            ctoday=int(bool(cancels)),
            crank=cancels[0] if cancels else 0,
        )

    def _first_cancel(self, plan: RulePlan, day: int, opener: Event) -> int:
        n = self.seq[id(opener)]
        return next((c for c in self.rule_facts[plan.index].cancels.get(day, ()) if c != n), NEVER)

    def _later_triggers(self, plan: RulePlan, ob: Obligation, closing: _Closing) -> None:
        """For a rule whose later triggers may restart it (first interval only): the triggers on
        later days that came before what closed it (the judge says when they change the answer)."""
        rule = plan.rule
        if not getattr(rule, "later_trigger_may_restart", False) or ob.occurrence != 1:
            return
        trigger = ob.trigger
        _, closer = closing
        end = NEVER
        if closer is not None:
            end = min(self.seq[id(closer)], self._first_cancel(plan, closer.date.toordinal(), trigger))
        ob.later_triggers = [
            e
            for e in self.rule_facts[plan.index].events
            if e.date > trigger.date
            and self.seq[id(e)] < end
            and rule.is_triggered_by(e)
            and not rule.expects.matches(e, trigger)
            and not any(c.matches(e) for c in rule.cancelled_by)
        ]

    def _extension(self, plan: RulePlan, ob: Obligation, closing: _Closing) -> Generator[_Query, Any, None]:
        self._later_triggers(plan, ob, closing)
        version = ob.version
        extension = version.extension if ob.occurrence == 1 else None
        if extension is None:
            return
        trigger_day = ob.trigger.date.toordinal()
        _, closer = closing
        if closer is None:
            end = NEVER
        else:
            end = min(self.seq[id(closer)], self._first_cancel(plan, closer.date.toordinal(), ob.trigger))
        first, last = yield self._query(
            "ext", plan, self.day_start[trigger_day], lo=self.day_start[trigger_day], hi=end
        )
        if first is None:
            return
        if first.date <= due_date(ob.period, version, ob.trigger.date, self.calendar):
            ob.extended_by = first
        else:
            ob.late_extension = last

    def _chained(self, plan: RulePlan, slot: tuple[int, int]) -> _Walk:
        """The native engine's walk (one clock at a time, repeats chained), asking the engine what
        closes each clock instead of scanning for it."""
        rule = plan.rule
        events = self.rule_facts[plan.index].events
        position = {id(e): i for i, e in enumerate(events)}
        consumed: set[int] = set()
        used: set[int] = set()  # the seqs of the consumed meeting events
        index = 0
        while index < len(events):
            origin = events[index]
            ob = opened(rule, self.child, origin, consumed)
            if ob is None:
                index += 1
                continue
            while True:
                closing: _Closing = yield self._clock(plan, ob.trigger, used)
                yield from self._extension(plan, ob, closing)
                outcome, closer = closing
                if outcome == "met":
                    ob.met_by = closer
                elif outcome == "cancelled":
                    ob.cancelled_by = closer
                self.results[slot].append(ob)
                if closer is None:
                    return  # still open at the end: no later trigger starts a new clock
                closing_index = position[id(closer)]
                if outcome == "cancelled":
                    # A later trigger may start a new clock, the cancelling event itself included.
                    if closing_index > index:
                        index = closing_index - 1
                    break
                index = max(index, closing_index)
                consumed.add(id(closer))
                used.add(self.seq[id(closer)])
                following = next_interval(ob, closer, origin, self.calendar)
                if following is None:
                    break
                ob = following
                index = closing_index
            index += 1

    def _snapshot(self, plan: RulePlan, trigger: Event, slot: tuple[int, int]) -> _Walk:
        """A snapshot rule: the latest trigger's clock exists only while nothing meeting it is
        recorded on or after its day; a cancelling event then ends it (as in obligations.py)."""
        version = plan.rule.version_on(trigger.date)
        assert version is not None
        facts = self.rule_facts[plan.index]
        day, n = trigger.date.toordinal(), self.seq[id(trigger)]

        def first_after(by_day: dict[int, list[int]]) -> tuple[int, int]:
            for found_day in sorted(d for d in by_day if d >= day):
                ranks = [r for r, m in enumerate(by_day[found_day], 1) if m != n]
                if ranks:
                    return found_day, ranks[0]
            return NEVER, 0

        meet_day, meet_rank = first_after(facts.meets)
        cancel_day, cancel_rank = first_after(facts.cancels)
        outcome, closer = yield self._query(
            "clock", plan, n, mode="snapshot", ned=meet_day, k1=meet_rank, cday=cancel_day, crank=cancel_rank
        )
        if outcome == "none":
            return
        ob = Obligation(plan.rule, version, self.child, trigger, version.period)
        ob.cancelled_by = closer
        self.results[slot].append(ob)

    def _linked(self, plan: RulePlan, trigger: Event, slot: tuple[int, int]) -> _Walk:
        """A rule whose meeting event names its trigger: one clock per trigger."""
        version = plan.rule.version_on(trigger.date)
        assert version is not None
        facts = self.rule_facts[plan.index]
        ob = Obligation(plan.rule, version, self.child, trigger, version.period)
        days = facts.ref_days.get(trigger.id, [])
        day, n = trigger.date.toordinal(), self.seq[id(trigger)]
        if version.direction == AT_LEAST_BEFORE:
            outcome, closer = yield self._query(
                "clock", plan, n, mode="before", tid=trigger.id, hasref=int(bool(days))
            )
            ob.met_by = closer
        else:
            later = [d for d in days if d >= day]
            closing: _Closing = yield self._query(
                "clock", plan, n, mode="within", tid=trigger.id, day=day, nrd=later[0] if later else NEVER
            )
            yield from self._extension(plan, ob, closing)
            outcome, closer = closing
            if outcome == "met":
                ob.met_by = closer
            elif outcome == "cancelled":
                ob.cancelled_by = closer
        self.results[slot].append(ob)

    # -- rounds ---------------------------------------------------------------------------------------

    def run(self, worker: _Worker, deadline: float) -> list[Obligation]:
        compiled = self.compiled
        if compiled.name not in worker.defined:
            worker.call(("define", compiled.name, compiled.ruleset), deadline)
            worker.defined.add(compiled.name)
        pending: dict[int, tuple[_Walk, _Query]] = {}
        for _, _, walk in self.walks:
            self._advance(walk, None, pending, first=True)
        # An event fact that no pattern's constant tests accept could never join anything, and
        # durable_rules refuses the whole batch for it (MessageNotHandledException): leave it out.
        batch: list[dict[str, Any]] = [f for f in self.facts.values() if compiled.accepts(f)]
        batch.append(self.sentinel)
        if not pending:
            return []
        while pending:
            batch.extend(q.fact for _, q in pending.values())
            hits = worker.call(("assert", compiled.name, self.sid, batch, False), deadline)
            batch = []
            answers: dict[int, list[tuple[str, int]]] = defaultdict(list)
            for rule_name, qid, seq in hits:
                answers[qid].append((rule_name.split(".", 1)[1], seq))
            current, pending = pending, {}
            for qid, (walk, query) in current.items():
                self._advance(walk, self._answer(query, answers.pop(qid, [])), pending)
            if answers:
                raise _Lost(f"answered queries nobody asked ({sorted(answers)})")
        # Only after a clean run: after a failure the worker is discarded instead, because
        # durable_rules' delete_state crashes on a session whose actions did not all run.
        worker.call(("assert", compiled.name, self.sid, [], True), deadline)
        return [ob for slot in sorted(self.results) for ob in self.results[slot]]

    def _advance(
        self, walk: _Walk, answer: Any, pending: dict[int, tuple[_Walk, _Query]], first: bool = False
    ) -> None:
        try:
            query = next(walk) if first else walk.send(answer)
        except StopIteration:
            return
        pending[query.fact["qid"]] = (walk, query)

    def _answer(self, query: _Query, hits: list[tuple[str, int]]) -> Any:
        """The walk's view of what the engine said, after checking it is possible."""
        if query.kind == "ext":
            found = dict(hits)
            if len(hits) != len(found) or set(found) - {"ext_first", "ext_last"} or len(found) == 1:
                raise _Lost(f"gave an impossible extension answer {hits}")
            if not found:
                return (None, None)
            return (self.by_seq[found["ext_first"]], self.by_seq[found["ext_last"]])
        if len(hits) != 1:
            raise _Lost(f"closed one clock {len(hits)} times ({hits})")
        outcome, seq = hits[0]
        outcome = {
            "met_later": "met",
            "met_before": "met",
            "cancelled_later": "cancelled",
            "missing": "open",
        }.get(outcome, outcome)
        if outcome == "open":
            return ("open", None)
        if outcome == "none":
            return ("none", None)
        return (outcome, self.by_seq[seq])
