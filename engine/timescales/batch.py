"""Checking many inputs in one run: files, folders, CSV logs and census files, case by case.

Unreadable inputs (or unreadable cases inside a readable file) are reported with file, line and
field, left out, and listed in the report; everything else is still checked. Only the current
case is held in memory.

With ``jobs`` > 1, a census file is split into blocks of children shared among worker processes;
each worker renders its cases into a temporary file and the parent writes them out in the file's
order, so the report is the same whatever the number of workers.
"""

from __future__ import annotations

import datetime as dt
import heapq
import multiprocessing
import os
import tempfile
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .adapters import iter_timelines
from .adapters.cin_census import Shard, is_census, iter_census_timelines
from .errors import TimescalesError
from .evaluation import Evaluator, evaluate_case, get_evaluator
from .findings import CaseReport, PackRef, Summary
from .measures import Measures
from .outputs import RunTotals, Writer
from .rules.model import RuleSet
from .timeline import Timeline

#: Children per block when a census is shared among workers.
BLOCK = 500
#: Below this size (about 4,000 children) starting workers costs more than it saves.
PARALLEL_FROM_BYTES = 4_000_000


@dataclass
class BatchResult:
    summary: Summary = field(default_factory=Summary)
    left_out: list[str] = field(default_factory=list)
    packs: dict[str, PackRef] = field(default_factory=dict)
    #: Things the reader should know about the run as a whole (rules a source cannot support).
    notes: list[str] = field(default_factory=list)
    measures: Measures = field(default_factory=Measures)
    noted_sources: set[str] = field(default_factory=set)

    @property
    def exit_code(self) -> int:
        """0 no breach; 1 breaches; 2 some input could not be read (even if breaches were found)."""
        if self.left_out:
            return 2
        return 1 if self.summary.breaches else 0

    def note_unjudged(self, timeline: Timeline, rules: RuleSet, authority: str | None) -> None:
        """Once per source: the rules its data cannot support, so their silence is not read as met."""
        source = timeline.source or timeline.case
        if timeline.recorded_types is None or source in self.noted_sources:
            return
        self.noted_sources.add(source)
        skipped = [
            r.id
            for r in rules.select(timeline.nation, authority).rules
            if not timeline.can_judge(r.expects.type)
        ]
        if skipped:
            self.notes.append(
                f"{source}: not checked, because this kind of file does not record the events they need: "
                f"{', '.join(skipped)}."
            )

    def merge(self, other: BatchResult) -> None:
        self.summary.merge(other.summary)
        self.measures.merge(other.measures)
        self.left_out.extend(other.left_out)
        for pack_id, pack in other.packs.items():
            self.packs.setdefault(pack_id, pack)
        for note in other.notes:
            if note not in self.notes:
                self.notes.append(note)


@dataclass(frozen=True)
class CheckOptions:
    as_of: dt.date | None = None
    default_as_of: dt.date | None = None
    authority: str | None = None
    engine: str = "native"


def _items(path: Path, rules: RuleSet, shard: Shard | None) -> Iterator[Timeline | TimescalesError]:
    if shard is not None:
        try:
            yield from iter_census_timelines(path, rules.vocabulary, shard)
        except TimescalesError as error:
            yield error
    else:
        yield from iter_timelines(path, rules.vocabulary)


def _check_items(
    items: Iterable[Timeline | TimescalesError],
    rules: RuleSet,
    options: CheckOptions,
    evaluator: Evaluator,
    result: BatchResult,
) -> Iterator[CaseReport]:
    """Evaluate each readable case, recording what was left out; yield the case reports."""
    for item in items:
        if isinstance(item, TimescalesError):
            result.left_out.extend(str(p) for p in item.problems)
            continue
        try:
            report = evaluate_case(
                item,
                rules,
                as_of=options.as_of,
                authority=options.authority,
                evaluator=evaluator,
                default_as_of=options.default_as_of,
            )
        except TimescalesError as error:
            result.left_out.extend(f"{p} (case {item.case})" for p in error.problems)
            continue
        selection = rules.select(item.nation, report.authority)
        for pack in selection.packs:
            result.packs.setdefault(pack.id, PackRef(pack.id, pack.title, pack.authority))
        result.left_out.extend(item.left_out)
        result.note_unjudged(item, rules, report.authority)
        result.summary.add(report)
        result.measures.add(item, report, selection.calendar)
        yield report


