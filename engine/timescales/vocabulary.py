"""The event vocabulary (``rules/vocabulary.yaml``): event types and the attributes each allows."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import Problem, RuleFileError, problem, quoted
from .yamlsource import LMap, LSeq, read_yaml_file

#: Fields every event may carry; they are not attributes.
EVENT_FIELDS = ("id", "type", "date", "children", "for", "estimated", "note")

_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}


def parse_boolean(text: str) -> bool | None:
    """``True``/``False`` for the spellings case systems and the CIN census use; else ``None``."""
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    return None


def did_you_mean(word: str, choices: list[str] | tuple[str, ...] | set[str]) -> str | None:
    """A hint naming the closest known word, if one is close."""
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else None


def rejected(value: str, hint: str | None) -> str:
    """A rejected value in a message: in full when close to a known word (``hint``: a misspelt
    code, which holds no personal data), else only its first characters (it may be free text, a
    name or a date of birth, typed into a coded field)."""
    return repr(value) if hint else quoted(value)


@dataclass(frozen=True)
class Attribute:
    name: str
    kind: str  # boolean | choice | text
    values: tuple[str, ...] = ()
    description: str | None = None

    def normalise(self, raw: str) -> tuple[str | None, str | None, str | None]:
        """Return ``(value, error, hint)``: the value as the engine stores it, or why it is wrong."""
        if self.kind == "boolean":
            flag = parse_boolean(raw)
            if flag is None:
                return None, f"expected true or false, got {quoted(raw)}", None
            return ("true" if flag else "false"), None, None
        if self.kind == "choice":
            if raw not in self.values:
                allowed = ", ".join(self.values)
                hint = did_you_mean(raw, self.values)
                return None, f"{rejected(raw, hint)} is not one of: {allowed}", hint
            return raw, None, None
        return raw, None, None


@dataclass(frozen=True)
class EventType:
    name: str
    description: str
    attributes: Mapping[str, Attribute]
    may_refer_to: tuple[str, ...]
    cin_census: str | None = None
    #: How an explanation names such an event ("strategy discussion").
    label: str = ""


@dataclass(frozen=True)
class Vocabulary:
    types: Mapping[str, EventType]
    source: str

    def check_type(self, name: str) -> tuple[str | None, str | None]:
        """``(error, hint)`` if ``name`` is not an event type."""
        if name in self.types:
            return None, None
        hint = did_you_mean(name, list(self.types))
        return f"unknown event type {rejected(name, hint)}", hint

    def check_attribute(
        self, type_name: str, attr: str, raw: str
    ) -> tuple[str | None, str | None, str | None]:
        """``(normalised value, error, hint)`` for attribute ``attr`` of an event of ``type_name``."""
        event_type = self.types[type_name]
        spec = event_type.attributes.get(attr)
        if spec is None:
            allowed = ", ".join(event_type.attributes) or "none"
            return (
                None,
                f"{type_name} events have no attribute {attr!r} (allowed: {allowed})",
                did_you_mean(attr, list(event_type.attributes)),
            )
        return spec.normalise(raw)


def load_vocabulary(path: Path) -> Vocabulary:
    """Read and check ``vocabulary.yaml``; every problem is reported at once."""
    data, problems = read_yaml_file(path)
    file = str(path)
    types: dict[str, EventType] = {}
    if not problems:
        if not isinstance(data, LMap) or not isinstance(data.get("event_types"), LMap):
            problems.append(problem(file, "expected a mapping `event_types:`", line=1, code="E010"))
        else:
            table: LMap = data["event_types"]
            for name, spec in table.items():
                line, col = table.where(name)
                types[name] = _event_type(name, spec, file, line, col, problems)
            problems.extend(check_reference_targets(Vocabulary(types, file)))
    if problems:
        raise RuleFileError(problems)
    return Vocabulary(types, file)


def _event_type(
    name: str, spec: object, file: str, line: int, col: int, problems: list[Problem]
) -> EventType:
    if spec is None:
        spec = LMap()
    if not isinstance(spec, LMap):
        problems.append(problem(file, "expected a mapping", line=line, column=col, field=name, code="E010"))
        return EventType(name, "", {}, (), label=name)
    attributes: dict[str, Attribute] = {}
    raw_attrs = spec.get("attributes") or LMap()
    if isinstance(raw_attrs, LMap):
        for attr, attr_spec in raw_attrs.items():
            a_line, a_col = raw_attrs.where(attr)
            if not isinstance(attr_spec, LMap) or attr_spec.get("kind") not in ("boolean", "choice", "text"):
                problems.append(
                    problem(
                        file,
                        "an attribute needs `kind: boolean | choice | text`",
                        line=a_line,
                        column=a_col,
                        field=f"{name}.attributes.{attr}",
                        code="E011",
                    )
                )
                continue
            values = attr_spec.get("values") or ()
            if attr_spec["kind"] == "choice" and not (isinstance(values, LSeq) and values):
                problems.append(
                    problem(
                        file,
                        "a choice attribute needs a list of `values`",
                        line=a_line,
                        column=a_col,
                        field=f"{name}.attributes.{attr}",
                        code="E011",
                    )
                )
            attributes[attr] = Attribute(attr, attr_spec["kind"], tuple(values), attr_spec.get("description"))
    refers = spec.get("for") or ()
    return EventType(
        name,
        str(spec.get("description") or ""),
        attributes,
        tuple(refers) if isinstance(refers, LSeq) else (),
        spec.get("cin_census"),
        str(spec.get("label") or name.replace("_", " ")),
    )


def check_reference_targets(vocabulary: Vocabulary) -> list[Problem]:
    """Every ``for:`` list names known event types."""
    found: list[Problem] = []
    for event_type in vocabulary.types.values():
        for target in event_type.may_refer_to:
            if target not in vocabulary.types:
                found.append(
                    problem(
                        vocabulary.source,
                        f"`for` names unknown event type {target!r}",
                        field=f"{event_type.name}.for",
                        code="E012",
                    )
                )
    return found
