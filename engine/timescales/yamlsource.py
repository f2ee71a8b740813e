"""A strict YAML reader that remembers where everything came from.

PyYAML's defaults are wrong for legal data: duplicate keys silently overwrite, ``no`` becomes
``False`` and a section number ``1.10`` becomes the float ``1.1``. So we only *compose* the YAML
(syntax) and build the values ourselves:

* every mapping is an :class:`LMap` and every sequence an :class:`LSeq`, which know the line and
  column of themselves, of each key and of each item;
* every scalar stays a string (plain ``null``, ``~`` or an empty value become ``None``): the reader
  of each field decides what it must be and says so when it is not;
* a repeated key is a problem, reported with both places; all of them are reported, not just the
  first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import Problem, problem

# The C composer is several times faster and keeps the same marks.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Position = tuple[int, int]


class LMap(dict[str, Any]):
    """A mapping from a YAML file, with the position of itself and of each key."""

    position: Position
    key_positions: dict[str, Position]
    value_positions: dict[str, Position]

    def where(self, key: str) -> Position:
        """Where ``key`` is written (or the mapping itself, if the key is absent)."""
        return self.key_positions.get(key, self.position)

    def value_where(self, key: str) -> Position:
        """Where the value of ``key`` starts: what an editor should underline for a bad value."""
        return self.value_positions.get(key) or self.where(key)


class LSeq(list[Any]):
    """A sequence from a YAML file, with the position of itself and of each item."""

    position: Position
    item_positions: list[Position]

    def where(self, index: int) -> Position:
        if 0 <= index < len(self.item_positions):
            return self.item_positions[index]
        return self.position


def _pos(node: yaml.Node) -> Position:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


_NULLS = {"null", "Null", "NULL", "~", ""}


def _build(node: yaml.Node, file: str, problems: list[Problem]) -> Any:
    if isinstance(node, yaml.MappingNode):
        result = LMap()
        result.position = _pos(node)
        result.key_positions = {}
        result.value_positions = {}
        explicit = []
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                # `<<: *anchor` (or a list of them): keys given here override the merged ones.
                sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                for source in sources:
                    merged = _build(source, file, problems)
                    if isinstance(merged, LMap):
                        for key, value in merged.items():
                            result[key] = value
                            result.key_positions[key] = merged.where(key)
                            result.value_positions[key] = merged.value_where(key)
                    else:
                        line, col = _pos(value_node)
                        problems.append(
                            problem(file, "`<<` must merge a mapping", line=line, column=col, code="E002")
                        )
            else:
                explicit.append((key_node, value_node))
        merged_keys = set(result)
        for key_node, value_node in explicit:
            if not isinstance(key_node, yaml.ScalarNode):
                line, col = _pos(key_node)
                problems.append(
                    problem(file, "a key must be a plain name", line=line, column=col, code="E002")
                )
                continue
            key = str(key_node.value)
            line, col = _pos(key_node)
            if key in merged_keys:
                merged_keys.discard(key)
            elif key in result.key_positions:
                first_line, _ = result.key_positions[key]
                problems.append(
                    problem(
                        file,
                        f"duplicate key {key!r} (first given on line {first_line})",
                        line=line,
                        column=col,
                        field=key,
                        code="E003",
                        hint="remove one of them: YAML would silently keep only the last",
                    )
                )
                continue
            result.key_positions[key] = (line, col)
            result.value_positions[key] = _pos(value_node)
            result[key] = _build(value_node, file, problems)
        return result
    if isinstance(node, yaml.SequenceNode):
        seq = LSeq()
        seq.position = _pos(node)
        seq.item_positions = []
        for item in node.value:
            seq.item_positions.append(_pos(item))
            seq.append(_build(item, file, problems))
        return seq
    assert isinstance(node, yaml.ScalarNode)
    value = str(node.value)
    if node.style is None and value in _NULLS:
        return None
    return value


def parse_yaml(text: str, file: str) -> tuple[Any, list[Problem]]:
    """Parse ``text`` (YAML or JSON) into located values; return them with every problem found.

    A syntax error gives ``(None, [that problem])``: nothing after it can be trusted.
    """
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        what = exc.problem or "invalid YAML"
        return None, [problem(file, f"YAML syntax error: {what}", line=line, column=column, code="E001")]
    except yaml.YAMLError as exc:  # e.g. more than one document
        return None, [problem(file, f"YAML error: {exc}", code="E001")]
    if node is None:
        return None, []
    problems: list[Problem] = []
    return _build(node, file, problems), problems


def read_yaml_file(path: Path) -> tuple[Any, list[Problem]]:
    """Read and parse a YAML or JSON file; an unreadable file is one problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return None, [problem(str(path), f"not UTF-8 text ({exc.reason})", code="E001")]
    except OSError as exc:
        return None, [problem(str(path), f"cannot read the file: {exc.strerror}", code="E001")]
    return parse_yaml(text, str(path))
