"""The Python API: load rules, load timelines, check them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from .adapters import ReadOptions, iter_timelines, timeline_from_mapping
from .adapters.mapping import ColumnMap, load_column_map
from .errors import TimelineError, problem
from .evaluation import close_evaluator, evaluate_case, evaluate_stream, get_evaluator, resolve_as_of
from .findings import CaseReport, PackRef, Report
from .findings_table import FindingRow
from .paths import shipped_rules_dir
from .records import CensusChild, InputFile, Payload, Return903Child, SsdPerson, check_records, worker_rules
from .rules.loader import load_rules
from .rules.model import RuleSet
from .timeline import Timeline
from .vocabulary import Vocabulary, load_vocabulary


def _vocabulary(rules: RuleSet | None) -> Vocabulary:
    if rules is not None:
        return rules.vocabulary
    return load_vocabulary(shipped_rules_dir() / "vocabulary.yaml")


def load_timelines(
    source: str | Path,
    rules: RuleSet | None = None,
    *,
    columns: str | Path | ColumnMap | None = None,
    sheet: str | None = None,
    list_date: dt.date | None = None,
) -> Iterator[Timeline]:
    """Every case in a file or folder (YAML, JSON, CSV, .xlsx, CIN XML), one at a time.

    ``columns``: a column mapping file (or a loaded :class:`ColumnMap`) for CSV and spreadsheet
    exports with their own column names and codes; ``sheet``: the sheet of a workbook to read
    (default: the first); ``list_date``: the date Ofsted Annex A lists were extracted, when the
    workbook does not say it. Raises :class:`TimelineError` at the first case that cannot be read; the
    command line instead reports such cases and goes on with the rest.
    """
    vocabulary = _vocabulary(rules)
    column_map = load_column_map(Path(columns), vocabulary) if isinstance(columns, str | Path) else columns
    for item in iter_timelines(Path(source), vocabulary, ReadOptions(column_map, sheet, list_date)):
        if isinstance(item, TimelineError):
            raise item
        if isinstance(item, Timeline):
            yield item


def load_timeline(source: str | Path | Mapping[str, Any], rules: RuleSet | None = None) -> Timeline:
    """One case, from a path or from a dict of the YAML shape. Attributes are checked against the
    vocabulary of ``rules`` (the shipped one by default)."""
    vocabulary = _vocabulary(rules)
    if isinstance(source, Mapping):
        return timeline_from_mapping(source, vocabulary)
    found = list(load_timelines(source, rules))
    if len(found) != 1:
        raise TimelineError(
            [
                problem(
                    str(source),
                    f"holds {len(found)} cases, not one: use load_timelines() or check_many()",
                    code="E241",
                )
            ]
        )
    return found[0]


def _packs(rules: RuleSet, nation: str, authority: str | None) -> tuple[PackRef, ...]:
    return tuple(PackRef(p.id, p.title, p.authority) for p in rules.select(nation, authority).packs)


def write_findings_parquet(rows: Iterable[FindingRow], out: str | Path | IO[bytes]) -> int:
    """Write finding rows (from :func:`check_records`) to a Parquet file with the findings table's
    schema, streaming; returns the number of rows. Needs the ``[parquet]`` extra (pyarrow)."""
    from .outputs.parquet import write_findings_parquet as write

    return write(rows, out)


def check(
    timeline: Timeline,
    rules: RuleSet,
    *,
    as_of: dt.date | None = None,
    authority: str | None = None,
    engine: str = "native",
) -> Report:
    """Evaluate one case. ``as_of`` (or the timeline's own ``as_of``) is required: no clock is read.

    ``engine``: "native" (the reference), "durable" or "both" (docs/engines.md).
    """
    day = resolve_as_of(as_of, timeline)
    evaluator = get_evaluator(engine)
    try:
        case = evaluate_case(timeline, rules, as_of=day, authority=authority, evaluator=evaluator)
    finally:
        close_evaluator(evaluator)
    selection = rules.select(timeline.nation, case.authority)
    return Report(
        day,
        _packs(rules, timeline.nation, case.authority),
        (case,),
        excluded_rules=tuple(r.id for r in selection.excluded),
    )


def check_many(
    timelines: Iterable[Timeline],
    rules: RuleSet,
    *,
    as_of: dt.date | None = None,
    authority: str | None = None,
    engine: str = "native",
) -> Iterator[CaseReport]:
    """Evaluate a stream of cases lazily: memory stays flat however many there are.

    Feed the case reports to :class:`timescales.Summary` for totals.
    """
    evaluator = get_evaluator(engine)
    try:
        yield from evaluate_stream(timelines, rules, as_of=as_of, authority=authority, evaluator=evaluator)
    finally:
        close_evaluator(evaluator)


__all__ = [
    "CensusChild",
    "InputFile",
    "Payload",
    "Return903Child",
    "SsdPerson",
    "check",
    "check_many",
    "check_records",
    "load_rules",
    "load_timeline",
    "load_timelines",
    "worker_rules",
    "write_findings_parquet",
]