def run_check(
    paths: Iterable[Path],
    rules: RuleSet,
    writer: Writer,
    *,
    as_of: dt.date | None,
    default_as_of: dt.date | None = None,
    authority: str | None = None,
    engine: str = "native",
    jobs: int | None = 1,
    progress: Any = None,
) -> BatchResult:
    """Check every case in ``paths``, writing each case's report as soon as it is done.

    ``jobs``: worker processes for a census file; ``None`` means one per core for census files
    large enough to gain from it. ``progress``, if given, is called with the number of cases just
    written.
    """
    options = CheckOptions(as_of, default_as_of, authority, engine)
    evaluator = get_evaluator(engine)
    result = BatchResult()
    excluded = tuple(sorted({r.id for r in rules.rules if r.draft is not None}))
    writer.start(as_of, excluded)
    for path in paths:
        workers = _workers_for(path, jobs)
        if workers > 1:
            _run_parallel(path, rules, writer, options, workers, result, progress)
            continue
        for report in _check_items(_items(path, rules, None), rules, options, evaluator, result):
            writer.case(report)
            if progress:
                progress(1)
    result.summary.left_out = len(result.left_out)
    writer.finish(
        RunTotals(
            result.summary,
            tuple(result.packs.values()),
            tuple(result.left_out),
            tuple(result.notes),
            result.measures.to_dict(),
        )
    )
    return result


# -- parallel census runs ----------------------------------------------------------------------


def _workers_for(path: Path, jobs: int | None) -> int:
    if not (path.is_file() and is_census(path)):
        return 1
    if jobs is not None:
        return jobs
    return (os.cpu_count() or 1) if path.stat().st_size >= PARALLEL_FROM_BYTES else 1


_WORKER: dict[str, Any] = {}


def _worker_init(rules: RuleSet, writer: Writer, options: CheckOptions) -> None:
    _WORKER.update(rules=rules, writer=writer, options=options)


def _worker_run(path: Path, shard: Shard, spool: str) -> BatchResult:
    """One worker: check its shard, spooling each rendered case as `<order> <length>\\n<text>`."""
    rules: RuleSet = _WORKER["rules"]
    writer: Writer = _WORKER["writer"]
    options: CheckOptions = _WORKER["options"]
    result = BatchResult()
    evaluator = get_evaluator(options.engine)
    with open(spool, "w", encoding="utf-8") as out:
        for report in _check_items(_items(path, rules, shard), rules, options, evaluator, result):
            text = writer.render(report)
            out.write(f"{report.order} {len(text)}\n{text}")
    return result


def _run_parallel(
    path: Path,
    rules: RuleSet,
    writer: Writer,
    options: CheckOptions,
    jobs: int,
    result: BatchResult,
    progress: Any,
) -> None:
    try:
        # File-level refusals (a DOCTYPE, not XML) are found here once, not in every worker.
        first = next(iter(iter_census_timelines(path, rules.vocabulary, (0, 1, 1))), None)
    except TimescalesError as error:
        result.left_out.extend(str(p) for p in error.problems)
        return
    if first is None:
        return
    if isinstance(first, Timeline):
        # Build the working-day index once here; forked workers inherit it instead of each building it.
        calendar = rules.select(first.nation, options.authority or first.authority).calendar
        anchor = first.as_of or options.as_of or options.default_as_of
        if anchor is not None:
            calendar.working_days_between(anchor - dt.timedelta(days=3 * 366), anchor)
    context = multiprocessing.get_context("fork")
    with tempfile.TemporaryDirectory(prefix="timescales-") as folder:
        spools = [str(Path(folder) / f"shard-{k}.txt") for k in range(jobs)]
        with ProcessPoolExecutor(
            jobs, mp_context=context, initializer=_worker_init, initargs=(rules, writer, options)
        ) as pool:
            futures = [pool.submit(_worker_run, path, (k, jobs, BLOCK), spools[k]) for k in range(jobs)]
            parts = [f.result() for f in futures]
        for part in parts:
            result.merge(part)
        _merge_spools(spools, writer, progress)


def _spooled(path: str) -> Iterator[tuple[int, str]]:
    with open(path, encoding="utf-8") as handle:
        while header := handle.readline():
            order, size = header.split()
            yield int(order), handle.read(int(size))


def _merge_spools(spools: list[str], writer: Writer, progress: Any) -> None:
    """Write the workers' cases in the file's order (each worker's spool is already in order)."""
    for _, text in heapq.merge(*(_spooled(s) for s in spools)):
        writer.emit(text)
        if progress:
            progress(1)
