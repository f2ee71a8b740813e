"""The findings table: one row per finding, with a fixed set of typed columns.

This is the one definition of a finding's fields. From it come the Arrow schema of
``--format parquet`` and of the Spark and Dask outputs (:func:`arrow_schema`, :func:`spark_ddl`)
and the ``finding`` part of the JSON report's schema (``schemas/report.schema.json``, through
:func:`json_finding_schema`); the tests check that the three agree, column by column and on data.

A column says where its value sits in the JSON report (``json``): inside the finding
(``("finding", "trigger", "date")``), on its case (``("case", "authority")``), in the report's
provenance, or nowhere (``None``: the rule version and pack, found from the rules, and the line of
the trigger in its input). Two fields of the JSON finding are not columns (``in_table=False``): the
explanation (text written for people, on demand) and the carried source columns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from .findings import CaseReport, Finding

if TYPE_CHECKING:
    import pyarrow

    from .rules.model import RuleSet, RuleVersion
    from .vocabulary import Vocabulary


@dataclass(frozen=True)
class Column:
    """One field of a finding. ``kind``: text, date, int, bool or texts (a list of text);
    ``nullable``: whether the table's value may be null; ``values``: the closed set of values
    (``status``, ``about``, ``evidence`` or ``event_type``, the vocabulary's)."""

    name: str
    kind: str
    nullable: bool
    json: tuple[str, ...] | None
    description: str
    values: str | None = None
    minimum: int | None = None
    in_table: bool = True


#: The groups of a JSON finding, and whether each may be null as a whole (a deadline not met has
#: no ``met_by``; one not late no ``late_by``). Inside a nullable group, its fields are never null.
JSON_GROUPS = {"trigger": False, "met_by": True, "late_by": True, "source": False}

COLUMNS: tuple[Column, ...] = (
    Column(
        "authority", "text", True, ("case", "authority"), "The council (local pack) the case was checked for"
    ),
    Column("case", "text", False, ("finding", "case"), "The case: a census child's LAchildID, a case id"),
    Column("child", "text", True, ("finding", "child"), "The child; null for a finding about the whole case"),
    Column("about", "text", False, ("finding", "about"), "child or case", values="about"),
    Column("children", "texts", False, ("finding", "children"), "The children the finding covers"),
    Column("rule", "text", False, ("finding", "rule"), "The rule's published id"),
    Column("rule_version", "date", False, None, "The first day in force of the rule version applied"),
    Column("pack", "text", False, None, "The rule pack the rule belongs to"),
    Column("requirement", "text", False, ("finding", "requirement"), "The requirement it counts towards"),
    Column("title", "text", False, ("finding", "title"), "The rule's title"),
    Column(
        "status",
        "text",
        False,
        ("finding", "status"),
        "met, late, missing, pending or cancelled",
        values="status",
    ),
    Column("trigger_id", "text", False, ("finding", "trigger", "id"), "The event that started the clock"),
    Column(
        "trigger_type", "text", False, ("finding", "trigger", "type"), "Its event type", values="event_type"
    ),
    Column("trigger_date", "date", False, ("finding", "trigger", "date"), "Its date"),
    Column(
        "expects",
        "text",
        False,
        ("finding", "expects"),
        "The event type that meets the deadline",
        values="event_type",
    ),
    Column("due", "date", False, ("finding", "due"), "The due date"),
    Column("met_by_id", "text", True, ("finding", "met_by", "id"), "The event that met it (late or not)"),
    Column("met_date", "date", True, ("finding", "met_by", "date"), "Its date"),
    Column(
        "late_working_days",
        "int",
        True,
        ("finding", "late_by", "working_days"),
        "Working days late (to the as-of date if missing)",
        minimum=0,
    ),
    Column(
        "late_calendar_days",
        "int",
        True,
        ("finding", "late_by", "calendar_days"),
        "Calendar days late (to the as-of date if missing)",
        minimum=0,
    ),
    Column("uncertain", "bool", False, ("finding", "uncertain"), "Whether the finding is uncertain"),
    Column("uncertain_because", "texts", False, ("finding", "uncertain_because"), "Why, in plain words"),
    Column(
        "occurrence", "int", False, ("finding", "occurrence"), "Which interval of a repeating rule", minimum=1
    ),
    Column("source_document", "text", False, ("finding", "source", "document"), "The source's title"),
    Column("source_edition", "text", True, ("finding", "source", "edition"), "Its edition"),
    Column("source_section", "text", False, ("finding", "source", "section"), "The section cited"),
    Column("source_url", "text", True, ("finding", "source", "url"), "Where to read it"),
    Column(
        "source_evidence",
        "text",
        False,
        ("finding", "source", "evidence"),
        "verified, restated or seed",
        values="evidence",
    ),
    Column("input_file", "text", True, ("case", "source"), "The input the case was read from"),
    Column("input_line", "int", True, None, "The line of the trigger in that input (null: none)", minimum=1),
    Column("as_of", "date", False, ("case", "as_of"), "The date the deadlines were judged at"),
    Column("tool_version", "text", False, ("provenance", "tool_version"), "The timescales version"),
    Column(
        "explanation", "text", False, ("finding", "explanation"), "The arithmetic in words", in_table=False
    ),
    Column(
        "attributes",
        "text",
        False,
        ("finding", "attributes"),
        "The source's carried columns (team, worker)",
        in_table=False,
    ),
)

TABLE_COLUMNS = tuple(c for c in COLUMNS if c.in_table)


class FindingRow(NamedTuple):
    """One finding as a row of the findings table (fields in :data:`TABLE_COLUMNS` order)."""

    authority: str | None
    case: str
    child: str | None
    about: str
    children: tuple[str, ...]
    rule: str
    rule_version: dt.date
    pack: str
    requirement: str
    title: str
    status: str
    trigger_id: str
    trigger_type: str
    trigger_date: dt.date
    expects: str
    due: dt.date
    met_by_id: str | None
    met_date: dt.date | None
    late_working_days: int | None
    late_calendar_days: int | None
    uncertain: bool
    uncertain_because: tuple[str, ...]
    occurrence: int
    source_document: str
    source_edition: str | None
    source_section: str
    source_url: str | None
    source_evidence: str
    input_file: str | None
    input_line: int | None
    as_of: dt.date
    tool_version: str


if FindingRow._fields != tuple(c.name for c in TABLE_COLUMNS):  # pragma: no cover - a definition error
    raise AssertionError("FindingRow's fields and TABLE_COLUMNS differ")

COLUMN_NAMES: tuple[str, ...] = FindingRow._fields


def _version_of(
    rules: RuleSet, finding: Finding, cache: dict[tuple[str, dt.date], RuleVersion]
) -> RuleVersion:
    """The rule version that gave the finding its period: the one in force on the trigger's date
    whose source the finding cites (a repeating rule's later intervals keep the chain's version)."""
    key = (finding.rule, finding.trigger.date)
    found = cache.get(key)
    if found is not None and found.source.ref == finding.source:
        return found
    rule = rules.rule(finding.rule)
    on_day = rule.version_on(finding.trigger.date)
    if on_day is not None and on_day.source.ref == finding.source:
        found = on_day
    else:
        found = next(v for v in rule.versions if v.source.ref == finding.source)
    cache[key] = found
    return found


class RowMaker:
    """Turns case reports into finding rows, with the rules they were checked against (for each
    rule's pack and version) and the tool's version. Reuse one per run: it caches the versions."""

    def __init__(self, rules: RuleSet, tool_version: str):
        self.rules = rules
        self.tool_version = tool_version
        self._versions: dict[tuple[str, dt.date], RuleVersion] = {}
        self._packs = {r.id: r.pack for r in rules.rules}

    def rows(self, report: CaseReport) -> Iterator[FindingRow]:
        for f in report.findings:
            met_by, late_by, source = f.met_by, f.late_by, f.source
            yield FindingRow(
                report.authority,
                f.case,
                f.child,
                f.about,
                f.covers,
                f.rule,
                _version_of(self.rules, f, self._versions).in_force_from,
                self._packs[f.rule],
                f.requirement_id,
                f.title,
                f.status.value,
                f.trigger.id,
                f.trigger.type,
                f.trigger.date,
                f.expects,
                f.due,
                met_by.id if met_by else None,
                met_by.date if met_by else None,
                late_by.working_days if late_by else None,
                late_by.calendar_days if late_by else None,
                f.uncertain,
                f.uncertain_because,
                f.occurrence,
                source.document,
                source.edition,
                source.section,
                source.url,
                source.evidence,
                report.source,
                f.trigger.line,
                report.as_of,
                self.tool_version,
            )


# -- the schemas made from the definition ------------------------------------------------------

_SPARK_TYPES = {"text": "string", "date": "date", "int": "int", "bool": "boolean", "texts": "array<string>"}


def arrow_schema() -> pyarrow.Schema:
    """The findings table as an Arrow schema (needs pyarrow: the ``[parquet]`` extra)."""
    import pyarrow as pa

    types = {
        "text": pa.string(),
        "date": pa.date32(),
        "int": pa.int32(),
        "bool": pa.bool_(),
        "texts": pa.list_(pa.string()),
    }
    return pa.schema(
        [
            pa.field(c.name, types[c.kind], nullable=c.nullable, metadata={"description": c.description})
            for c in TABLE_COLUMNS
        ],
        metadata={"schema": "timescales/findings/1"},
    )


def spark_ddl() -> str:
    """The findings table as a Spark DDL schema string (``name type, ...``)."""
    return ", ".join(f"`{c.name}` {_SPARK_TYPES[c.kind]}" for c in TABLE_COLUMNS)


def json_finding_schema(
    vocabulary: Vocabulary, date: Mapping[str, Any], evidence: tuple[str, ...]
) -> dict[str, Any]:
    """The JSON Schema of one finding of the JSON report, from :data:`COLUMNS`."""
    from .findings import Status
    from .rules.model import ABOUT_CASE, ABOUT_CHILD

    closed = {
        "status": [s.value for s in Status],
        "about": [ABOUT_CHILD, ABOUT_CASE],
        "evidence": list(evidence),
        "event_type": sorted(vocabulary.types),
    }

    def value(column: Column, nullable: bool) -> dict[str, Any]:
        if column.name == "attributes":
            return {"type": "object", "additionalProperties": {"type": "string"}}
        if column.values is not None:
            schema: dict[str, Any] = {"enum": list(closed[column.values])}
        elif column.kind == "date":
            schema = dict(date)
        elif column.kind == "texts":
            schema = {"type": "array", "items": {"type": "string"}}
        else:
            schema = {"type": {"text": "string", "int": "integer", "bool": "boolean"}[column.kind]}
            if column.minimum is not None:
                schema["minimum"] = column.minimum
            if column.name == "explanation":
                schema["minLength"] = 1
        if nullable:
            return (
                {"anyOf": [schema, {"type": "null"}]}
                if "type" not in schema
                else {
                    **schema,
                    "type": [schema["type"], "null"],
                }
            )
        return schema

    properties: dict[str, Any] = {}
    groups: dict[str, dict[str, Any]] = {}
    for column in COLUMNS:
        if column.json is None or column.json[0] != "finding":
            continue
        path = column.json[1:]
        if len(path) == 1:
            properties[path[0]] = value(column, column.nullable)
            continue
        group, key = path
        members = groups.get(group)
        if members is None:
            members = groups[group] = {}
            properties[group] = None  # keeps the group's place among the keys
        members[key] = value(column, column.nullable and not JSON_GROUPS[group])
    for group, members in groups.items():
        shape = {
            "type": "object",
            "required": list(members),
            "additionalProperties": False,
            "properties": members,
        }
        properties[group] = {"anyOf": [shape, {"type": "null"}]} if JSON_GROUPS[group] else shape
    return {"type": "object", "required": list(properties), "properties": properties}


__all__ = [
    "COLUMNS",
    "COLUMN_NAMES",
    "TABLE_COLUMNS",
    "Column",
    "FindingRow",
    "RowMaker",
    "arrow_schema",
    "json_finding_schema",
    "spark_ddl",
]
