"""The record API: check data, not paths, and get rows of the findings table back.

Distributed engines (Spark, Dask, a council's own pipeline) hand timescales one record at a time:
the bytes of a census ``<Child>``, one child's rows of a 903 return, one person's rows of an SSD
extract, a timeline as a dict, or a whole input file's bytes. :func:`check_records` reads each with
the same adapter the command line uses for files, checks it with the same evaluator, and yields
:class:`~timescales.findings_table.FindingRow` rows, so a cluster's findings are the command
line's findings.

Rules and their calendars are loaded once per worker process (:func:`worker_rules`) and reused:
a rule set keeps its own calendars and caches, and nothing module-wide is changed by checking.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .adapters import iter_timelines_from_bytes, timeline_from_mapping
from .adapters.cin_census import census_child_timeline
from .adapters.ssd import ssd_person_timeline
from .adapters.ssda903 import child_903_timeline
from .errors import Problem, TimelineError, TimescalesError, problem
from .evaluation import evaluate_case
from .evaluation.native import NativeEvaluator
from .findings_table import FindingRow, RowMaker
from .provenance import tool_version
from .rules.loader import load_rules
from .rules.model import RuleSet
from .timeline import Timeline


@dataclass(frozen=True)
class CensusChild:
    """One ``<Child>`` element of a CIN census as bytes. ``reference_date``: the census's
    ReferenceDate (the as-of date of its children); ``file``: the census it came from, named in
    findings and messages."""

    xml: bytes
    reference_date: dt.date | None = None
    file: str = "<census child>"


@dataclass(frozen=True)
class Return903Child:
    """One child's rows of a 903 return, by table (``Episodes``, ``Reviews``, ``SWEpisodes``),
    each row a dict by column name."""

    tables: Mapping[str, Sequence[Mapping[str, str]]]
    file: str = "<903 child>"


@dataclass(frozen=True)
class SsdPerson:
    """One person's rows of an SSD extract, by table (``ssd_cp_visits``...), each row a dict by
    column name. ``extract_tables``: every table the extract holds, this person's rows or not
    (default: those given): a review table with no row for this person makes a review missing."""

    person: str
    tables: Mapping[str, Sequence[Mapping[str, Any]]]
    file: str = "<ssd person>"
    extract_tables: tuple[str, ...] | None = None


@dataclass(frozen=True)
class InputFile:
    """A whole input file as bytes (a census, a CSV event log, a timeline...), as a cluster's
    binary-file source gives it; its kind is told by ``name``'s suffix."""

    name: str
    data: bytes = field(repr=False)


#: What :func:`check_records` takes: a timeline dict (the YAML shape) or a :class:`Timeline` too.
Payload = CensusChild | Return903Child | SsdPerson | InputFile | Mapping[str, Any] | Timeline


@functools.lru_cache(maxsize=4)
def worker_rules(rule_dirs: tuple[str, ...] = ()) -> RuleSet:
    """The rule set of ``rule_dirs`` (the installed packs when empty), loaded once per process.

    A worker of a cluster calls this for every batch it is given; the first call loads the packs
    and the calendar is built as it is first used, later calls reuse them. Rule sets are never
    changed by checking, so sharing one within a process is safe.
    """
    return load_rules(*(Path(d) for d in rule_dirs)) if rule_dirs else load_rules()


def _timelines(
    payload: Payload, rules: RuleSet, as_of: dt.date | None, order: int
) -> Iterator[Timeline | TimelineError]:
    """The cases of one record, or the errors that leave a case (or the record) out."""
    vocabulary = rules.vocabulary
    try:
        if isinstance(payload, Timeline):
            yield payload
        elif isinstance(payload, CensusChild):
            yield census_child_timeline(
                payload.xml, reference_date=payload.reference_date, file=payload.file, order=order
            )
        elif isinstance(payload, Return903Child):
            yield child_903_timeline(payload.tables, as_of=as_of, file=payload.file, order=order)
        elif isinstance(payload, SsdPerson):
            found = ssd_person_timeline(
                payload.person,
                payload.tables,
                vocabulary,
                file=payload.file,
                extract_tables=payload.extract_tables,
            )
            if found is not None:
                yield found
        elif isinstance(payload, InputFile):
            cases = 0
            for item in iter_timelines_from_bytes(payload.data, payload.name, vocabulary):
                if isinstance(item, Timeline | TimelineError):
                    cases += 1
                    yield item
            if not cases:
                yield TimelineError([problem(payload.name, f"no cases found in {payload.name}", code="E001")])
        elif isinstance(payload, Mapping):
            yield timeline_from_mapping(payload, vocabulary)
        else:
            raise TypeError(f"check_records cannot read a {type(payload).__name__}")
    except TimelineError as error:
        yield error


def check_records(
    payloads: Iterable[Payload],
    rules: RuleSet,
    *,
    as_of: dt.date | None = None,
    authority: str | None = None,
    left_out: list[Problem] | None = None,
) -> Iterator[FindingRow]:
    """Check each record and yield its findings as rows of the findings table, in record order.

    ``as_of``: the date to judge at (default: each record's own, as a census child's reference
    date). A case that cannot be read or checked raises :class:`TimescalesError` naming the file,
    line and field, unless ``left_out`` is given: its problems are then added there and every
    other case is still checked (nothing is dropped without a word).
    """
    maker = RowMaker(rules, tool_version())
    evaluator = NativeEvaluator()
    for order, payload in enumerate(payloads):
        for item in _timelines(payload, rules, as_of, order):
            try:
                if isinstance(item, TimelineError):
                    raise item
                report = evaluate_case(item, rules, as_of=as_of, authority=authority, evaluator=evaluator)
            except TimescalesError as error:
                if left_out is None:
                    raise
                left_out.extend(error.problems)
                continue
            yield from maker.rows(report)


__all__ = [
    "CensusChild",
    "InputFile",
    "Payload",
    "Return903Child",
    "SsdPerson",
    "check_records",
    "worker_rules",
]
