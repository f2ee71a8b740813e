"""Checking YAML documents field by field, collecting every problem with its place."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from ..calendar import WorkingCalendar, parse_iso_date
from ..errors import Problem, problem
from ..vocabulary import did_you_mean
from ..yamlsource import LMap, LSeq
from .periods import Period, parse_period

T = TypeVar("T")


class Checker:
    """Collects problems for one file, each located by a mapping and a key."""

    def __init__(self, file: str, problems: list[Problem]):
        self.file = file
        self.problems = problems
        # Rule-level settings are read once per version: report each problem once.
        self.seen: set[Problem] = set()
        self._calendar: WorkingCalendar | None = None

    @property
    def calendar(self) -> WorkingCalendar:
        """A calendar to test how far periods reach (made when first needed)."""
        if self._calendar is None:
            self._calendar = WorkingCalendar()
        return self._calendar

    def add(
        self,
        where: LMap | LSeq | None,
        key: Any,
        path: str,
        message: str,
        code: str,
        hint: str | None = None,
        *,
        at_key: bool = False,
    ) -> None:
        """Record a problem at the value of ``key`` (or at the key itself, for unknown keys)."""
        line = column = None
        if isinstance(where, LMap) and not at_key and key in where:
            line, column = where.value_where(key)
        elif where is not None:
            line, column = where.where(key)
        found = problem(self.file, message, line=line, column=column, field=path, code=code, hint=hint)
        if found not in self.seen:
            self.seen.add(found)
            self.problems.append(found)

    def keys(self, data: LMap, allowed: Sequence[str], path: str) -> None:
        for key in data:
            if key not in allowed:
                self.add(
                    data,
                    key,
                    f"{path}{key}",
                    f"unknown key {key!r}",
                    "E301",
                    did_you_mean(key, list(allowed)) or f"allowed: {', '.join(allowed)}",
                    at_key=True,
                )

    def text(self, data: LMap, key: str, path: str, *, required: bool = True) -> str | None:
        value = data.get(key)
        if value is None:
            if required:
                self.add(data, key, f"{path}{key}", f"missing required key `{key}`", "E302")
            return None
        if not isinstance(value, str):
            self.add(data, key, f"{path}{key}", f"`{key}` must be text", "E303")
            return None
        return value

    def flag(self, data: LMap, key: str, path: str) -> bool:
        """An optional yes/no setting written ``true`` or ``false`` (absent: false)."""
        value = self.text(data, key, path, required=False)
        if value is None:
            return False
        if value not in ("true", "false"):
            self.add(data, key, f"{path}{key}", f"`{key}` must be true or false", "E303")
            return False
        return value == "true"

    def date(self, data: LMap, key: str, path: str, *, required: bool = True) -> dt.date | None:
        return self._parsed(data, key, path, parse_iso_date, "E304", required)

    def period(self, data: LMap, key: str, path: str) -> Period | None:
        return self._parsed(data, key, path, parse_period, "E305", True)

    def _parsed(
        self, data: LMap, key: str, path: str, parse: Callable[[str], T], code: str, required: bool
    ) -> T | None:
        """The text at ``key`` read by ``parse``; a ValueError becomes a problem at the value."""
        value = self.text(data, key, path, required=required)
        if value is None:
            return None
        try:
            return parse(value)
        except ValueError as exc:
            self.add(data, key, f"{path}{key}", str(exc), code)
            return None
