"""Column mappings: how an export with its own column names and codes becomes an event log.

A mapping file (``--columns MAP.yaml``, ``columns=`` in the API) names, for each column of the
export, the engine column it holds, and for coded columns, the vocabulary value of each code::

    columns:                      # column of the export: column of the engine
      Case Ref: case
      Event Type: type
      Event Date: date
      S47 Started: section47
    values:                       # column of the export: {its code: the vocabulary's value}
      Event Type:
        Initial CP Conference: icpc
        Strategy Meeting: strategy_discussion
      S47 Started: {Y: "true", N: "false"}

Column names match as headers do (ignoring case, spaces, underscores and hyphens). Codes match
exactly first, then ignoring case. Columns the mapping does not name are read as usual (engine
columns by name, the rest carried). :func:`check_column_map` finds every problem in a mapping at
once, with its line and column, for the rule linter.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Problem, TimescalesError, problem
from ..vocabulary import Vocabulary, did_you_mean, parse_boolean
from ..yamlsource import LMap, read_yaml_file

#: Columns every event log may have besides the vocabulary's attributes.
REQUIRED = ("case", "id", "type", "date")
OPTIONAL = ("child", "for", "estimated", "note")
TOP_LEVEL_KEYS = ("columns", "values")


class ColumnMapError(TimescalesError):
    """A column mapping file is wrong."""


def header_key(name: str) -> str:
    """How column names are compared: ``Event Date`` = ``event_date`` = ``EVENT-DATE``."""
    return re.sub(r"[\s_\-]+", "", name).casefold()


def engine_columns(vocabulary: Vocabulary) -> tuple[str, ...]:
    """Every column an event log may give the engine, in a stable order."""
    attributes = sorted({a for t in vocabulary.types.values() for a in t.attributes})
    return (*REQUIRED, *OPTIONAL, *(a for a in attributes if a not in REQUIRED + OPTIONAL))


@dataclass(frozen=True)
class ColumnMap:
    """A checked mapping: source column (by :func:`header_key`) to engine column, and codes."""

    source: str
    columns: Mapping[str, str] = field(default_factory=dict)
    #: engine column -> {source code: vocabulary value}
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def translate(self, column: str, value: str) -> str:
        codes = self.values.get(column)
        if not codes or not value:
            return value
        if value in codes:
            return codes[value]
        folded = value.casefold()
        for code, meaning in codes.items():
            if code.casefold() == folded:
                return meaning
        return value


def load_column_map(path: Path, vocabulary: Vocabulary) -> ColumnMap:
    """Read and check a mapping file; raise :class:`ColumnMapError` with every problem in it."""
    column_map, problems = _read(path, vocabulary)
    if problems or column_map is None:
        raise ColumnMapError(problems or [problem(str(path), "not a column mapping", code="E250")])
    return column_map


def check_column_map(path: Path, vocabulary: Vocabulary) -> list[Problem]:
    """Every problem in a mapping file, for ``timescales lint`` (empty when it is right)."""
    return _read(path, vocabulary)[1]


def is_column_map(path: Path) -> bool:
    """Whether a YAML file looks like a column mapping (its top level has ``columns:``)."""
    data, problems = read_yaml_file(path)
    return not problems and isinstance(data, LMap) and "columns" in data and "events" not in data


def _read(path: Path, vocabulary: Vocabulary) -> tuple[ColumnMap | None, list[Problem]]:
    file = str(path)
    data, problems = read_yaml_file(path)
    if problems:
        return None, problems
    if not isinstance(data, LMap) or "columns" not in data:
        return None, [
            problem(
                file, "a column mapping has `columns:` (export column: engine column)", line=1, code="E250"
            )
        ]

    def report(where: tuple[int, int], message: str, field_name: str, hint: str | None = None) -> None:
        problems.append(
            problem(file, message, line=where[0], column=where[1], field=field_name, code="E251", hint=hint)
        )

    for key in data:
        if key not in TOP_LEVEL_KEYS:
            report(data.where(key), f"unknown field {key!r}", key, did_you_mean(key, TOP_LEVEL_KEYS))
    targets = engine_columns(vocabulary)
    columns: dict[str, str] = {}
    given_by: dict[str, str] = {}
    raw_columns = data["columns"]
    if not isinstance(raw_columns, LMap):
        report(
            data.value_where("columns"), "`columns` maps each export column to an engine column", "columns"
        )
        raw_columns = LMap()
    for source, target in raw_columns.items():
        where = raw_columns.value_where(source)
        name = f"columns.{source}"
        if not isinstance(target, str) or target not in targets:
            report(
                where,
                f"{target!r} is not a column the engine reads (one of: {', '.join(targets)})",
                name,
                did_you_mean(str(target), targets),
            )
            continue
        if target in given_by:
            report(where, f"`{target}` is already given by column {given_by[target]!r}", name)
            continue
        given_by[target] = source
        columns[header_key(source)] = target
    values: dict[str, dict[str, str]] = {}
    raw_values = data.get("values")
    if raw_values is not None and not isinstance(raw_values, LMap):
        report(data.value_where("values"), "`values` maps a column to {code: vocabulary value}", "values")
    elif raw_values is not None:
        for source, codes in raw_values.items():
            name = f"values.{source}"
            target = columns.get(header_key(source)) or (source if source in targets else None)
            if target is None and header_key(source) in {header_key(c) for c in raw_columns}:
                continue  # its column's own target is wrong, and reported there
            if target is None:
                report(
                    raw_values.where(source),
                    f"{source!r} is neither a column named under `columns` nor an engine column",
                    name,
                    did_you_mean(source, targets),
                )
                continue
            if not isinstance(codes, LMap):
                report(raw_values.value_where(source), "give {code: vocabulary value} for this column", name)
                continue
            checked: dict[str, str] = {}
            for code, meaning in codes.items():
                error, hint = _check_value(target, meaning, vocabulary)
                if error:
                    report(codes.value_where(code), error, f"{name}.{code}", hint)
                else:
                    assert isinstance(meaning, str)
                    checked[code] = meaning
            values[target] = checked
    problems.sort(key=lambda p: (p.line or 0, p.column or 0))
    return ColumnMap(file, columns, values), problems


def _check_value(column: str, meaning: object, vocabulary: Vocabulary) -> tuple[str | None, str | None]:
    """Whether ``meaning`` is a value the engine accepts in ``column``."""
    if not isinstance(meaning, str) or not meaning:
        return "give the value as text", None
    if column == "type":
        return vocabulary.check_type(meaning)
    if column == "estimated":
        return (None, None) if parse_boolean(meaning) is not None else ("expected true or false", None)
    kinds = {t.attributes[column].kind for t in vocabulary.types.values() if column in t.attributes}
    if kinds == {"boolean"} and parse_boolean(meaning) is None:
        return f"expected true or false, got {meaning!r}", None
    allowed = sorted(
        {v for t in vocabulary.types.values() if column in t.attributes for v in t.attributes[column].values}
    )
    if "choice" in kinds and "text" not in kinds and meaning not in allowed:
        return f"{meaning!r} is not one of: {', '.join(allowed)}", did_you_mean(meaning, allowed)
    return None, None
