"""timescales on Dask: a Bag over input files, mapped to findings rows, written to Parquet.

For a regional team without a cluster: ``dask``'s local scheduler (or a ``distributed`` client
if one is running) shares the files among processes. Built on the public record API alone
(:func:`timescales.check_records`, :func:`timescales.worker_rules`,
:func:`timescales.write_findings_parquet`). Needs the ``[dask]`` extra; docs/scale.md shows it.

Each file is one partition: a worker holds one file's cases at a time and streams its findings
to its own Parquet part, so memory per worker follows the largest file, not the number of files.
"""

from __future__ import annotations

import datetime as dt
import resource
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import timescales

if TYPE_CHECKING:
    import dask.bag


def _rows(
    path: str, as_of: dt.date | None, authority: str | None, rule_dirs: tuple[str, ...]
) -> Iterator[timescales.FindingRow]:
    rules = timescales.worker_rules(rule_dirs)
    payload = timescales.InputFile(path, Path(path).read_bytes())
    yield from timescales.check_records([payload], rules, as_of=as_of, authority=authority)


def findings_bag(
    paths: Sequence[str | Path],
    *,
    as_of: dt.date | None = None,
    authority: str | None = None,
    rule_dirs: tuple[str, ...] = (),
) -> dask.bag.Bag:
    """A Bag of :class:`timescales.FindingRow` for every file of ``paths`` (one partition each)."""
    import dask.bag as db

    names = [str(p) for p in paths]
    bag: dask.bag.Bag = db.from_sequence(names, partition_size=1)
    return bag.map(_rows, as_of, authority, rule_dirs).flatten()


class WrittenPart(NamedTuple):
    """One Parquet part: its path, its number of rows, and the peak resident memory (KiB) of the
    worker process that wrote it (so far in that process's life)."""

    path: str
    rows: int
    worker_peak_kib: int


def _write_part(
    part: Sequence[tuple[int, str]],
    folder: str,
    as_of: dt.date | None,
    authority: str | None,
    rule_dirs: tuple[str, ...],
) -> list[WrittenPart]:
    written = []
    for index, path in part:
        target = Path(folder) / f"part-{index:05d}.parquet"
        count = timescales.write_findings_parquet(_rows(path, as_of, authority, rule_dirs), target)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        written.append(WrittenPart(str(target), count, peak))
    return written


def write_parquet(
    paths: Sequence[str | Path],
    folder: str | Path,
    *,
    as_of: dt.date | None = None,
    authority: str | None = None,
    rule_dirs: tuple[str, ...] = (),
    scheduler: Any = None,
) -> list[WrittenPart]:
    """Check every file of ``paths`` and write its findings to ``folder/part-NNNNN.parquet`` (the
    findings table's schema; one part per file, in the order given). ``scheduler``: as Dask's
    ``compute`` takes it (``"processes"``, ``"threads"``, a client; default: Dask's own for bags,
    processes; its number of workers: ``dask.config.set(num_workers=N)``). Returns the parts
    written, in order."""
    import dask.bag as db

    Path(folder).mkdir(parents=True, exist_ok=True)
    numbered = list(enumerate(str(p) for p in paths))
    files: dask.bag.Bag = db.from_sequence(numbered, partition_size=1)
    bag = files.map_partitions(_write_part, str(folder), as_of, authority, rule_dirs)
    return list(bag.compute(scheduler=scheduler))


__all__ = ["WrittenPart", "findings_bag", "write_parquet"]
