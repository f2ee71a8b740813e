"""Sources of timelines: YAML/JSON files, CSV event logs, CIN census XML, folders of them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ..errors import TimelineError, problem
from ..timeline import Timeline
from ..vocabulary import Vocabulary
from ..yamlsource import LMap, LSeq
from .csv_events import iter_csv_timelines
from .yaml_timeline import read_yaml_timeline, timeline_from_data

YAML_SUFFIXES = (".yaml", ".yml", ".json")
SUFFIXES = (*YAML_SUFFIXES, ".csv", ".xml")


def iter_timelines(path: Path, vocabulary: Vocabulary) -> Iterator[Timeline | TimelineError]:
    """Every case in a file or folder, or the error that leaves a file (or one case of it) out.

    Folders are read in name order; only files with a known suffix are read, and expected-output
    files (``*.expected.json``) are skipped.
    """
    if path.is_dir():
        for child in sorted(p for p in path.rglob("*") if p.is_file()):
            if child.suffix.lower() in SUFFIXES and not child.name.endswith(".expected.json"):
                yield from iter_timelines(child, vocabulary)
        return
    suffix = path.suffix.lower()
    try:
        if not path.exists():
            raise TimelineError([problem(str(path), "no such file or folder", code="E001")])
        if suffix in YAML_SUFFIXES:
            yield read_yaml_timeline(path, vocabulary)
        elif suffix == ".csv":
            yield from iter_csv_timelines(path, vocabulary)
        elif suffix == ".xml":
            from .cin_census import iter_census_timelines

            yield from iter_census_timelines(path, vocabulary)
        else:
            raise TimelineError(
                [
                    problem(
                        str(path),
                        f"cannot read {suffix or 'this'} files: give a "
                        "timeline (.yaml, .json), a CSV event log or a CIN census "
                        ".xml",
                        code="E001",
                    )
                ]
            )
    except TimelineError as error:
        yield error


def timeline_from_mapping(data: Mapping[str, Any], vocabulary: Vocabulary, name: str = "<dict>") -> Timeline:
    """A timeline given as a Python dict (the same shape as the YAML)."""
    return timeline_from_data(_located(data), [], name, vocabulary)


def _located(value: Any) -> Any:
    """Wrap plain Python data in the located containers the readers expect (no positions)."""
    if isinstance(value, Mapping):
        result = LMap({str(k): _located(v) for k, v in value.items()})
        result.position = (0, 0)
        result.key_positions = {}
        result.value_positions = {}
        return result
    if isinstance(value, list | tuple):
        seq = LSeq(_located(v) for v in value)
        seq.position = (0, 0)
        seq.item_positions = []
        return seq
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
