"""Errors and diagnostics.

Every problem the package reports about a user's file is a :class:`Problem`: the file, the line and
column (1-based, as editors count), the field (a dotted key path such as ``events[3].date``), a
message in the user's language, an error code and, where we can guess, a hint. Exceptions carry
*all* the problems found in one pass, so a user fixes everything in one go.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, located as precisely as we can."""

    file: str
    line: int | None
    column: int | None
    field: str | None
    message: str
    code: str = "E000"
    hint: str | None = None
    #: "error" (the file is refused) or "warning" (worth a look; nothing is refused).
    severity: str = "error"

    def location(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def __str__(self) -> str:
        field = f"{self.field}: " if self.field else ""
        hint = f" ({self.hint})" if self.hint else ""
        # Values from the file (an id, a `for:`) end up in these texts: one problem is one line.
        return printable(f"{self.location()}: {field}{self.message}{hint}")


#: Characters that must never reach a terminal or a log as they are: C0 and C1 controls (a newline
#: forges an extra `error:` line; ESC starts ANSI sequences that retitle the window, clear the
#: screen or make links) and the bidirectional overrides that reorder what is shown.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` with control characters shown escaped (``\\n``, ``\\x1b``, ``\\u202e``)."""
    if not _UNPRINTABLE.search(text):
        return text
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


#: How many characters of a rejected value a message quotes. Free text typed into a coded field
#: may be a child's name or date of birth, and messages are copied to terminals, CI logs and the
#: report's list of inputs left out: the file, line and field locate the value, so the message
#: needs only its first characters and its length to be recognised there.
QUOTED_CHARACTERS = 3


def quoted(value: str, keep: int = QUOTED_CHARACTERS) -> str:
    """A rejected value as a message shows it: in full if short, else its first ``keep``
    characters and its length (``'Jan…' (21 characters)``)."""
    if len(value) <= keep:
        return repr(value)
    return f"{value[:keep] + '…'!r} ({len(value)} characters)"


class TimescalesError(Exception):
    """Base of every error the package raises about its input.

    ``problems`` lists every problem found; ``file``, ``line``, ``field`` and ``message`` are those
    of the first, for callers that want one.
    """

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        if not self.problems:
            raise ValueError("an error needs at least one problem")
        super().__init__("\n".join(str(p) for p in self.problems))

    @property
    def file(self) -> str:
        return self.problems[0].file

    @property
    def line(self) -> int | None:
        return self.problems[0].line

    @property
    def field(self) -> str | None:
        return self.problems[0].field

    @property
    def message(self) -> str:
        return self.problems[0].message


class TimelineError(TimescalesError):
    """A case timeline (YAML, JSON, CSV or CIN census XML) cannot be read as it stands."""


class RuleFileError(TimescalesError):
    """A rule pack, rule file, rule test file or the vocabulary is wrong."""


class CalendarError(TimescalesError):
    """A date falls outside the years the bank-holiday calendar covers."""


def problem(
    file: str,
    message: str,
    *,
    line: int | None = None,
    column: int | None = None,
    field: str | None = None,
    code: str = "E000",
    hint: str | None = None,
    severity: str = "error",
) -> Problem:
    """Shorthand that keeps call sites readable."""
    return Problem(file, line, column, field, message, code, hint, severity)
