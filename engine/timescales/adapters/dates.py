"""Dates as spreadsheets and case systems write them: ISO, or UK day-first, with or without a time.

Accepted: ``2024-02-05``, ``05/02/2024``, ``5/2/2024``, ``05-02-2024``, ``05.02.2024``,
``5 Feb 2024``, ``5 February 2024``, ``05-Feb-2024``, each optionally followed by a time of day
(``2024-02-05T09:30``, ``05/02/2024 09:30:00``), which is dropped: deadlines count whole days.

Day-first is what UK spreadsheets and the DfE's own CSV returns write. Month-first is never guessed:
``02/13/2024`` reads only as 13 February month-first, so it is refused with a message that says so,
and ``05/02/2024`` is always 5 February. Two-digit years are refused (``05/02/24``: which century?).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ..calendar import parse_iso_date
from ..errors import quoted

_TIME = r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[AaPp][Mm])?(?:Z|[+-]\d{2}:?\d{2})?)?"
_ISO = re.compile(rf"(\d{{4}})-(\d{{1,2}})-(\d{{1,2}})({_TIME})")
_NUMERIC = re.compile(rf"(\d{{1,2}})([/.-])(\d{{1,2}})\2(\d{{2,4}})({_TIME})")
_NAMED = re.compile(rf"(\d{{1,2}})[ -]([A-Za-z]{{3,9}})\.?[ -](\d{{2,4}})({_TIME})")
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
ACCEPTED = "YYYY-MM-DD or DD/MM/YYYY"


@dataclass(frozen=True)
class DateReading:
    """A date read from a cell, and whether a time of day was dropped from it."""

    date: dt.date
    time_dropped: bool


def read_date(text: str) -> DateReading:
    """Read a date cell; raise ``ValueError`` with a message fit for a QA officer."""
    value = text.strip()
    if match := _ISO.fullmatch(value):
        year, month, day, time = match.groups()
        return DateReading(_checked(value, int(year), int(month), int(day)), bool(time))
    if match := _NUMERIC.fullmatch(value):
        day, _, month, year, time = match.groups()
        _four_digit_year(value, year)
        if int(month) > 12 and int(day) <= 12:
            raise ValueError(
                f"{value!r} would only be a date read month-first ({int(month)} "
                f"{_month_name(int(day))}); dates are read day-first (DD/MM/YYYY), as UK "
                "spreadsheets write them: check how this column was exported"
            )
        return DateReading(_checked(value, int(year), int(month), int(day)), bool(time))
    if match := _NAMED.fullmatch(value):
        day, month_name, year, time = match.groups()
        _four_digit_year(value, year)
        month = _MONTHS.get(month_name.lower())
        if month is None:
            raise ValueError(f"{quoted(value)}: not a date (no month is called {quoted(month_name)})")
        return DateReading(_checked(value, int(year), month, int(day)), bool(time))
    raise ValueError(f"expected a date written {ACCEPTED}, got {quoted(value)}")


def _four_digit_year(value: str, year: str) -> None:
    if len(year) != 4:
        raise ValueError(f"{value!r}: write the year in full (four digits), so the century is not guessed")


def _month_name(month: int) -> str:
    return dt.date(2000, month, 1).strftime("%B")


def _checked(value: str, year: int, month: int, day: int) -> dt.date:
    try:
        dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"{value!r} is not a real date") from None
    # The ISO reader also checks the years the bank-holiday calendars cover.
    try:
        return parse_iso_date(f"{year:04d}-{month:02d}-{day:02d}")
    except ValueError as exc:
        raise ValueError(str(exc).replace(repr(f"{year:04d}-{month:02d}-{day:02d}"), repr(value))) from None
