"""Checking many inputs in one run: files, folders, CSV logs and census files, case by case.

Unreadable inputs (or unreadable cases inside a readable file) are reported with file, line and
field, left out, and listed in the report; everything else is still checked. Only the current
case is held in memory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .adapters import iter_timelines
from .errors import TimescalesError
from .evaluation import evaluate_case, get_evaluator
from .findings import CaseReport, PackRef, Summary
from .measures import Measures
from .outputs import Writer
from .rules.model import RuleSet
from .timeline import Timeline


@dataclass
class BatchResult:
    summary: Summary = field(default_factory=Summary)
    left_out: list[str] = field(default_factory=list)
    packs: dict[str, PackRef] = field(default_factory=dict)
    #: Things the reader should know about the run as a whole (rules a source cannot support).
    notes: list[str] = field(default_factory=list)
    measures: Measures = field(default_factory=Measures)
    _noted_sources: set[str] = field(default_factory=set)

    def note_unjudged(self, timeline: Timeline, rules: RuleSet, authority: str | None) -> None:
        """Once per source: the rules its data cannot support, so their silence is not read as met."""
        source = timeline.source or timeline.case
        if timeline.recorded_types is None or source in self._noted_sources:
            return
        self._noted_sources.add(source)
        skipped = [
            r.id
            for r in rules.select(timeline.nation, authority).rules
            if not timeline.can_judge(r.expects.type)
        ]
        if skipped:
            self.notes.append(
                f"{source}: not checked, because this kind of file does not record the "
                f"events they need: {', '.join(skipped)}."
            )

    @property
    def exit_code(self) -> int:
        """0 no breach; 1 breaches; 2 some input could not be read (even if breaches were found)."""
        if self.left_out:
            return 2
        return 1 if self.summary.breaches else 0


def iter_inputs(paths: Iterable[Path], rules: RuleSet) -> Iterator[Timeline | TimescalesError]:
    for path in paths:
        yield from iter_timelines(path, rules.vocabulary)


def run_check(
    paths: Iterable[Path],
    rules: RuleSet,
    writer: Writer,
    *,
    as_of: dt.date | None,
    default_as_of: dt.date | None = None,
    authority: str | None = None,
    engine: str = "native",
) -> BatchResult:
    """Check every case in ``paths``, writing each case's report as soon as it is done."""
    evaluator = get_evaluator(engine)
    result = BatchResult()
    excluded = tuple(sorted({r.id for r in rules.rules if r.draft is not None}))
    writer.start(as_of, excluded)
    for item in iter_inputs(paths, rules):
        if isinstance(item, TimescalesError):
            result.left_out.extend(str(p) for p in item.problems)
            continue
        report = _evaluate(item, rules, as_of, default_as_of, authority, evaluator, result)
        if report is None:
            continue
        for pack in rules.select(item.nation, report.authority).packs:
            result.packs.setdefault(pack.id, PackRef(pack.id, pack.title, pack.authority))
        result.left_out.extend(item.left_out)
        result.note_unjudged(item, rules, report.authority)
        result.summary.add(report)
        result.measures.add(item, report, rules.select(item.nation, report.authority).calendar)
        writer.case(report)
    result.summary.left_out = len(result.left_out)
    writer.finish(
        result.summary,
        tuple(result.packs.values()),
        tuple(result.left_out),
        tuple(result.notes),
        result.measures.to_dict(),
    )
    return result


def _evaluate(
    timeline: Timeline,
    rules: RuleSet,
    as_of: dt.date | None,
    default_as_of: dt.date | None,
    authority: str | None,
    evaluator: object,
    result: BatchResult,
) -> CaseReport | None:
    try:
        return evaluate_case(
            timeline,
            rules,
            as_of=as_of,
            authority=authority,
            evaluator=evaluator,  # type: ignore[arg-type]
            default_as_of=default_as_of,
        )
    except TimescalesError as error:
        result.left_out.extend(f"{p} (case {timeline.case})" for p in error.problems)
        return None
