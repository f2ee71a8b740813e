"""Checking many inputs in one run: files, folders, CSV logs and census files, case by case.

Unreadable inputs (or unreadable cases inside a readable file) are reported with file, line and
field, left out, and listed in the report; everything else is still checked. Only the current
case is held in memory.

With ``jobs`` > 1, a census file is split into blocks of children shared among worker processes;
each worker renders its cases into a temporary file and the parent writes them out in the file's
order, so the report is the same whatever the number of workers.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import heapq
import multiprocessing
import os
import signal
import tempfile
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .adapters import ReadOptions, iter_timelines
from .adapters.cin_census import Shard, is_census, iter_census_timelines
from .adapters.ssda903 import is_903_file, iter_903_timelines
from .errors import TimescalesError, printable
from .evaluation import Evaluator, close_evaluator, evaluate_case, get_evaluator
from .findings import CaseReport, PackRef, Summary
from .measures import Measures, reporting_year, reporting_year_start
from .outputs import RunTotals, Writer
from .provenance import Provenance
from .pseudonyms import Pseudonymiser
from .rules.model import RuleSet
from .selection import ReportFilter, worklist_order
from .timeline import SourceNote, Timeline

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
    #: The measures per council and reporting year, counted as the DfE counts them (only when the
    #: writer asks: ``--format measures-csv``), keyed by (authority or "", reporting year).
    measures_by_area: dict[tuple[str, int], Measures] = field(default_factory=dict)
    noted_sources: set[str] = field(default_factory=set)
    #: Cases read from the inputs (checked or not): none from a path is never an all-clear.
    cases_read: int = 0
    #: Files of a folder that were not read, each "file: skipped: why".
    skipped: list[str] = field(default_factory=list)
    #: Case id -> the file it came from, to find a case given in two files (None: one file only).
    case_sources: dict[str, str] | None = None
    #: Per source: whether it is a whole extract (see first_source).
    whole_extracts: dict[str, bool] = field(default_factory=dict)
    #: The as-of dates the cases were judged at (one, unless cases carry their own).
    as_of_dates: set[dt.date] = field(default_factory=set)

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

    def add_note(self, note: SourceNote) -> None:
        if note.skipped:
            self.skipped.append(str(note))
        if str(note) not in self.notes:
            self.notes.append(str(note))

    def first_source(self, timeline: Timeline) -> str | None:
        """The other file this case was already read from, if any (runs over several files).

        Cases of a whole extract (an SSD folder or workbook, a census) are not remembered: each
        holds a person once, and remembering them would make memory grow with the number of
        persons.
        """
        if self.case_sources is None:
            return None
        source = timeline.source or ""
        whole = self.whole_extracts.get(source)
        if whole is None:
            whole = self.whole_extracts[source] = _is_whole_extract(timeline, source)
        if whole:
            return None
        first = self.case_sources.setdefault(timeline.case, source)
        return first if first != source else None

    def merge(self, other: BatchResult) -> None:
        self.cases_read += other.cases_read
        self.summary.merge(other.summary)
        self.measures.merge(other.measures)
        for area, measures in other.measures_by_area.items():
            self.measures_by_area.setdefault(area, Measures()).merge(measures)
        self.left_out.extend(other.left_out)
        self.as_of_dates.update(other.as_of_dates)
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
    read: ReadOptions = field(default_factory=ReadOptions)
    listed: ReportFilter = field(default_factory=ReportFilter)
    #: Set: every case is pseudonymised once read (ids, carried values, files; see pseudonyms.py).
    pseudonymiser: Pseudonymiser | None = None
    #: Count the measures per council and reporting year too (see BatchResult.measures_by_area).
    measures_by_area: bool = False


def _listed(report: CaseReport, rules: RuleSet, options: CheckOptions) -> CaseReport | None:
    """The part of a case the report lists (all of it unless filters were given)."""
    if not options.listed.active:
        return report
    return options.listed.apply(report, rules.select(report.nation, report.authority).calendar)


def _items(
    path: Path, rules: RuleSet, shard: Shard | None, options: CheckOptions
) -> Iterator[Timeline | TimescalesError | SourceNote]:
    if shard is not None:
        try:
            yield from iter_census_timelines(path, rules.vocabulary, shard)
        except TimescalesError as error:
            yield error
    else:
        yield from iter_timelines(path, rules.vocabulary, options.read)


def _check_items(
    items: Iterable[Timeline | TimescalesError | SourceNote],
    rules: RuleSet,
    options: CheckOptions,
    evaluator: Evaluator,
    result: BatchResult,
) -> Iterator[CaseReport]:
    """Evaluate each readable case, recording what was left out; yield the case reports."""
    for item in items:
        if isinstance(item, SourceNote):
            result.add_note(item)
            continue
        if isinstance(item, TimescalesError):
            result.left_out.extend(str(p) for p in item.problems)
            continue
        result.cases_read += 1
        first = result.first_source(item)
        if first is not None:
            result.left_out.append(
                f"{item.source}: case {item.case} is also in {first}: the same case in two files "
                "cannot both be right, so this one was left out"
            )
            continue
        read = item
        if options.pseudonymiser is not None:
            item = options.pseudonymiser.timeline(item)
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
            result.left_out.extend(f"{p} (case {printable(item.case)})" for p in error.problems)
            continue
        selection = rules.select(item.nation, report.authority)
        for pack in selection.packs:
            result.packs.setdefault(pack.id, PackRef(pack.id, pack.title, pack.authority))
        result.left_out.extend(read.left_out)
        result.note_unjudged(read, rules, report.authority)
        result.summary.add(report)
        result.as_of_dates.add(report.as_of)
        result.measures.add(item, report, selection.calendar)
        if options.measures_by_area:
            area = (report.authority or "", reporting_year(report.as_of))
            result.measures_by_area.setdefault(area, Measures()).add(
                item, report, selection.calendar, since=reporting_year_start(report.as_of)
            )
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
    read: ReadOptions | None = None,
    listed: ReportFilter | None = None,
    generated_at: dt.datetime | None = None,
    evaluator: Evaluator | None = None,
    pseudonymiser: Pseudonymiser | None = None,
) -> BatchResult:
    """Check every case in ``paths``, writing each case's report as soon as it is done.

    ``jobs``: worker processes for a census file; ``None`` means one per core for census files
    large enough to gain from it. ``progress``, if given, is called with the number of cases just
    written. ``read``: how to read tables (a column mapping, a sheet). ``listed`` chooses what the
    report lists (the summary still counts everything); ``generated_at`` goes into the report's
    provenance (the engine never reads the clock). ``evaluator``: the backend, already made (else
    one is made from ``engine`` and ``jobs``, and closed at the end). ``pseudonymiser``: each case is
    pseudonymised once read, and the report's inputs left out are withheld (``left_out`` in the
    result keeps the messages, for the terminal).

    A path that gives no case at all (an empty folder, a header-only file, an empty census, only
    unreadable or skipped files) is an error, "no cases found in PATH", never an all-clear.
    """
    if evaluator is None:
        evaluator = get_evaluator(engine, jobs=jobs or 1)
        try:
            return run_check(
                paths,
                rules,
                writer,
                as_of=as_of,
                default_as_of=default_as_of,
                authority=authority,
                engine=engine,
                jobs=jobs,
                progress=progress,
                read=read,
                listed=listed,
                generated_at=generated_at,
                evaluator=evaluator,
                pseudonymiser=pseudonymiser,
            )
        finally:
            close_evaluator(evaluator)
    options = CheckOptions(
        as_of,
        default_as_of,
        authority,
        engine,
        read or ReadOptions(),
        listed or ReportFilter(),
        pseudonymiser,
        getattr(writer, "wants_measures_by_area", False),
    )
    worklist: list[CaseReport] | None = [] if options.listed.worklist else None
    result = BatchResult()
    paths = list(paths)
    if len(paths) > 1 or any(p.is_dir() for p in paths):
        result.case_sources = {}  # several files: a case may be given twice
    excluded = tuple(sorted({r.id for r in rules.rules if r.draft is not None}))
    writer.start(as_of, excluded)
    # The tables of a 903 return given as separate files are one return: read them together.
    returns = [p for p in paths if p.is_file() and is_903_file(p)]
    if len(returns) > 1:
        paths = [p for p in paths if p not in returns]
        items = iter_903_timelines(returns, rules.vocabulary)
        before = result.cases_read
        for report in _check_items(items, rules, options, evaluator, result):
            writer.case(report)
            if progress:
                progress(1)
        if result.cases_read == before:
            result.left_out.append(f"{returns[0]}: no cases found in the 903 files given")
    for path in paths:
        cases_before, skipped_before = result.cases_read, len(result.skipped)
        # A worklist is sorted across cases at the end, so its cases are not streamed from workers.
        workers = _workers_for(path, jobs) if worklist is None else 1
        if workers > 1:
            _run_parallel(path, rules, writer, options, workers, result, progress)
        else:
            for report in _check_items(_items(path, rules, None, options), rules, options, evaluator, result):
                shown = _listed(report, rules, options)
                if shown is not None and worklist is not None:
                    worklist.append(shown)
                elif shown is not None:
                    writer.case(shown)
                if progress:
                    progress(1)
        if result.cases_read == cases_before:
            result.left_out.append(f"{path}: no cases found in {path}")
            result.left_out.extend(result.skipped[skipped_before:])
    if worklist:
        # By team and worker, soonest first: read top down by the people who must act.
        for report in sorted(worklist, key=lambda r: min(worklist_order(f) for f in r.findings)):
            writer.case(
                dataclasses.replace(report, findings=tuple(sorted(report.findings, key=worklist_order)))
            )
    result.summary.left_out = len(result.left_out)
    used = [p for p in rules.packs if p.id in result.packs]
    totals = RunTotals(
        result.summary,
        tuple(result.packs.values()),
        tuple(result.left_out),
        tuple(result.notes),
        result.measures.to_dict(),
        Provenance.of(used, _run_as_of(as_of, result.as_of_dates), generated_at),
        tuple(options.listed.describe()),
        tuple(r for p in used for r in p.rules),
        {area: m.to_dict() for area, m in result.measures_by_area.items()},
    )
    writer.finish(totals if pseudonymiser is None else pseudonymiser.totals(totals))
    return result


def _is_whole_extract(timeline: Timeline, source: str) -> bool:
    """An SSD extract (a folder, or a workbook of ``ssd_*`` sheets) or a census file: sources
    that record only some event types, read as a whole rather than as an event log."""
    path = Path(source)
    return timeline.recorded_types is not None and (path.is_dir() or path.suffix.lower() in (".xml", ".xlsx"))


def _run_as_of(as_of: dt.date | None, seen: set[dt.date]) -> dt.date | None:
    """The as-of date of the whole run: the one given, else the one all cases shared, else None."""
    if as_of is not None:
        return as_of
    return next(iter(seen)) if len(seen) == 1 else None


# -- parallel census runs ----------------------------------------------------------------------


def _workers_for(path: Path, jobs: int | None) -> int:
    if not (path.is_file() and is_census(path)):
        return 1
    if jobs is not None:
        return jobs
    return (os.cpu_count() or 1) if path.stat().st_size >= PARALLEL_FROM_BYTES else 1


_WORKER: dict[str, Any] = {}


def _worker_init(rules: RuleSet, writer: Writer, options: CheckOptions) -> None:
    # The parent alone decides when to stop: Ctrl-C reaches the whole process group, and a worker
    # would print a traceback of its own; SIGTERM from the parent ends a worker at once.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _WORKER.update(rules=rules, writer=writer, options=options)


def _worker_run(path: Path, shard: Shard, spool: str) -> BatchResult:
    """One worker: check its shard, spooling each rendered case as `<order> <length>\\n<text>`."""
    rules: RuleSet = _WORKER["rules"]
    writer: Writer = _WORKER["writer"]
    options: CheckOptions = _WORKER["options"]
    result = BatchResult()
    evaluator = get_evaluator(options.engine)
    try:
        with open(spool, "w", encoding="utf-8") as out:
            items = _items(path, rules, shard, options)
            for report in _check_items(items, rules, options, evaluator, result):
                shown = _listed(report, rules, options)
                if shown is None:
                    continue
                text = writer.render(shown)
                out.write(f"{report.order} {len(text)}\n{text}")
    finally:
        close_evaluator(evaluator)
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
        pool = ProcessPoolExecutor(
            jobs, mp_context=context, initializer=_worker_init, initargs=(rules, writer, options)
        )
        try:
            futures = [pool.submit(_worker_run, path, (k, jobs, BLOCK), spools[k]) for k in range(jobs)]
            parts = [f.result() for f in futures]
        except BrokenProcessPool:
            # A worker killed from outside (out of memory, a crash in a library): this file's
            # failure, not the run's. Nothing of it has been written yet.
            result.left_out.append(
                f"{path}: a worker process checking this file stopped unexpectedly, so the file "
                "was left out (run again; --jobs 1 checks it in one process)"
            )
            return
        except BaseException:
            _stop_workers(pool)  # interrupted: stop now rather than finish every shard
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        for part in parts:
            result.merge(part)
        _merge_spools(spools, writer, progress)


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """End the pool's worker processes now (the executor offers no public way to)."""
    processes = getattr(pool, "_processes", None) or {}
    for process in list(processes.values()):
        with contextlib.suppress(Exception):
            process.terminate()


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
