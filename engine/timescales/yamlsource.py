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


#: Limits that keep a hostile file from crashing or stalling the reader. No rule, vocabulary or
#: timeline file comes near them (the deepest shipped file nests 6 levels).
MAX_DEPTH = 100
#: Values that aliases may add to a document (``*a`` stands for everything under ``&a``): enough
#: for any sensible reuse, far too few for an alias bomb ("billion laughs").
MAX_ALIAS_VALUES = 100_000
#: The largest YAML or JSON file read (a timeline of 100,000 events is about 8 MB).
MAX_BYTES = 32 * 1024 * 1024

_NULLS = {"null", "Null", "NULL", "~", ""}


class _TooHostile(Exception):
    """A document that breaks a limit: reported as one problem at its place, nothing built."""

    def __init__(self, message: str, mark: Any, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark
        self.hint = hint


def _pos(mark: Any) -> Position:
    return (mark.line + 1, mark.column + 1)


class _Frame:
    """A mapping or sequence being read: its values so far, and where it started."""

    __slots__ = ("anchor", "is_map", "key", "merges", "pairs", "position", "size", "value")

    def __init__(self, is_map: bool, position: Position, anchor: str | None) -> None:
        self.is_map = is_map
        self.position = position
        self.anchor = anchor
        self.size = 1
        #: Mapping: the key waiting for its value (text, where, is-a-merge), or None.
        self.key: tuple[str | None, Position, bool] | None = None
        self.pairs: list[tuple[str | None, Position, Any, Position]] = []
        self.merges: list[tuple[Any, Position]] = []
        self.value: Any = None
        if not is_map:
            seq = LSeq()
            seq.position = position
            seq.item_positions = []
            self.value = seq


class _Composer:
    """Builds located values straight from the parser's events, without recursion.

    PyYAML's own composer (C or Python) recurses once per level of nesting, so a file nested
    50,000 deep crashes the process, and it expands aliases without limit. Reading the event
    stream ourselves keeps depth, alias expansion and recursive aliases under control: each is
    refused at its line before anything is built from it.
    """

    def __init__(self, file: str, problems: list[Problem]) -> None:
        self.file = file
        self.problems = problems
        self.stack: list[_Frame] = []
        #: anchor -> (value, number of values under it); a collection still open is absent
        #: from here but present in ``open_anchors``.
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.open_anchors: set[str] = set()
        self.alias_values = 0
        self.root: Any = None
        self.documents = 0

    def feed(self, event: Any) -> None:
        if isinstance(event, yaml.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                raise _TooHostile(
                    "a file holds one document; this one has another after a `---`", event.start_mark
                )
        elif isinstance(event, yaml.ScalarEvent):
            value: Any = event.value
            plain = event.style in (None, "") and event.tag in (None, "!")
            if plain and value in _NULLS:
                value = None
            self._remember(event.anchor, value, 1)
            self._add(value, _pos(event.start_mark), 1, key_text=event.value, plain=plain)
        elif isinstance(event, yaml.AliasEvent):
            self._alias(event)
        elif isinstance(event, yaml.CollectionStartEvent):
            if len(self.stack) >= MAX_DEPTH:
                raise _TooHostile(
                    f"nested more than {MAX_DEPTH} levels deep",
                    event.start_mark,
                    "no timeline or rule file needs more than a few levels",
                )
            if event.anchor is not None:
                self.open_anchors.add(event.anchor)
            self.stack.append(
                _Frame(isinstance(event, yaml.MappingStartEvent), _pos(event.start_mark), event.anchor)
            )
        elif isinstance(event, yaml.CollectionEndEvent):
            frame = self.stack.pop()
            built: Any = self._finish_map(frame) if frame.is_map else frame.value
            if frame.anchor is not None:
                self.open_anchors.discard(frame.anchor)
                self._remember(frame.anchor, built, frame.size)
            self._add(built, frame.position, frame.size)

    def _remember(self, anchor: str | None, value: Any, size: int) -> None:
        if anchor is not None:
            self.anchors[anchor] = (value, size)

    def _alias(self, event: Any) -> None:
        name = event.anchor
        if name in self.open_anchors:
            raise _TooHostile(
                f"the alias *{name} refers to a list or mapping that contains it (a loop)", event.start_mark
            )
        found = self.anchors.get(name)
        if found is None:
            raise _TooHostile(f"the alias *{name} refers to no anchor &{name} before it", event.start_mark)
        aliased, size = found
        self.alias_values += size
        if self.alias_values > MAX_ALIAS_VALUES:
            raise _TooHostile(
                f"aliases expand to more than {MAX_ALIAS_VALUES:,} values",
                event.start_mark,
                "an alias bomb? write the values out instead of nesting aliases",
            )
        self._add(aliased, _pos(event.start_mark), size, key_text=None, plain=False)

    def _add(
        self, value: Any, where: Position, size: int, *, key_text: str | None = None, plain: bool = False
    ) -> None:
        if not self.stack:
            self.root = value
            return
        frame = self.stack[-1]
        frame.size += size
        if not frame.is_map:
            frame.value.append(value)
            frame.value.item_positions.append(where)
            return
        if frame.key is None:
            if isinstance(value, (LMap, LSeq)) or key_text is None:
                self.problems.append(
                    problem(
                        self.file, "a key must be a plain name", line=where[0], column=where[1], code="E002"
                    )
                )
                frame.key = (None, where, False)
            else:
                frame.key = (key_text, where, plain and key_text == "<<")
            return
        key, key_where, is_merge = frame.key
        frame.key = None
        if is_merge:
            frame.merges.append((value, where))
        else:
            frame.pairs.append((key, key_where, value, where))

    def _finish_map(self, frame: _Frame) -> LMap:
        result = LMap()
        result.position = frame.position
        result.key_positions = {}
        result.value_positions = {}
        # `<<: *anchor` (or a list of them): keys given here override the merged ones.
        for merged_value, where in frame.merges:
            sources = list(merged_value) if isinstance(merged_value, LSeq) else [merged_value]
            for source in sources:
                if not isinstance(source, LMap):
                    self.problems.append(
                        problem(
                            self.file,
                            "`<<` must merge a mapping",
                            line=where[0],
                            column=where[1],
                            code="E002",
                        )
                    )
                    continue
                for merged_key, merged in source.items():
                    result[merged_key] = merged
                    result.key_positions[merged_key] = source.where(merged_key)
                    result.value_positions[merged_key] = source.value_where(merged_key)
        merged_keys = set(result)
        for key, (line, col), value, value_where in frame.pairs:
            if key is None:
                continue
            if key in merged_keys:
                merged_keys.discard(key)
            elif key in result.key_positions:
                first_line, _ = result.key_positions[key]
                self.problems.append(
                    problem(
                        self.file,
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
            result.value_positions[key] = value_where
            result[key] = value
        return result


def _line_at(text: str, position: int) -> int:
    return text.count("\n", 0, max(position, 0)) + 1


def parse_yaml(text: str, file: str) -> tuple[Any, list[Problem]]:
    """Parse ``text`` (YAML or JSON) into located values; return them with every problem found.

    A syntax error, or a file that breaks a limit (nesting, alias expansion, a loop of aliases),
    gives ``(None, [that problem])``: nothing after it can be trusted.
    """
    if len(text) > MAX_BYTES:
        return None, [
            problem(
                file, f"larger than {MAX_BYTES // (1024 * 1024)} MB: not a timeline or rule file", code="E004"
            )
        ]
    problems: list[Problem] = []
    composer = _Composer(file, problems)
    try:
        for event in yaml.parse(text, Loader=_Loader):
            composer.feed(event)
    except _TooHostile as exc:
        where = _pos(exc.mark)
        return None, [problem(file, exc.message, line=where[0], column=where[1], code="E004", hint=exc.hint)]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        what = exc.problem or "invalid YAML"
        return None, [problem(file, f"YAML syntax error: {what}", line=line, column=column, code="E001")]
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (a NUL byte, ...)
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
        return None, [
            problem(
                file,
                f"a character YAML does not allow (U+{code:04X})",
                line=_line_at(text, exc.position),
                code="E001",
            )
        ]
    except yaml.YAMLError as exc:
        return None, [problem(file, f"YAML error: {exc}", code="E001")]
    return composer.root, problems


def read_yaml_file(path: Path) -> tuple[Any, list[Problem]]:
    """Read and parse a YAML or JSON file; an unreadable file is one problem."""
    try:
        if path.stat().st_size > MAX_BYTES:
            size = path.stat().st_size // (1024 * 1024)
            return None, [
                problem(
                    str(path),
                    f"{size} MB is larger than a timeline or rule file can be "
                    f"({MAX_BYTES // (1024 * 1024)} MB)",
                    code="E004",
                )
            ]
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return None, [problem(str(path), f"not UTF-8 text ({exc.reason})", code="E001")]
    except OSError as exc:
        return None, [problem(str(path), f"cannot read the file: {exc.strerror}", code="E001")]
    return parse_yaml(text, str(path))
