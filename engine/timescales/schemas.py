"""JSON Schemas for rule files, pack files, rule test files and timelines, built from the
vocabulary so that editors check event types and attribute values as authors type.

The schemas in ``schemas/`` are generated (``python -m timescales.schemas schemas``) and a test
fails when they are stale. They check structure; ``timescales lint`` checks the rest (duplicate
keys, overlapping versions, rules that do not exist) and the tests make sure the two agree.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from .findings import REPORT_SCHEMA
from .findings_table import json_finding_schema
from .paths import shipped_rules_dir
from .rules.cases import CASE_KEYS, EXPECT_KEYS
from .rules.loader import EVIDENCE, PACK_KEYS, SOURCE_KEYS
from .vocabulary import Attribute, Vocabulary, load_vocabulary

DRAFT = "https://json-schema.org/draft/2020-12/schema"
BASE = "https://safeguarding-timescales.invalid/schemas/"
DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
PERIOD = {
    "type": "string",
    "pattern": (
        r"^\d+ (clear )?(working days?|calendar days?|days?( \(unit not stated\))?"
        r"|weeks?|calendar months?|months?)(, beginning with the trigger)?$"
    ),
    "description": (
        "A number and a unit; 'days' alone means the source does not say which kind; "
        "', beginning with the trigger' when the period includes the trigger's day; "
        "'clear' days for 'at least N clear days before'"
    ),
}
ID = {"type": "string", "pattern": r"^[a-z0-9]+(-[a-z0-9]+)*$"}


def _value(attribute: Attribute) -> dict[str, Any]:
    if attribute.kind == "boolean":
        return {"enum": [True, False, "true", "false"]}
    if attribute.kind == "choice":
        values: list[Any] = list(attribute.values)
        values += [int(v) for v in attribute.values if v.isdigit()]
        return {"enum": values}
    return {"type": "string"}


def _pattern_for(vocabulary: Vocabulary, allow_for: bool) -> dict[str, Any]:
    options = []
    for name, event_type in sorted(vocabulary.types.items()):
        where = {}
        for a, spec in event_type.attributes.items():
            one_or_more = [_value(spec), {"type": "array", "items": _value(spec), "minItems": 1}]
            negated = {
                "type": "object",
                "required": ["not"],
                "additionalProperties": False,
                "properties": {"not": {"anyOf": one_or_more}},
            }
            unrecorded = {
                "type": "object",
                "required": ["unrecorded"],
                "additionalProperties": False,
                "properties": {"unrecorded": {"const": True}},
            }
            where[a] = {"anyOf": [*one_or_more, negated, unrecorded]}
        properties: dict[str, Any] = {
            "type": {"const": name},
            "where": {"type": "object", "properties": where, "additionalProperties": False},
        }
        if allow_for:
            properties["for"] = {"const": "trigger"}
        options.append(
            {"type": "object", "required": ["type"], "properties": properties, "additionalProperties": False}
        )
    return {"oneOf": options}


def rule_file_schema(vocabulary: Vocabulary) -> dict[str, Any]:
    period_keys = {
        "within": PERIOD,
        "at_least_before": PERIOD,
        "extension": {"$ref": "#/$defs/extension"},
        "repeat": {"$ref": "#/$defs/repeat"},
    }
    return {
        "$schema": DRAFT,
        "$id": BASE + "rule-file.schema.json",
        "title": "A timescales rule file",
        "type": "object",
        "required": ["rules"],
        "additionalProperties": False,
        "properties": {"rules": {"type": "array", "items": {"$ref": "#/$defs/rule"}}},
        "$defs": {
            "trigger": _pattern_for(vocabulary, allow_for=False),
            "expects": _pattern_for(vocabulary, allow_for=True),
            "extension": {
                "type": "object",
                "required": ["by", "to"],
                "additionalProperties": False,
                "properties": {"by": {"$ref": "#/$defs/expects"}, "to": PERIOD},
            },
            "repeat": {
                "type": "object",
                "required": ["every"],
                "additionalProperties": False,
                "properties": {
                    "every": PERIOD,
                    "stops_when": {"type": "object"},
                    "next": PERIOD,
                    "later": {
                        "type": "object",
                        "required": ["after", "every"],
                        "additionalProperties": False,
                        "properties": {"after": PERIOD, "every": PERIOD},
                    },
                },
            },
            "source": {
                "type": "object",
                "required": ["document", "section", "evidence"],
                "additionalProperties": False,
                "properties": {k: {"type": "string"} for k in SOURCE_KEYS}
                | {"evidence": {"enum": list(EVIDENCE)}, "url": {"type": "string", "pattern": "^https?://"}},
            },
            "version": {
                "type": "object",
                "required": ["in_force", "source"],
                "additionalProperties": False,
                "properties": {
                    "in_force": {
                        "type": "object",
                        "oneOf": [{"required": ["from"]}, {"required": ["by"]}],
                        "additionalProperties": False,
                        "properties": {
                            "from": DATE,
                            "by": DATE | {"description": "In force by this date; when it began is not known"},
                            "until": DATE,
                            "before": {
                                "type": "string",
                                "description": (
                                    "Why earlier triggers are not checked (an earlier edition not encoded)"
                                ),
                            },
                        },
                    },
                    "source": {"$ref": "#/$defs/source"},
                    "quote": {
                        "type": "string",
                        "minLength": 1,
                        "maxLength": 800,
                        "description": "The source's own words this version encodes (a few lines)",
                    },
                    "notes": {"type": "string"},
                }
                | period_keys,
            },
            "rule": {
                "type": "object",
                "required": ["id", "title", "trigger", "expects", "versions"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "string", "pattern": r"^[a-z0-9]+(-[a-z0-9]+)*\.[a-z0-9]+(-[a-z0-9]+)*$"},
                    "title": {"type": "string"},
                    "trigger": {
                        "anyOf": [
                            {"$ref": "#/$defs/trigger"},
                            {"type": "array", "items": {"$ref": "#/$defs/trigger"}, "minItems": 1},
                        ]
                    },
                    "expects": {"$ref": "#/$defs/expects"},
                    "cancelled_by": {"type": "array", "items": {"$ref": "#/$defs/trigger"}},
                    "versions": {"type": "array", "items": {"$ref": "#/$defs/version"}, "minItems": 1},
                    "replaces": {
                        "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]
                    },
                    "restates": {
                        "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]
                    },
                    "about": {"enum": ["child", "case"]},
                    "draft": {"type": "string"},
                    "later_trigger_may_restart": {
                        "enum": [True, False, "true", "false"],
                        "description": "A later trigger while open may begin another process (uncertain)",
                    },
                    "snapshot": {
                        "type": "boolean",
                        "description": "Judged on lists of latest dates only: the last trigger too long ago",
                    },
                    "working_day_defined_by": {
                        "type": "string",
                        "description": (
                            "The provision defining 'working day' (local closures never extend it)"
                        ),
                    },
                    "notes": {"type": "string"},
                }
                | period_keys,
            },
        },
    }


def pack_schema() -> dict[str, Any]:
    return {
        "$schema": DRAFT,
        "$id": BASE + "pack.schema.json",
        "title": "A timescales rule pack (pack.yaml)",
        "type": "object",
        "required": ["pack", "title"],
        "additionalProperties": False,
        "properties": {k: {"type": "string"} for k in PACK_KEYS}
        | {
            "pack": ID,
            "authority": ID,
            "nation": {"enum": ["england", "wales", "scotland", "northern-ireland"]},
            "non_working_days_extend_national_rules": {
                "enum": [True, False, "true", "false"],
                "description": (
                    "The closures also extend national rules whose source leaves 'working day' undefined"
                ),
            },
            "non_working_days": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["date", "name"],
                    "additionalProperties": False,
                    "properties": {"date": DATE, "name": {"type": "string"}},
                },
            },
        },
    }


def _event_schema(vocabulary: Vocabulary) -> dict[str, Any]:
    common = {
        "id": {"type": "string", "minLength": 1},
        "date": DATE,
        "children": {"type": "array", "items": {"type": "string"}},
        "for": {"type": "string"},
        "estimated": {
            "anyOf": [
                {"type": "boolean"},
                {
                    "type": "object",
                    "required": ["from", "to"],
                    "additionalProperties": False,
                    "properties": {"from": DATE, "to": DATE},
                    "description": "The days the date may fall on; `date` is the best guess within them",
                },
            ]
        },
        "note": {"type": "string"},
    }
    options = []
    for name, event_type in sorted(vocabulary.types.items()):
        properties = (
            common
            | {"type": {"const": name}}
            | {a: _value(spec) for a, spec in event_type.attributes.items()}
        )
        options.append(
            {
                "type": "object",
                "required": ["id", "type", "date"],
                "properties": properties,
                "additionalProperties": False,
                "description": event_type.description,
            }
        )
    return {"oneOf": options}


def timeline_schema(vocabulary: Vocabulary) -> dict[str, Any]:
    return {
        "$schema": DRAFT,
        "$id": BASE + "timeline.schema.json",
        "title": "A case timeline for timescales",
        "type": "object",
        "required": ["case", "events"],
        "additionalProperties": False,
        "properties": {
            "case": {"type": "string", "minLength": 1},
            "authority": ID,
            "nation": {"enum": ["england", "wales", "scotland", "northern-ireland"]},
            "as_of": DATE,
            "children": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            "skip_rules": {
                "type": "object",
                "additionalProperties": {"type": "string", "minLength": 1},
                "description": "Rules this chronology cannot support, each with the reason",
            },
            "events": {"type": "array", "items": {"$ref": "#/$defs/event"}},
        },
        "$defs": {"event": _event_schema(vocabulary)},
    }


def rule_tests_schema(vocabulary: Vocabulary) -> dict[str, Any]:
    case = {
        "type": "object",
        "required": ["name", "rule", "as_of", "events", "expect"],
        "additionalProperties": False,
        "properties": {k: {} for k in CASE_KEYS}
        | {
            "name": {"type": "string"},
            "rule": {"type": "string"},
            "as_of": DATE,
            "events": {"type": "array", "items": _event_schema(vocabulary)},
            "expect": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {k: {} for k in EXPECT_KEYS},
                },
            },
        },
    }
    return {
        "$schema": DRAFT,
        "$id": BASE + "rule-tests.schema.json",
        "title": "Test cases beside rules",
        "type": "object",
        "required": ["tests"],
        "additionalProperties": False,
        "properties": {"tests": {"type": "array", "items": case}},
    }


def report_schema(vocabulary: Vocabulary) -> dict[str, Any]:
    """The JSON report (`timescales check --format json`, ``timescales/report/1``).

    Every key a reader relies on is required with its type; objects stay open to keys added later
    (a new key is not a breaking change), except the small fixed records inside a finding.
    """
    nullable_date = {"anyOf": [DATE, {"type": "null"}]}
    count = {"type": "integer", "minimum": 0}
    # One definition for the JSON finding and the findings table (Parquet, Spark, Dask).
    finding = json_finding_schema(vocabulary, DATE, EVIDENCE)
    case = {
        "type": "object",
        "required": ["case", "as_of", "children", "findings", "notes"],
        "properties": {
            "case": {"type": "string"},
            "as_of": DATE,
            "children": {"type": "array", "items": {"type": "string"}},
            "findings": {"type": "array", "items": {"$ref": "#/$defs/finding"}},
            "notes": {"type": "array", "items": {"type": "string"}},
        },
    }
    return {
        "$schema": DRAFT,
        "$id": BASE + "report.schema.json",
        "title": "A timescales report (timescales check --format json)",
        "type": "object",
        "required": ["schema", "cases", "summary", "left_out"],
        "properties": {
            "schema": {"const": REPORT_SCHEMA},
            "as_of": nullable_date,
            "cases": {"type": "array", "items": {"$ref": "#/$defs/case"}},
            "left_out": {"type": "array", "items": {"type": "string"}},
            "notes": {"type": "array", "items": {"type": "string"}},
            "summary": {
                "type": "object",
                "required": ["cases", "findings", "breaches", "by_status"],
                "properties": {
                    "cases": count,
                    "findings": count,
                    "breaches": count,
                    "by_status": {"type": "object", "additionalProperties": count},
                },
            },
        },
        "$defs": {"finding": finding, "case": case},
    }


def all_schemas(vocabulary: Vocabulary) -> dict[str, dict[str, Any]]:
    return {
        "rule-file.schema.json": rule_file_schema(vocabulary),
        "pack.schema.json": pack_schema(),
        "rule-tests.schema.json": rule_tests_schema(vocabulary),
        "timeline.schema.json": timeline_schema(vocabulary),
        "report.schema.json": report_schema(vocabulary),
    }


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> None:
    """Write the schemas into the folder given (``schemas`` at the repository's top)."""
    target = Path(argv[0] if argv else "schemas")
    target.mkdir(exist_ok=True)
    vocabulary = load_vocabulary(shipped_rules_dir() / "vocabulary.yaml")
    for name, schema in all_schemas(vocabulary).items():
        (target / name).write_text(render(schema), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
